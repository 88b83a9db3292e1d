"""Two-bone limbs (upper arm + forearm, thigh + shank) solved as one stacked computation: both
arms (or both legs) cost the numpy calls of one, where per-call overhead, not arithmetic,
dominates. The geometry is ``body_pose.solve_limb``'s, row by row:

- the upper bone points along root -> middle; its roll comes from the joint's bending plane,
  blended (smoothstep of the bend's sine up to ``LIMB_PLANE_FULLY_TRUSTED_SINE``) into the end
  bone's flexion direction, or without a usable end bone the roll of the shortest swing from
  the parent's rest direction;
- the lower bone is the shortest arc from where the upper bone carries its rest direction to
  middle -> end (its "untwisted" rotation);
- with an end (hand / foot) rotation, the relative rotation splits into the lower bone's twist
  about its rest direction and the end bone's remaining swing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtdriver import quat
from vtdriver.smoothing import smoothstep
from vtdriver.solvers.bone_frames import (
    frame_rotation,
    is_direction,
    perpendicular,
    twist_then_swing,
)

# A limb's roll comes fully from the elbow (knee) plane once the joint bends more than this;
# below it the plane is noise and the roll blends towards the hand (foot). 20 degrees keeps
# MediaPipe's few-degree elbow jitter on a straight arm from spinning the arm.
LIMB_PLANE_FULLY_TRUSTED_SINE = np.sin(np.radians(20.0))


@dataclass(frozen=True)
class StackedLimbs:
    """Per row (limb): whether it is defined, the world rotations of its two bones (the lower
    one without twist), and where ``has_end``, the lower bone's twist and the end bone's local
    rotation. Rows that are not ``solved`` hold meaningless values."""

    solved: np.ndarray  # (k,) bool
    upper: np.ndarray  # (k, 4)
    lower_untwisted: np.ndarray  # (k, 4)
    twist: np.ndarray  # (k, 4)
    end_local: np.ndarray  # (k, 4)


def solve_limbs(
    root: np.ndarray,
    middle: np.ndarray,
    end: np.ndarray,
    rest_upper: np.ndarray,
    rest_lower: np.ndarray,
    flexion_rest: np.ndarray,
    parent_world: np.ndarray,
    end_world: np.ndarray,
    has_end: np.ndarray,
) -> StackedLimbs:
    """All arguments are stacks over limbs: points (k, 3), unit rest directions of the lower
    and end bones (k, 3), the rest flexion direction (3,) or (k, 3), parent world rotations
    (k, 4), end world rotations (k, 4; any unit quaternion where ``has_end`` (k,) is False)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        upper_vec, lower_vec = middle - root, end - middle
        solved = is_direction(upper_vec) & is_direction(lower_vec)
        u = quat.normalize(upper_vec)
        bend = perpendicular(quat.normalize(lower_vec), u)
        swing_from_rest = quat.from_two_vectors(quat.rotate(parent_world, rest_upper), u)
        fallback = quat.rotate(quat.multiply(swing_from_rest, parent_world), flexion_rest)
        from_end = perpendicular(quat.rotate(end_world, flexion_rest), u)
        from_end_usable = has_end & is_direction(from_end) & (quat.norm(from_end) > LIMB_PLANE_FULLY_TRUSTED_SINE)
        fallback = np.where(from_end_usable[:, None], from_end, fallback)
        fallback = quat.normalize(perpendicular(fallback, u))
        trust = smoothstep(quat.norm(bend, keepdims=True) / LIMB_PLANE_FULLY_TRUSTED_SINE)
        flexion = trust * quat.normalize(bend) + (1.0 - trust) * fallback
        # Bend exactly opposite the fallback at the blend's midpoint: the fallback alone.
        flexion = np.where(is_direction(flexion)[:, None], flexion, fallback)
        upper_world = frame_rotation(u, flexion, rest_upper, np.broadcast_to(flexion_rest, u.shape), 0, 2)
        lower_start = quat.rotate(upper_world, rest_lower)
        lower_world = quat.multiply(quat.from_two_vectors(lower_start, lower_vec), upper_world)
        relative = quat.multiply(quat.conjugate(lower_world), end_world)
        twist, swing = twist_then_swing(relative, rest_lower)
    return StackedLimbs(solved, upper_world, lower_world, twist, swing)
