"""Checking, at start-up, every mapping file the config refers to: that it exists (the error
names the config key that points at it) and that it loads (the error names the mapping file's
own key and line)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vtdriver.config.validate import TableContext
from vtdriver.gestures.action_file import load_actions
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.mapping import INTERNAL_NAMES, BlendshapeMapping

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
    gesture_set = load_gesture_set(paths["gestures"])
    paths["actions"] = _existing(config, gestures.actions_file, gesture_ctx, "actions_file")
    outputs = [o.label for o in config.outputs if o.enabled]
    load_actions(paths["actions"], gesture_set, outputs, INTERNAL_NAMES)
    for index, output in enumerate(config.outputs):
        ctx = TableContext(config.path, text, "outputs", index)
        path = paths[f"output:{output.label}"] = _existing(config, output.mapping, ctx, "mapping")
        if output.kind == "vmc":
            BlendshapeMapping.load(path)
        else:
            from vtdriver.outputs.osc_params import OscParameterMapping  # noqa: PLC0415

            OscParameterMapping.load(path)
    return paths
