"""Two-bone limbs (upper arm + forearm, thigh + shank) from three landmarks, on plain floats.

The geometry is the body solver's (see ``body_pose``): the upper bone's direction is exact,
its roll comes from the joint's bending plane, blended towards the end bone's (else the
parent's) flexion direction as the joint straightens; the lower bone swings onto its landmark
and the end bone's orientation splits into forearm twist and wrist swing. A limb is ~40 small
vector operations, so they run on Python floats (``float_rotation``); the rare degenerate
steps (a half-turn swing, a collapsed frame) go through the array code and its fallbacks.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import humanoid, quat
from vtdriver.solvers import bone_frames

# A limb's roll comes fully from the elbow (knee) plane once the joint bends more than this;
# below it the plane is noise and the roll blends towards the hand (foot). 20 degrees keeps
# MediaPipe's few-degree elbow jitter on a straight arm from spinning the arm.
_PLANE_FULLY_TRUSTED_SINE = math.sin(math.radians(20.0))
_X: fr.Vec = (1.0, 0.0, 0.0)  # quat.normalize's answer for a zero 3-vector


class LimbSolution(NamedTuple):
    """World rotations of a limb's two bones (the lower one without twist) and, when the end
    (hand or foot) orientation is known, the lower bone's twist and the end bone's local
    rotation (the swing left over). A named tuple: two are made every frame, and a frozen
    dataclass's __init__ costs a microsecond."""

    upper: fr.Quat
    lower_untwisted: fr.Quat
    twist: fr.Quat | None
    end_local: fr.Quat | None


def _rest_direction(child: str) -> fr.Vec:
    return fr.unit(tuple(humanoid.REST_OFFSET[child].tolist()))  # type: ignore[return-value]


# Read every frame by every limb; the rest pose never changes.
_REST_DIRECTIONS = {name: _rest_direction(name) for name in humanoid.REST_OFFSET}


def limb_rest_frame(lower_name: str, flexion_rest: Sequence[float]) -> bone_frames.RestFrame:
    """The upper bone's rest frame: its rest direction (towards ``lower_name``) and the joint's
    flexion direction at rest."""
    return bone_frames.RestFrame.of(_REST_DIRECTIONS[lower_name], tuple(flexion_rest), 0, 2)  # type: ignore[arg-type]


def _is_direction(v: fr.Vec) -> bool:
    size = fr.length(v)
    return math.isfinite(size) and size > bone_frames.MIN_LENGTH


def _unit_or_x(v: fr.Vec) -> fr.Vec:
    return fr.unit(v) or _X


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _shortest_arc(a: fr.Vec, b: fr.Vec) -> fr.Quat:
    q = fr.shortest_arc(_unit_or_x(a), _unit_or_x(b))
    return q if q is not None else tuple(quat.from_two_vectors(np.array(a), np.array(b)).tolist())


