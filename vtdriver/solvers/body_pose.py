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

from vtdriver import quat
from vtdriver.solvers import spine_fit
from vtdriver.solvers.bone_frames import frame_rotation, is_direction, perpendicular

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
SPINE_BONES = ("Spine", "Chest", "UpperChest")
SIDES = ("left", "right")


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
