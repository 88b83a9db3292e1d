"""Each finger's three local rotations (Proximal, Intermediate, Distal) on plain floats.

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
frame, and a call or a tuple per helper would cost as much as the arithmetic it wraps. Terms
that are exact zeros in every rest frame (the rest hinge is y, the arcs have no x part) are
left out rather than multiplied: the results are the same numbers.
Vectors are (x, y, z), quaternions (x, y, z, w), as plain floats.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from vtdriver import float_rotation as fr

Quat = tuple[float, float, float, float]


class RestFinger(NamedTuple):
    """One finger's rest-skeleton constants, flat so the hand loop unpacks them in one step.
    Vectors marked (rest) are in the finger's rest frame, whose x is the rest direction and
    whose y is the rest hinge: the hinge is exactly (0, 1, 0) there, so it needs no field and
    its dot and mix-in products reduce to the y terms."""

    i0: int  # the four landmark indices, root first
    i1: int
    i2: int
    i3: int
    frame: int  # which of the side's rest frames (``RestHand.frames``) the finger uses
    # (rest) unit rest direction, ~x; a collapsed segment points along it
    dx: float
    dy: float
    dz: float
    hinge_prior: float  # the y part of the rest hinge mixed into the observed one (fingers.py)
    across_fallback: fr.Vec  # (rest) quat.basis' fallback for a hinge along the finger: Hand y
    # quat.from_two_vectors' half-turn axis for a direction opposite the rest one, (0, y, z)
    # (rest): perpendicular to x (a joint bent fully backwards: never seen, but defined).
    half_turn_y: float
    half_turn_z: float
    # The rest frame's columns in the Hand's frame (direction, hinge, direction x hinge):
    # cJK is component K of column J.
    c00: float
    c01: float
    c02: float
    c10: float
    c11: float
    c12: float
    c20: float
    c21: float
    c22: float


def hand_rotations(
    hand: Sequence[Sequence[float]], to_rest: Sequence[tuple[float, ...]], fingers: tuple[RestFinger, ...]
) -> list[float]:
    """The 60 components (x, y, z, w), bone by bone, of the Proximal, Intermediate and Distal
    local rotations of each finger of one hand, from its 21 points (world axes, any scale) and
    ``to_rest``: per rest frame, the 9 entries (row by row) of the matrix taking world vectors
    into it.

    One loop for the hand rather than a call per finger: the finger's constants come out of
    one tuple, and a call with its arguments cost as much as a tenth of the finger."""
    sqrt, inf = math.sqrt, math.inf
    out: list[float] = []
    for (i0, i1, i2, i3, frame, dx0, dy0, dz0, prior, across_fallback, half_y, half_z,
         c00, c01, c02, c10, c11, c12, c20, c21, c22) in fingers:
        e00, e01, e02, e10, e11, e12, e20, e21, e22 = to_rest[frame]
        x0, y0, z0 = hand[i0]
        x1, y1, z1 = hand[i1]
        x2, y2, z2 = hand[i2]
        x3, y3, z3 = hand[i3]

        # The three segments in the rest frame, each made unit (quat.normalize's rule: shorter
        # than 1e-9 or non-finite falls back to the rest direction).
        x, y, z = x1 - x0, y1 - y0, z1 - z0
        s0, s1, s2 = e00 * x + e01 * y + e02 * z, e10 * x + e11 * y + e12 * z, e20 * x + e21 * y + e22 * z
        size = sqrt(s0 * s0 + s1 * s1 + s2 * s2)
        if 1e-9 <= size < inf:
            f0, f1, f2 = s0 / size, s1 / size, s2 / size
        else:
            f0, f1, f2 = dx0, dy0, dz0
        x, y, z = x2 - x1, y2 - y1, z2 - z1
        s0, s1, s2 = e00 * x + e01 * y + e02 * z, e10 * x + e11 * y + e12 * z, e20 * x + e21 * y + e22 * z
        size = sqrt(s0 * s0 + s1 * s1 + s2 * s2)
        if 1e-9 <= size < inf:
            m0, m1, m2 = s0 / size, s1 / size, s2 / size
        else:
            m0, m1, m2 = dx0, dy0, dz0
        x, y, z = x3 - x2, y3 - y2, z3 - z2
        s0, s1, s2 = e00 * x + e01 * y + e02 * z, e10 * x + e11 * y + e12 * z, e20 * x + e21 * y + e22 * z
        size = sqrt(s0 * s0 + s1 * s1 + s2 * s2)
        if 1e-9 <= size < inf:
            l0, l1, l2 = s0 / size, s1 / size, s2 / size
        else:
            l0, l1, l2 = dx0, dy0, dz0

        # The bend plane's normal, cross(first, middle) + cross(middle, last) as one cross
        # product cross(first - last, middle). A finger bent slightly backwards keeps its hinge;
        # only the bend angle changes sign: the sign of its y part, its dot with the rest hinge.
        # The rest hinge is mixed in (fingers.py).
        d0, d1, d2 = f0 - l0, f1 - l1, f2 - l2
        h1 = d2 * m0 - d0 * m2
        if h1 < 0:
            h0, h1, h2 = d2 * m1 - d1 * m2, prior - h1, d1 * m0 - d0 * m1
        else:
            h0, h1, h2 = d1 * m2 - d2 * m1, h1 + prior, d0 * m1 - d1 * m0

        # The Proximal frame, quat.basis(first, hinge, 0, 1): columns first, across (the hinge
        # made perpendicular to the finger), normal = first x across.
        along = h0 * f0 + h1 * f1 + h2 * f2
        s0, s1, s2 = h0 - along * f0, h1 - along * f1, h2 - along * f2
        size = sqrt(s0 * s0 + s1 * s1 + s2 * s2)
        if 1e-9 <= size < inf:
            a0, a1, a2 = s0 / size, s1 / size, s2 / size
        else:
            a0, a1, a2 = across_fallback
        n0, n1, n2 = f1 * a2 - f2 * a1, f2 * a0 - f0 * a2, f0 * a1 - f1 * a0
        # In the rest frame the rest frame is the identity, so the Proximal rotation is this
        # frame's (float_rotation.from_rows of the rows (f0, a0, n0), (f1, a1, n1), (f2, a2, n2)).
        trace = f0 + a1 + n2
        if f0 >= a1 and f0 >= n2 and f0 >= trace:
            px, py, pz, pw = 1 + f0 - a1 - n2, a0 + f1, n0 + f2, a2 - n1
        elif a1 >= n2 and a1 >= trace:
            px, py, pz, pw = a0 + f1, 1 - f0 + a1 - n2, n1 + a2, n0 - f2
        elif n2 >= trace:
            px, py, pz, pw = n0 + f2, n1 + a2, 1 - f0 - a1 + n2, f1 - a0
        else:
            px, py, pz, pw = a2 - n1, n0 - f2, f1 - a0, 1 + trace
        size = sqrt(px * px + py * py + pz * pz + pw * pw)
        if pw < 0:
            size = -size
        px, py, pz, pw = px / size, py / size, pz / size, pw / size

        # The outer segments in the Proximal bone's rest frame (frame^T s), where the rest
        # direction is x; each arc is quat.from_two_vectors(x, v): (cross(x, v), 1 + v.x)
        # normalised, or the half turn when v is opposite x. Both have no x part, which the
        # rotation and the turn out of the rest frame below leave out.
        v0, v1, v2 = f0 * m0 + f1 * m1 + f2 * m2, a0 * m0 + a1 * m1 + a2 * m2, n0 * m0 + n1 * m1 + n2 * m2
        lift = 1.0 + v0
        if lift >= 1e-6:
            iy, iz, iw = -v2, v1, lift
        else:
            iy, iz, iw = half_y, half_z, 0.0
        size = sqrt(iy * iy + iz * iz + iw * iw)
        iy, iz, iw = iy / size, iz / size, iw / size
        # The last segment seen from the Intermediate bone: rotated by the arc's conjugate
        # (float_rotation.rotate with the vector part negated).
        o0, o1, o2 = f0 * l0 + f1 * l1 + f2 * l2, a0 * l0 + a1 * l1 + a2 * l2, n0 * l0 + n1 * l1 + n2 * l2
        tx, ty, tz = 2.0 * (iz * o1 - iy * o2), -2.0 * (iz * o0), 2.0 * (iy * o0)
        v0 = o0 + iw * tx + (iz * ty - iy * tz)
        v1 = o1 + iw * ty - iz * tx
        v2 = o2 + iw * tz + iy * tx
        lift = 1.0 + v0
        if lift >= 1e-6:
            jy, jz, jw = -v2, v1, lift
        else:
            jy, jz, jw = half_y, half_z, 0.0
        size = sqrt(jy * jy + jz * jz + jw * jw)
        jy, jz, jw = jy / size, jz / size, jw / size

        # All three seen from the Hand's frame: their axes turned out of the rest frame (columns).
        out += (
            px * c00 + py * c10 + pz * c20, px * c01 + py * c11 + pz * c21, px * c02 + py * c12 + pz * c22, pw,
            iy * c10 + iz * c20, iy * c11 + iz * c21, iy * c12 + iz * c22, iw,
            jy * c10 + jz * c20, jy * c11 + jz * c21, jy * c12 + jz * c22, jw,
        )
    return out
