"""Eye gaze from the irises: a common gaze that a closing lid cannot drag, and eye bones.

The gaze is the iris centre's offset from the midpoint of the eye corners (face_features),
relative to the calibrated neutral. Both eyes look the same way, so the gaze is one value
averaged over the eyes, each weighted by how open and how visible it is. The two eyes' readings
differ by a mostly constant amount (vergence, anatomy, the iris model's bias), learnt while
both eyes are open; each eye's reading is corrected by half of it, so the average does not jump
when one eye drops out. An eye drops out when:
- an eye whose blink weight passes ``closed_threshold`` stops contributing (a closing lid
  pushes MediaPipe's iris estimate down; we must not read that as looking down);
- an eye turned away from the camera (head yaw) counts less, as its iris is foreshortened.
When no eye contributes (both shut) the last gaze is held.

Eye bones: a gaze weight of 1 (``face_priors.GAZE_*_RANGE``) is ``max_yaw_deg`` /
``max_pitch_deg`` of eyeball rotation; the LeftEye/RightEye local rotation (relative to Head,
identity = looking straight ahead) turns the bone's forward axis (+Z) towards the gaze.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from operator import itemgetter, sub

import numpy as np

from vtdriver import quat
from vtdriver.solvers import face_priors as pr
from vtdriver.solvers.face_blendshapes import IRIS_FEATURES

_iris = itemgetter(*IRIS_FEATURES)

# Outward normal of each eye in head coordinates (x = subject's right, z = forward): the
# eyes sit about 35 degrees either side of the face's forward direction (average head shape).
_EYE_NORMAL_ANGLE = math.radians(35.0)
_EYE_NORMALS = (
    (math.sin(_EYE_NORMAL_ANGLE), 0.0, math.cos(_EYE_NORMAL_ANGLE)),  # right eye
    (-math.sin(_EYE_NORMAL_ANGLE), 0.0, math.cos(_EYE_NORMAL_ANGLE)),  # left eye
)
_EYE_NORMAL_COS = math.cos(_EYE_NORMAL_ANGLE)


def eye_visibility(head_rotation: np.ndarray) -> tuple[float, float]:
    """(right, left) in [0, 1]: how squarely each eye faces the camera."""
    # Window mode: the camera is in front, +Z, so an eye's facing is the z component of its
    # rotated normal: the rotation's z row dotted with the normal.
    return eye_visibility_of(*np.asarray(head_rotation, dtype=float)[2].tolist())


def eye_visibility_of(zx: float, zy: float, zz: float) -> tuple[float, float]:
    """``eye_visibility`` from the rotation's z row."""
    (rx, ry, rz), (lx, ly, lz) = _EYE_NORMALS  # written out: a generator per frame cost more
    right = (zx * rx + zy * ry + zz * rz) / _EYE_NORMAL_COS
    left = (zx * lx + zy * ly + zz * lz) / _EYE_NORMAL_COS
    # _clamp(x, 0.0, 1.0) written out (every frame): a NaN stays NaN.
    right = 0.0 if 0.0 > right else right
    left = 0.0 if 0.0 > left else left
    return (1.0 if 1.0 < right else right), (1.0 if 1.0 < left else left)


def _clamp(x: float, low: float, high: float) -> float:
    """``min(max(x, low), high)`` (a NaN stays NaN) as comparisons, without two builtin calls."""
    x = low if low > x else x
    return high if high < x else x


