"""One finger's three local rotations (Proximal, Intermediate, Distal) on plain floats.

Why floats: a finger is three 3-vectors. Stacked numpy over all ten fingers of both hands still
took ~70 numpy calls a frame, each a microsecond of dispatch for a few dozen multiplications;
the same ~250 float operations per finger cost a few microseconds. The algorithm is
``fingers.py``'s (see its docstring).

The work is done in the finger's *rest frame* (columns: rest direction, rest hinge, direction x
hinge, in the Hand bone's frame): the segments are brought straight into it (``fingers.py``
folds the rest frame into the Hand's world rotation once per hand, and the four long fingers
share one), so the Proximal rotation is the observed frame itself, with no product by the rest
frame per finger. Each rotation goes back to the Hand's frame by turning its vector part by the
rest frame (conjugation), which is all ``frame @ rest^T`` amounts to.

Written out component by component, without helper calls: this runs for ten fingers every
frame, and a call or a tuple per helper would cost as much as the arithmetic it wraps.
Vectors are (x, y, z), quaternions (x, y, z, w), as plain floats.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from vtdriver import float_rotation as fr

Quat = tuple[float, float, float, float]


@dataclass(frozen=True)
class RestFinger:
    """One finger's rest-skeleton constants. Vectors marked (rest) are in the rest frame."""

    frame: int  # which of the side's rest frames (``RestHand.frames``) the finger uses
    direction: fr.Vec  # (rest) unit rest direction, ~x; a collapsed segment points along it
    hinge: fr.Vec  # (rest) unit rest flexion hinge, ~y
    hinge_prior: fr.Vec  # (rest) the rest hinge mixed into the observed one (fingers.py)
    across_fallback: fr.Vec  # (rest) quat.basis' fallback for a hinge along the finger: Hand y
    # quat.from_two_vectors' half-turn axis for a direction opposite the rest one (rest) (a
    # joint bent fully backwards: never seen, but defined).
    half_turn: fr.Vec
    # The rest frame's columns in the Hand's frame: direction, hinge, direction x hinge.
    columns: tuple[fr.Vec, fr.Vec, fr.Vec]


