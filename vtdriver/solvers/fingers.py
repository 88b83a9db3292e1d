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

from dataclasses import dataclass

import numpy as np

from vtdriver import humanoid, quat
from vtdriver.solvers import rotation_kernels as kernels
from vtdriver.solvers import vec3

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


@dataclass(frozen=True)
class _RestFingers:
    """The rest skeleton's finger constants, stacked (k, 5, ...) for one hand per side."""

    direction: np.ndarray  # (k, 5, 3) unit rest directions
    hinge_prior: np.ndarray  # (k, 5, 3) the rest hinge times _HINGE_PRIOR_WEIGHT
    hinge: np.ndarray  # (k, 5, 3) unit rest hinges
    frame: np.ndarray  # (k, 5, 3, 3) rest frames: columns direction, hinge, direction x hinge
    frame_t: np.ndarray  # their transposes
    # (k, 5, 4, 4): a quaternion (row) times it is the quaternion conjugated by the rest frame
    # (vector part rotated into the parent bone's axes, w kept).
    conjugation: np.ndarray
    # The half turn quat.from_two_vectors gives a direction opposite its rest direction, as
    # seen in the rest frame (x, y, z, w).
    half_turn: np.ndarray  # (k, 5, 4)


def _rest_fingers(sides: tuple[str, ...]) -> _RestFingers:
    axes = [_rest_axes(side) for side in sides]
    direction = np.stack([a[0] for a in axes])
    hinge = np.stack([a[1] for a in axes])
    frame = quat.basis(direction, hinge, 0, 1)
    frame_t = np.swapaxes(frame, -1, -2)
    # quat.from_two_vectors' half-turn axis: perpendicular to the rest direction and to x (or
    # to y when the direction is close to x).
    helper = np.where(np.abs(direction[..., :1]) < 0.9, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
    axis = np.einsum("kfji,kfj->kfi", frame, quat.normalize(quat.cross(direction, helper)))
    half_turn = np.concatenate((axis, np.zeros(axis.shape[:-1] + (1,))), axis=-1)
    conjugation = np.zeros(frame.shape[:-2] + (4, 4))
    conjugation[..., :3, :3] = frame_t
    conjugation[..., 3, 3] = 1.0
    arrays = (direction, _HINGE_PRIOR_WEIGHT * hinge, hinge, frame, frame_t, conjugation, half_turn)
    for array in arrays:
        array.setflags(write=False)
    return _RestFingers(*arrays)


# Stacked once for every way the hands stage calls (one hand, or both in either order), so a
# frame stacks no constants.
_REST = {sides: _rest_fingers(sides) for sides in (("left",), ("right",), ("left", "right"), ("right", "left"))}
# Each finger's three segments (root -> next joint) as two index lists into the 21 landmarks,
# so one subtraction gives all fifteen.
_SEGMENT_FROM = FINGER_CHAINS[:, :-1].ravel()
_SEGMENT_TO = FINGER_CHAINS[:, 1:].ravel()
# (x, y, z) @ _ARC_FROM_X + (0, 0, 0, 1) = (cross(x axis, v), 1 + v.x): the unnormalised
# shortest arc from the x axis to a unit vector v.
_ARC_FROM_X = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0], [0.0, -1.0, 0.0, 0.0]])
_ARC_FROM_X.setflags(write=False)


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
    valid = np.isfinite(points).all(axis=(1, 2)) & np.isfinite(hand_world).all(axis=1)
    if not valid.any():
        return np.tile(quat.IDENTITY, (len(points), 15, 1))
    rest = _REST.get(tuple(sides)) or _rest_fingers(tuple(sides))
    if valid.all():  # finite input raises no floating-point warnings
        rotations = _solve(points, hand_world, rest)
    else:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            rotations = _solve(points, hand_world, rest)
    usable = valid[:, None, None] & np.isfinite(rotations).all(axis=-1, keepdims=True)
    return rotations if usable.all() else np.where(usable, rotations, quat.IDENTITY)


