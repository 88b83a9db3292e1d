"""World rotation of the Hand bone, from 21 hand landmarks or from the pose's hand points.

Rest (identity) is the VRM T-pose hand (``humanoid``): fingers along the arm (-X for the left
hand, +X for the right), palm facing down, so the thumb side of the palm faces forward (+Z).
The frame is: fingers = wrist -> middle-finger knuckle (kept exactly), thumb side = pinky
knuckle -> index knuckle (fixes the roll). Points must already be in Unity axes
(``coords.image_to_unity`` / ``coords.world_to_unity``); any uniform scale is fine.

Both functions return None when the points do not define a frame (non-finite, coincident or
collinear), so callers can hold or rest instead of showing a made-up roll.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vtdriver import coords, humanoid, quat
from vtdriver import float_rotation as fr
from vtdriver.frame import Landmarks
from vtdriver.solvers.bone_frames import (
    MIN_LENGTH,
    frame_rotation,
    is_direction,
    perpendicular,
)

# MediaPipe hand landmark indices.
WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP = 0, 5, 9, 17
# MediaPipe pose landmark indices of the hand points, per side.
POSE_HAND_POINTS = {
    "left": {"wrist": 15, "pinky": 17, "index": 19, "thumb": 21},
    "right": {"wrist": 16, "pinky": 18, "index": 20, "thumb": 22},
}
# Below this sine between the finger and thumb-side directions the palm is edge-on to itself
# (collinear knuckles): the roll is undefined. sin(2 deg) ~ 0.035.
_MIN_SINE = np.sin(np.radians(2.0))


def _rest_knuckles(side: str) -> dict[str, np.ndarray]:
    """Rest positions relative to the wrist of the knuckles the frames use (humanoid skeleton)."""
    prefix = side.capitalize()
    return {
        "wrist": np.zeros(3),
        "index": humanoid.REST_OFFSET[f"{prefix}IndexProximal"],
        "middle": humanoid.REST_OFFSET[f"{prefix}MiddleProximal"],
        "pinky": humanoid.REST_OFFSET[f"{prefix}LittleProximal"],
        "thumb": humanoid.REST_OFFSET[f"{prefix}ThumbProximal"],
    }


def _pose_directions(wrist, index, pinky, thumb):
    """Fingers = wrist -> between the index and pinky points. Thumb side = the sum of the unit
    parts across the fingers of index - pinky and thumb - wrist: the pose's hand points are
    coarse, two cues are steadier than one. None when neither cue is usable."""
    fingers = 0.5 * (index + pinky) - wrist
    if not is_direction(fingers):
        return fingers, np.zeros(3)
    f = quat.normalize(fingers)
    cues = np.stack((perpendicular(index - pinky, f), perpendicular(thumb - wrist, f)))
    usable = is_direction(cues)
    return fingers, np.sum(quat.normalize(cues[usable]), axis=0)


def _rotation_or_none(fingers, across, rest_fingers, rest_across) -> np.ndarray | None:
    if not (is_direction(fingers) and is_direction(across)):
        return None
    if np.linalg.norm(np.cross(quat.normalize(fingers), quat.normalize(across))) < _MIN_SINE:
        return None
    return frame_rotation(fingers, across, rest_fingers, rest_across)


def _rest_frame_rows(side: str) -> tuple[fr.Vec, fr.Vec, fr.Vec]:
    """Rows of the rest hand's frame (columns: fingers, palm normal, thumb side), the same
    basis ``bone_frames.frame_rotation`` builds for the rest directions."""
    rest = _rest_knuckles(side)
    frame = quat.basis(rest["middle"] - rest["wrist"], rest["index"] - rest["pinky"], 0, 2)
    return tuple(tuple(row) for row in frame.tolist())


# Constant per side, so each frame builds only the observed frame.
_REST_FRAME_ROWS = {side: _rest_frame_rows(side) for side in ("left", "right")}
_FRAME_POINTS = np.array([WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP])


def hand_world_rotation(points_unity: np.ndarray, side: str) -> np.ndarray | None:
    """Hand bone world rotation (x, y, z, w) from 21 hand landmarks in Unity axes, or None.
    Identity for the humanoid's rest hand (its knuckles as placed in ``humanoid``).

    ``bone_frames.frame_rotation`` of (wrist -> middle knuckle, pinky -> index knuckle) on
    plain floats: it runs for every tracked hand of every frame, and on four points numpy's
    per-call cost is all there is."""
    points = np.asarray(points_unity, dtype=float)
    if points.shape != (21, 3):
        return None
    wrist, index, middle, pinky = points[_FRAME_POINTS].tolist()
    # A non-finite point makes its difference (and so its length) non-finite: no frame.
    fingers, across = fr.sub(middle, wrist), fr.sub(index, pinky)
    fingers_length, across_length = fr.length(fingers), fr.length(across)
    if not (MIN_LENGTH < fingers_length < math.inf and MIN_LENGTH < across_length < math.inf):
        return None
    primary = fr.divided(fingers, fingers_length)
    if fr.length(fr.cross(primary, fr.divided(across, across_length))) < _MIN_SINE:
        return None
    # quat.basis(fingers, across, 0, 2): the thumb side made perpendicular to the fingers
    # (long enough after the sine check), the palm normal completing a proper rotation.
    thumb_side = fr.sub(across, tuple(fr.dot(across, primary) * x for x in primary))
    thumb_side = fr.divided(thumb_side, fr.length(thumb_side))
    normal = fr.cross(thumb_side, primary)
    # current @ rest^T: row i of the current frame (primary, normal, thumb side) dotted with
    # each rest row.
    (a0, a1, a2), (b0, b1, b2), (c0, c1, c2) = _REST_FRAME_ROWS[side]
    rows = tuple(
        (p * a0 + n * a1 + t * a2, p * b0 + n * b1 + t * b2, p * c0 + n * c1 + t * c2)
        for p, n, t in zip(primary, normal, thumb_side)
    )
    return np.array(fr.from_rows(rows))


def hand_world_rotation_from_pose(pose_unity: np.ndarray, side: str) -> np.ndarray | None:
    """Fallback from the pose's wrist, pinky, index and thumb points (33 points, Unity axes),
    read as the wrist and the knuckles of those fingers; or None."""
    idx = POSE_HAND_POINTS[side]
    pose = np.asarray(pose_unity, dtype=float)
    wrist, pinky, index, thumb = (pose[idx[k]] for k in ("wrist", "pinky", "index", "thumb"))
    if pose.shape[0] < 33 or not np.all(np.isfinite([wrist, pinky, index, thumb])):
        return None
    rest = _rest_knuckles(side)
    return _rotation_or_none(
        *_pose_directions(wrist, index, pinky, thumb),
        *_pose_directions(rest["wrist"], rest["index"], rest["pinky"], rest["thumb"]),
    )


def pose_hand_points_at_rest(side: str) -> dict[str, np.ndarray]:
    """Where this module assumes the pose's hand points sit on the rest hand, relative to the
    wrist (for synthetic performers and tests)."""
    rest = _rest_knuckles(side)
    return {k: rest[k] for k in ("index", "pinky", "thumb")}


@dataclass(frozen=True)
class HandFrame:
    """One tracked hand of a frame: its 21 landmarks in Unity axes (image pixels) and its Hand
    bone world rotation (None when the landmarks define no frame)."""

    points: np.ndarray
    world: np.ndarray | None


def hand_frames(lm: Landmarks) -> dict[str, HandFrame | None]:
    """Both hands of a frame in the form the body solver (Hand bones) and the hands stage
    (fingers, gestures) both need, computed once per frame for both of them."""
    frames: dict[str, HandFrame | None] = {}
    for side in ("left", "right"):
        hand = lm.part(f"{side}_hand")
        if hand is None:
            frames[side] = None
            continue
        points = coords.image_to_unity(hand, lm.image_size)
        frames[side] = HandFrame(points, hand_world_rotation(points, side))
    return frames
