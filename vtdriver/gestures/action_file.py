"""Reading ``mappings/actions.toml``: one ``[[action]]`` table per thing a gesture does.

    [[action]]
    gesture = "victory"                 # a gesture from gestures.toml
    hand = "any"                        # left | right | both (two-hand gestures) | any
    blendshapes = { happy = 1.0 }       # internal names (ARKit camelCase, VRM 1.0 presets), 0..1
    mode = "max"                        # max: at least this value | set: replace the face's value
    fade_in_ms = 150
    fade_out_ms = 300

    [[action]]
    gesture = "thumbs_up"
    hand = "right"
    output = "vrchat"                   # an [[outputs]] name in config.toml
    on_enter = { address = "/avatar/parameters/GestureRight", args = [6] }
    on_exit = { address = "/avatar/parameters/GestureRight", args = [0] }
    # on_hold = {...} with hold_every_ms = 500 sends while the gesture is held

A message may be a list of such tables, and a table may name its own ``output``. Arguments are
integers, floats, strings or booleans. Every mistake stops start-up with one line naming the
file, the action, the key and the line (``ConfigError``).
"""
from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path
from typing import Any

from vtdriver.config.errors import ConfigError, find_key_line
from vtdriver.config.toml_file import parse_toml, read_toml
from vtdriver.gestures.actions import Action, GestureActions, Message
from vtdriver.gestures.patterns import GestureSet

_KEYS = (
    "gesture", "hand", "blendshapes", "mode", "fade_in_ms", "fade_out_ms",
    "output", "on_enter", "on_exit", "on_hold", "hold_every_ms", "description",
)
_HANDS = ("any", "left", "right", "both")
_MODES = ("max", "set")


class _Context:
    def __init__(self, path: Path, text: str, index: int):
        self.path, self.text, self.index = path, text, index

    def error(self, key: str, message: str) -> ConfigError:
        line = find_key_line(self.text, "action", key, self.index)
        return ConfigError(self.path, f"[[action]] #{self.index + 1} {key}".rstrip(), message, line)


def load_actions(
    path: str | Path,
    gesture_set: GestureSet,
    output_names: Collection[str],
    known_blendshapes: Collection[str] | None = None,
) -> GestureActions:
    text, data = read_toml(path)
    return actions_from_document(data, text, gesture_set, output_names, known_blendshapes, path)


def parse_actions(
    text: str,
    gesture_set: GestureSet,
    output_names: Collection[str],
    known_blendshapes: Collection[str] | None = None,
    path: str | Path = "<actions>",
) -> GestureActions:
    """``output_names``: the configured outputs' names; ``known_blendshapes``: the internal
    blendshape names (None skips that check)."""
    return actions_from_document(parse_toml(text, path), text, gesture_set, output_names, known_blendshapes, path)


def actions_from_document(
    data: dict,
    text: str,
    gesture_set: GestureSet,
    output_names: Collection[str],
    known_blendshapes: Collection[str] | None,
    path: str | Path,
) -> GestureActions:
    path = Path(path)
    for key in data:
        if key != "action":
            raise ConfigError(path, key, "unknown top-level key; write each action as an [[action]] table",
                              find_key_line(text, "", key) or find_key_line(text, key, ""))
    tables = data.get("action", [])
    if not isinstance(tables, list):
        raise ConfigError(path, "action", "write actions as [[action]] tables", find_key_line(text, "action", ""))
    actions = tuple(
        _action(_Context(path, text, i), table, gesture_set, set(output_names), known_blendshapes)
        for i, table in enumerate(tables)
    )
    return GestureActions(actions)