def _solve(points: np.ndarray, hand_world: np.ndarray, rest: _RestFingers) -> np.ndarray:
    """The rotations (k, 15, 4). Every step covers all fingers of all hands at once, and
    products go through ``rotation_kernels``: per frame, numpy's per-call cost, not the
    arithmetic, is what this costs.

    The Intermediate and Distal arcs are found in each finger's rest frame, where the rest
    direction is the x axis: the arc from x to a unit vector v is (0, -v.z, v.y, 1 + v.x), no
    cross product needed. Conjugating an arc by the rest frame (rotating its vector part) gives
    ``quat.from_two_vectors(rest direction, rest frame @ v)``, the arc the parent's frame sees."""
    k = len(points)
    # Row vectors times the Hand's world matrix: the segments in the Hand bone's frame. (One
    # matrix per hand, on floats: cheaper than any numpy call sequence for one or two.)
    to_world = np.array([vec3.rotation_rows(q) for q in hand_world.tolist()])
    segments = (points[:, _SEGMENT_TO] - points[:, _SEGMENT_FROM]) @ to_world
    # A collapsed segment (two landmarks on top of each other) points along its rest direction.
    segments = kernels.unit_or(segments.reshape(k, 5, 3, 3), rest.direction[:, :, None, :])
    first, middle, last = segments[:, :, 0], segments[:, :, 1], segments[:, :, 2]

    # cross(first, middle) + cross(middle, last), as one cross product.
    plane = kernels.cross(first - last, middle)
    # A finger bent slightly backwards keeps its hinge; only the bend angle changes sign.
    hinge = plane * np.where(kernels.dot(plane, rest.hinge) < 0, -1.0, 1.0) + rest.hinge_prior

    # The Proximal frame, quat.basis(first, hinge, 0, 1) (``first`` is a unit vector already).
    across = kernels.unit_or(hinge - kernels.dot(hinge, first) * first, _Y_AXIS)
    frames = kernels.columns(first, across, kernels.cross(first, across))
    proximal = kernels.quaternions_of(frames @ rest.frame_t)

    # The outer two segments in the Proximal bone's rest frame (its frame is frames @ rest.frame_t).
    outer = segments[:, :, 1:] @ frames
    intermediate = _arc_from_x(outer[:, :, 0], rest.half_turn)
    # The Distal segment seen from the Intermediate bone: undo the Intermediate arc.
    distal_dir = (outer[:, :, 1, None, :] @ kernels.matrices_of(intermediate))[:, :, 0]
    distal = _arc_from_x(distal_dir, rest.half_turn)

    # Both arcs' vector parts from the rest frames to the parent bones' frames.
    arcs = np.concatenate((intermediate[:, :, None], distal[:, :, None]), axis=2)  # (k, 5, 2, 4)
    rotations = np.concatenate((proximal[:, :, None], arcs @ rest.conjugation), axis=2)
    return rotations.reshape(k, 15, 4)


_Y_AXIS = np.array([0.0, 1.0, 0.0])  # quat.basis' fallback for a hinge along the finger
_Y_AXIS.setflags(write=False)


def _arc_from_x(v: np.ndarray, half_turn: np.ndarray) -> np.ndarray:
    """``quat.from_two_vectors(x axis, v)`` for unit vectors v, with the half turn of a vector
    opposite x (a joint bent fully backwards, never seen in practice) from ``half_turn``."""
    arc = v @ _ARC_FROM_X
    arc[..., 3] += 1.0
    opposite = arc[..., 3:] < 1e-6
    if opposite.any():
        arc = np.where(opposite, half_turn, arc)
    return kernels.unit(arc)


def solve_fingers(points_unity: np.ndarray, side: str, hand_world: np.ndarray) -> dict[str, np.ndarray]:
    """Bone name -> local rotation for the 15 finger bones of ``side`` ("left" or "right",
    the subject's own hand, which drives the avatar's hand of the same name)."""
    rotations = finger_local_rotations(points_unity, side, hand_world)
    return dict(zip(finger_bone_names(side), rotations))
