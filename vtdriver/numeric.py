"""Small numpy helpers for the per-frame hot paths (landmark smoothing, the face solver).

Per frame these run a few hundred times on arrays of a few to a few thousand numbers, where a
numpy call's fixed cost (argument parsing, dispatch, a temporary) outweighs the arithmetic.
"""
from __future__ import annotations

import math

import numpy as np


def all_finite(x: np.ndarray) -> bool:
    """``np.isfinite(x).all()`` for a float array, usually as one dot product: a NaN or an
    infinity makes the sum of squares non-finite. Only when that sum is not finite (a bad
    value, or an overflow of huge but finite values) is the exact check run."""
    flat = x.ravel()
    return math.isfinite(flat.dot(flat)) or bool(np.isfinite(x).all())
