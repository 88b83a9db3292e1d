"""One finger's three local rotations (Proximal, Intermediate, Distal) on plain floats.

Why floats: a finger is three 3-vectors. Stacked numpy over all ten fingers of both hands still
took ~70 numpy calls a frame, each a microsecond of dispatch for a few dozen multiplications;
the same ~250 float operations per finger cost a few microseconds. The algorithm is
``fingers.py``'s (see its docstring); the helpers here are the ones it needs.

Vectors are (x, y, z) tuples, quaternions (x, y, z, w) tuples, all in the Hand bone's frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from vtdriver import float_rotation as fr

Quat = tuple[float, float, float, float]
_Y_AXIS = (0.0, 1.0, 0.0)  # quat.basis' fallback for a hinge along the finger


@dataclass(frozen=True)
class RestFinger:
    """One finger's rest-skeleton constants, in the Hand bone's frame."""

    direction: fr.Vec  # unit rest direction; a collapsed segment points along it
    hinge: fr.Vec  # unit rest flexion hinge
    hinge_prior: fr.Vec  # the rest hinge mixed into the observed one (fingers.py)
    # The rest frame's columns: direction, hinge, direction x hinge. The Proximal rotation is
    # measured from it, and in it the rest direction is the x axis.
    columns: tuple[fr.Vec, fr.Vec, fr.Vec]
    # quat.from_two_vectors' half-turn axis for a direction opposite the rest one, in the rest
    # frame (a joint bent fully backwards: never seen, but defined).
    half_turn: fr.Vec


def finger_rotations(segments: tuple[fr.Vec, fr.Vec, fr.Vec], rest: RestFinger) -> tuple[Quat, Quat, Quat]:
    """Local rotations of a finger's Proximal, Intermediate and Distal bones from its three
    segments (root -> next joint, any length) in the Hand bone's frame. Written out component
    by component: this runs for ten fingers every frame, and each helper call would cost as
    much as the arithmetic it wraps."""
    f0, f1, f2 = _unit_or(segments[0], rest.direction)
    m0, m1, m2 = _unit_or(segments[1], rest.direction)
    l0, l1, l2 = _unit_or(segments[2], rest.direction)

    # The bend plane's normal, cross(first, middle) + cross(middle, last) as one cross product
    # cross(first - last, middle). A finger bent slightly backwards keeps its hinge; only the
    # bend angle changes sign. The rest hinge is mixed in (fingers.py).
    d0, d1, d2 = f0 - l0, f1 - l1, f2 - l2
    p0, p1, p2 = d1 * m2 - d2 * m1, d2 * m0 - d0 * m2, d0 * m1 - d1 * m0
    r0, r1, r2 = rest.hinge
    sign = -1.0 if p0 * r0 + p1 * r1 + p2 * r2 < 0 else 1.0
    q0, q1, q2 = rest.hinge_prior
    h0, h1, h2 = sign * p0 + q0, sign * p1 + q1, sign * p2 + q2

    # The Proximal frame, quat.basis(first, hinge, 0, 1): columns first, across (the hinge made
    # perpendicular to the finger), normal = first x across.
    along = h0 * f0 + h1 * f1 + h2 * f2
    a0, a1, a2 = _unit_or((h0 - along * f0, h1 - along * f1, h2 - along * f2), _Y_AXIS)
    n0, n1, n2 = f1 * a2 - f2 * a1, f2 * a0 - f0 * a2, f0 * a1 - f1 * a0
    # Its rotation from the rest frame, frame @ rest^T: row i is first[i] * rest column 0 +
    # across[i] * rest column 1 + normal[i] * rest column 2.
    (c00, c01, c02), (c10, c11, c12), (c20, c21, c22) = rest.columns
    proximal = fr.from_rows((
        (f0 * c00 + a0 * c10 + n0 * c20, f0 * c01 + a0 * c11 + n0 * c21, f0 * c02 + a0 * c12 + n0 * c22),
        (f1 * c00 + a1 * c10 + n1 * c20, f1 * c01 + a1 * c11 + n1 * c21, f1 * c02 + a1 * c12 + n1 * c22),
        (f2 * c00 + a2 * c10 + n2 * c20, f2 * c01 + a2 * c11 + n2 * c21, f2 * c02 + a2 * c12 + n2 * c22),
    ))

    # The outer segments in the Proximal bone's rest frame (frame^T s), where the rest
    # direction is x.
    intermediate = _arc_from_x(
        (f0 * m0 + f1 * m1 + f2 * m2, a0 * m0 + a1 * m1 + a2 * m2, n0 * m0 + n1 * m1 + n2 * m2), rest.half_turn
    )
    outer = (f0 * l0 + f1 * l1 + f2 * l2, a0 * l0 + a1 * l1 + a2 * l2, n0 * l0 + n1 * l1 + n2 * l2)
    distal = _arc_from_x(fr.rotate(fr.conjugate(intermediate), outer), rest.half_turn)
    # Both arcs seen from the parent bone: their axes rotated out of the rest frame.
    return proximal, _from_rest_frame(intermediate, rest.columns), _from_rest_frame(distal, rest.columns)


def _unit_or(v: fr.Vec, fallback: fr.Vec) -> fr.Vec:
    # quat.normalize's rule: shorter than 1e-9 (or non-finite) falls back.
    x, y, z = v
    size = math.sqrt(x * x + y * y + z * z)
    return (x / size, y / size, z / size) if 1e-9 <= size < math.inf else fallback


def _arc_from_x(v: fr.Vec, half_turn: fr.Vec) -> Quat:
    """``quat.from_two_vectors(x axis, v)`` for a unit v: (cross(x, v), 1 + v.x) normalised,
    or the half turn about ``half_turn`` when v is opposite x."""
    lift = 1.0 + v[0]
    arc = (0.0, -v[2], v[1], lift) if lift >= 1e-6 else (*half_turn, 0.0)
    size = math.sqrt(arc[0] * arc[0] + arc[1] * arc[1] + arc[2] * arc[2] + arc[3] * arc[3])
    return (arc[0] / size, arc[1] / size, arc[2] / size, arc[3] / size)


def _from_rest_frame(q: Quat, columns: tuple[fr.Vec, fr.Vec, fr.Vec]) -> Quat:
    # The quaternion conjugated by the rest frame: its vector part rotated, w kept.
    x, y, z, w = q
    (c00, c01, c02), (c10, c11, c12), (c20, c21, c22) = columns
    return (x * c00 + y * c10 + z * c20, x * c01 + y * c11 + z * c21, x * c02 + y * c12 + z * c22, w)
