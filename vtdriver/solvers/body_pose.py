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

import math
from typing import NamedTuple

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver.solvers import spine_fit
from vtdriver.solvers.bone_frames import MIN_LENGTH, RestFrame, frame_rotation_of

X_AXIS, Y_AXIS, Z_AXIS = np.eye(3)
_X, _Y, _Z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
# The rest frames the torso, head and feet are measured against.
_ACROSS_UP = RestFrame.of(_X, _Y, 0, 1)
_FOOT_REST = RestFrame.of(_Z, _Y, 2, 1)

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

# Anatomy of the rest pose, in Unity axes. In the T-pose with palms down the elbow bends the
# forearm forward (+Z); the knee bends the shank backward (-Z). The rest foot is flat (heel and
# toe tip level, toes forward) and the rest face upright (eyes straight above the mouth).
ELBOW_FLEXION_REST = Z_AXIS
KNEE_FLEXION_REST = -Z_AXIS
FOOT_FORWARD_REST, FOOT_UP_REST = Z_AXIS, Y_AXIS
SPINE_BONES = ("Spine", "Chest", "UpperChest")
SIDES = ("left", "right")


class PoseInput(NamedTuple):
    """Pose landmarks in Unity axes (33, 3), which of them are usable, and the Hand bones'
    world rotations from hand landmarks when a hand was tracked (else None per side).
    ``rows`` and ``ok`` are the same points and flags as Python floats and bools: the part
    solvers read a few landmarks each, and indexing a list costs nothing next to a numpy call.
    A named tuple, made once a frame (a frozen dataclass's __init__ costs a microsecond)."""

    points: np.ndarray
    usable: np.ndarray  # (33,) bool: finite and visible enough
    # Each Hand bone's world rotation as floats (a tracked hand's frame, else the pose
    # fallback); None when neither is known.
    hand_world: dict[str, fr.Quat | None]
    rows: list[list[float]]
    ok: list[bool]


def _is_direction(v: fr.Vec) -> bool:
    size = fr.length(v)
    return math.isfinite(size) and size > MIN_LENGTH


def _midpoint_difference(a: list[float], b: list[float], c: list[float], d: list[float]) -> fr.Vec:
    """(a + b) / 2 - (c + d) / 2, rounded as the array expression it replaces."""
    return (0.5 * (a[0] + b[0]) - 0.5 * (c[0] + d[0]), 0.5 * (a[1] + b[1]) - 0.5 * (c[1] + d[1]),
            0.5 * (a[2] + b[2]) - 0.5 * (c[2] + d[2]))


def solve_torso(pose: PoseInput, upper_body_only: bool) -> dict[str, fr.Quat] | None:
    """World rotations of Hips and the spine bones, or None when the torso is not usable."""
    # Seated streamers hide their hips; MediaPipe still estimates them (pose_world is centred
    # on them), and in upper-body mode they only set the torso's up direction.
    p, ok = pose.rows, pose.ok
    left_shoulder, right_shoulder = p[SHOULDER["left"]], p[SHOULDER["right"]]
    left_hip, right_hip = p[HIP["left"]], p[HIP["right"]]
    if not (ok[SHOULDER["left"]] and ok[SHOULDER["right"]]):
        return None
    if upper_body_only:
        if not all(map(math.isfinite, left_hip + right_hip)):
            return None
    elif not (ok[HIP["left"]] and ok[HIP["right"]]):
        return None
    shoulder_line = fr.sub(right_shoulder, left_shoulder)
    hip_line = fr.sub(right_hip, left_hip)
    up = _midpoint_difference(left_shoulder, right_shoulder, left_hip, right_hip)
    if not (_is_direction(shoulder_line) and _is_direction(up)):
        return None
    up = fr.unit(up)
    chest0 = frame_rotation_of(shoulder_line, up, _ACROSS_UP)
    if upper_body_only or not _is_direction(hip_line):
        hips = fr.IDENTITY
        chest = spine_fit.fit_upper_body(chest0, shoulder_line, up)
    else:
        hips0 = frame_rotation_of(hip_line, up, _ACROSS_UP)
        hips, chest = spine_fit.fit_full_body(hips0, chest0, hip_line, shoulder_line, up)
    if hips is fr.IDENTITY:  # hips at rest: the products with them are the factors themselves
        spine = spine_fit.spine_fractions(chest)
    else:
        spine = [fr.multiply(hips, q) for q in spine_fit.spine_fractions(fr.relative(hips, chest))]
    world = {"Hips": hips}
    world.update(zip(SPINE_BONES, spine))
    world["LeftShoulder"] = world["RightShoulder"] = spine[-1]
    return world


def solve_head(pose: PoseInput) -> fr.Quat | None:
    """Head world rotation from the eyes and mouth corners: across = left -> right of both
    pairs, up = mouth centre -> eye centre."""
    ok = pose.ok
    if not (ok[LEFT_EYE] and ok[RIGHT_EYE] and ok[MOUTH_LEFT] and ok[MOUTH_RIGHT]):
        return None
    p = pose.rows
    eyes, mouth = fr.sub(p[RIGHT_EYE], p[LEFT_EYE]), fr.sub(p[MOUTH_RIGHT], p[MOUTH_LEFT])
    across = (eyes[0] + mouth[0], eyes[1] + mouth[1], eyes[2] + mouth[2])
    up = _midpoint_difference(p[LEFT_EYE], p[RIGHT_EYE], p[MOUTH_LEFT], p[MOUTH_RIGHT])
    if not (_is_direction(across) and _is_direction(up)):
        return None
    return frame_rotation_of(across, up, _ACROSS_UP)


def solve_foot(pose: PoseInput, side: str) -> fr.Quat | None:
    ok = pose.ok
    if not (ok[ANKLE[side]] and ok[HEEL[side]] and ok[FOOT_INDEX[side]]):
        return None
    p = pose.rows
    forward = fr.sub(p[FOOT_INDEX[side]], p[HEEL[side]])
    up = fr.sub(p[ANKLE[side]], p[HEEL[side]])
    if not (_is_direction(forward) and _is_direction(fr.perpendicular(up, fr.unit(forward) or _X))):
        return None
    return frame_rotation_of(forward, up, _FOOT_REST)
