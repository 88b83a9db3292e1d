"""Scale- and rotation-invariant features of one hand, the inputs of the finger states.

- ``curl``: per finger (index..little), the sum of the bend angles at MCP, PIP and DIP in
  degrees. About 0 for a straight finger, 180-250 for a finger curled into a fist. Angles do not
  change when the hand is scaled, moved or turned.
- ``thumb_out``: how far the thumb tip sits beyond the index knuckle, sideways across the palm
  (towards the thumb side), in palm lengths (wrist to middle knuckle). Positive when the thumb
  sticks out (thumbs up, call, open hand), near zero when it lies along the index finger,
  negative when folded across the palm or over the fingers. Measured in the palm's own axes,
  so it is rotation invariant, and in palm lengths, so it is scale invariant.
- ``directions``: unit direction of each finger (knuckle to tip; thumb MCP to tip) in Unity
  axes, for the optional direction constraints (thumb up / down). These are the only
  features that depend on how the hand is held, on purpose.
- ``tip_distance``: distances between fingertips in palm lengths (for "touch" constraints
  such as the ok sign).
- ``palm_facing``: |cos| of the angle between the palm's normal and the camera axis: 1 when the
  palm (or the back of the hand) faces the camera, 0 when the camera sees the palm edge-on.
  Edge-on, the fingers lie one behind the other along the line of sight and the landmark model
  has to guess which finger is which (in ``webcam_thumbs_up.mp4``, a thumbs up aimed at the
  camera comes back with the thumb on the index chain), so the finger states of such a view
  are not trusted to start or to end a gesture (see ``stage.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtdriver.solvers import rotation_kernels as kernels

FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")
WRIST, THUMB_MCP, THUMB_TIP, INDEX_MCP, MIDDLE_MCP, LITTLE_MCP = 0, 2, 4, 5, 9, 17
TIPS = np.array([4, 8, 12, 16, 20])
# Wrist, MCP, PIP, DIP, TIP of index, middle, ring, little; each finger's four segments as
# two index arrays into the landmarks, so one subtraction gives all sixteen.
_CURL_CHAINS = np.array([[0, 5, 6, 7, 8], [0, 9, 10, 11, 12], [0, 13, 14, 15, 16], [0, 17, 18, 19, 20]])
_CURL_FROM, _CURL_TO = _CURL_CHAINS[:, :-1], _CURL_CHAINS[:, 1:]
# The segment whose direction "points" for each finger: thumb MCP->tip, others MCP->tip.
_DIRECTION_FROM = np.array([2, 5, 9, 13, 17])

# A palm shorter than this fraction of the hand's overall extent means the landmarks have
# collapsed (a tracking failure), and no feature is meaningful.
_MIN_PALM_FRACTION = 0.05


@dataclass(frozen=True)
class HandFeatures:
    curl: np.ndarray  # (4,) degrees, index..little
    thumb_out: float  # palm lengths
    directions: np.ndarray  # (5, 3) unit vectors, thumb..little, Unity axes
    tip_distance: np.ndarray  # (5, 5) palm lengths, thumb..little
    palm_facing: float = 1.0  # 0 (edge-on) .. 1 (palm or back towards the camera)


def hand_features(points_unity: np.ndarray) -> HandFeatures | None:
    """Features of 21 hand landmarks in Unity axes (any uniform scale), or None when the
    landmarks are degenerate (non-finite, or the palm has collapsed)."""
    points = np.asarray(points_unity, dtype=float)[:, :3]
    if points.shape != (21, 3):
        return None
    return hands_features(points[None])[0]


def hands_features(points_unity: np.ndarray) -> list[HandFeatures | None]:
    """``hand_features`` of several hands (k, 21, 3) at once: each step is one numpy call for
    all of them (per frame the cost is the number of calls, not their size). The arithmetic is
    that of one hand at a time, operation for operation, so the features are the same."""
    points = np.asarray(points_unity, dtype=float)[..., :3]
    finite = np.isfinite(points).all(axis=(1, 2))
    extent = (points.max(axis=1) - points.min(axis=1)).max(axis=1)
    palm_axis = points[:, MIDDLE_MCP] - points[:, WRIST]
    palm = np.sqrt(_dot(palm_axis, palm_axis))
    # NaN compares False: a non-finite hand is never usable.
    usable = finite & (extent > 0) & (palm >= _MIN_PALM_FRACTION * extent)
    if not usable.any():
        return [None] * len(points)

    with np.errstate(invalid="ignore", divide="ignore"):  # the unusable hands' rows
        segments = points[:, _CURL_TO] - points[:, _CURL_FROM]  # (k, 4, 4, 3)
        bends = _vector_angle(segments[:, :, :-1], segments[:, :, 1:])  # (k, 4, 3)
        curl = np.degrees(bends.sum(axis=-1))

        up = palm_axis / palm[:, None]
        knuckles = points[:, INDEX_MCP] - points[:, LITTLE_MCP]
        across = kernels.unit_or(knuckles - _dot(knuckles, up)[:, None] * up, _ZERO)
        thumb_out = _dot(points[:, THUMB_TIP] - points[:, INDEX_MCP], across) / palm

        directions = kernels.unit_or(points[:, TIPS] - points[:, _DIRECTION_FROM], _ZERO)
        tips = points[:, TIPS]
        offsets = tips[:, :, None, :] - tips[:, None, :, :]
        tip_distance = np.sqrt(_dot(offsets, offsets)) / palm[:, None, None]
        # Unity +Z is the camera axis (coords.py); a degenerate normal reads as edge-on: untrusted.
        normal = kernels.unit_or(kernels.cross(palm_axis, knuckles), _ZERO)
        palm_facing = np.abs(normal[:, 2])

    return [
        HandFeatures(
            curl=curl[i],
            thumb_out=float(thumb_out[i]),
            directions=directions[i],
            tip_distance=tip_distance[i],
            palm_facing=float(palm_facing[i]),
        )
        if ok
        else None
        for i, ok in enumerate(usable.tolist())
    ]


_ZERO = np.zeros(3)
_ZERO.setflags(write=False)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # x, y, z summed in order: what np.dot and np.linalg.norm give for one 3-vector.
    return np.add.reduce(a * b, axis=-1)


def _vector_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``quat.vector_angle`` (robust near 0 and pi) with the cross product in one matrix call."""
    c = kernels.cross(a, b)
    return np.arctan2(np.sqrt(_dot(c, c)), _dot(a, b))
