"""Stacking per-bone vectors into one array, for the per-frame hot paths (the pipeline's
final quaternion check, the VMC encoder)."""
from __future__ import annotations

import numpy as np


def stack_rows(rows: list, width: int) -> np.ndarray:
    """``np.array(rows, dtype=float).reshape(len(rows), width)``, as a new array. When every
    row is a flat array (the usual case) one concatenate does it, about twice as fast as
    np.array's inspection of each element; anything else takes np.array's way."""
    try:
        # Equal lengths first: rows of 8 and 0 would concatenate to the right size.
        if len(set(map(len, rows))) == 1:
            return np.concatenate(rows, dtype=float).reshape(len(rows), width)
    except (ValueError, TypeError):
        pass
    return np.array(rows, dtype=float).reshape(len(rows), width)
