"""Pure geometry of the body solver: pose landmarks (Unity axes) -> bone rotations, per part.

Every bone's world rotation carries its rest (VRM T-pose) frame onto a frame built from the
landmarks; a frame is a direction kept exactly plus a second direction that fixes the roll
(``bone_frames.frame_rotation``). Rest directions come from ``humanoid``, so the two sides
need no sign logic. The results are grouped by part (torso, head, each arm, hand, leg, foot)
so the stateful solver can hold and ease each part on its own when it is lost.

What the landmarks do not show is filled in explicitly, never by chance:
- the spine's curvature between the hip and shoulder points: Spine, Chest and UpperChest share
  the torso's rotation equally; the hips' tilt about the hip line is then adjusted so the
  hip-centre -> shoulder-centre direction matches the landmarks exactly;
- the clavicles: MediaPipe has no clavicle point, so Shoulder bones stay at rest and the
  upper arms start from the shoulder landmarks;
- an upper arm's roll when the elbow is straight: taken from the hand (or, without a hand,
  the chest), blended smoothly into the elbow plane as the elbow bends; the same for legs with
  the knee and the foot;
- forearm (and shank) twist: from the hand (foot) orientation, so the Hand (Foot) bone keeps
  only wrist (ankle) flexion and deviation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtdriver import humanoid, quat
from vtdriver.smoothing import smoothstep
from vtdriver.solvers.bone_frames import (
    frame_rotation,
    is_direction,
    perpendicular,
    twist_then_swing,
)

X_AXIS, Y_AXIS, Z_AXIS = np.eye(3)

# MediaPipe pose landmark indices.
NOSE = 0
LEFT_EYE, RIGHT_EYE = 2, 5
MOUTH_LEFT, MOUTH_RIGHT = 9, 10
SHOULDER = {"left": 11, "right": 12}
ELBOW = {"left": 13, "right": 14}
WRIST = {"left": 15, "right": 16}
HIP = {"left": 23, "right": 24}
KNEE = {"left": 25, "right": 26}
ANKLE = {"left": 27, "right": 28}
HEEL = {"left": 29, "right": 30}
FOOT_INDEX = {"left": 31, "right": 32}
HEAD_POINTS = (LEFT_EYE, RIGHT_EYE, MOUTH_LEFT, MOUTH_RIGHT)

# Anatomy of the rest pose, in Unity axes. In the T-pose with palms down the elbow bends the
# forearm forward (+Z); the knee bends the shank backward (-Z). The rest foot is flat (heel and
# toe tip level, toes forward) and the rest face upright (eyes straight above the mouth).
ELBOW_FLEXION_REST = Z_AXIS
KNEE_FLEXION_REST = -Z_AXIS
FOOT_FORWARD_REST, FOOT_UP_REST = Z_AXIS, Y_AXIS
# A limb's roll comes fully from the elbow (knee) plane once the joint bends more than this;
# below it the plane is noise and the roll blends towards the hand (foot). 20 degrees keeps
# MediaPipe's few-degree elbow jitter on a straight arm from spinning the arm.
_PLANE_FULLY_TRUSTED_SINE = np.sin(np.radians(20.0))
# Gauss-Newton iterations for the hips' tilt: it converges to float precision in 3-4 for
# plausible poses; extra ones cost ~0.1 ms and guard strongly bent spines.
_SPINE_ITERATIONS = 6
_SPINE_STEP = 1e-6  # radians, finite-difference step
# A Gauss-Newton step below this (radians) means converged: from there the remaining
# iterations only move the fit by float noise (steps of 1e-14..1e-18 on the demo performer),
# so stopping changes the result by less than this and saves half the iterations.
_SPINE_CONVERGED_STEP = 1e-12

SPINE_BONES = ("Spine", "Chest", "UpperChest")
SIDES = ("left", "right")


def _offset(name: str) -> np.ndarray:
    return humanoid.REST_OFFSET[name]


def _rest_direction(child: str) -> np.ndarray:
    return quat.normalize(_offset(child))


# Spine chain geometry from the humanoid: offsets from the hip centre (between the UpperLeg
# joints) to each spine joint, and from the UpperChest to the shoulder centre (between the
# UpperArm joints).
_HIP_CENTRE = 0.5 * (_offset("LeftUpperLeg") + _offset("RightUpperLeg"))
_SHOULDER_CENTRE = 0.5 * (
    _offset("LeftShoulder") + _offset("LeftUpperArm") + _offset("RightShoulder") + _offset("RightUpperArm")
)
_CHAIN_SEGMENTS = np.stack((_offset("Spine") - _HIP_CENTRE, _offset("Chest"), _offset("UpperChest"), _SHOULDER_CENTRE))


@dataclass(frozen=True)
class PoseInput:
    """Pose landmarks in Unity axes (33, 3), which of them are usable, and the Hand bones'
    world rotations from hand landmarks when a hand was tracked (else None per side)."""

    points: np.ndarray
    usable: np.ndarray  # (33,) bool: finite and visible enough
    hand_world: dict[str, np.ndarray | None]


def _spine_fractions(relative: np.ndarray) -> np.ndarray:
    """(..., 4, 4): 0, 1/3, 2/3 and all of each ``relative`` rotation, about its own axis."""
    relative = quat.normalize(relative)
    relative = np.where(relative[..., 3:] < 0, -relative, relative)
    half_angle = np.arctan2(np.linalg.norm(relative[..., :3], axis=-1), relative[..., 3])
    axis = quat.normalize(relative[..., :3])
    scaled = half_angle[..., None] * (np.arange(4) / 3.0)  # (..., 4)
    return np.concatenate((axis[..., None, :] * np.sin(scaled)[..., None], np.cos(scaled)[..., None]), axis=-1)


def _spine_direction(hips: np.ndarray, upper_chest: np.ndarray) -> np.ndarray:
    """Hip centre -> shoulder centre (unit) for stacks (k, 4) of hips and UpperChest world
    rotations, with the torso's rotation spread equally over the three spine bones."""
    fractions = _spine_fractions(quat.multiply(quat.conjugate(hips), upper_chest))
    local_chain = quat.rotate(fractions, _CHAIN_SEGMENTS).sum(axis=-2)
    return quat.normalize(quat.rotate(hips, local_chain))


