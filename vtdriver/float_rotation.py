"""Plain-float vectors (x, y, z) and quaternions (x, y, z, w) for solvers that handle one bone
chain per frame: a numpy call on a 3- or 4-element array costs about a microsecond of dispatch,
the same arithmetic on Python floats a few tens of nanoseconds, and a limb takes ~40 of them.

The formulas and their evaluation order follow ``vtdriver.quat`` (a dot product sums x, y, z in
that order, as numpy does on a short last axis), so results agree with the array code to the
last bit or within a rounding error. Degenerate input (zero or non-finite directions) is
reported as None here and left to the array code, which owns the fallbacks.
"""
from __future__ import annotations

import math

Vec = tuple[float, float, float]
Quat = tuple[float, float, float, float]

_EPS = 1e-9  # as quat.normalize
IDENTITY: Quat = (0.0, 0.0, 0.0, 1.0)


def sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def divided(a: Vec, s: float) -> Vec:
    # Division, not multiplication by 1/s: the same rounding as ``quat.normalize``.
    return (a[0] / s, a[1] / s, a[2] / s)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def length(a: Vec) -> float:
    return math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])


def unit(a: Vec) -> Vec | None:
    """a / |a|, or None when a is zero or not finite."""
    size = length(a)
    if not _EPS <= size < math.inf:
        return None
    return (a[0] / size, a[1] / size, a[2] / size)


def perpendicular(v: Vec, axis: Vec) -> Vec:
    """Component of v orthogonal to the unit vector ``axis``."""
    along = dot(v, axis)
    return (v[0] - along * axis[0], v[1] - along * axis[1], v[2] - along * axis[2])


def multiply(a: Quat, b: Quat) -> Quat:
    """Hamilton product a*b: apply b first, then a."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def conjugate(q: Quat) -> Quat:
    return (-q[0], -q[1], -q[2], q[3])


def relative(a: Quat, b: Quat) -> Quat:
    """a^-1 * b for a unit quaternion a: ``multiply(conjugate(a), b)`` without building the
    conjugate (a bone relative to its parent, nine times a frame and more). Negating a factor
    negates its products exactly, so the terms and their rounding are the same."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx - ax * bw - ay * bz + az * by,
        aw * by + ax * bz - ay * bw - az * bx,
        aw * bz - ax * by + ay * bx - az * bw,
        aw * bw + ax * bx + ay * by + az * bz,
    )


def normalized(q: Quat) -> Quat | None:
    size = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if not _EPS <= size < math.inf:
        return None
    return (q[0] / size, q[1] / size, q[2] / size, q[3] / size)


def unit_or_identity(q: Quat) -> Quat:
    """q normalised, or the identity when it is zero or not finite (``quat.normalize``)."""
    return normalized(q) or IDENTITY


def slerp(a: Quat, b: Quat, t: float) -> Quat:
    """``quat.slerp`` of two unit quaternions (same formula, cut-off and final normalisation)."""
    dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]
    if dot < 0:
        b = (-b[0], -b[1], -b[2], -b[3])
        dot = -dot
    theta = math.acos(min(dot, 1.0))
    sin_theta = math.sin(theta)
    if sin_theta < 1e-6:
        wa, wb = 1.0 - t, t
    else:
        wa, wb = math.sin((1.0 - t) * theta) / sin_theta, math.sin(t * theta) / sin_theta
    return unit_or_identity((wa * a[0] + wb * b[0], wa * a[1] + wb * b[1], wa * a[2] + wb * b[2], wa * a[3] + wb * b[3]))


def rotate(q: Quat, v: Vec) -> Vec:
    """v rotated by the unit quaternion q."""
    ux, uy, uz, w = q
    vx, vy, vz = v
    tx, ty, tz = 2.0 * (uy * vz - uz * vy), 2.0 * (uz * vx - ux * vz), 2.0 * (ux * vy - uy * vx)
    return (
        vx + w * tx + (uy * tz - uz * ty),
        vy + w * ty + (uz * tx - ux * tz),
        vz + w * tz + (ux * ty - uy * tx),
    )


def shortest_arc(a: Vec, b: Vec) -> Quat | None:
    """The shortest rotation taking unit direction a onto unit direction b; None for (nearly)
    opposite directions, whose axis is a choice the array code makes."""
    w = 1.0 + dot(a, b)
    if w < 1e-6:
        return None
    return normalized((*cross(a, b), w))


