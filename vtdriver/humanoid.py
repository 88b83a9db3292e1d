"""The Unity humanoid skeleton vtdriver drives: HumanBodyBones names, parents, and a reference
rest pose (VRM T-pose) in Unity's left-handed Y-up frame.

Rest pose conventions (VRM 0.x / 1.0 T-pose, as UniVRM normalises a model in Unity):
- the avatar faces +Z, its right hand is on +X, up is +Y;
- arms horizontal along +-X with palms facing down (-Y), fingers straight along the arm;
- the thumb lies in the palm plane, pointing forward and outward at 45 degrees (our
  assumption for the thumb's rest; VRM does not pin it down precisely);
- legs straight down, feet pointing forward (+Z).

With a normalised model every bone's rest local rotation is identity, so a bone's local
rotation is parent_world^-1 * bone_world, and identity everywhere is the T-pose.

The rest offsets are a generic adult of about 1.65 m (proportions after common anthropometric
tables, rounded); receivers that use bone positions apply their own avatar's proportions, so
these matter only for root motion, the demo performer and tests.
"""
from __future__ import annotations

import numpy as np

from vtdriver import quat

_SQRT_HALF = float(np.sqrt(0.5))

# name -> (parent, rest offset from the parent in metres). Order: parents before children.
_BODY: list[tuple[str, str | None, tuple[float, float, float]]] = [
    ("Hips", None, (0.0, 0.95, 0.0)),
    ("LeftUpperLeg", "Hips", (-0.09, -0.06, 0.0)),
    ("RightUpperLeg", "Hips", (0.09, -0.06, 0.0)),
    ("LeftLowerLeg", "LeftUpperLeg", (0.0, -0.42, 0.0)),
    ("RightLowerLeg", "RightUpperLeg", (0.0, -0.42, 0.0)),
    ("LeftFoot", "LeftLowerLeg", (0.0, -0.40, 0.0)),
    ("RightFoot", "RightLowerLeg", (0.0, -0.40, 0.0)),
    ("LeftToes", "LeftFoot", (0.0, -0.05, 0.12)),
    ("RightToes", "RightFoot", (0.0, -0.05, 0.12)),
    ("Spine", "Hips", (0.0, 0.10, 0.0)),
    ("Chest", "Spine", (0.0, 0.12, 0.0)),
    ("UpperChest", "Chest", (0.0, 0.12, 0.0)),
    ("Neck", "UpperChest", (0.0, 0.11, 0.0)),
    ("Head", "Neck", (0.0, 0.09, 0.0)),
    ("LeftEye", "Head", (-0.032, 0.07, 0.08)),
    ("RightEye", "Head", (0.032, 0.07, 0.08)),
    ("Jaw", "Head", (0.0, -0.01, 0.03)),
    ("LeftShoulder", "UpperChest", (-0.03, 0.08, 0.0)),
    ("RightShoulder", "UpperChest", (0.03, 0.08, 0.0)),
    ("LeftUpperArm", "LeftShoulder", (-0.12, 0.0, 0.0)),
    ("RightUpperArm", "RightShoulder", (0.12, 0.0, 0.0)),
    ("LeftLowerArm", "LeftUpperArm", (-0.28, 0.0, 0.0)),
    ("RightLowerArm", "RightUpperArm", (0.28, 0.0, 0.0)),
    ("LeftHand", "LeftLowerArm", (-0.25, 0.0, 0.0)),
    ("RightHand", "RightLowerArm", (0.25, 0.0, 0.0)),
]

FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
PHALANGES = ("Proximal", "Intermediate", "Distal")