def _spine_direction_rest_hips(upper_chest: np.ndarray) -> np.ndarray:
    """``_spine_direction`` with the hips at rest (identity), skipping the two identity
    rotations, which change nothing."""
    local_chain = quat.rotate(_spine_fractions(upper_chest), _CHAIN_SEGMENTS).sum(axis=-2)
    return quat.normalize(local_chain)


def _gauss_newton(residuals, n_params: int) -> np.ndarray:
    """Minimise |residuals(p)|^2 from p = 0 with finite-difference Jacobians. ``residuals``
    takes a stack (k, n_params) and returns (k, m). Returns the best parameters seen."""
    params = np.zeros(n_params)
    probes_offsets = np.vstack((np.zeros(n_params), _SPINE_STEP * np.eye(n_params)))
    best, best_norm = params, np.inf
    for _ in range(_SPINE_ITERATIONS):
        r = residuals(params[None] + probes_offsets)
        norm = float(np.linalg.norm(r[0]))
        if not np.isfinite(norm):
            break
        if norm < best_norm:
            best, best_norm = params, norm
        if norm < 1e-10:
            break
        jacobian = (r[1:] - r[0]).T / _SPINE_STEP
        step = np.linalg.lstsq(jacobian, -r[0], rcond=1e-9)[0]
        if np.abs(step).max() < _SPINE_CONVERGED_STEP:
            break
        params = params + np.clip(step, -0.5, 0.5)
    return best