def basis_columns(primary: Vec, secondary: Vec, primary_axis: int, secondary_axis: int) -> tuple[Vec, Vec, Vec] | None:
    """Columns of ``quat.basis``: column ``primary_axis`` along primary, ``secondary_axis`` the
    secondary made orthogonal to it, the third completing a proper rotation."""
    # unit, perpendicular, unit and cross written out: every bone frame of every frame (torso,
    # head, feet, limbs) comes through here, and the four calls cost more than their arithmetic.
    x, y, z = primary
    size = math.sqrt(x * x + y * y + z * z)
    if not _EPS <= size < math.inf:
        return None
    p = (x / size, y / size, z / size)
    x, y, z = secondary
    along = x * p[0] + y * p[1] + z * p[2]
    x, y, z = x - along * p[0], y - along * p[1], z - along * p[2]
    size = math.sqrt(x * x + y * y + z * z)
    if not _EPS <= size < math.inf:
        return None
    cols: list[Vec] = [p, p, p]
    cols[secondary_axis] = (x / size, y / size, z / size)
    third = 3 - primary_axis - secondary_axis
    (a0, a1, a2), (b0, b1, b2) = cols[(third + 1) % 3], cols[(third + 2) % 3]
    cols[third] = (a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0)
    return cols[0], cols[1], cols[2]


def from_rows(m: tuple[Vec, Vec, Vec]) -> Quat:
    """Unit quaternion (w >= 0) of a finite rotation matrix given by its rows, from the
    numerically stable branch of the largest diagonal term (the first, as np.argmax picks).
    The chosen candidate is at least 1 long for any finite matrix, so only NaN input gives a
    NaN result."""
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = m
    trace = m00 + m11 + m22
    diagonal = (m00, m11, m22, trace)
    choice = diagonal.index(max(diagonal))
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


def rotation_rows(q: Quat) -> tuple[Vec, Vec, Vec]:
    """Rows of the rotation matrix of the quaternion q, normalised first (as ``quat.to_matrix``);
    the identity for a zero or non-finite q (``quat.normalize``'s fallback)."""
    size = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if not _EPS <= size < math.inf:
        return ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    x, y, z, w = q[0] / size, q[1] / size, q[2] / size, q[3] / size
    return (
        (1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
        (2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
        (2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)),
    )


def frame_rotation(
    primary: Vec, secondary: Vec, rest_primary: Vec, rest_secondary: Vec, primary_axis: int, secondary_axis: int
) -> Quat | None:
    """``bone_frames.frame_rotation`` on floats: the rotation taking the rest frame onto the
    current one (current basis times the transposed rest basis)."""
    rest = basis_columns(rest_primary, rest_secondary, primary_axis, secondary_axis)
    return None if rest is None else frame_rotation_from_rest(primary, secondary, rest, primary_axis, secondary_axis)


def frame_rotation_from_rest(
    primary: Vec, secondary: Vec, rest: tuple[Vec, Vec, Vec], primary_axis: int, secondary_axis: int
) -> Quat | None:
    """``frame_rotation`` with the rest basis already built (``basis_columns``): a bone's rest
    frame never changes, so its solver builds it once."""
    current = basis_columns(primary, secondary, primary_axis, secondary_axis)
    if current is None:
        return None
    # (C R^T)[i][j] = sum_k C[i][k] R[j][k], with C and R given by columns: C[i][k] = current[k][i].
    # Written out: two nested generators cost more than the 27 products.
    (c00, c01, c02), (c10, c11, c12), (c20, c21, c22) = current
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rest
    return from_rows((
        (c00 * r00 + c10 * r10 + c20 * r20, c00 * r01 + c10 * r11 + c20 * r21, c00 * r02 + c10 * r12 + c20 * r22),
        (c01 * r00 + c11 * r10 + c21 * r20, c01 * r01 + c11 * r11 + c21 * r21, c01 * r02 + c11 * r12 + c21 * r22),
        (c02 * r00 + c12 * r10 + c22 * r20, c02 * r01 + c12 * r11 + c22 * r21, c02 * r02 + c12 * r12 + c22 * r22),
    ))
