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


def _floats(v: Sequence[float] | np.ndarray) -> tuple[float, ...]:
    if type(v) is tuple:  # the body solver's quaternions and rest directions
        return v
    return tuple(v.tolist()) if isinstance(v, np.ndarray) else tuple(v)


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
    root: Sequence[float] | np.ndarray,
    middle: Sequence[float] | np.ndarray,
    end: Sequence[float] | np.ndarray,
    bones: tuple[str, str, str],
    flexion_rest: Sequence[float] | np.ndarray,
    parent_world: Sequence[float] | np.ndarray,
    end_world: Sequence[float] | np.ndarray | None,
    upper_rest_frame: bone_frames.RestFrame | None = None,
) -> LimbSolution | None:
    """A two-bone limb. ``bones`` names the upper, lower and end bones (for their rest
    directions). The upper bone's roll comes from the joint's bending plane, or from the end
    bone's (else the parent's) flexion direction when straight. ``upper_rest_frame``: the
    upper bone's ``limb_rest_frame``, when the caller keeps it."""
    r, m, e = _floats(root), _floats(middle), _floats(end)
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
    flexion_rest_v: fr.Vec = _floats(flexion_rest)  # type: ignore[assignment]
    parent: fr.Quat = _floats(parent_world)  # type: ignore[assignment]
    end_q: fr.Quat | None = None if end_world is None else _floats(end_world)  # type: ignore[assignment]
    u = fr.divided(upper_vec, upper_length)
    bend = fr.perpendicular(fr.divided(lower_vec, lower_length), u)
    # Without a usable end bone: the roll of the shortest swing from the parent's rest
    # direction, i.e. the limb's roll as if it had only swung (never along u unless reversed).
    swing_from_rest = _shortest_arc(fr.rotate(parent, rest_upper), u)
    fallback = fr.rotate(fr.multiply(swing_from_rest, parent), flexion_rest_v)
    if end_q is not None:
        from_end = fr.perpendicular(fr.rotate(end_q, flexion_rest_v), u)
        if _is_direction(from_end) and fr.length(from_end) > _PLANE_FULLY_TRUSTED_SINE:
            fallback = from_end
    fallback = fr.unit(fr.perpendicular(fallback, u)) or _X
    trust = _smoothstep(fr.length(bend) / _PLANE_FULLY_TRUSTED_SINE)
    bend_dir = fr.unit(bend) or _X
    keep = 1.0 - trust
    flexion = (trust * bend_dir[0] + keep * fallback[0], trust * bend_dir[1] + keep * fallback[1], trust * bend_dir[2] + keep * fallback[2])
    if not _is_direction(flexion):  # type: ignore[arg-type]
        flexion = fallback  # bend exactly opposite the fallback at the blend's midpoint
    rest = upper_rest_frame or limb_rest_frame(lower_name, flexion_rest_v)
    upper_world = bone_frames.frame_rotation_of(u, flexion, rest)  # type: ignore[arg-type]
    lower_start = fr.rotate(upper_world, rest_lower)
    lower_world = fr.multiply(_shortest_arc(lower_start, lower_vec), upper_world)
    if end_q is None:
        return LimbSolution(upper_world, lower_world, None, None)
    relative = fr.multiply(fr.conjugate(lower_world), end_q)
    split = fr.twist_then_swing(relative, rest_lower)
    if split is None:
        twist, swing = bone_frames.twist_then_swing(np.array(relative), np.array(rest_lower))
        return LimbSolution(upper_world, lower_world, tuple(twist.tolist()), tuple(swing.tolist()))  # type: ignore[arg-type]
    return LimbSolution(upper_world, lower_world, split[0], split[1])
