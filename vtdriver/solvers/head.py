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

# One pair of quaternions per frame: the arithmetic below is quat's (normalize, multiply,
# conjugate, slerp) written out on floats, where each numpy call on a 4-vector would cost
# more than its handful of multiplications.
_EPS = 1e-9  # quat.normalize's: shorter (or non-finite) quaternions become the identity
_IDENTITY = (0.0, 0.0, 0.0, 1.0)


def _unit(q: list[float]) -> list[float]:
    length = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    return [c / length for c in q] if _EPS <= length < math.inf else list(_IDENTITY)


def _multiply(a: list[float], b: list[float]) -> list[float]:
    """Hamilton product a*b: apply b first, then a."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return [
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    ]


def _conjugate(q: list[float]) -> list[float]:
    return [-q[0], -q[1], -q[2], q[3]]


def _slerp_from_identity(q: list[float], t: float) -> list[float]:
    """quat.slerp(IDENTITY, q, t) for q with w >= 0 (normalised first, as slerp does)."""
    q = _unit(q)
    dot = q[3]  # the identity's only non-zero component is w
    theta = math.acos(min(dot, 1.0))
    sin_theta = math.sin(theta)
    if sin_theta < 1e-6:
        wa, wb = 1.0 - t, t
    else:
        wa, wb = math.sin((1.0 - t) * theta) / sin_theta, math.sin(t * theta) / sin_theta
    return _unit([wa * i + wb * c for i, c in zip(_IDENTITY, q)])


def split_head_rotation(chest_world: np.ndarray, head_world: np.ndarray, neck_share: float) -> dict[str, np.ndarray]:
    """{"Neck": local to UpperChest, "Head": local to Neck}, both (x, y, z, w). With rest
    local rotations of identity, chest * Neck * Head == head_world exactly."""
    share = min(max(float(neck_share), 0.0), 1.0) if math.isfinite(neck_share) else 0.0
    chest = _unit(np.asarray(chest_world, dtype=float).tolist())
    head = _unit(np.asarray(head_world, dtype=float).tolist())
    relative = _multiply(_conjugate(chest), head)
    if relative[3] < 0:  # the short way round, so the neck never takes the long arc
        relative = [-c for c in relative]
    neck = _slerp_from_identity(relative, share)
    head_local = _unit(_multiply(_conjugate(neck), relative))
    return {"Neck": np.array(neck), "Head": np.array(head_local)}