class GazeTracker:
    """Holds the last trusted gaze; one per face stream.

    Works on plain floats: every quantity is one or two numbers per eye, where each numpy
    call would cost more than the arithmetic it does."""

    def __init__(self, closed_threshold: float = 0.5, difference_rate: float = 0.05):
        self._closed_threshold = float(closed_threshold)
        self._difference_rate = float(difference_rate)  # per frame, with both eyes wide open
        self._difference: tuple[float, float] | None = None  # right-eye minus left-eye reading
        self._gaze = (0.0, 0.0)

    def update(self, features: Sequence[float], neutral: Sequence[float], blink: tuple[float, float],
               visibility: tuple[float, float]) -> tuple[float, float]:
        """``features`` and ``neutral`` in ``FEATURE_NAMES`` order, as arrays or (cheaper)
        lists of floats."""
        threshold = self._closed_threshold
        (blink_r, blink_l), (vis_r, vis_l) = blink, visibility
        w_right = 0.0 if blink_r >= threshold else (1.0 - blink_r / threshold) * vis_r
        w_left = 0.0 if blink_l >= threshold else (1.0 - blink_l / threshold) * vis_l
        # eye_offsets, on the four numbers it reads.
        right_x, right_y, left_x, left_y = map(sub, _iris(features), _iris(neutral))
        total = w_right + w_left
        if not math.isfinite(right_x + right_y + left_x + left_y) or total <= 1e-3:
            return self._gaze
        if w_right > 0 and w_left > 0:
            dx, dy = right_x - left_x, right_y - left_y
            if self._difference is None:
                self._difference = (dx, dy)
            else:
                rate = self._difference_rate * (w_left if w_left < w_right else w_right)  # min
                px, py = self._difference
                self._difference = (px + rate * (dx - px), py + rate * (dy - py))
        hx, hy = (0.0, 0.0) if self._difference is None else (0.5 * self._difference[0], 0.5 * self._difference[1])
        # Each eye's reading corrected by half the learnt difference, averaged by weight.
        self._gaze = (
            (w_right * (right_x - hx) + w_left * (left_x + hx)) / total,
            (w_right * (right_y - hy) + w_left * (left_y + hy)) / total,
        )
        return self._gaze


def eye_rotation(gaze_x: float, gaze_y: float, max_yaw_deg: float, max_pitch_deg: float) -> np.ndarray:
    """Local eye-bone quaternion for a gaze (x towards the subject's right, y up): the
    shortest arc from the bone's forward axis (+Z) to the gaze direction, written out for
    that axis (``quat.from_two_vectors((0, 0, 1), direction)`` term by term, ~10x cheaper)."""
    return np.array(eye_rotation_values(gaze_x, gaze_y, math.radians(max_yaw_deg), math.radians(max_pitch_deg)))


def eye_rotation_values(gaze_x: float, gaze_y: float, max_yaw: float, max_pitch: float) -> tuple[float, ...]:
    """``eye_rotation`` as four floats, with the limits in radians (a solver converts its
    settings once and packs both eyes' rows into one array)."""
    # _clamp(x, -1.0, 1.0) written out (every frame): a NaN stays NaN.
    yaw, pitch = gaze_x / pr.GAZE_X_RANGE, gaze_y / pr.GAZE_Y_RANGE
    yaw = -1.0 if -1.0 > yaw else yaw
    pitch = -1.0 if -1.0 > pitch else pitch
    yaw = max_yaw * (1.0 if 1.0 < yaw else yaw)
    pitch = max_pitch * (1.0 if 1.0 < pitch else pitch)
    cos_pitch = math.cos(pitch)
    x, y, z = math.sin(yaw) * cos_pitch, math.sin(pitch), math.cos(yaw) * cos_pitch
    length = math.sqrt(x * x + y * y + z * z)
    if not (math.isfinite(length) and length > 0.0) or 1.0 + z / length < 1e-6:
        # Degenerate or straight back (beyond any configured range): the general helper.
        return tuple(quat.from_two_vectors(np.array([0.0, 0.0, 1.0]), np.array([x, y, z])).tolist())
    x, y, z = x / length, y / length, z / length
    # (0, 0, 1) x (x, y, z), with the same products as quat.cross, so zero signs agree.
    qx, qy, qz, qw = 0.0 * z - 1.0 * y, 1.0 * x - 0.0 * z, 0.0 * y - 0.0 * x, 1.0 + z
    q_length = math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw)
    return qx / q_length, qy / q_length, qz / q_length, qw / q_length