def solve_limb(
    root: Sequence[float],
    middle: Sequence[float],
    end: Sequence[float],
    bones: tuple[str, str, str],
    flexion_rest: fr.Vec,
    parent_world: fr.Quat,
    end_world: fr.Quat | None,
    upper_rest_frame: bone_frames.RestFrame | None = None,
) -> LimbSolution | None:
    """A two-bone limb from its root, middle and end points, the joint's flexion direction at
    rest, the parent's and (when known) the end bone's world rotations, all Python floats
    (tuples or lists, used as they are: the body solver has them so). ``bones`` names the
    upper, lower and end bones (for their rest directions). The upper bone's roll comes from
    the joint's bending plane, or from the end bone's (else the parent's) flexion direction
    when straight. ``upper_rest_frame``: the upper bone's ``limb_rest_frame``, when the caller
    keeps it."""
    r, m, e = root, middle, end  # short names for the coordinate arithmetic below
    upper_vec = (m[0] - r[0], m[1] - r[1], m[2] - r[2])
    lower_vec = (e[0] - m[0], e[1] - m[1], e[2] - m[2])
    # _is_direction and fr.unit written out on lengths computed once: a direction is at least
    # MIN_LENGTH long, so fr.unit would not refuse it.
    upper_length, lower_length = fr.length(upper_vec), fr.length(lower_vec)
    if not (math.isfinite(upper_length) and upper_length > bone_frames.MIN_LENGTH
            and math.isfinite(lower_length) and lower_length > bone_frames.MIN_LENGTH):
        return None
    _, lower_name, end_name = bones
    rest_upper, rest_lower = _REST_DIRECTIONS[lower_name], _REST_DIRECTIONS[end_name]
    # One reciprocal per length (a multiply differs from the division by at most an ulp).
    inv = 1.0 / upper_length
    u0, u1, u2 = upper_vec[0] * inv, upper_vec[1] * inv, upper_vec[2] * inv
    inv = 1.0 / lower_length
    l0, l1, l2 = lower_vec[0] * inv, lower_vec[1] * inv, lower_vec[2] * inv
    along = l0 * u0 + l1 * u1 + l2 * u2
    b0, b1, b2 = l0 - along * u0, l1 - along * u1, l2 - along * u2
    bend_length = math.sqrt(b0 * b0 + b1 * b1 + b2 * b2)
    trust = _smoothstep(bend_length / _PLANE_FULLY_TRUSTED_SINE)
    if trust >= 1.0:
        # Bent well past the plane's noise: the plane alone sets the roll, so the fallback
        # (two rotations and an arc) is not needed.
        inv = 1.0 / bend_length
        flexion = (b0 * inv, b1 * inv, b2 * inv)
    else:
        flexion = _blended_flexion((u0, u1, u2), (b0, b1, b2), bend_length, trust, rest_upper, flexion_rest, parent_world, end_world)
    rest = upper_rest_frame or limb_rest_frame(lower_name, flexion_rest)
    # bone_frames.frame_rotation_of(u, flexion, rest) written out (u is already unit): the
    # current basis (u, normal, flexion made perpendicular to u) times the rest basis.
    f0, f1, f2 = flexion
    along = f0 * u0 + f1 * u1 + f2 * u2
    s0, s1, s2 = f0 - along * u0, f1 - along * u1, f2 - along * u2
    size = math.sqrt(s0 * s0 + s1 * s1 + s2 * s2)
    if rest.columns is None or not 1e-9 <= size < math.inf:
        upper_world = bone_frames.frame_rotation_of((u0, u1, u2), flexion, rest)  # the array code's fallbacks
        lower_start = fr.rotate(upper_world, rest_lower)
    else:
        inv = 1.0 / size
        s0, s1, s2 = s0 * inv, s1 * inv, s2 * inv
        n0, n1, n2 = s1 * u2 - s2 * u1, s2 * u0 - s0 * u2, s0 * u1 - s1 * u0
        (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rest.columns
        upper_world = fr.from_rows((
            (u0 * r00 + n0 * r10 + s0 * r20, u0 * r01 + n0 * r11 + s0 * r21, u0 * r02 + n0 * r12 + s0 * r22),
            (u1 * r00 + n1 * r10 + s1 * r20, u1 * r01 + n1 * r11 + s1 * r21, u1 * r02 + n1 * r12 + s1 * r22),
            (u2 * r00 + n2 * r10 + s2 * r20, u2 * r01 + n2 * r11 + s2 * r21, u2 * r02 + n2 * r12 + s2 * r22),
        ))
        # The lower bone's rest direction carried by the same matrix (the quaternion's rotation
        # to rounding): its coordinates in the rest basis, then the current basis.
        x, y, z = rest_lower
        k0, k1, k2 = r00 * x + r01 * y + r02 * z, r10 * x + r11 * y + r12 * z, r20 * x + r21 * y + r22 * z
        lower_start = (k0 * u0 + k1 * n0 + k2 * s0, k0 * u1 + k1 * n1 + k2 * s1, k0 * u2 + k1 * n2 + k2 * s2)
    # The shortest arc from lower_start onto the lower bone's direction (both unit to rounding;
    # the arc is normalised anyway).
    a0, a1, a2 = lower_start
    w = 1.0 + a0 * l0 + a1 * l1 + a2 * l2
    if w < 1e-6:  # folded back on itself: the array code picks the half turn's axis
        arc = _shortest_arc(lower_start, lower_vec)
    else:
        x, y, z = a1 * l2 - a2 * l1, a2 * l0 - a0 * l2, a0 * l1 - a1 * l0
        inv = 1.0 / math.sqrt(x * x + y * y + z * z + w * w)
        arc = (x * inv, y * inv, z * inv, w * inv)
    lower_world = fr.multiply(arc, upper_world)
    if end_world is None:
        return LimbSolution(upper_world, lower_world, None, None)
    # fr.twist_then_swing(conjugate(lower_world) * end, rest_lower) written out: the twist's
    # inverse is the unit relative rotation's inverse projected onto the axis.
    qx, qy, qz, qw = fr.relative(lower_world, end_world)
    size = math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw)
    x, y, z = rest_lower
    if 1e-9 <= size < math.inf:
        along = -(qx * x + qy * y + qz * z) / size
        tx, ty, tz, tw = along * x, along * y, along * z, qw / size  # the twist's inverse
        size = math.sqrt(tx * tx + ty * ty + tz * tz + tw * tw)
        if 1e-9 <= size < math.inf:
            inv = 1.0 / size
            tx, ty, tz, tw = tx * inv, ty * inv, tz * inv, tw * inv
            # swing = twist^-1 * relative
            sx = tw * qx + tx * qw + ty * qz - tz * qy
            sy = tw * qy - tx * qz + ty * qw + tz * qx
            sz = tw * qz + tx * qy - ty * qx + tz * qw
            sw = tw * qw - tx * qx - ty * qy - tz * qz
            size = math.sqrt(sx * sx + sy * sy + sz * sz + sw * sw)
            if 1e-9 <= size < math.inf:
                inv = 1.0 / size
                return LimbSolution(upper_world, lower_world, (-tx, -ty, -tz, tw), (sx * inv, sy * inv, sz * inv, sw * inv))
    relative = (qx, qy, qz, qw)
    twist, swing = bone_frames.twist_then_swing(np.array(relative), np.array(rest_lower))
    return LimbSolution(upper_world, lower_world, tuple(twist.tolist()), tuple(swing.tolist()))  # type: ignore[arg-type]


