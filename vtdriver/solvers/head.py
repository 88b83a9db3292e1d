"""Splitting the head's rotation between the Neck and Head bones.

Who measures what: the body solver measures the torso up to UpperChest from the pose
landmarks (``BodyResult.world["UpperChest"]``); the face solver measures the head's world
rotation from the face mesh (``FaceResult.head_world``), which is far more precise than the
pose's few head points. The rotation between them, chest^-1 * head, is what the neck and head
joints together must produce; ``neck_share`` of it goes to Neck and the rest to Head, so the
avatar's head ends up exactly at the face's measured orientation while the neck bends
naturally. Without a tracked body, pass the identity as the chest (the head then turns
relative to an upright torso facing the camera).
"""
from __future__ import annotations

import math

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver.rows import BoneRotations

# One pair of quaternions per frame: on floats, where each numpy call on a 4-vector would cost
# more than its handful of multiplications.


def split_head_rotation(chest_world: np.ndarray | fr.Quat, head_world: np.ndarray | fr.Quat, neck_share: float) -> BoneRotations:
    """{"Neck": local to UpperChest, "Head": local to Neck}, both (x, y, z, w), as one
    read-only mapping over a (2, 4) array. With rest local rotations of identity,
    chest * Neck * Head == head_world exactly."""
    share = min(max(float(neck_share), 0.0), 1.0) if math.isfinite(neck_share) else 0.0
    chest = fr.unit_or_identity(_floats(chest_world))
    head = fr.unit_or_identity(_floats(head_world))
    relative = fr.relative(chest, head)
    if relative[3] < 0:  # the short way round, so the neck never takes the long arc
        relative = (-relative[0], -relative[1], -relative[2], -relative[3])
    neck = fr.slerp(fr.IDENTITY, fr.unit_or_identity(relative), share)
    head_local = fr.unit_or_identity(fr.relative(neck, relative))
    return BoneRotations(_NAMES, np.array((neck, head_local)))


def _floats(q) -> tuple[float, ...] | list[float]:
    # The body and the face hand over float tuples (BodyResult.world_rotation,
    # FaceResult.head_world); an array is read by its own tolist, without an asarray first.
    if type(q) is tuple:
        return q
    return q.tolist() if type(q) is np.ndarray and q.dtype == _FLOAT else np.asarray(q, dtype=float).tolist()


_FLOAT = np.dtype(float)
_NAMES = ("Neck", "Head")
