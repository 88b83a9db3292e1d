"""Stacking per-bone vectors into one array, for the per-frame hot paths (the pipeline's
final quaternion check, the VMC encoder)."""
from __future__ import annotations

import operator
from typing import NamedTuple

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


class StackedBones(NamedTuple):
    """A frame's bone quaternions as the one array they were made from: ``array`` is (n, 4),
    read-only, every row finite and unit; ``rows`` are the row views the frame's bones dict
    holds, in its order. An output that finds exactly these objects in a frame can send
    ``array`` as it is instead of stacking and checking the rows again (read-only, so nothing
    can have changed them since). A NamedTuple: immutable, and made per frame for a fraction
    of a frozen dataclass's __init__."""

    rows: tuple[np.ndarray, ...]
    array: np.ndarray

    @classmethod
    def of(cls, array: np.ndarray) -> "StackedBones":
        array.flags.writeable = False
        return cls(tuple(array), array)

    def holds(self, rows: list) -> bool:
        """Whether ``rows`` are this array's row views themselves, in order."""
        return len(rows) == len(self.rows) and all(map(operator.is_, rows, self.rows))
