"""Vectorised quaternion and rotation helpers. Quaternions are (x, y, z, w) arrays, the order
Unity and the VMC protocol use. Every function accepts stacked inputs (..., 4) / (..., 3, 3)
and never modifies its arguments.

The formulas are plain rotation algebra and do not depend on handedness: a rotation matrix
built from Unity-frame vectors converts to the quaternion Unity expects.
"""
from __future__ import annotations

import math

import numpy as np

from vtdriver import float_rotation as fr

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
_EPS = 1e-9
# Single vectors and quaternions (1-D inputs) take plain-float fast paths below: a numpy call
# on a 4-element array costs about a microsecond, the same arithmetic on Python floats a few
# tens of nanoseconds. The fast paths do the same IEEE operations in the same order as the
# array code (numpy reduces a short last axis sequentially), so results are bit-for-bit equal.
# Index permutations for the cross product written as two gathers: a tiny-array numpy call
# costs about a microsecond, and np.cross spends tens of them on axis bookkeeping.
_YZX = np.array([1, 2, 0])
_ZXY = np.array([2, 0, 1])
_CONJUGATE_SIGNS = np.array([-1.0, -1.0, -1.0, 1.0])


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of 3-vectors along the last axis, broadcasting like ``np.cross`` and
    bit-for-bit equal to it (same products, same subtraction), at a fraction of its cost."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape == (3,) and b.shape == (3,):
        a0, a1, a2 = a.tolist()
        b0, b1, b2 = b.tolist()
        return np.array((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0))
    return a[..., _YZX] * b[..., _ZXY] - a[..., _ZXY] * b[..., _YZX]


def norm(v: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """Euclidean length along the last axis; bit-for-bit ``np.linalg.norm(v, axis=-1)``
    (which is sqrt(add.reduce(v * v))) without its Python-level dispatch."""
    v = np.asarray(v, dtype=float)
    return np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=keepdims))


def _length(values: list[float]) -> float:
    squares = values[0] * values[0]
    for x in values[1:]:
        squares += x * x
    return math.sqrt(squares)


