"""Hand shapes of the demo performer: finger joint angles -> finger bone local rotations, and
the 21 MediaPipe hand landmarks read off the posed humanoid skeleton.

A shape is an array (5 fingers: thumb, index, middle, ring, little) x (spread, flex at the
proximal, intermediate and distal joints), in degrees. Flexion bends a finger towards the
palm; spread turns it about the palm normal, positive away from the middle finger.
"""
from __future__ import annotations

import numpy as np

from vtdriver import coords, humanoid, quat

# Joint angles per shape, degrees, from the usual look of each gesture. Rows: thumb, index,
# middle, ring, little. Columns: spread, proximal, intermediate, distal flexion.
# A relaxed hand rests half closed, each finger a little more bent than the one before it (the
# resting cascade), about 80-100 deg in all: clearly neither out (an open palm) nor folded.
HAND_SHAPES: dict[str, np.ndarray] = {
    "relaxed": np.array([[5, 10, 10, 10], [2, 30, 35, 15], [0, 32, 38, 15], [-2, 34, 40, 16], [-4, 36, 42, 16]], float),
    "open": np.array([[20, 0, 0, 0], [8, 0, 0, 0], [0, 0, 0, 0], [-8, 0, 0, 0], [-15, 0, 0, 0]], float),
    "fist": np.array([[10, 35, 40, 45], [0, 85, 100, 60], [0, 88, 100, 60], [0, 88, 100, 60], [0, 85, 95, 60]], float),
    "thumbs_up": np.array([[25, -10, 0, 0], [0, 85, 100, 60], [0, 88, 100, 60], [0, 88, 100, 60], [0, 85, 95, 60]], float),
    "victory": np.array([[10, 35, 40, 45], [12, 0, 0, 0], [-8, 0, 0, 0], [0, 88, 100, 60], [0, 85, 95, 60]], float),
    # A hand closing loosely as it is pulled back from a sign; the thumb stays as it rests.
    "closed": np.array([[5, 10, 10, 10], [0, 65, 80, 35], [0, 68, 80, 35], [0, 70, 80, 35], [0, 70, 80, 35]], float),
}

# MediaPipe hand landmark index of each finger's joints (MCP/CMC, PIP/MCP, DIP/IP, tip).
FINGER_LANDMARKS = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16], [17, 18, 19, 20]])
# The middle finger spreads about nothing: spread is measured from it.
_SPREAD_SIGN = np.array([-1.0, -1.0, 1.0, 1.0, 1.0])


def _finger_axes(prefix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rest direction, flexion hinge, spread axis) per finger, in the hand's rest frame."""
    directions = quat.normalize(
        np.array([humanoid.REST_OFFSET[f"{prefix}{finger}Intermediate"] for finger in humanoid.FINGERS])
    )
    palm_normal = np.array([0.0, -1.0, 0.0])  # the palm faces down in the T-pose
    # Fingers curl towards the palm; the thumb curls across it, towards the little finger (-Z).
    towards = np.array([[0.0, -0.5, -1.0]] + [[0.0, -1.0, 0.0]] * 4)
    towards = towards - np.sum(towards * directions, -1, keepdims=True) * directions
    hinges = quat.normalize(np.cross(directions, towards))
    spread_axes = np.broadcast_to(palm_normal, directions.shape)
    return directions, hinges, spread_axes


_AXES = {side: _finger_axes(side.capitalize()) for side in ("left", "right")}


def finger_rotations(side: str, shape: np.ndarray) -> dict[str, np.ndarray]:
    """Local rotations of the 15 finger bones of one hand for a (5, 4) shape in degrees."""
    prefix = side.capitalize()
    _, hinges, spread_axes = _AXES[side]
    angles = np.radians(np.asarray(shape, dtype=float))
    spread = quat.from_axis_angle(spread_axes, angles[:, 0] * _SPREAD_SIGN)
    if side == "right":
        # The right hand spreads as the reflection of the left (coords owns reflections).
        spread = coords.mirror_rotation(spread)
    flex = quat.from_axis_angle(np.repeat(hinges, 3, axis=0), angles[:, 1:].reshape(-1)).reshape(5, 3, 4)
    proximal = quat.multiply(spread, flex[:, 0])
    rotations: dict[str, np.ndarray] = {}
    for f, finger in enumerate(humanoid.FINGERS):
        rotations[f"{prefix}{finger}Proximal"] = proximal[f]
        rotations[f"{prefix}{finger}Intermediate"] = flex[f, 1]
        rotations[f"{prefix}{finger}Distal"] = flex[f, 2]
    return rotations


def _hand_layout(side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bone indices for landmarks 0..20 (the tip rows use their distal bone), which rows are
    tips, and each tip's offset from its distal joint in the distal bone's frame."""
    prefix = side.capitalize()
    directions = _AXES[side][0]
    bones = np.empty(21, dtype=int)
    bones[0] = humanoid.BONE_INDEX[f"{prefix}Hand"]
    tip_rows = FINGER_LANDMARKS[:, 3]
    tip_offsets = np.empty((5, 3))
    for f, finger in enumerate(humanoid.FINGERS):
        for k, phalanx in enumerate(humanoid.PHALANGES):
            bones[FINGER_LANDMARKS[f, k]] = humanoid.BONE_INDEX[f"{prefix}{finger}{phalanx}"]
        bones[tip_rows[f]] = humanoid.BONE_INDEX[f"{prefix}{finger}Distal"]
        tip_offsets[f] = directions[f] * humanoid.finger_segment_length(finger, 2)
    return bones, tip_rows, bones[tip_rows], tip_offsets


_LAYOUT = {side: _hand_layout(side) for side in ("left", "right")}


def hand_points(side: str, positions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """The 21 hand landmarks (Unity axes, metres) from FK arrays in humanoid.BONE_NAMES order:
    joints at their bones' positions, fingertips one distal segment beyond the distal joint."""
    bones, tip_rows, tip_bones, tip_offsets = _LAYOUT[side]
    points = positions[bones]
    points[tip_rows] += quat.rotate(rotations[tip_bones], tip_offsets)
    return points