def _fit_spine_full_body(hips0, chest0, hip_line, shoulder_line, up):
    """Tilt the hips about the hip line and the chest about the shoulder line (both lines stay
    exact) until the chain's hip-centre -> shoulder-centre direction is ``up``. The split of
    that tilt between pelvis and spine is not observable; Gauss-Newton's minimum-norm steps
    keep it close to the starting guess (pelvis up = torso up)."""
    hip_axis, shoulder_axis = quat.normalize(hip_line), quat.normalize(shoulder_line)

    def rotations(p):
        chest = quat.multiply(quat.from_axis_angle(shoulder_axis, p[:, 0]), chest0)
        hips = quat.multiply(quat.from_axis_angle(hip_axis, p[:, 1]), hips0)
        return hips, chest

    best = _gauss_newton(lambda p: quat.cross(_spine_direction(*rotations(p)), up), 2)
    hips, chest = rotations(best[None])
    return hips[0], chest[0]


def _fit_spine_upper_body(chest0, shoulder_line, up):
    """Hips at rest: rotate the chest (3 degrees of freedom) so that the chain's direction is
    ``up`` and the shoulder line is ``shoulder_line``, in the least-squares sense (the first
    spine segment is rigid with the resting hips, so both cannot always hold exactly)."""
    shoulder_dir = quat.normalize(shoulder_line)

    def chest(p):
        return quat.multiply(quat.from_axis_angle(p, quat.norm(p)), chest0)

    def residuals(p):
        c = chest(p)
        spine = quat.cross(_spine_direction_rest_hips(c), up)
        line = quat.cross(quat.rotate(c, X_AXIS), shoulder_dir)
        return np.concatenate((spine, line), axis=-1)

    return chest(_gauss_newton(residuals, 3)[None])[0]


def solve_torso(pose: PoseInput, upper_body_only: bool) -> dict[str, np.ndarray] | None:
    """World rotations of Hips and the spine bones, or None when the torso is not usable."""
    # Seated streamers hide their hips; MediaPipe still estimates them (pose_world is centred
    # on them), and in upper-body mode they only set the torso's up direction.
    hips = [HIP["left"], HIP["right"]]
    if not np.all(pose.usable[[SHOULDER["left"], SHOULDER["right"]]]):
        return None
    if not (np.all(np.isfinite(pose.points[hips])) if upper_body_only else np.all(pose.usable[hips])):
        return None
    p = pose.points
    shoulder_line = p[SHOULDER["right"]] - p[SHOULDER["left"]]
    hip_line = p[HIP["right"]] - p[HIP["left"]]
    up = 0.5 * (p[SHOULDER["left"]] + p[SHOULDER["right"]]) - 0.5 * (p[HIP["left"]] + p[HIP["right"]])
    if not (is_direction(shoulder_line) and is_direction(up)):
        return None
    up = quat.normalize(up)
    chest0 = frame_rotation(shoulder_line, up, X_AXIS, Y_AXIS, 0, 1)
    if upper_body_only or not is_direction(hip_line):
        hips = quat.IDENTITY
        chest = _fit_spine_upper_body(chest0, shoulder_line, up)
    else:
        hips0 = frame_rotation(hip_line, up, X_AXIS, Y_AXIS, 0, 1)
        hips, chest = _fit_spine_full_body(hips0, chest0, hip_line, shoulder_line, up)
    fractions = _spine_fractions(quat.multiply(quat.conjugate(hips), chest))
    world = {"Hips": hips}
    for k, name in enumerate(SPINE_BONES, start=1):
        world[name] = quat.multiply(hips, fractions[k])
    for side in ("Left", "Right"):
        world[f"{side}Shoulder"] = world["UpperChest"]
    return world