def _number(ctx: _Context, table: dict, key: str, default: float | None, low: float, high: float) -> float | None:
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ctx.error(key, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise ctx.error(key, f"must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def _choice(ctx: _Context, table: dict, key: str, choices: tuple[str, ...]) -> str:
    value = table.get(key, choices[0])
    if value not in choices:
        raise ctx.error(key, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _gesture_and_hand(ctx: _Context, table: dict, gesture_set: GestureSet) -> tuple[str, str]:
    if "gesture" not in table:
        raise ctx.error("gesture", "missing: which gesture triggers this action?")
    gesture = table["gesture"]
    if not isinstance(gesture, str) or gesture not in gesture_set.names:
        raise ctx.error("gesture", f"unknown gesture {gesture!r} (known: {', '.join(sorted(gesture_set.names))})")
    hand = _choice(ctx, table, "hand", _HANDS)
    two_hand = gesture_set.is_two_hand(gesture)
    if hand == "both" and not two_hand:
        raise ctx.error("hand", f"'both' is for two-hand gestures; {gesture!r} is made with one hand")
    if hand in ("left", "right") and two_hand:
        raise ctx.error("hand", f"{gesture!r} is a two-hand gesture; use hand = \"both\" or \"any\"")
    return gesture, hand


def _blendshapes(ctx: _Context, table: dict, known: Collection[str] | None) -> dict[str, float]:
    value = table.get("blendshapes", {})
    if not isinstance(value, dict):
        raise ctx.error("blendshapes", f"must be a table of name = weight, got {value!r}")
    out = {}
    for name, weight in value.items():
        if known is not None and name not in known:
            raise ctx.error("blendshapes", f"unknown blendshape {name!r} (use internal names such as happy, jawOpen)")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
            raise ctx.error("blendshapes", f"weight of {name!r} must be a number from 0 to 1, got {weight!r}")
        out[name] = float(weight)
    return out


def _arg(ctx: _Context, key: str, value: Any) -> int | float | str | bool:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not -(2**31) <= value < 2**31:
            raise ctx.error(key, f"argument {value} does not fit an OSC int32")
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ctx.error(key, f"OSC arguments must be integers, floats, strings or booleans, got {value!r}")


def _messages(ctx: _Context, table: dict, key: str, default_output: str | None, outputs: set[str]) -> tuple[Message, ...]:
    if key not in table:
        return ()
    raw = table[key]
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ctx.error(key, f"must be {{ address = \"/...\", args = [...] }} (or a list of them), got {item!r}")
        unknown = set(item) - {"address", "args", "output"}
        if unknown:
            raise ctx.error(key, f"unknown message key {min(unknown)!r} (known: address, args, output)")
        address = item.get("address")
        if not isinstance(address, str) or not address.startswith("/") or " " in address:
            raise ctx.error(key, f"address must be an OSC address starting with '/', got {address!r}")
        args = item.get("args", [])
        if not isinstance(args, list):
            args = [args]
        output = item.get("output", default_output)
        if output is None:
            raise ctx.error(key, "no output: add output = \"<name of an [[outputs]] table>\"")
        if output not in outputs:
            known = ", ".join(sorted(outputs)) or "none configured"
            raise ctx.error("output" if "output" not in item else key, f"unknown output {output!r} (configured outputs: {known})")
        out.append(Message(output, address, tuple(_arg(ctx, key, a) for a in args)))
    return tuple(out)


def _action(ctx: _Context, table: Any, gesture_set: GestureSet, outputs: set[str], known: Collection[str] | None) -> Action:
    if not isinstance(table, dict):
        raise ctx.error("", "must be a table")
    for key in table:
        if key not in _KEYS:
            raise ctx.error(key, f"unknown key (known keys: {', '.join(_KEYS)})")
    gesture, hand = _gesture_and_hand(ctx, table, gesture_set)
    output = table.get("output")
    if output is not None and (not isinstance(output, str) or output not in outputs):
        known_outputs = ", ".join(sorted(outputs)) or "none configured"
        raise ctx.error("output", f"unknown output {output!r} (configured outputs: {known_outputs})")
    hold_every = _number(ctx, table, "hold_every_ms", None, 10, 60000)
    if "on_hold" in table and hold_every is None:
        raise ctx.error("on_hold", "needs hold_every_ms = <milliseconds between hold messages>")
    action = Action(
        gesture=gesture,
        hand=hand,
        blendshapes=_blendshapes(ctx, table, known),
        mode=_choice(ctx, table, "mode", _MODES),
        fade_in_ms=_number(ctx, table, "fade_in_ms", 100.0, 0, 60000),
        fade_out_ms=_number(ctx, table, "fade_out_ms", 200.0, 0, 60000),
        on_enter=_messages(ctx, table, "on_enter", output, outputs),
        on_exit=_messages(ctx, table, "on_exit", output, outputs),
        on_hold=_messages(ctx, table, "on_hold", output, outputs),
        hold_every_ms=hold_every,
    )
    if not (action.blendshapes or action.on_enter or action.on_exit or action.on_hold or action.hold_every_ms):
        raise ctx.error("", "does nothing: give it blendshapes or on_enter / on_exit / on_hold messages")
    return action