def normalize(v: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors along the last axis. Zero or non-finite vectors become ``fallback``
    (default: the x axis for 3-vectors, identity for quaternions)."""
    v = np.asarray(v, dtype=float)
    if v.ndim == 1 and v.size:
        length = _length(v.tolist())
        if _EPS <= length < math.inf:
            return v / length
    length = np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True))
    bad = ~np.isfinite(length) | (length < _EPS)
    if not bad.any():
        return v / length
    out = v / np.where(bad, 1.0, length)
    if fallback is None:
        fallback = IDENTITY if v.shape[-1] == 4 else np.eye(v.shape[-1])[0]
    return np.where(bad, np.broadcast_to(fallback, out.shape), out)


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a*b: apply b first, then a."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape == (4,) and b.shape == (4,):
        return np.array(fr.multiply(a.tolist(), b.tolist()))
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        (
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ),
        axis=-1,
    )


def conjugate(q: np.ndarray) -> np.ndarray:
    return np.asarray(q, dtype=float) * _CONJUGATE_SIGNS


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4)."""
    q = np.asarray(q, dtype=float)
    v = np.asarray(v, dtype=float)
    if q.shape == (4,) and v.shape == (3,):
        return np.array(fr.rotate(q.tolist(), v.tolist()))
    u, w = q[..., :3], q[..., 3:]
    t = 2.0 * cross(u, v)
    return v + w * t + cross(u, t)


def to_matrix(q: np.ndarray) -> np.ndarray:
    q = normalize(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack(
        (
            np.stack((1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)), -1),
            np.stack((2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)), -1),
            np.stack((2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)), -1),
        ),
        axis=-2,
    )


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) to unit quaternions with w >= 0. Uses the numerically
    stable branch (largest diagonal term) for every element at once."""
    m = np.asarray(m, dtype=float)
    if m.shape == (3, 3):
        single = _from_single_matrix(m.tolist())
        if single is not None:
            return single
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    trace = m00 + m11 + m22
    candidates = np.stack(
        (
            np.stack((1 + m00 - m11 - m22, m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0], m[..., 2, 1] - m[..., 1, 2]), -1),
            np.stack((m[..., 0, 1] + m[..., 1, 0], 1 - m00 + m11 - m22, m[..., 1, 2] + m[..., 2, 1], m[..., 0, 2] - m[..., 2, 0]), -1),
            np.stack((m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1], 1 - m00 - m11 + m22, m[..., 1, 0] - m[..., 0, 1]), -1),
            np.stack((m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1], 1 + trace), -1),
        ),
        axis=-2,
    )
    choice = np.argmax(np.stack((m00, m11, m22, trace), -1), axis=-1)
    q = np.take_along_axis(candidates, choice[..., None, None], axis=-2)[..., 0, :]
    q = normalize(q)
    return np.where(q[..., 3:] < 0, -q, q)


def _from_single_matrix(rows: list[list[float]]) -> np.ndarray | None:
    """``from_matrix`` of one matrix on floats (``float_rotation.from_rows``: the same
    candidates and choice); None when the diagonal has a NaN, left to the array code."""
    if any(rows[i][i] != rows[i][i] for i in range(3)):
        return None
    return np.array(fr.from_rows(rows))


def from_axis_angle(axis: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    axis = normalize(axis)
    half = 0.5 * np.asarray(angle, dtype=float)[..., None]
    return np.concatenate((axis * np.sin(half), np.cos(half)), axis=-1)


def from_two_vectors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shortest-arc rotation taking direction a onto direction b. Opposite vectors rotate
    half a turn about an axis perpendicular to a."""
    a = normalize(a)
    b = normalize(b)
    if a.shape == (3,) and b.shape == (3,):
        ax, ay, az = a.tolist()
        bx, by, bz = b.tolist()
        w = 1.0 + (ax * bx + ay * by + az * bz)
        if w >= 1e-6:
            return normalize(np.array((ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx, w)))
    dot = np.sum(a * b, axis=-1, keepdims=True)
    q = np.concatenate((cross(a, b), 1.0 + dot), axis=-1)
    opposite = (1.0 + dot)[..., 0] < 1e-6
    if np.any(opposite):
        helper = np.where(np.abs(a[..., :1]) < 0.9, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
        perp = normalize(cross(a, helper))
        half_turn = np.concatenate((perp, np.zeros(perp.shape[:-1] + (1,))), axis=-1)
        q = np.where(opposite[..., None], half_turn, q)
    return normalize(q)


def basis(primary: np.ndarray, secondary: np.ndarray, primary_axis: int, secondary_axis: int) -> np.ndarray:
    """Rotation matrix whose column ``primary_axis`` is along ``primary`` and whose column
    ``secondary_axis`` is ``secondary`` made orthogonal to it (Gram-Schmidt). The remaining
    column completes a proper rotation (det = +1)."""
    if np.shape(primary) == (3,) and np.shape(secondary) == (3,):
        single = _single_basis(np.asarray(primary, dtype=float).tolist(), np.asarray(secondary, dtype=float).tolist(), primary_axis, secondary_axis)
        if single is not None:
            return single
    p = normalize(primary)
    s = np.asarray(secondary, dtype=float) - np.sum(np.asarray(secondary, dtype=float) * p, -1, keepdims=True) * p
    fallback_dir = np.eye(3)[(primary_axis + 1) % 3]
    s = normalize(s, fallback=fallback_dir)
    cols = [None, None, None]
    cols[primary_axis] = p
    cols[secondary_axis] = s
    third = 3 - primary_axis - secondary_axis
    # x = y cross z, y = z cross x, z = x cross y for a right-handed basis of a proper rotation.
    a, b = cols[(third + 1) % 3], cols[(third + 2) % 3]
    cols[third] = cross(a, b)
    return np.stack(cols, axis=-1)


def _single_basis(p: list[float], s: list[float], primary_axis: int, secondary_axis: int) -> np.ndarray | None:
    """``basis`` of one vector pair on floats; None (left to the array code and its fallbacks)
    when either direction is degenerate."""
    cols = fr.basis_columns(p, s, primary_axis, secondary_axis)
    return None if cols is None else np.array(cols).T


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    a = normalize(a)
    b = normalize(b)
    if a.shape == (4,) and b.shape == (4,) and isinstance(t, float | int):
        return np.array(fr.slerp(a.tolist(), b.tolist(), float(t)))
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0, -b, b)
    dot = np.abs(dot)
    t = np.asarray(t, dtype=float)
    if t.ndim:
        t = t[..., None]
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_theta = np.sin(theta)
    small = sin_theta < 1e-6
    safe = np.where(small, 1.0, sin_theta)
    wa = np.where(small, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    wb = np.where(small, t, np.sin(t * theta) / safe)
    return normalize(wa * a + wb * b)


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in radians of the rotation a^-1 * b."""
    # atan2 of the relative rotation's parts stays accurate near zero, where arccos does not.
    rel = multiply(conjugate(normalize(a)), normalize(b))
    return 2.0 * np.arctan2(norm(rel[..., :3]), np.abs(rel[..., 3]))


def vector_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in radians between direction vectors (robust near 0 and pi)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.arctan2(norm(cross(a, b)), np.sum(a * b, axis=-1))
