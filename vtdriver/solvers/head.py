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

import numpy as np

from vtdriver import quat


def split_head_rotation(chest_world: np.ndarray, head_world: np.ndarray, neck_share: float) -> dict[str, np.ndarray]:
    """{"Neck": local to UpperChest, "Head": local to Neck}, both (x, y, z, w). With rest
    local rotations of identity, chest * Neck * Head == head_world exactly."""
    share = float(np.clip(neck_share, 0.0, 1.0)) if np.isfinite(neck_share) else 0.0
    chest = quat.normalize(np.asarray(chest_world, dtype=float))
    head = quat.normalize(np.asarray(head_world, dtype=float))
    relative = quat.multiply(quat.conjugate(chest), head)
    if relative[3] < 0:  # the short way round, so the neck never takes the long arc
        relative = -relative
    neck = quat.slerp(quat.IDENTITY, relative, share)
    head_local = quat.normalize(quat.multiply(quat.conjugate(neck), relative))
    return {"Neck": neck, "Head": head_local}
