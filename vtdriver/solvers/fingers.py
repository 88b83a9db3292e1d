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

import itertools
import math
from collections.abc import Sequence

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import humanoid, quat
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

    The hands leave numpy once (``tolist``) and come back once: in between, a finger is a few
    hundred float operations (``finger_chain``), cheaper than the dozens of numpy calls that
    would carry them."""
    points = np.asarray(points_unity, dtype=float)[..., :3]
    components: list[float] = []
    for hand, world, side in zip(points.tolist(), np.asarray(hand_world, dtype=float).tolist(), sides):
        components.extend(_hand_rotations(hand, world, _REST[side]))
    rotations = np.array(components).reshape(len(points), 15, 4)
    # Every component of a unit quaternion is in [-1, 1], so the sum is finite unless one isn't.
    if math.isfinite(sum(components)):
        return rotations
    usable = np.isfinite(rotations).all(axis=-1, keepdims=True)
    return np.where(usable, rotations, quat.IDENTITY)


_REST_POSE = (0.0, 0.0, 0.0, 1.0) * 15
_CHAINS = tuple(tuple(chain) for chain in FINGER_CHAINS.tolist())


def _hand_rotations(hand: list[list[float]], world: list[float], rest: tuple[RestFinger, ...]) -> Sequence[float]:
    """The 60 quaternion components of one hand's finger bones, finger by finger; the rest
    pose for a hand with any non-finite input."""
    if not (all(map(math.isfinite, world)) and all(map(math.isfinite, itertools.chain.from_iterable(hand)))):
        return _REST_POSE
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = fr.rotation_rows(world)
    components: list[float] = []
    for chain, rest_finger in zip(_CHAINS, rest):
        segments = []
        x0, y0, z0 = hand[chain[0]]
        for joint in chain[1:]:
            x1, y1, z1 = hand[joint]
            dx, dy, dz = x1 - x0, y1 - y0, z1 - z0
            # The segment in the Hand bone's frame: world^T v, v dotted with the world columns.
            segments.append(
                (dx * r00 + dy * r10 + dz * r20, dx * r01 + dy * r11 + dz * r21, dx * r02 + dy * r12 + dz * r22)
            )
            x0, y0, z0 = x1, y1, z1
        for q in finger_rotations(segments, rest_finger):
            components.extend(q)
    return components


def solve_fingers(points_unity: np.ndarray, side: str, hand_world: np.ndarray) -> dict[str, np.ndarray]:
    """Bone name -> local rotation for the 15 finger bones of ``side`` ("left" or "right",
    the subject's own hand, which drives the avatar's hand of the same name)."""
    rotations = finger_local_rotations(points_unity, side, hand_world)
    return dict(zip(finger_bone_names(side), rotations))
