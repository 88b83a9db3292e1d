"""Reading ``mappings/gestures.toml`` into a ``GestureSet``, with one-line errors that name the
file, the table, the key and the line (``ConfigError``; the CLI exits with status 2).

    [gestures.thumbs_up]            # one table per gesture; the table name is the gesture name
    thumb = "extended"              # extended | half | curled, or a list of them
    index = "curled"
    middle = "curled"
    ring = "curled"
    little = "curled"
    thumb_points = "up"             # optional: up | down | left | right | forward | back
    points_within_deg = 70          # optional cone for the *_points constraints
    touch = ["thumb", "index"]      # optional: fingertips that touch (or a list of pairs)
    priority = 0                    # optional: beats specificity when two patterns fit
    enter_ms = 150                  # optional per-gesture timing overrides
    exit_ms = 120
    cooldown_ms = 300

    [gestures.double_thumbs_up]     # a two-hand gesture names one-hand gestures
    both = "thumbs_up"              # or: left = "...", right = "..."
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from vtdriver.config.errors import ConfigError, find_key_line
from vtdriver.config.toml_file import parse_toml, read_toml
from vtdriver.gestures.features import FINGER_NAMES
from vtdriver.gestures.patterns import (
    DIRECTIONS,
    GestureSet,
    GestureTiming,
    HandPattern,
    TwoHandPattern,
)
from vtdriver.gestures.states import STATES

_TIMING_KEYS = ("enter_ms", "exit_ms", "cooldown_ms")
_COMMON_KEYS = ("priority", "description") + _TIMING_KEYS
_HAND_KEYS = FINGER_NAMES + tuple(f"{f}_points" for f in FINGER_NAMES) + ("points_within_deg", "touch")
_TWO_HAND_KEYS = ("left", "right", "both")


class _Context:
    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text

    def error(self, gesture: str | None, key: str, message: str) -> ConfigError:
        table = f"gestures.{gesture}" if gesture else "gestures"
        line = find_key_line(self.text, table, key) if gesture or key else None
        label = f"[{table}] {key}" if key else f"[{table}]"
        return ConfigError(self.path, label, message, line)


def load_gesture_set(path: str | Path) -> GestureSet:
    text, data = read_toml(path)
    return gesture_set_from_document(data, text, path)


def parse_gesture_set(text: str, path: str | Path = "<gestures>") -> GestureSet:
    return gesture_set_from_document(parse_toml(text, path), text, path)


def gesture_set_from_document(data: dict, text: str, path: str | Path) -> GestureSet:
    ctx = _Context(Path(path), text)
    for key in data:
        if key != "gestures":
            raise ConfigError(path, key, "unknown top-level key; write each gesture as [gestures.<name>]",
                              find_key_line(text, "", key) or find_key_line(text, key, ""))
    tables = data.get("gestures", {})
    if not isinstance(tables, dict) or not tables:
        raise ctx.error(None, "", "no gestures defined; add a [gestures.<name>] table")
    hand, two_hand, timing = [], [], {}
    for order, (name, table) in enumerate(tables.items()):
        if not isinstance(table, dict):
            raise ctx.error(None, name, "must be a table: write it as [gestures.<name>]")
        if any(k in table for k in _TWO_HAND_KEYS):
            two_hand.append((order, name, table))
        else:
            hand.append(_hand_pattern(ctx, name, table, order))
        timing[name] = _timing(ctx, name, table)
    hand_names = {p.name for p in hand}
    two = tuple(_two_hand_pattern(ctx, name, table, order, hand_names) for order, name, table in two_hand)
    return GestureSet(hand_patterns=tuple(hand), two_hand_patterns=two, timing=timing)


def _check_keys(ctx: _Context, name: str, table: dict, allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            raise ctx.error(name, key, f"unknown key (known keys: {', '.join(allowed)})")


def _number(ctx: _Context, name: str, table: dict, key: str, low: float, high: float) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.error(name, key, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise ctx.error(name, key, f"must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def _timing(ctx: _Context, name: str, table: dict) -> GestureTiming:
    values = {key: _number(ctx, name, table, key, 0, 60000) for key in _TIMING_KEYS}
    return GestureTiming(**values)


def _priority(ctx: _Context, name: str, table: dict) -> int:
    value = table.get("priority", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(name, "priority", f"must be an integer, got {value!r}")
    if "description" in table and not isinstance(table["description"], str):
        raise ctx.error(name, "description", f"must be a string, got {table['description']!r}")
    return value


def _states(ctx: _Context, name: str, finger: str, value: Any) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ctx.error(name, finger, "an empty list allows no state; leave the key out to allow any")
    for item in items:
        if item not in STATES:
            raise ctx.error(name, finger, f"must be one of {', '.join(STATES)} (or a list of them), got {item!r}")
    return frozenset(items)


def _touches(ctx: _Context, name: str, value: Any) -> tuple[tuple[str, str], ...]:
    pairs = value if value and isinstance(value, list) and isinstance(value[0], list) else [value]
    out = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and all(p in FINGER_NAMES for p in pair) and pair[0] != pair[1]):
            raise ctx.error(name, "touch", f"must name two different fingers ({', '.join(FINGER_NAMES)}), got {pair!r}")
        out.append((pair[0], pair[1]))
    return tuple(out)


def _hand_pattern(ctx: _Context, name: str, table: dict, order: int) -> HandPattern:
    _check_keys(ctx, name, table, _HAND_KEYS + _COMMON_KEYS)
    fingers = {f: _states(ctx, name, f, table[f]) for f in FINGER_NAMES if f in table}
    directions = {}
    for finger in FINGER_NAMES:
        key = f"{finger}_points"
        if key in table:
            if not isinstance(table[key], str) or table[key] not in DIRECTIONS:
                raise ctx.error(name, key, f"must be one of {', '.join(DIRECTIONS)}, got {table[key]!r}")
            directions[finger] = table[key]
    tolerance = _number(ctx, name, table, "points_within_deg", 1, 180)
    if tolerance is not None and not directions:
        raise ctx.error(name, "points_within_deg", "has no effect without a <finger>_points constraint")
    touches = _touches(ctx, name, table["touch"]) if "touch" in table else ()
    pattern = HandPattern(name, fingers, directions, tolerance, touches, _priority(ctx, name, table), order)
    if pattern.specificity == 0:
        raise ctx.error(name, "", "constrains nothing, so it would match every hand; give it finger states")
    return pattern


def _two_hand_pattern(ctx: _Context, name: str, table: dict, order: int, hand_names: set[str]) -> TwoHandPattern:
    _check_keys(ctx, name, table, _TWO_HAND_KEYS + _COMMON_KEYS)
    if "both" in table and ("left" in table or "right" in table):
        raise ctx.error(name, "both", "use either both = ... or left = ... and right = ..., not both")
    if "both" not in table and not ("left" in table and "right" in table):
        missing = "right" if "left" in table else "left"
        raise ctx.error(name, next(k for k in _TWO_HAND_KEYS if k in table), f"a two-hand gesture needs {missing} = \"<gesture>\" as well")
    sides = {"left": table.get("left", table.get("both")), "right": table.get("right", table.get("both"))}
    for side, value in sides.items():
        key = "both" if "both" in table else side
        if not isinstance(value, str) or value not in hand_names:
            known = ", ".join(sorted(hand_names))
            raise ctx.error(name, key, f"unknown one-hand gesture {value!r} (known: {known})")
    return TwoHandPattern(name, sides["left"], sides["right"], _priority(ctx, name, table), order)
