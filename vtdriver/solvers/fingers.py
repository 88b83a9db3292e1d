"""21 hand landmarks -> local rotations of the 15 finger bones of one hand.

VMC convention: each rotation is relative to its parent bone (Proximal to the Hand,
Intermediate to Proximal, Distal to Intermediate), Unity frame, identity = the VRM T-pose rest
of ``humanoid.py`` (fingers straight along the arm, palm down, thumb forward-out in the palm
plane). The Hand bone's own world rotation comes from ``solvers.hand_frame`` so that the fingers
hang off exactly the wrist the body solver sends.

Per finger:
- Proximal: the bone's direction is the observed MCP->PIP segment; its twist is fixed by the
  finger's flexion hinge. Spread (abduction in the palm plane) is whatever the direction says,
  so no separate spread angle is needed and nothing gimbal-locks at 90 degrees of flexion.
- Intermediate and Distal: the shortest rotation from the rest direction to the observed one,
  in the parent bone's frame. For a finger that bends in one plane this is a pure rotation
  about the hinge.
- The thumb has its own rest direction and its own hinge (it curls across the palm, not
  towards it), taken from the same rest skeleton.
"""
from __future__ import annotations

import numpy as np

from vtdriver import humanoid, quat

# MediaPipe hand landmark indices, one row per finger: the bone root and the next three joints.
# Thumb: CMC, MCP, IP, TIP. Fingers: MCP, PIP, DIP, TIP. Unity's ThumbProximal sits on the CMC.
FINGER_CHAINS = np.array(
    [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
        [13, 14, 15, 16],
        [17, 18, 19, 20],
    ]
)
WRIST = 0

# Below roughly 20 degrees of bend the plane through a finger's joints is mostly landmark noise
# (MediaPipe hand jitter is a few degrees per joint), so the rest hinge is mixed in with the
# weight of a 20-degree bend: sin(20 deg).
_HINGE_PRIOR_WEIGHT = float(np.sin(np.radians(20.0)))


def finger_bone_names(side: str) -> list[str]:
    """The 15 bone names of one hand in FINGER_CHAINS order ("left" -> "LeftThumbProximal"...)."""
    prefix = side.capitalize()
    return [f"{prefix}{finger}{phalanx}" for finger in humanoid.FINGERS for phalanx in humanoid.PHALANGES]


FINGER_BONE_NAMES = {side: tuple(finger_bone_names(side)) for side in ("left", "right")}


def _rest_axes(side: str) -> tuple[np.ndarray, np.ndarray]:
    """Rest direction (5, 3) and rest flexion hinge (5, 3) of each finger in the Hand's frame.

    The direction is read off the rest skeleton (the offset of each finger's Intermediate bone).
    A finger bends towards the palm, which faces -Y in the T-pose; the thumb bends across the
    palm, away from its forward (+Z) rest side. The hinge is rest direction x bend direction, so
    the right hand's hinges are the mirror images of the left hand's without a sign table."""
    prefix = side.capitalize()
    directions = quat.normalize(
        np.array([humanoid.REST_OFFSET[f"{prefix}{finger}Intermediate"] for finger in humanoid.FINGERS])
    )
    bend = np.array([[0.0, 0.0, -1.0]] + [[0.0, -1.0, 0.0]] * 4)
    bend = bend - np.sum(bend * directions, -1, keepdims=True) * directions
    hinges = quat.normalize(np.cross(directions, bend))
    return directions, hinges


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# Constants of the rest skeleton, per side: rest directions, rest hinges, and the transposed
# rest frames the proximal rotations are measured from.
_REST = {
    side: tuple(_frozen(a) for a in (*axes, np.swapaxes(quat.basis(axes[0], axes[1], 0, 1), -1, -2)))
    for side, axes in ((s, _rest_axes(s)) for s in ("left", "right"))
}


