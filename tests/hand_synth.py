"""Synthetic hands for tests: random plausible finger poses pushed through the humanoid rest
skeleton (forward kinematics) to MediaPipe-style hand landmarks, so a solver's output can be
compared with the rotations that made the landmarks."""
from __future__ import annotations

import numpy as np

from vtdriver import humanoid, quat
from vtdriver.solvers.fingers import FINGER_CHAINS, WRIST, finger_bone_names

# Plausible joint ranges in degrees (roughly the active ranges in hand-anatomy tables):
# spread about the palm normal, then flexion at each of the three joints.
_SPREAD = (-15.0, 15.0)
_FLEX = ((-10.0, 90.0), (0.0, 100.0), (0.0, 80.0))
_THUMB_FLEX = ((-10.0, 50.0), (-5.0, 60.0), (-5.0, 80.0))
_THUMB_ELEVATION = (-10.0, 50.0)  # thumb lifted out of the palm plane (towards the palm side)


def _rest_direction_and_hinges(side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    prefix = side.capitalize()
    direction = quat.normalize(
        np.array([humanoid.REST_OFFSET[f"{prefix}{f}Intermediate"] for f in humanoid.FINGERS])
    )
    palm_normal = np.array([0.0, 1.0, 0.0])
    bend = np.array([[0.0, 0.0, -1.0]] + [[0.0, -1.0, 0.0]] * 4)
    bend = bend - np.sum(bend * direction, -1, keepdims=True) * direction
    hinge = quat.normalize(np.cross(direction, bend))
    return direction, hinge, palm_normal


def random_finger_rotations(rng: np.random.Generator, side: str) -> dict[str, np.ndarray]:
    """Local rotations of the 15 finger bones of a random plausible pose."""
    direction, hinge, palm_normal = _rest_direction_and_hinges(side)
    names = finger_bone_names(side)
    out = {}
    for f in range(5):
        is_thumb = f == 0
        ranges = _THUMB_FLEX if is_thumb else _FLEX
        flex = [np.radians(rng.uniform(*r)) for r in ranges]
        second_axis = np.cross(direction[f], hinge[f]) if is_thumb else palm_normal
        second = np.radians(rng.uniform(*(_THUMB_ELEVATION if is_thumb else _SPREAD)))
        proximal = quat.multiply(quat.from_axis_angle(second_axis, second), quat.from_axis_angle(hinge[f], flex[0]))
        out[names[3 * f]] = proximal
        out[names[3 * f + 1]] = quat.from_axis_angle(hinge[f], flex[1])
        out[names[3 * f + 2]] = quat.from_axis_angle(hinge[f], flex[2])
    return out


def random_hand_rotation(rng: np.random.Generator) -> np.ndarray:
    return quat.normalize(rng.normal(size=4))


def hand_landmarks_unity_fk(side: str, hand_world: np.ndarray, finger_locals: dict[str, np.ndarray]) -> np.ndarray:
    """The 21 MediaPipe hand landmarks (Unity axes, metres, wrist at the origin) of a hand with
    world rotation ``hand_world`` and the given finger local rotations, through
    ``humanoid.forward_kinematics`` (slow: it walks the whole body)."""
    prefix = side.capitalize()
    # With every arm bone at rest, the Hand's local rotation is its world rotation.
    locals_ = dict(finger_locals)
    locals_[f"{prefix}Hand"] = hand_world
    positions, rotations = humanoid.forward_kinematics(locals_)
    names = finger_bone_names(side)
    direction, _, _ = _rest_direction_and_hinges(side)
    points = np.zeros((21, 3))
    points[WRIST] = positions[f"{prefix}Hand"]
    for f, finger in enumerate(humanoid.FINGERS):
        chain = FINGER_CHAINS[f]
        for k in range(3):
            points[chain[k]] = positions[names[3 * f + k]]
        distal = names[3 * f + 2]
        tip_offset = direction[f] * humanoid.finger_segment_length(finger, 2)
        points[chain[3]] = positions[distal] + quat.rotate(rotations[distal], tip_offset)
    return points - points[WRIST]


def hand_landmarks_unity(side: str, hand_world: np.ndarray, finger_locals: dict[str, np.ndarray]) -> np.ndarray:
    """Same as ``hand_landmarks_unity_fk`` (a test checks they agree), but only walks the five
    finger chains, all at once."""
    names = finger_bone_names(side)
    local = np.array([finger_locals.get(n, quat.IDENTITY) for n in names]).reshape(5, 3, 4)
    roots = np.array([humanoid.REST_OFFSET[names[3 * f]] for f in range(5)])
    lengths = np.array([[humanoid.finger_segment_length(finger, k) for k in range(3)] for finger in humanoid.FINGERS])
    direction, _, _ = _rest_direction_and_hinges(side)
    world = np.broadcast_to(quat.normalize(hand_world), (5, 4))
    position = quat.rotate(world, roots)
    points = np.zeros((21, 3))
    for k in range(3):
        world = quat.multiply(world, local[:, k])
        points[FINGER_CHAINS[:, k]] = position
        position = position + quat.rotate(world, direction * lengths[:, k : k + 1])
    points[FINGER_CHAINS[:, 3]] = position
    return points


def segment_directions(points: np.ndarray) -> np.ndarray:
    """Unit directions (15, 3) of the three segments of each finger."""
    joints = np.asarray(points)[FINGER_CHAINS]
    return quat.normalize(np.diff(joints, axis=1)).reshape(15, 3)


def fk_segment_directions(side: str, hand_world: np.ndarray, finger_locals: dict[str, np.ndarray]) -> np.ndarray:
    return segment_directions(hand_landmarks_unity(side, hand_world, finger_locals))
