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
from vtdriver.solvers import vec3
from vtdriver.solvers.finger_chain import RestFinger, finger_rotations

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


def _rest_fingers(side: str) -> tuple[RestFinger, ...]:
    directions, hinges = _rest_axes(side)
    frames = quat.basis(directions, hinges, 0, 1)
    # quat.from_two_vectors' half-turn axis: perpendicular to the rest direction and to x (or
    # to y when the direction is close to x), here in the rest frame.
    helper = np.where(np.abs(directions[:, :1]) < 0.9, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
    half_turns = np.einsum("fji,fj->fi", frames, quat.normalize(quat.cross(directions, helper)))
    return tuple(
        RestFinger(
            direction=tuple(direction),
            hinge=tuple(hinge),
            hinge_prior=tuple(_HINGE_PRIOR_WEIGHT * h for h in hinge),
            columns=tuple(tuple(column) for column in frame.T.tolist()),
            half_turn=tuple(half_turn),
        )
        for direction, hinge, frame, half_turn in zip(directions.tolist(), hinges.tolist(), frames, half_turns.tolist())
    )


_REST = {side: _rest_fingers(side) for side in ("left", "right")}


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
    """``finger_local_rotations`` of several hands: points (k, 21, 3), one side per hand, Hand
    world rotations (k, 4) -> (k, 15, 4). A hand with any non-finite input rests (identity),
    and so does any bone whose rotation comes out non-finite (landmarks so large they overflow).

    The linear part, every segment of every hand in its Hand bone's frame, is three numpy
    calls; the per-finger geometry is a few hundred float operations a finger
    (``finger_chain``), cheaper than the dozens of numpy calls that would carry it."""
    points = np.asarray(points_unity, dtype=float)[..., :3]
    hand_world = np.asarray(hand_world, dtype=float)
    finite = np.isfinite(points).all(axis=(1, 2)) & np.isfinite(hand_world).all(axis=1)
    # Row vectors times the Hand's world matrix: the segments in the Hand bone's frame, (k, 5, 3, 3).
    to_hand = np.array([vec3.rotation_rows(world) for world in hand_world.tolist()])
    with np.errstate(invalid="ignore", over="ignore"):  # a non-finite hand's rows; it rests
        segments = ((points[:, _SEGMENT_TO] - points[:, _SEGMENT_FROM]) @ to_hand).reshape(-1, 5, 3, 3)
    rotations = [
        [q for finger, rest in zip(hand, _REST[side]) for q in finger_rotations(finger, rest)] if ok else _REST_POSE
        for hand, side, ok in zip(segments.tolist(), sides, finite.tolist())
    ]
    rotations = np.array(rotations).reshape(len(points), 15, 4)
    usable = np.isfinite(rotations).all(axis=-1, keepdims=True)
    return rotations if usable.all() else np.where(usable, rotations, quat.IDENTITY)


_REST_POSE = ((0.0, 0.0, 0.0, 1.0),) * 15
# Each finger's three segments (root -> next joint) as two index lists into the 21 landmarks,
# so one subtraction gives all fifteen.
_SEGMENT_FROM = FINGER_CHAINS[:, :-1].ravel()
_SEGMENT_TO = FINGER_CHAINS[:, 1:].ravel()


def solve_fingers(points_unity: np.ndarray, side: str, hand_world: np.ndarray) -> dict[str, np.ndarray]:
    """Bone name -> local rotation for the 15 finger bones of ``side`` ("left" or "right",
    the subject's own hand, which drives the avatar's hand of the same name)."""
    rotations = finger_local_rotations(points_unity, side, hand_world)
    return dict(zip(finger_bone_names(side), rotations))
