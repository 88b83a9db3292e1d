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
from struct import pack_into
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import humanoid, quat
from vtdriver.rows import BoneRotations
from vtdriver.solvers.finger_chain import RestFinger, hand_rotations

if TYPE_CHECKING:
    from vtdriver.solvers.hand_frame import HandFrame

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


class RestHand(NamedTuple):
    """One side's rest constants: its distinct rest frames (columns in the Hand's frame; the
    four long fingers share one) and each finger's constants, landmark indices first."""

    frames: tuple[tuple[fr.Vec, fr.Vec, fr.Vec], ...]
    fingers: tuple[RestFinger, ...]


def _rest_hand(side: str) -> RestHand:
    directions, hinges = _rest_axes(side)
    frames = quat.basis(directions, hinges, 0, 1)
    # quat.from_two_vectors' half-turn axis: perpendicular to the rest direction and to x (or
    # to y when the direction is close to x), here in the rest frame.
    helper = np.where(np.abs(directions[:, :1]) < 0.9, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
    half_turns = np.einsum("fji,fj->fi", frames, quat.normalize(quat.cross(directions, helper)))
    distinct: list[tuple[fr.Vec, fr.Vec, fr.Vec]] = []
    fingers = []
    for chain, direction, hinge, frame, half_turn in zip(FINGER_CHAINS.tolist(), directions, hinges, frames, half_turns):
        columns = tuple(tuple(column) for column in frame.T.tolist())
        if columns not in distinct:
            distinct.append(columns)

        def in_rest(v: np.ndarray, frame: np.ndarray = frame) -> fr.Vec:
            return tuple((frame.T @ v).tolist())

        # In its own rest frame the hinge is y; the solver takes it as exactly (0, 1, 0) and
        # the half turn's axis as perpendicular to x, the rest direction.
        assert np.allclose(in_rest(hinge), (0.0, 1.0, 0.0), rtol=0, atol=1e-12)
        _, half_y, half_z = quat.normalize(half_turn * np.array([0.0, 1.0, 1.0])).tolist()
        fingers.append(
            RestFinger(
                *chain,
                distinct.index(columns),
                *in_rest(direction),
                in_rest(_HINGE_PRIOR_WEIGHT * hinge)[1],
                in_rest(np.array([0.0, 1.0, 0.0])),
                half_y,
                half_z,
                *(entry for column in columns for entry in column),
            )
        )
    return RestHand(tuple(distinct), tuple(fingers))


_REST = {side: _rest_hand(side) for side in ("left", "right")}


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
    and so does any bone whose rotation comes out non-finite (landmarks so large they overflow)."""
    points = np.asarray(points_unity, dtype=float)[..., :3]
    return finger_rotations_of_rows(points.tolist(), sides, np.asarray(hand_world, dtype=float).tolist())


def finger_rotations_of_rows(
    hands: Sequence[Sequence[Sequence[float]]], sides: Sequence[str], hand_world: Sequence[Sequence[float]]
) -> np.ndarray:
    """``hands_finger_rotations`` of hands already out of numpy: 21 (x, y, z) per hand and one
    (x, y, z, w) per Hand, as the hands stage holds them.

    The hands come back into numpy once: in between, a finger is a few hundred float operations
    (``finger_chain``), cheaper than the dozens of numpy calls that would carry them."""
    components: list[float] = []
    for hand, world, side in zip(hands, hand_world, sides):
        # A sum is finite only when every term is; a non-finite sum may still be an overflow.
        finite = math.isfinite(sum(world) + sum(itertools.chain.from_iterable(hand)))
        if finite or all(map(math.isfinite, itertools.chain(world, *hand))):
            _hand_rotations(hand, fr.rotation_rows(world), _REST[side], components)
        else:
            components += _REST_POSE
    return _usable(components, (len(hands), 15, 4))


def finger_bones_of_frames(hands: Sequence[HandFrame], sides: Sequence[str]) -> BoneRotations:
    """The local rotations of the finger bones, as one read-only mapping bone name -> row, of
    Hand frames whose points (``rows``) and Hand rotation are finite (the hands stage's, after
    ``features_of_rows`` found them so), with no check of them; each Hand's matrix is read
    from ``world_rows`` when the frame kept it. Hands in ``sides`` order, each in
    ``finger_bone_names`` order."""
    components: list[float] = []
    for hand, side in zip(hands, sides):
        points = hand.rows if hand.rows is not None else hand.points.tolist()
        rows = hand.world_rows if hand.world_rows is not None else fr.rotation_rows(hand.world)
        _hand_rotations(points, rows, _REST[side], components)
    return BoneRotations(_SIDES_BONE_NAMES[tuple(sides)], _usable(components, (15 * len(hands), 4)))


# The finger bone names of each set of solved hands, in solve order.
_SIDES_BONE_NAMES = {
    ("left",): FINGER_BONE_NAMES["left"],
    ("right",): FINGER_BONE_NAMES["right"],
    ("left", "right"): FINGER_BONE_NAMES["left"] + FINGER_BONE_NAMES["right"],
    ("right", "left"): FINGER_BONE_NAMES["right"] + FINGER_BONE_NAMES["left"],
}


def _usable(components: list[float], shape: tuple[int, ...]) -> np.ndarray:
    """The components as an array of ``shape`` (last axis 4, one bone a row), any non-finite
    bone (landmarks so large they overflow) at rest. Packed by struct into an empty array: a
    few instructions a float, where np.array inspects each float as a possible sequence (~250
    instructions a float). Made in the caller's shape, with no reshape after."""
    rotations = np.empty(shape)
    pack_into(f"{len(components)}d", rotations, 0, *components)
    # Every component of a unit quaternion is in [-1, 1], so the sum is finite unless one isn't.
    if math.isfinite(sum(components)):
        return rotations
    usable = np.isfinite(rotations).all(axis=-1, keepdims=True)
    return np.where(usable, rotations, quat.IDENTITY)


_REST_POSE = (0.0, 0.0, 0.0, 1.0) * 15


def _hand_rotations(
    hand: Sequence[Sequence[float]], rows: tuple[fr.Vec, fr.Vec, fr.Vec], rest: RestHand, out: list[float]
) -> None:
    """Appends the 60 quaternion components of one hand's finger bones to ``out``, finger by
    finger, from its points and the rows of the Hand's world rotation matrix."""
    out += hand_rotations(hand, [_world_to_rest(rows, columns) for columns in rest.frames], rest.fingers)


def _world_to_rest(rows: tuple[fr.Vec, fr.Vec, fr.Vec], columns: tuple[fr.Vec, fr.Vec, fr.Vec]) -> tuple[float, ...]:
    """The 9 entries, row by row, of (world rest)^T, which takes world vectors into a rest frame:
    row i is rest column i turned by the Hand's world rotation (rows of its matrix)."""
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rows
    (a0, a1, a2), (b0, b1, b2), (c0, c1, c2) = columns
    return (
        r00 * a0 + r01 * a1 + r02 * a2, r10 * a0 + r11 * a1 + r12 * a2, r20 * a0 + r21 * a1 + r22 * a2,
        r00 * b0 + r01 * b1 + r02 * b2, r10 * b0 + r11 * b1 + r12 * b2, r20 * b0 + r21 * b1 + r22 * b2,
        r00 * c0 + r01 * c1 + r02 * c2, r10 * c0 + r11 * c1 + r12 * c2, r20 * c0 + r21 * c1 + r22 * c2,
    )


def solve_fingers(points_unity: np.ndarray, side: str, hand_world: np.ndarray) -> dict[str, np.ndarray]:
    """Bone name -> local rotation for the 15 finger bones of ``side`` ("left" or "right",
    the subject's own hand, which drives the avatar's hand of the same name)."""
    rotations = finger_local_rotations(points_unity, side, hand_world)
    return dict(zip(finger_bone_names(side), rotations))
