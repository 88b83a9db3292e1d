"""Which settings dataclass validates which table of config.toml. Adding a configurable stage
is one line here plus its documented defaults in config.toml."""
from __future__ import annotations

from vtdriver.config.sections import AvatarSettings, StatusSettings
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.smoothing import SmoothingSettings
from vtdriver.solvers.body import BodySettings
from vtdriver.solvers.face import FaceSettings
from vtdriver.sources.base import SourceSettings
from vtdriver.tracker import TrackerSettings

SECTIONS: dict[str, type] = {
    "avatar": AvatarSettings,
    "source": SourceSettings,
    "tracker": TrackerSettings,
    "body": BodySettings,
    "face": FaceSettings,
    "hands": HandsSettings,
    "gestures": GestureSettings,
    "status": StatusSettings,
}

# Landmark streams smoothed before solving; each gets its own [smoothing.<part>] table.
SMOOTHING_PARTS: tuple[str, ...] = ("body", "hands", "face")

__all__ = ["SECTIONS", "SMOOTHING_PARTS", "SmoothingSettings"]
