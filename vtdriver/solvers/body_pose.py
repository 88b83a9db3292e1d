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
from vtdriver.solvers import spine_fit
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
SPINE_BONES = ("Spine", "Chest", "UpperChest")
SIDES = ("left", "right")


def _offset(name: str) -> np.ndarray:
    return humanoid.REST_OFFSET[name]


def _rest_direction(child: str) -> np.ndarray:
    return quat.normalize(_offset(child))


@dataclass(frozen=True)
class PoseInput:
    """Pose landmarks in Unity axes (33, 3), which of them are usable, and the Hand bones'
    world rotations from hand landmarks when a hand was tracked (else None per side)."""

    points: np.ndarray
    usable: np.ndarray  # (33,) bool: finite and visible enough
    hand_world: dict[str, np.ndarray | None]


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
        chest = spine_fit.fit_upper_body(chest0, shoulder_line, up)
    else:
        hips0 = frame_rotation(hip_line, up, X_AXIS, Y_AXIS, 0, 1)
        hips, chest = spine_fit.fit_full_body(hips0, chest0, hip_line, shoulder_line, up)
    fractions = spine_fit.spine_fractions(quat.multiply(quat.conjugate(hips), chest))
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
