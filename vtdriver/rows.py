"""Bones as one array (``BoneRotations``), and stacking per-bone vectors into one array for
the per-frame hot paths (bone blocks given as dicts, the VMC encoder's masked bones)."""
from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping

import numpy as np


_FLOAT = np.dtype(float)
_dtype = operator.attrgetter("dtype")
_nbytes = operator.attrgetter("nbytes")


def stack_rows(rows: list, width: int) -> np.ndarray:
    """``np.array(rows, dtype=float).reshape(len(rows), width)``, as a new array (read-only
    when it comes from the first path). Rows that are all float64 arrays of ``width`` values
    (the usual case) are joined as bytes: bytes.join takes only C-contiguous buffers, so the
    bytes are the values in order, and it is ~5x faster than np.concatenate's per-array
    setup. Other flat rows are concatenated, anything else takes np.array's way."""
    n = len(rows)
    try:
        # list.count compares by identity first: every row's dtype is the one float64 object
        # and every size the same small int, so no dtype hashing as a set would do.
        if list(map(_dtype, rows)).count(_FLOAT) == n and list(map(_nbytes, rows)).count(width * _FLOAT.itemsize) == n:
            return np.frombuffer(b"".join(rows), float).reshape(n, width)
    except (AttributeError, TypeError, BufferError, ValueError):
        pass
    try:
        # Equal lengths first: rows of 8 and 0 would concatenate to the right size.
        if len(set(map(len, rows))) == 1:
            return np.concatenate(rows, dtype=float).reshape(n, width)
    except (ValueError, TypeError):
        pass
    return np.array(rows, dtype=float).reshape(n, width)


class BoneRotations(Mapping[str, np.ndarray]):
    """Bones as one array: ``array`` is (n, 4), read-only, every row a finite unit quaternion
    (x, y, z, w), row i the bone ``names[i]``. The body, finger and head solvers hand their
    bones over so (each guards its own rows), and the pipeline's frame holds them so after
    ``bone_join`` checked every row to 1e-12.

    A read-only mapping, name -> row view, so bones read like a dict. The rows are made on
    access: the pipeline joins whole arrays, an output that sends every bone (VMC) takes
    ``names`` and ``array`` as they are, and no per-bone object is made on the live path.
    ``array`` must be a new array no one else holds: made read-only here, what an output
    sends is what was checked."""

    __slots__ = ("names", "array", "_index")

    def __init__(self, names: tuple[str, ...], array: np.ndarray):
        if array.shape != (len(names), 4):
            raise ValueError(f"{len(names)} bone names for rotations of shape {array.shape}")
        array.flags.writeable = False
        self.names = names
        self.array = array
        self._index: dict[str, int] | None = None

    def _indices(self) -> dict[str, int]:
        index = self._index
        if index is None:
            index = self._index = dict(zip(self.names, range(len(self.names))))
        return index

    def __getitem__(self, name: str) -> np.ndarray:
        return self.array[self._indices()[name]]

    def __contains__(self, name: object) -> bool:
        return name in self._indices()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"BoneRotations({dict(zip(self.names, self.array.tolist()))!r})"