# Left-hand finger roots relative to the wrist, and segment lengths (proximal, intermediate,
# distal), metres. The right hand mirrors x.
_FINGER_ROOTS = {
    "Thumb": (-0.025, -0.01, 0.025),
    "Index": (-0.09, 0.0, 0.025),
    "Middle": (-0.095, 0.0, 0.005),
    "Ring": (-0.09, 0.0, -0.013),
    "Little": (-0.08, 0.0, -0.03),
}
_FINGER_LENGTHS = {
    "Thumb": (0.035, 0.032, 0.028),
    "Index": (0.042, 0.025, 0.022),
    "Middle": (0.046, 0.028, 0.023),
    "Ring": (0.043, 0.027, 0.022),
    "Little": (0.035, 0.02, 0.019),
}
# Rest direction of each finger's segments for the left hand (right hand mirrors x).
_FINGER_REST_DIRECTION = {
    "Thumb": (-_SQRT_HALF, 0.0, _SQRT_HALF),
    "Index": (-1.0, 0.0, 0.0),
    "Middle": (-1.0, 0.0, 0.0),
    "Ring": (-1.0, 0.0, 0.0),
    "Little": (-1.0, 0.0, 0.0),
}


def _finger_bones() -> list[tuple[str, str, tuple[float, float, float]]]:
    bones = []
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        for finger in FINGERS:
            parent = f"{side}Hand"
            root = np.array(_FINGER_ROOTS[finger])
            direction = np.array(_FINGER_REST_DIRECTION[finger])
            offsets = [root] + [direction * length for length in _FINGER_LENGTHS[finger][:2]]
            for phalanx, offset in zip(PHALANGES, offsets):
                name = f"{side}{finger}{phalanx}"
                mirrored = (float(offset[0]) * sign, float(offset[1]), float(offset[2]))
                bones.append((name, parent, mirrored))
                parent = name
    return bones


_ALL = _BODY + _finger_bones()

BONE_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _ALL)
PARENT: dict[str, str | None] = {name: parent for name, parent, _ in _ALL}
REST_OFFSET: dict[str, np.ndarray] = {name: np.array(offset) for name, _, offset in _ALL}
BONE_INDEX: dict[str, int] = {name: i for i, name in enumerate(BONE_NAMES)}
PARENT_INDEX = np.array([BONE_INDEX[p] if p else -1 for p in (PARENT[n] for n in BONE_NAMES)])


def finger_segment_length(finger: str, phalanx_index: int) -> float:
    return _FINGER_LENGTHS[finger][phalanx_index]


def forward_kinematics(
    local_rotations: dict[str, np.ndarray],
    root_position: np.ndarray | None = None,
    offsets: dict[str, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """World positions and world rotations of every bone from local rotations (missing bones
    are at rest). Returns (positions, rotations), both keyed by bone name."""
    offsets = REST_OFFSET if offsets is None else offsets
    positions: dict[str, np.ndarray] = {}
    rotations: dict[str, np.ndarray] = {}
    for name in BONE_NAMES:
        parent = PARENT[name]
        local = np.asarray(local_rotations.get(name, quat.IDENTITY), dtype=float)
        if parent is None:
            base = np.zeros(3) if root_position is None else np.asarray(root_position, float)
            positions[name] = base + offsets[name]
            rotations[name] = quat.normalize(local)
        else:
            positions[name] = positions[parent] + quat.rotate(rotations[parent], offsets[name])
            rotations[name] = quat.normalize(quat.multiply(rotations[parent], local))
    return positions, rotations


def world_to_local(world_rotations: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Local rotations (parent^-1 * child) for every bone in ``world_rotations``; a bone whose
    parent is absent is taken relative to the nearest present ancestor."""
    local: dict[str, np.ndarray] = {}
    for name in BONE_NAMES:
        if name not in world_rotations:
            continue
        parent = PARENT[name]
        while parent is not None and parent not in world_rotations:
            parent = PARENT[parent]
        if parent is None:
            local[name] = quat.normalize(world_rotations[name])
        else:
            local[name] = quat.normalize(
                quat.multiply(quat.conjugate(world_rotations[parent]), world_rotations[name])
            )
    return local
