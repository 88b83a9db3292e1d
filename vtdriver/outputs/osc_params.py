"""Plain OSC parameter mapping (``kind = "osc"`` outputs such as VRChat): which internal
blendshape weights become which float parameters, and which gesture becomes which int.

A mapping file (e.g. mappings/vrchat.toml):

    [mapping]
    name = "vrchat"
    address_prefix = "/avatar/parameters/"   # put before every name not starting with "/"

    [blendshapes]
    "v2/JawOpen" = "jawOpen"                            # one weight, clipped to 0..1
    "v2/MouthSmileLeft" = { from = "mouthSmileLeft", scale = 1.2 }
    "v2/EyeLidLeft" = { from = { eyeBlinkLeft = -0.75, eyeWideLeft = 0.25 }, offset = 0.75 }
    "v2/JawX" = { from = { jawRight = 1, jawLeft = -1 }, min = -1 }

    [gestures]
    left = "VTGestureLeft"      # int parameter for the avatar's left hand (also: right, both)
    right = "VTGestureRight"
    none = 0                    # value while no gesture (or an unlisted one) is held
    resend_seconds = 1.0        # repeat unchanged values this often; 0 = only on change

    [gestures.values]           # gesture name (mappings/gestures.toml) -> int
    fist = 1

Each float parameter is ``clip(offset + scale * sum(weight * internal), min, max)``; min/max
default to 0/1, never NaN (a missing or non-finite weight counts as 0). Every listed parameter
is sent every frame so a receiver never keeps a stale value.

Gesture ints are sent when they change, plus every ``resend_seconds``: UDP may drop the one
datagram that carried a change, and VRChat resets parameters when the avatar is switched or
reloaded, so a value that was sent only once could be lost for good.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from vtdriver.config.errors import find_key_line
from vtdriver.config.sections import OutputSettings
from vtdriver.config.toml_file import read_toml
from vtdriver.frame import AvatarFrame
from vtdriver.mapping import INTERNAL_NAMES, MAX_SCALE, MappingError

OscMessage = tuple[str, list]

DEFAULT_ADDRESS_PREFIX = "/avatar/parameters/"  # VRChat's avatar parameter namespace
GESTURE_HANDS = ("left", "right", "both")
# VRChat Int parameters are 8-bit unsigned (creators.vrchat.com "Animator Parameters": Int 0-255);
# other plain-OSC receivers have never needed more for a gesture number.
GESTURE_VALUE_RANGE = (0, 255)
MAX_RESEND_SECONDS = 60.0
# Offsets and clip bounds beyond this are typos: avatar parameters live in -1..1 (VRChat) or 0..1.
MAX_MAGNITUDE = 1000.0
# OSC 1.0: these characters have a pattern-matching meaning and may not appear in a method name.
_FORBIDDEN_ADDRESS_CHARS = re.compile(r"[\s#*,?\[\]{}]")


@dataclass(frozen=True)
class FloatParameter:
    name: str  # as written in the file; what the output's blendshape mask matches
    address: str
    sources: tuple[tuple[str, float], ...]  # (internal weight, factor), scale already folded in
    offset: float = 0.0
    low: float = 0.0
    high: float = 1.0

    def value(self, weights: dict[str, float]) -> float:
        total = self.offset
        for source, factor in self.sources:
            raw = weights.get(source, 0.0)
            try:
                raw = float(raw)
            except (TypeError, ValueError):
                continue
            if math.isfinite(raw):
                total += factor * raw
        return min(max(self.low, total), self.high)


@dataclass(frozen=True)
class GestureParameters:
    addresses: dict[str, str]  # hand -> address
    values: dict[str, int]  # gesture name -> int
    none: int = 0
    resend_seconds: float = 1.0

    def value_for(self, gesture: str | None) -> int:
        return self.none if gesture is None else self.values.get(gesture, self.none)


class OscParameterMapping:
    """One output's parameters. Holds the last gesture values sent (per output, so each
    output gets its own change detection); everything else is immutable."""

    def __init__(self, parameters: list[FloatParameter], gestures: GestureParameters, path: str = "<memory>"):
        self.parameters = tuple(parameters)
        self.gestures = gestures
        self.path = path
        self._mask_key: tuple[str, ...] | None = None
        self._masked: tuple[FloatParameter, ...] = self.parameters
        self._last_gesture: dict[str, int] = {}
        self._last_gesture_t: dict[str, float] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @classmethod
    def load(cls, path: str | Path) -> "OscParameterMapping":
        text, data = read_toml(path)
        return cls.from_dict(data, path, text)

    @classmethod
    def from_dict(cls, data: dict, path: str | Path = "<memory>", text: str = "") -> "OscParameterMapping":
        parser = _Parser(path, text)
        return cls(*parser.parse(data), str(path))

    def _selected(self, mask: list[str]) -> tuple[FloatParameter, ...]:
        key = tuple(mask)
        if key != self._mask_key:
            if "*" in key:
                self._masked = self.parameters
            else:
                wanted = frozenset(key)
                self._masked = tuple(p for p in self.parameters if p.name in wanted or p.address in wanted)
            self._mask_key = key
        return self._masked

    def frame_messages(self, frame: AvatarFrame, settings: OutputSettings) -> list[OscMessage]:
        """Per-frame float parameters, in file order, limited to ``settings.blendshapes``
        (parameter names as written in the file, or full addresses; '*' = all)."""
        weights = frame.blendshapes
        return [(p.address, [p.value(weights)]) for p in self._selected(settings.blendshapes)]

    def gesture_messages(self, frame: AvatarFrame) -> list[OscMessage]:
        """Int gesture parameters whose value changed, or that are due for their refresh."""
        messages = []
        resend = self.gestures.resend_seconds
        for hand, address in self.gestures.addresses.items():
            value = self.gestures.value_for(frame.gestures.get(hand))
            last_t = self._last_gesture_t.get(hand)
            # A time that runs backwards (a replay restarting) counts as due, never as "recent".
            due = last_t is None or (resend > 0 and not 0.0 <= frame.t - last_t < resend)
            if due or self._last_gesture.get(hand) != value:
                messages.append((address, [value]))
                self._last_gesture[hand] = value
                self._last_gesture_t[hand] = frame.t
        return messages


class _Parser:
    def __init__(self, path: str | Path, text: str):
        self.path = path
        self.text = text

    def error(self, table: str, key: str, message: str) -> MappingError:
        line = find_key_line(self.text, table, key) if self.text else None
        label = ".".join(part for part in (table, key) if part)
        return MappingError(self.path, label, message, line)

    def parse(self, data: dict) -> tuple[list[FloatParameter], GestureParameters]:
        extra = sorted(set(data) - {"mapping", "blendshapes", "gestures"})
        if extra:
            raise self.error("", extra[0], "unknown top-level key (expected [mapping], [blendshapes], [gestures])")
        prefix = self._prefix(data.get("mapping", {}))
        table = data.get("blendshapes", {})
        if not isinstance(table, dict):
            raise self.error("", "blendshapes", "must be a table: [blendshapes]")
        gesture_table = data.get("gestures", {})
        if not isinstance(gesture_table, dict):
            raise self.error("", "gestures", "must be a table: [gestures]")
        if not table and not gesture_table.keys() & set(GESTURE_HANDS):
            raise self.error("blendshapes", "", "nothing to send: add [blendshapes] entries or [gestures] left/right")
        parameters = [self._float_parameter(prefix, name, entry) for name, entry in table.items()]
        gestures = self._gestures(prefix, gesture_table)
        seen: dict[str, str] = {}
        users = [("blendshapes", p.name, p.address) for p in parameters]
        users += [("gestures", hand, address) for hand, address in gestures.addresses.items()]
        for table_name, key, address in users:
            if address in seen:
                raise self.error(table_name, key, f"address {address} is already used by {seen[address]}")
            seen[address] = f"{table_name}.{key}"
        return parameters, gestures

    def _prefix(self, mapping: object) -> str:
        if not isinstance(mapping, dict):
            raise self.error("", "mapping", "must be a table: [mapping]")
        unknown = sorted(set(mapping) - {"name", "description", "address_prefix"})
        if unknown:
            raise self.error("mapping", unknown[0], "unknown key (allowed: name, description, address_prefix)")
        prefix = mapping.get("address_prefix", DEFAULT_ADDRESS_PREFIX)
        if not isinstance(prefix, str) or not prefix.startswith("/") or not prefix.endswith("/"):
            raise self.error("mapping", "address_prefix", f'must be an OSC path that starts and ends with "/", got {prefix!r}')
        self._check_address(prefix, "mapping", "address_prefix", is_prefix=True)
        return prefix

    def _check_address(self, address: str, table: str, key: str, is_prefix: bool = False) -> None:
        if not address.isascii() or not address.isprintable() or _FORBIDDEN_ADDRESS_CHARS.search(address):
            raise self.error(table, key, f"{address!r} is not a valid OSC address (printable ASCII, no spaces or # * , ? [ ] {{ }})")
        empty_part = "//" in address or (address.endswith("/") and not is_prefix)
        if empty_part and address != "/":
            raise self.error(table, key, f"{address!r} is not a valid OSC address (empty part between slashes)")

    def _address(self, prefix: str, name: str, table: str, key: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise self.error(table, key, "parameter name must be a non-empty string")
        address = name if name.startswith("/") else prefix + name
        self._check_address(address, table, key)
        return address

    def _number(self, table: str, key: str, label: str, value: object, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
            raise self.error(table, key, f"{label} must be a number, got {value!r}")
        if not low <= float(value) <= high:
            raise self.error(table, key, f"{label} must be between {low:g} and {high:g}, got {value}")
        return float(value)

    def _internal(self, key: str, source: object) -> str:
        if not isinstance(source, str):
            raise self.error("blendshapes", key, f"internal blendshape names must be strings, got {source!r}")
        if source not in INTERNAL_NAMES:
            close = difflib.get_close_matches(source, sorted(INTERNAL_NAMES), n=1, cutoff=0.6)
            folded = [n for n in INTERNAL_NAMES if n.lower() == source.lower()]
            hint = (folded or close or [None])[0]
            suggestion = f"; did you mean {hint!r}?" if hint else " (ARKit camelCase or VRM 1.0 preset names)"
            raise self.error("blendshapes", key, f"unknown internal blendshape {source!r}{suggestion}")
        return source

    def _float_parameter(self, prefix: str, name: str, entry: object) -> FloatParameter:
        table = "blendshapes"
        address = self._address(prefix, name, table, name)
        if isinstance(entry, str):
            entry = {"from": entry}
        if not isinstance(entry, dict):
            raise self.error(table, name, 'expected an internal name or { from = ..., scale, offset, min, max }')
        unknown = sorted(set(entry) - {"from", "scale", "offset", "min", "max"})
        if unknown:
            raise self.error(table, name, f"unknown key {unknown[0]!r} (allowed: from, scale, offset, min, max)")
        source = entry.get("from")
        if source is None:
            raise self.error(table, name, 'missing "from" (an internal blendshape, or a table of them with weights)')
        if isinstance(source, dict):
            if not source:
                raise self.error(table, name, '"from" table is empty')
            weighted = [
                (self._internal(name, s), self._number(table, name, f"weight of {s}", w, -MAX_SCALE, MAX_SCALE))
                for s, w in source.items()
            ]
        else:
            weighted = [(self._internal(name, source), 1.0)]
        scale = self._number(table, name, "scale", entry.get("scale", 1.0), 0.0, MAX_SCALE)
        offset = self._number(table, name, "offset", entry.get("offset", 0.0), -MAX_MAGNITUDE, MAX_MAGNITUDE)
        low = self._number(table, name, "min", entry.get("min", 0.0), -MAX_MAGNITUDE, MAX_MAGNITUDE)
        high = self._number(table, name, "max", entry.get("max", 1.0), -MAX_MAGNITUDE, MAX_MAGNITUDE)
        if not low < high:
            raise self.error(table, name, f"min ({low:g}) must be below max ({high:g})")
        sources = tuple((s, w * scale) for s, w in weighted)
        return FloatParameter(name, address, sources, offset, low, high)

    def _gesture_int(self, key: str, label: str, value: object) -> int:
        low, high = GESTURE_VALUE_RANGE
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error("gestures", key, f"{label} must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise self.error("gestures", key, f"{label} must be between {low} and {high}, got {value}")
        return value

    def _gestures(self, prefix: str, table: dict) -> GestureParameters:
        unknown = sorted(set(table) - set(GESTURE_HANDS) - {"none", "resend_seconds", "values"})
        if unknown:
            raise self.error("gestures", unknown[0], "unknown key (allowed: left, right, both, none, resend_seconds, [gestures.values])")
        addresses = {h: self._address(prefix, table[h], "gestures", h) for h in GESTURE_HANDS if h in table}
        none = self._gesture_int("none", "none", table.get("none", 0))
        resend = self._number("gestures", "resend_seconds", "resend_seconds", table.get("resend_seconds", 1.0), 0.0, MAX_RESEND_SECONDS)
        values_table = table.get("values", {})
        if not isinstance(values_table, dict):
            raise self.error("gestures", "values", "must be a table: [gestures.values] with <gesture name> = <int>")
        values = {}
        for gesture, value in values_table.items():
            if not gesture.strip():
                raise self.error("gestures.values", gesture, "empty gesture name")
            low, high = GESTURE_VALUE_RANGE
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise self.error("gestures.values", gesture, f"must be a whole number between {low} and {high}, got {value!r}")
            values[gesture] = value
        return GestureParameters(addresses, values, none, resend)
