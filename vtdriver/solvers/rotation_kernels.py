"""Batched rotation algebra in as few numpy calls as possible, for the finger solver's stacked
(hands, fingers, ...) arrays.

``vtdriver.quat`` is general: it broadcasts, guards degenerate input and builds results by
stacking components, about a dozen numpy calls per function. On arrays of ten 3-vectors a numpy
call costs about a microsecond whatever its size, so the call count *is* the cost. Here each
product of two vectors or quaternions is one outer product followed by one matrix product with
a constant coefficient table (entries -1, 0, +1, 2): every output component is the same sum of
signed products as in ``quat``, so the results agree with it to rounding (the cross product
even bit for bit: the table only adds exact zeros to its two products).

Inputs must be finite where the results matter; NaN stays in its own row (every output row
depends on its input row only), so callers mask invalid hands afterwards.
"""
from __future__ import annotations

import numpy as np


def _levi_civita() -> np.ndarray:
    """(9, 3): cross(a, b) = outer(a, b).reshape(9) @ table."""
    table = np.zeros((3, 3, 3))
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        table[j, k, i], table[k, j, i] = 1.0, -1.0
    return table.reshape(9, 3)


def _matrix_of_quaternion() -> np.ndarray:
    """(16, 9): the rotation matrix of a unit quaternion q as outer(q, q).reshape(16) @ table
    (each entry is a quadratic form: 1 - 2(y^2 + z^2) = x^2 - y^2 - z^2 + w^2 on the unit
    sphere)."""
    x, y, z, w = range(4)
    entries = (
        {(x, x): 1, (y, y): -1, (z, z): -1, (w, w): 1},
        {(x, y): 2, (z, w): -2},
        {(x, z): 2, (y, w): 2},
        {(x, y): 2, (z, w): 2},
        {(x, x): -1, (y, y): 1, (z, z): -1, (w, w): 1},
        {(y, z): 2, (x, w): -2},
        {(x, z): 2, (y, w): -2},
        {(y, z): 2, (x, w): 2},
        {(x, x): -1, (y, y): -1, (z, z): 1, (w, w): 1},
    )
    table = np.zeros((4, 4, 9))
    for column, entry in enumerate(entries):
        for (a, b), value in entry.items():
            table[a, b, column] = value
    return table.reshape(16, 9)


def _quaternion_candidates() -> tuple[np.ndarray, np.ndarray]:
    """(9, 16) and (16,): the four candidate quaternions of ``quat.from_matrix`` (rows of the
    4 x 4 matrix below, one per largest diagonal term) as flat(m) @ table + ones."""
    m = lambda i, j: 3 * i + j  # noqa: E731 - index of m[i, j] in the flattened matrix
    rows = (
        ({m(0, 0): 1, m(1, 1): -1, m(2, 2): -1}, {m(0, 1): 1, m(1, 0): 1}, {m(0, 2): 1, m(2, 0): 1}, {m(2, 1): 1, m(1, 2): -1}),
        ({m(0, 1): 1, m(1, 0): 1}, {m(0, 0): -1, m(1, 1): 1, m(2, 2): -1}, {m(1, 2): 1, m(2, 1): 1}, {m(0, 2): 1, m(2, 0): -1}),
        ({m(0, 2): 1, m(2, 0): 1}, {m(1, 2): 1, m(2, 1): 1}, {m(0, 0): -1, m(1, 1): -1, m(2, 2): 1}, {m(1, 0): 1, m(0, 1): -1}),
        ({m(2, 1): 1, m(1, 2): -1}, {m(0, 2): 1, m(2, 0): -1}, {m(1, 0): 1, m(0, 1): -1}, {m(0, 0): 1, m(1, 1): 1, m(2, 2): 1}),
    )
    table = np.zeros((9, 4, 4))
    for r, row in enumerate(rows):
        for c, entry in enumerate(row):
            for index, value in entry.items():
                table[index, r, c] = value
    return table.reshape(9, 16), np.eye(4).reshape(16)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


_CROSS = _frozen(_levi_civita())
_QUAT_TO_MATRIX = _frozen(_matrix_of_quaternion())
_CANDIDATES, _CANDIDATE_ONES = (_frozen(a) for a in _quaternion_candidates())


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products of same-shaped (..., 3) arrays; bit-for-bit ``quat.cross``."""
    outer = a[..., :, None] * b[..., None, :]
    return outer.reshape(*outer.shape[:-2], 9) @ _CROSS


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot products along the last axis, keeping it (..., 1)."""
    return np.add.reduce(a * b, axis=-1, keepdims=True)


def unit(v: np.ndarray) -> np.ndarray:
    """v / |v| along the last axis, for vectors known to be far from zero."""
    return v / np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True))


def unit_or(v: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """v / |v| along the last axis, ``fallback`` where |v| < 1e-9: ``quat.normalize`` for
    finite input, in half its calls. (A NaN row stays NaN: its hand is masked later.)"""
    size = np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True))
    short = size < 1e-9
    if short.any():
        return np.where(short, fallback, v / np.where(short, 1.0, size))
    return v / size


def columns(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Matrices (..., 3, 3) with columns a, b, c (np.stack's result, without its Python-level
    argument handling)."""
    return np.concatenate((a[..., None], b[..., None], c[..., None]), axis=-1)


def matrices_of(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of unit quaternions (..., 4)."""
    outer = q[..., :, None] * q[..., None, :]
    return (outer.reshape(*outer.shape[:-2], 16) @ _QUAT_TO_MATRIX).reshape(*q.shape[:-1], 3, 3)


def quaternions_of(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4) with w >= 0 of rotation matrices (..., 3, 3): ``quat.from_matrix``
    (each matrix read through the candidate of its largest diagonal term, the stable one)."""
    flat = m.reshape(-1, 9)
    candidates = flat @ _CANDIDATES + _CANDIDATE_ONES
    # The candidate diagonal (every fifth entry) is (1 + 2 m_ii - trace, 1 + trace): its
    # largest entry is where quat.from_matrix's (m00, m11, m22, trace) is largest.
    choice = candidates[:, ::5].argmax(axis=-1)
    q = candidates.reshape(-1, 4, 4)[np.arange(len(flat)), choice]
    # Normalised with the sign that makes w >= 0 (the chosen candidate is at least 1 long).
    size = np.sqrt(np.add.reduce(q * q, axis=-1, keepdims=True))
    np.negative(size, out=size, where=q[:, 3:] < 0)
    return (q / size).reshape(*m.shape[:-2], 4)