def _blended_flexion(
    u: fr.Vec, bend: fr.Vec, bend_length: float, trust: float, rest_upper: fr.Vec, flexion_rest: fr.Vec,
    parent: fr.Quat, end_q: fr.Quat | None,
) -> fr.Vec:
    """The flexion direction of a nearly straight limb: the bending plane's, blended by
    ``trust`` towards the end bone's flexion direction (when it is clear of u), else the roll
    of the shortest swing from the parent's rest direction, i.e. the limb's roll as if it had
    only swung (never along u unless reversed)."""
    fallback = None
    if end_q is not None:
        from_end = fr.perpendicular(fr.rotate(end_q, flexion_rest), u)
        if _is_direction(from_end) and fr.length(from_end) > _PLANE_FULLY_TRUSTED_SINE:
            fallback = from_end
    if fallback is None:
        swing_from_rest = _shortest_arc(fr.rotate(parent, rest_upper), u)
        fallback = fr.rotate(fr.multiply(swing_from_rest, parent), flexion_rest)
    fallback = fr.unit(fr.perpendicular(fallback, u)) or _X
    bend_dir = fr.divided(bend, bend_length) if 1e-9 <= bend_length < math.inf else _X
    keep = 1.0 - trust
    flexion = (trust * bend_dir[0] + keep * fallback[0], trust * bend_dir[1] + keep * fallback[1], trust * bend_dir[2] + keep * fallback[2])
    if not _is_direction(flexion):
        return fallback  # bend exactly opposite the fallback at the blend's midpoint
    return flexion
