"""Plain-float 3-vectors for the handful of per-hand quantities computed once per frame (a
hand's palm axes, its wrist, its speed): a numpy call on a 3-element array costs about a
microsecond of dispatch, the same arithmetic on Python floats a few tens of nanoseconds.

Vectors are tuples (x, y, z). The formulas and their evaluation order are those of
``vtdriver.quat`` (e.g. a dot product sums x, y, z in that order, as numpy does on a short last
axis), so the results agree with the array code to the last bit or within a rounding error.
"""
from __future__ import annotations

import math

import numpy as np

Vec3 = tuple[float, float, float]


def sub(a: Vec3, b: Vec3) -> Vec3:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def dot(a: Vec3, b: Vec3) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec3, b: Vec3) -> Vec3:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def length(a: Vec3) -> float:
    return math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])


def divided(a: Vec3, s: float) -> Vec3:
    # Division, not multiplication by 1/s: the same rounding as ``quat.normalize``.
    return (a[0] / s, a[1] / s, a[2] / s)


def quat_from_rows(rows: tuple[Vec3, Vec3, Vec3]) -> np.ndarray:
    """Unit quaternion (x, y, z, w), w >= 0, of a finite rotation matrix given by its rows:
    ``quat.from_matrix`` on floats (the stable branch of the largest diagonal term)."""
    return np.array(quat_tuple_from_rows(rows))


def quat_tuple_from_rows(rows: tuple[Vec3, Vec3, Vec3]) -> tuple[float, float, float, float]:
    """``quat_from_rows`` as a tuple. (The chosen candidate is at least 1 long for any finite
    matrix, so only NaN input gives a NaN result.)"""
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = rows
    trace = m00 + m11 + m22
    diagonal = (m00, m11, m22, trace)
    choice = diagonal.index(max(diagonal))  # the first largest, as np.argmax picks
    if choice == 0:
        q = (1 + m00 - m11 - m22, m01 + m10, m02 + m20, m21 - m12)
    elif choice == 1:
        q = (m01 + m10, 1 - m00 + m11 - m22, m12 + m21, m02 - m20)
    elif choice == 2:
        q = (m02 + m20, m12 + m21, 1 - m00 - m11 + m22, m10 - m01)
    else:
        q = (m21 - m12, m02 - m20, m10 - m01, 1 + trace)
    size = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if q[3] < 0:
        size = -size
    return (q[0] / size, q[1] / size, q[2] / size, q[3] / size)


def rotation_rows(q: tuple[float, float, float, float]) -> tuple[Vec3, Vec3, Vec3]:
    """Rows of the rotation matrix of the quaternion q (x, y, z, w), normalised first (as
    ``quat.to_matrix``); the identity for a zero or non-finite q (``quat.normalize``'s fallback)."""
    size = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if not 1e-9 <= size < math.inf:
        return ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    x, y, z, w = q[0] / size, q[1] / size, q[2] / size, q[3] / size
    return (
        (1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
        (2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
        (2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)),
    )
