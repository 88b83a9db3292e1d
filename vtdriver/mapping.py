"""Output blendshape name sets: renaming and scaling the internal weights for a receiver.

A mapping file (mappings/*.toml) lists every shape the receiver should get:

    [blendshapes]
    A = { from = "aa", scale = 1.0 }
    Blink_L = "blinkLeft"            # shorthand for { from = "blinkLeft" }

``from`` names an internal weight (ARKit camelCase or a VRM 1.0 preset); ``scale`` (default
1, 0..10) multiplies it. ``apply`` returns every listed shape, in file order, zeros included,
each finite and clipped to [0, 1], so a receiver never keeps a stale value for a shape that
stopped moving. Sides need no thought here: internal "Left" is the avatar's own left, as in
VRM and ARKit.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vtdriver.config.errors import ConfigError
from vtdriver.config.toml_file import read_toml
from vtdriver.numeric import all_finite
from vtdriver.solvers.face_blendshapes import ARKIT_NAMES
from vtdriver.solvers.face_vrm import VRM_NAMES

INTERNAL_NAMES: frozenset[str] = frozenset(ARKIT_NAMES) | frozenset(VRM_NAMES)
MAX_SCALE = 10.0  # anything larger is a typo, not a tuning choice
_CLIP = np.core.umath.clip  # what ndarray.clip(min, max) calls (numpy < 2, as pyproject pins)


class MappingError(ConfigError):
    """A problem in a mapping file: one line naming the file, key and line, exit 2."""


def _line_of(text: str, key: str) -> int | None:
    """1-based line of ``key =`` inside [blendshapes] (best effort, for error messages)."""
    in_table = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            in_table = stripped.split("#")[0].strip() == "[blendshapes]"
            continue
        name = stripped.split("=", 1)[0].strip().strip('"').strip("'")
        if in_table and "=" in stripped and name == key:
            return number
    return None


@dataclass(frozen=True)
class MappedShape:
    name: str  # what the receiver calls it
    source: str  # internal weight name
    scale: float = 1.0


class BlendshapeMapping:
    def __init__(self, shapes: list[MappedShape], path: str = "<memory>"):
        self.shapes = tuple(shapes)
        self.path = path
        # The per-frame work reads these, not the shapes: one lookup list, one array product.
        self._names = tuple(s.name for s in self.shapes)
        self._sources = tuple(s.source for s in self.shapes)
        # One C-level lookup of every source; a missing one falls back to .get(name, 0.0).
        self._lookup = operator.itemgetter(*self._sources) if len(self._sources) > 1 else None
        self._scales = np.array([s.scale for s in self.shapes], dtype=float)
        # x * 1.0 is x to the bit (NaN and -0.0 included): a mapping without scales skips it.
        self._scaled = bool((self._scales != 1.0).any())

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @classmethod
    def load(cls, path: str | Path) -> "BlendshapeMapping":
        text, data = read_toml(path)
        return cls.from_dict(data, path, text)

    @classmethod
    def from_dict(cls, data: dict, path: str | Path = "<memory>", text: str = "") -> "BlendshapeMapping":
        extra = sorted(set(data) - {"blendshapes", "mapping"})
        if extra:
            raise MappingError(path, extra[0], "unknown top-level key (expected [mapping] and [blendshapes])")
        table = data.get("blendshapes")
        if not isinstance(table, dict) or not table:
            raise MappingError(path, "blendshapes", "missing or empty [blendshapes] table")
        shapes = [_parse_entry(path, text, name, entry) for name, entry in table.items()]
        return cls(shapes, str(path))

    def apply(self, blendshapes: dict[str, float]) -> list[tuple[str, float]]:
        return list(zip(self._names, self.values(blendshapes).tolist()))

    def values(self, blendshapes: dict[str, float]) -> np.ndarray:
        """The weights ``apply`` pairs with ``names``, as one float array."""
        raw = None
        if len(self._sources) > 1 and type(blendshapes) is dict:  # (a dict subclass may have __missing__)
            try:
                raw = self._lookup(blendshapes)
            except KeyError:
                pass
        if raw is None:
            get = blendshapes.get
            raw = [get(source, 0.0) for source in self._sources]
        try:
            # np.array(dtype=float) converts every number as float() does; anything it cannot
            # take as one flat vector goes the slow way, value by value.
            values = np.array(raw, dtype=float)
        except (TypeError, ValueError):
            values = None
        if values is None or values.shape != self._scales.shape:
            return self._values_one_by_one(raw)
        if self._scaled:
            values *= self._scales
        # An all-finite vector (the usual case) needs no zeroing pass. all_finite's dot product
        # overflows silently on huge values, where a sum would print a RuntimeWarning mid-stream.
        if not all_finite(values):
            values = np.where(np.isfinite(values), values, 0.0)
        # clip gives min(max(0.0, value), 1.0) exactly, signed zeros included (-0.0 -> 0.0).
        # The ufunc itself, in place on this new array: ndarray.clip reaches it through a
        # Python wrapper that costs more than the clipping of ~50 values.
        return _CLIP(values, 0.0, 1.0, out=values)

    def _values_one_by_one(self, raw: list) -> np.ndarray:
        out = []
        for value, scale in zip(raw, self._scales.tolist()):
            try:
                value = float(value) * scale
            except (TypeError, ValueError):
                value = 0.0
            out.append(min(max(0.0, value), 1.0) if math.isfinite(value) else 0.0)
        return np.array(out, dtype=float)


def _parse_entry(path: str | Path, text: str, name: str, entry: object) -> MappedShape:
    def fail(message: str) -> MappingError:
        return MappingError(path, f"blendshapes.{name}", message, _line_of(text, name))

    if not name.strip():
        raise fail("empty shape name")
    if isinstance(entry, str):
        entry = {"from": entry}
    if not isinstance(entry, dict):
        raise fail('expected a name or { from = "<internal name>", scale = <number> }')
    unknown = sorted(set(entry) - {"from", "scale"})
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (allowed: from, scale)")
    source = entry.get("from")
    if not isinstance(source, str):
        raise fail('missing "from" (the internal blendshape to send)')
    if source not in INTERNAL_NAMES:
        hint = next((n for n in sorted(INTERNAL_NAMES) if n.lower() == source.lower()), None)
        suggestion = f"; did you mean {hint!r}?" if hint else " (ARKit camelCase or VRM 1.0 preset names)"
        raise fail(f"unknown internal blendshape {source!r}{suggestion}")
    scale = entry.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(float(scale)):
        raise fail(f"scale must be a number, got {scale!r}")
    if not 0.0 <= float(scale) <= MAX_SCALE:
        raise fail(f"scale must be between 0 and {MAX_SCALE:g}, got {scale}")
    return MappedShape(name=name, source=source, scale=float(scale))
