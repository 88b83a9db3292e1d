"""The solvers' bones joined into the frame's one checked array of rotations.

The body and the hands hand their bones over as ``BoneRotations`` (names and one (n, 4)
array), the face its head split and eyes as a few rows. The frame needs one (n, 4) array of
finite unit quaternions in a stable order, which the VMC encoder sends as it is. The blocks'
arrays are copied in slice by slice, with the layout worked out once for a set of blocks and
reused while the same blocks come (every frame of a steady stream): no dict entry per bone
and no stack of ~55 separate rows on the live path.

Later blocks override earlier ones bone by bone, as ``dict.update`` would: the face's Neck and
Head replace the body's in place, and bones new to the frame go to the end.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from vtdriver import quat
from vtdriver.rows import BoneRotations, stack_rows

# Quaternion rows whose squared length is within this of 1 are kept as they are: every solver
# makes unit rotations (squared lengths within a few 1e-16 of 1), and normalising them again
# only moves their last bits. Within 1e-12 a row is unit to well below what a receiver's
# float32 can tell, and any row outside (or not finite) is normalised by quat.normalize.
_UNIT_SQUARED_TOLERANCE = 1e-12

# Where each block's rows go in the joined array: a slice for a run of new bones, else indices.
_Target = slice | np.ndarray


class BoneJoin:
    """Joins per-solver bone blocks into one checked ``BoneRotations``. Holds the layout of the
    last set of blocks (names in order, and where each block's rows go)."""

    def __init__(self) -> None:
        self._key: list[tuple[str, ...]] | None = None
        self._names: tuple[str, ...] = ()
        self._targets: list[_Target] = []

    def join(self, blocks: Sequence[Mapping[str, np.ndarray]]) -> BoneRotations:
        """One array for ``blocks`` (each a mapping bone name -> (x, y, z, w), empty ones
        skipped), every row finite and unit: non-finite parts zeroed, then a zero quaternion
        becomes the identity. The blocks' arrays are only read."""
        names: list[tuple[str, ...]] = []
        arrays: list[np.ndarray] = []
        for bones in blocks:
            if not bones:
                continue
            if type(bones) is BoneRotations:
                names.append(bones.names)
                arrays.append(bones.array)
            else:
                names.append(tuple(bones))
                arrays.append(stack_rows(list(bones.values()), 4))
        # Tuples compare item by item, by identity first: the same constant name tuples as last
        # frame cost a few pointer comparisons.
        if names != self._key:
            self._names, self._targets = _layout(names)
            self._key = names
        joined = np.empty((len(self._names), 4))
        for target, rows in zip(self._targets, arrays):
            joined[target] = rows
        return BoneRotations(self._names, checked_unit_rows(joined))


def _layout(blocks: list[tuple[str, ...]]) -> tuple[tuple[str, ...], list[_Target]]:
    position: dict[str, int] = {}
    for block in blocks:
        for name in block:
            position.setdefault(name, len(position))
    targets: list[_Target] = []
    for block in blocks:
        rows = [position[name] for name in block]
        first = rows[0]
        contiguous = rows == list(range(first, first + len(rows)))
        targets.append(slice(first, first + len(rows)) if contiguous else np.array(rows, dtype=np.intp))
    return tuple(position), targets


def checked_unit_rows(rows: np.ndarray) -> np.ndarray:
    """``rows`` (n, 4) as it is when every row is finite and unit (the usual frame: checked, not
    normalised again), else a new array with non-finite parts zeroed and every row normalised
    (a zero row becomes the identity)."""
    if len(rows):
        squared = np.add.reduce(rows * rows, axis=-1)
        # A NaN fails both comparisons, an infinity the second.
        if not (
            np.minimum.reduce(squared) >= 1.0 - _UNIT_SQUARED_TOLERANCE
            and np.maximum.reduce(squared) <= 1.0 + _UNIT_SQUARED_TOLERANCE
        ):
            # np.nan_to_num(..., posinf=0, neginf=0) in one ufunc pair, without its Python checks.
            return quat.normalize(np.where(np.isfinite(rows), rows, 0.0))
    return rows