def _frames(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Orthonormal frames (..., 3, 3) with column 0 along ``primary`` and column 1 the part of
    ``secondary`` perpendicular to it."""
    return quat.basis(primary, secondary, 0, 1)


def finger_local_rotations(points_unity: np.ndarray, side: str, hand_world: np.ndarray) -> np.ndarray:
    """Local rotations (15, 4) of one hand's finger bones, in ``finger_bone_names`` order.

    ``points_unity``: the 21 hand landmarks in Unity axes (any uniform scale, e.g. from
    ``coords.image_to_unity``). ``hand_world``: the Hand bone's world rotation from
    ``solvers.hand_frame``. Non-finite input gives the rest pose (identity)."""
    points = np.asarray(points_unity, dtype=float)[:, :3]
    if points.shape != (21, 3):
        return np.tile(quat.IDENTITY, (15, 1))
    return hands_finger_rotations(points[None], (side,), np.asarray(hand_world, dtype=float)[None])[0]


def hands_finger_rotations(points_unity: np.ndarray, sides: tuple[str, ...], hand_world: np.ndarray) -> np.ndarray:
    """``finger_local_rotations`` of several hands in one stacked computation: points (k, 21, 3),
    one side per hand, Hand world rotations (k, 4) -> (k, 15, 4). A hand with any non-finite
    input rests (identity)."""
    points = np.asarray(points_unity, dtype=float)[..., :3]
    hand_world = np.asarray(hand_world, dtype=float)
    valid = np.all(np.isfinite(points), axis=(1, 2)) & np.all(np.isfinite(hand_world), axis=1)
    if not np.any(valid):
        return np.tile(quat.IDENTITY, (len(points), 15, 1))
    rest_direction, rest_hinge, rest_frames_t = (np.stack(a) for a in zip(*(_REST[side] for side in sides)))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # Everything below happens in the Hand bone's frame, where the rest axes are constant.
        to_hand = quat.conjugate(quat.normalize(hand_world))
        local_points = quat.rotate(to_hand[:, None, :], points - points[:, WRIST:WRIST + 1])
        joints = local_points[:, FINGER_CHAINS]  # (k, 5, 4, 3)
        # A collapsed segment (two landmarks on top of each other) points along its rest direction.
        segments = quat.normalize(np.diff(joints, axis=2), fallback=rest_direction[:, :, None, :])  # (k, 5, 3, 3)

        plane = quat.cross(segments[:, :, 0], segments[:, :, 1]) + quat.cross(segments[:, :, 1], segments[:, :, 2])
        # A finger bent slightly backwards keeps its hinge; only the bend angle changes sign.
        plane = np.where(np.sum(plane * rest_hinge, -1, keepdims=True) < 0, -plane, plane)
        hinge = plane + _HINGE_PRIOR_WEIGHT * rest_hinge

        proximal_world = _frames(segments[:, :, 0], hinge) @ rest_frames_t
        proximal = quat.from_matrix(proximal_world)

        intermediate_dir = np.einsum("kfji,kfj->kfi", proximal_world, segments[:, :, 1])
        intermediate = quat.from_two_vectors(rest_direction, intermediate_dir)
        intermediate_world = proximal_world @ quat.to_matrix(intermediate)

        distal_dir = np.einsum("kfji,kfj->kfi", intermediate_world, segments[:, :, 2])
        distal = quat.from_two_vectors(rest_direction, distal_dir)

    rotations = np.stack((proximal, intermediate, distal), axis=2).reshape(len(points), 15, 4)
    usable = valid[:, None, None] & np.all(np.isfinite(rotations), -1, keepdims=True)
    return np.where(usable, rotations, quat.IDENTITY)


def solve_fingers(points_unity: np.ndarray, side: str, hand_world: np.ndarray) -> dict[str, np.ndarray]:
    """Bone name -> local rotation for the 15 finger bones of ``side`` ("left" or "right",
    the subject's own hand, which drives the avatar's hand of the same name)."""
    rotations = finger_local_rotations(points_unity, side, hand_world)
    return dict(zip(finger_bone_names(side), rotations))
