"""Checking, at start-up, every mapping file the config refers to: that it exists (the error
names the config key that points at it) and that it loads (the error names the mapping file's
own key and line)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vtdriver.config.validate import TableContext
from vtdriver.gestures.gesture_file import load_gesture_set

if TYPE_CHECKING:
    from vtdriver.config.loader import Config


def _existing(config: "Config", relative: str, ctx: TableContext, key: str) -> Path:
    path = config.resolve(relative)
    if not path.is_file():
        raise ctx.error(key, f"file not found: {path}")
    return path


def check_mapping_files(config: "Config", text: str) -> dict[str, Path]:
    """Loads every referenced mapping once; returns their resolved paths by role."""
    paths: dict[str, Path] = {}
    gestures = config.sections["gestures"]
    gesture_ctx = TableContext(config.path, text, "gestures")
    paths["gestures"] = _existing(config, gestures.gestures_file, gesture_ctx, "gestures_file")
    load_gesture_set(paths["gestures"])
    for index, output in enumerate(config.outputs):
        ctx = TableContext(config.path, text, "outputs", index)
        paths[f"output:{output.label}"] = _existing(config, output.mapping, ctx, "mapping")
    return paths
