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

import numpy as np

from vtdriver import quat
from vtdriver.solvers import face_priors as pr
from vtdriver.solvers.face_blendshapes import eye_offsets

# Outward normal of each eye in head coordinates (x = subject's right, z = forward): the
# eyes sit about 35 degrees either side of the face's forward direction (average head shape).
_EYE_NORMAL_ANGLE = np.deg2rad(35.0)
_EYE_NORMALS = np.array([
    [np.sin(_EYE_NORMAL_ANGLE), 0.0, np.cos(_EYE_NORMAL_ANGLE)],  # right eye
    [-np.sin(_EYE_NORMAL_ANGLE), 0.0, np.cos(_EYE_NORMAL_ANGLE)],  # left eye
])
_TOWARDS_CAMERA = np.array([0.0, 0.0, 1.0])  # window mode: the camera is in front, +Z


def eye_visibility(head_rotation: np.ndarray) -> tuple[float, float]:
    """(right, left) in [0, 1]: how squarely each eye faces the camera."""
    facing = (head_rotation @ _EYE_NORMALS.T).T @ _TOWARDS_CAMERA
    vis = np.clip(facing / np.cos(_EYE_NORMAL_ANGLE), 0.0, 1.0)
    return float(vis[0]), float(vis[1])


class GazeTracker:
    """Holds the last trusted gaze; one per face stream."""

    def __init__(self, closed_threshold: float = 0.5, difference_rate: float = 0.05):
        self._closed_threshold = float(closed_threshold)
        self._difference_rate = float(difference_rate)  # per frame, with both eyes wide open
        self._difference: np.ndarray | None = None  # right-eye minus left-eye reading
        self._gaze = (0.0, 0.0)

    def update(self, features: np.ndarray, neutral: np.ndarray, blink: tuple[float, float],
               visibility: tuple[float, float]) -> tuple[float, float]:
        weights = np.array([
            0.0 if b >= self._closed_threshold else (1.0 - b / self._closed_threshold) * v
            for b, v in zip(blink, visibility)
        ])
        offsets = eye_offsets(features, neutral)
        if not np.all(np.isfinite(offsets)) or weights.sum() <= 1e-3:
            return self._gaze
        if np.all(weights > 0):
            difference = offsets[0] - offsets[1]
            if self._difference is None:
                self._difference = difference
            else:
                rate = self._difference_rate * float(weights.min())
                self._difference = self._difference + rate * (difference - self._difference)
        half = np.zeros(2) if self._difference is None else 0.5 * self._difference
        estimates = np.stack((offsets[0] - half, offsets[1] + half))
        gaze = weights @ estimates / weights.sum()
        self._gaze = (float(gaze[0]), float(gaze[1]))
        return self._gaze


def eye_rotation(gaze_x: float, gaze_y: float, max_yaw_deg: float, max_pitch_deg: float) -> np.ndarray:
    """Local eye-bone quaternion for a gaze (x towards the subject's right, y up)."""
    yaw = np.deg2rad(max_yaw_deg) * float(np.clip(gaze_x / pr.GAZE_X_RANGE, -1.0, 1.0))
    pitch = np.deg2rad(max_pitch_deg) * float(np.clip(gaze_y / pr.GAZE_Y_RANGE, -1.0, 1.0))
    direction = np.array([np.sin(yaw) * np.cos(pitch), np.sin(pitch), np.cos(yaw) * np.cos(pitch)])
    return quat.from_two_vectors(np.array([0.0, 0.0, 1.0]), direction)