def finger_rotations(
    p0: list[float], p1: list[float], p2: list[float], p3: list[float], to_rest: tuple[float, ...], rest: RestFinger
) -> tuple[float, ...]:
    """The 12 components of a finger's Proximal, Intermediate and Distal local rotations, from
    its four joints (root first, world axes, any scale) and ``to_rest``, the 9 entries (row by
    row) of the matrix taking world vectors into the finger's rest frame."""
    e00, e01, e02, e10, e11, e12, e20, e21, e22 = to_rest
    dx0, dy0, dz0 = rest.direction

    # The three segments in the rest frame, each made unit (quat.normalize's rule: shorter
    # than 1e-9 or non-finite falls back to the rest direction).
    x, y, z = p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]
    s0, s1, s2 = e00 * x + e01 * y + e02 * z, e10 * x + e11 * y + e12 * z, e20 * x + e21 * y + e22 * z
    size = math.sqrt(s0 * s0 + s1 * s1 + s2 * s2)
    f0, f1, f2 = (s0 / size, s1 / size, s2 / size) if 1e-9 <= size < math.inf else (dx0, dy0, dz0)
    x, y, z = p2[0] - p1[0], p2[1] - p1[1], p2[2] - p1[2]
    s0, s1, s2 = e00 * x + e01 * y + e02 * z, e10 * x + e11 * y + e12 * z, e20 * x + e21 * y + e22 * z
    size = math.sqrt(s0 * s0 + s1 * s1 + s2 * s2)
    m0, m1, m2 = (s0 / size, s1 / size, s2 / size) if 1e-9 <= size < math.inf else (dx0, dy0, dz0)
    x, y, z = p3[0] - p2[0], p3[1] - p2[1], p3[2] - p2[2]
    s0, s1, s2 = e00 * x + e01 * y + e02 * z, e10 * x + e11 * y + e12 * z, e20 * x + e21 * y + e22 * z
    size = math.sqrt(s0 * s0 + s1 * s1 + s2 * s2)
    l0, l1, l2 = (s0 / size, s1 / size, s2 / size) if 1e-9 <= size < math.inf else (dx0, dy0, dz0)

    # The bend plane's normal, cross(first, middle) + cross(middle, last) as one cross product
    # cross(first - last, middle). A finger bent slightly backwards keeps its hinge; only the
    # bend angle changes sign. The rest hinge is mixed in (fingers.py).
    d0, d1, d2 = f0 - l0, f1 - l1, f2 - l2
    p0_, p1_, p2_ = d1 * m2 - d2 * m1, d2 * m0 - d0 * m2, d0 * m1 - d1 * m0
    r0, r1, r2 = rest.hinge
    sign = -1.0 if p0_ * r0 + p1_ * r1 + p2_ * r2 < 0 else 1.0
    q0, q1, q2 = rest.hinge_prior
    h0, h1, h2 = sign * p0_ + q0, sign * p1_ + q1, sign * p2_ + q2

    # The Proximal frame, quat.basis(first, hinge, 0, 1): columns first, across (the hinge made
    # perpendicular to the finger), normal = first x across.
    along = h0 * f0 + h1 * f1 + h2 * f2
    s0, s1, s2 = h0 - along * f0, h1 - along * f1, h2 - along * f2
    size = math.sqrt(s0 * s0 + s1 * s1 + s2 * s2)
    a0, a1, a2 = (s0 / size, s1 / size, s2 / size) if 1e-9 <= size < math.inf else rest.across_fallback
    n0, n1, n2 = f1 * a2 - f2 * a1, f2 * a0 - f0 * a2, f0 * a1 - f1 * a0
    # In the rest frame the rest frame is the identity, so the Proximal rotation is this frame's.
    px, py, pz, pw = _frame_quat(f0, a0, n0, f1, a1, n1, f2, a2, n2)

    # The outer segments in the Proximal bone's rest frame (frame^T s), where the rest
    # direction is x; each arc is quat.from_two_vectors(x, v): (cross(x, v), 1 + v.x)
    # normalised, or the half turn when v is opposite x.
    v0, v1, v2 = f0 * m0 + f1 * m1 + f2 * m2, a0 * m0 + a1 * m1 + a2 * m2, n0 * m0 + n1 * m1 + n2 * m2
    lift = 1.0 + v0
    ix, iy, iz, iw = (0.0, -v2, v1, lift) if lift >= 1e-6 else (*rest.half_turn, 0.0)
    size = math.sqrt(ix * ix + iy * iy + iz * iz + iw * iw)
    ix, iy, iz, iw = ix / size, iy / size, iz / size, iw / size
    # The last segment seen from the Intermediate bone: rotated by the arc's conjugate
    # (float_rotation.rotate with the vector part negated).
    o0, o1, o2 = f0 * l0 + f1 * l1 + f2 * l2, a0 * l0 + a1 * l1 + a2 * l2, n0 * l0 + n1 * l1 + n2 * l2
    tx, ty, tz = 2.0 * (iz * o1 - iy * o2), 2.0 * (ix * o2 - iz * o0), 2.0 * (iy * o0 - ix * o1)
    v0 = o0 + iw * tx + (iz * ty - iy * tz)
    v1 = o1 + iw * ty + (ix * tz - iz * tx)
    v2 = o2 + iw * tz + (iy * tx - ix * ty)
    lift = 1.0 + v0
    jx, jy, jz, jw = (0.0, -v2, v1, lift) if lift >= 1e-6 else (*rest.half_turn, 0.0)
    size = math.sqrt(jx * jx + jy * jy + jz * jz + jw * jw)
    jx, jy, jz, jw = jx / size, jy / size, jz / size, jw / size

    # All three seen from the Hand's frame: their axes turned out of the rest frame (columns).
    (c00, c01, c02), (c10, c11, c12), (c20, c21, c22) = rest.columns
    return (
        px * c00 + py * c10 + pz * c20, px * c01 + py * c11 + pz * c21, px * c02 + py * c12 + pz * c22, pw,
        ix * c00 + iy * c10 + iz * c20, ix * c01 + iy * c11 + iz * c21, ix * c02 + iy * c12 + iz * c22, iw,
        jx * c00 + jy * c10 + jz * c20, jx * c01 + jy * c11 + jz * c21, jx * c02 + jy * c12 + jz * c22, jw,
    )


def _frame_quat(
    m00: float, m01: float, m02: float, m10: float, m11: float, m12: float, m20: float, m21: float, m22: float
) -> Quat:
    """``float_rotation.from_rows`` with the nine entries as arguments (no row tuples to build)."""
    trace = m00 + m11 + m22
    if m00 >= m11 and m00 >= m22 and m00 >= trace:
        x, y, z, w = 1 + m00 - m11 - m22, m01 + m10, m02 + m20, m21 - m12
    elif m11 >= m22 and m11 >= trace:
        x, y, z, w = m01 + m10, 1 - m00 + m11 - m22, m12 + m21, m02 - m20
    elif m22 >= trace:
        x, y, z, w = m02 + m20, m12 + m21, 1 - m00 - m11 + m22, m10 - m01
    else:
        x, y, z, w = m21 - m12, m02 - m20, m10 - m01, 1 + trace
    size = math.sqrt(x * x + y * y + z * z + w * w)
    if w < 0:
        size = -size
    return (x / size, y / size, z / size, w / size)
