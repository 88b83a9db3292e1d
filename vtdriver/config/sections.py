"""Settings that belong to no single stage: the avatar's mirror mode, the status line, and the
``[[outputs]]`` tables."""
from __future__ import annotations

from dataclasses import dataclass

from vtdriver import humanoid
from vtdriver.settings import setting


@dataclass(frozen=True)
class AvatarSettings:
    mirror: bool = setting(
        False,
        "false: the avatar copies you as seen through a window (your right arm moves its right "
        "arm). true: it behaves like your reflection in a mirror.",
    )


@dataclass(frozen=True)
class StatusSettings:
    interval_seconds: float = setting(
        5.0, "seconds between headless status lines (0 = no status line)", min=0.0, max=3600.0
    )


@dataclass(frozen=True)
class OutputSettings:
    kind: str = setting("vmc", "vmc (VSeeFace, EVMC4U) or osc (VRChat and other plain OSC receivers)", choices=("vmc", "osc"))
    target: str = setting("127.0.0.1:39539", "HOST:PORT the output sends to ([IPv6]:PORT for IPv6)")
    allow_remote: bool = setting(
        False,
        "allow a non-loopback target (another PC). Off by default: tracking data stays on this "
        "machine unless you opt in; a warning is printed when it is on.",
    )
    mapping: str = setting("mappings/vseeface.toml", "mapping file (relative to this config file)")
    name: str = setting("", "name used by gesture actions to address this output (default: its kind)")
    enabled: bool = setting(True, "false keeps the table but sends nothing")
    bones: list[str] = setting(["*"], "bones to send: HumanBodyBones names, '*' for all, [] for none")
    blendshapes: list[str] = setting(["*"], "blendshapes to send (output names after mapping), '*' for all")
    gestures: bool = setting(True, "send gesture events (/vtdriver/gesture and mapped gesture actions)")
    rate_limit_hz: float = setting(0.0, "maximum frames per second to send, 0 = every frame", min=0.0, max=1000.0)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.bones) - set(humanoid.BONE_NAMES) - {"*"})
        if unknown:
            raise ValueError(f"bones: unknown HumanBodyBones names {unknown}")

    @property
    def label(self) -> str:
        return self.name or self.kind
