"""Bone orientations from landmark directions, relative to the rest pose.

A bone's world rotation is the rotation that carries its rest frame onto its current frame.
Both frames are built the same way from two directions (a primary one kept exactly and a
secondary one that fixes the roll), so left and right sides, and a reflected pose, need no
special cases: the rest directions come from ``humanoid`` and carry the side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import quat

# Below this length (metres for world landmarks, pixels for image landmarks) a direction is
# considered undefined. Both scales are far above float noise and far below any real limb.
MIN_LENGTH = 1e-6


def _floats(v: np.ndarray) -> tuple[float, float, float]:
    return tuple(np.asarray(v, dtype=float).tolist())  # type: ignore[return-value]


def is_direction(v: np.ndarray) -> np.ndarray:
    """True where v is finite and long enough to define a direction."""
    if np.shape(v) == (3,):
        size = fr.length(_floats(v))
        return np.bool_(math.isfinite(size) and size > MIN_LENGTH)
    norm = quat.norm(v)
    return np.isfinite(norm) & (norm > MIN_LENGTH)


def perpendicular(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Component of v orthogonal to the unit vector ``axis``."""
    return v - np.sum(v * axis, axis=-1, keepdims=True) * axis


def frame_rotation(
    primary: np.ndarray,
    secondary: np.ndarray,
    rest_primary: np.ndarray,
    rest_secondary: np.ndarray,
    primary_axis: int = 0,
    secondary_axis: int = 2,
) -> np.ndarray:
    """World rotation taking the rest frame (rest_primary, rest_secondary) onto the current
    frame (primary, secondary). ``primary`` is matched exactly; ``secondary`` only fixes the
    roll about it. The axis indices only choose which matrix columns hold the vectors."""
    if np.shape(primary) == (3,) and np.shape(secondary) == (3,):
        # One bone: plain floats (see float_rotation); degenerate frames take the array path.
        single = fr.frame_rotation(
            _floats(primary), _floats(secondary), _floats(rest_primary), _floats(rest_secondary), primary_axis, secondary_axis
        )
        if single is not None:
            return np.array(single)
    current = quat.basis(primary, secondary, primary_axis, secondary_axis)
    rest = quat.basis(rest_primary, rest_secondary, primary_axis, secondary_axis)
    return quat.from_matrix(current @ np.swapaxes(rest, -1, -2))


@dataclass(frozen=True)
class RestFrame:
    """A bone's rest frame for ``frame_rotation_of``: the two rest directions, which basis
    columns they fill, and that basis, built once (it is the same every frame)."""

    primary: fr.Vec
    secondary: fr.Vec
    primary_axis: int
    secondary_axis: int
    columns: tuple[fr.Vec, fr.Vec, fr.Vec] | None

    @classmethod
    def of(cls, primary: fr.Vec, secondary: fr.Vec, primary_axis: int, secondary_axis: int) -> "RestFrame":
        return cls(primary, secondary, primary_axis, secondary_axis,
                   fr.basis_columns(primary, secondary, primary_axis, secondary_axis))


def frame_rotation_of(primary: fr.Vec, secondary: fr.Vec, rest: RestFrame) -> fr.Quat:
    """``frame_rotation`` for one bone given and returned as floats; a degenerate frame takes
    the array code and its fallbacks."""
    if rest.columns is not None:
        single = fr.frame_rotation_from_rest(primary, secondary, rest.columns, rest.primary_axis, rest.secondary_axis)
        if single is not None:
            return single
    arrays = (np.array(primary), np.array(secondary), np.array(rest.primary), np.array(rest.secondary))
    return tuple(frame_rotation(*arrays, rest.primary_axis, rest.secondary_axis).tolist())  # type: ignore[return-value]


def twist_then_swing(q: np.ndarray, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split q = twist * swing, twist about the unit ``axis`` (applied on the parent side, like
    forearm pronation before wrist flexion) and swing about an axis orthogonal to it."""
    # q^-1 = swing^-1 * twist^-1 is the usual swing-twist form; project q^-1 onto the axis.
    inverse = quat.conjugate(quat.normalize(q))
    projected = np.sum(inverse[..., :3] * axis, axis=-1, keepdims=True) * axis
    twist_inverse = np.concatenate((projected, inverse[..., 3:]), axis=-1)
    # A half turn of pure swing leaves no twist to extract: no twist is then the right answer.
    twist_inverse = quat.normalize(twist_inverse, fallback=quat.IDENTITY)
    twist = quat.conjugate(twist_inverse)
    swing = quat.multiply(quat.conjugate(twist), q)
    return twist, quat.normalize(swing)


def partial_rotation(q: np.ndarray, fraction: float) -> np.ndarray:
    """The rotation q scaled to ``fraction`` of its angle about the same axis."""
    return quat.slerp(quat.IDENTITY, q, fraction)