def solve_head(pose: PoseInput) -> np.ndarray | None:
    """Head world rotation from the eyes and mouth corners: across = left -> right of both
    pairs, up = mouth centre -> eye centre."""
    if not np.all(pose.usable[list(HEAD_POINTS)]):
        return None
    p = pose.points
    across = (p[RIGHT_EYE] - p[LEFT_EYE]) + (p[MOUTH_RIGHT] - p[MOUTH_LEFT])
    up = 0.5 * (p[LEFT_EYE] + p[RIGHT_EYE]) - 0.5 * (p[MOUTH_LEFT] + p[MOUTH_RIGHT])
    if not (is_direction(across) and is_direction(up)):
        return None
    return frame_rotation(across, up, X_AXIS, Y_AXIS, 0, 1)


def solve_foot(pose: PoseInput, side: str) -> np.ndarray | None:
    needed = [ANKLE[side], HEEL[side], FOOT_INDEX[side]]
    if not np.all(pose.usable[needed]):
        return None
    p = pose.points
    forward = p[FOOT_INDEX[side]] - p[HEEL[side]]
    up = p[ANKLE[side]] - p[HEEL[side]]
    if not (is_direction(forward) and is_direction(perpendicular(up, quat.normalize(forward)))):
        return None
    return frame_rotation(forward, up, FOOT_FORWARD_REST, FOOT_UP_REST, 2, 1)


@dataclass(frozen=True)
class LimbSolution:
    """World rotations of a limb's two bones (the lower one without twist) and, when the end
    (hand or foot) orientation is known, the lower bone's twist and the end bone's local
    rotation (the swing left over)."""

    upper: np.ndarray
    lower_untwisted: np.ndarray
    twist: np.ndarray | None
    end_local: np.ndarray | None


def solve_limb(
    root: np.ndarray,
    middle: np.ndarray,
    end: np.ndarray,
    bones: tuple[str, str, str],
    flexion_rest: np.ndarray,
    parent_world: np.ndarray,
    end_world: np.ndarray | None,
) -> LimbSolution | None:
    """A two-bone limb (upper arm + forearm, thigh + shank). ``bones`` names the upper, lower
    and end bones (for their rest directions). The upper bone's roll comes from the joint's
    bending plane, or from the end bone's (else the parent's) flexion direction when straight."""
    upper_vec, lower_vec = middle - root, end - middle
    if not (is_direction(upper_vec) and is_direction(lower_vec)):
        return None
    upper_name, lower_name, end_name = bones
    rest_upper = _rest_direction(lower_name)
    rest_lower = _rest_direction(end_name)
    u = quat.normalize(upper_vec)
    bend = perpendicular(quat.normalize(lower_vec), u)
    # Without a usable end bone: the roll of the shortest swing from the parent's rest
    # direction, i.e. the limb's roll as if it had only swung (never along u unless reversed).
    swing_from_rest = quat.from_two_vectors(quat.rotate(parent_world, rest_upper), u)
    fallback = quat.rotate(quat.multiply(swing_from_rest, parent_world), flexion_rest)
    if end_world is not None:
        from_end = perpendicular(quat.rotate(end_world, flexion_rest), u)
        if is_direction(from_end) and np.linalg.norm(from_end) > _PLANE_FULLY_TRUSTED_SINE:
            fallback = from_end
    fallback = quat.normalize(perpendicular(fallback, u))
    trust = float(smoothstep(np.linalg.norm(bend) / _PLANE_FULLY_TRUSTED_SINE))
    flexion = trust * quat.normalize(bend) + (1.0 - trust) * fallback
    if not is_direction(flexion):
        flexion = fallback  # bend exactly opposite the fallback at the blend's midpoint
    upper_world = frame_rotation(u, flexion, rest_upper, flexion_rest, 0, 2)
    lower_start = quat.rotate(upper_world, rest_lower)
    lower_world = quat.multiply(quat.from_two_vectors(lower_start, lower_vec), upper_world)
    if end_world is None:
        return LimbSolution(upper_world, lower_world, None, None)
    relative = quat.multiply(quat.conjugate(lower_world), end_world)
    twist, swing = twist_then_swing(relative, rest_lower)
    return LimbSolution(upper_world, lower_world, twist, swing)
