"""Which landmarks the preview joins with lines, by MediaPipe's documented landmark numbering.

Pose (33 points, MediaPipe Pose "pose landmark model"): 0 nose; 1-3 / 4-6 the subject's left /
right eye (inner, centre, outer); 7 / 8 ears; 9 / 10 mouth corners; 11 / 12 shoulders;
13 / 14 elbows; 15 / 16 wrists; 17-22 pinky, index and thumb knuckles; 23 / 24 hips;
25 / 26 knees; 27 / 28 ankles; 29 / 30 heels; 31 / 32 foot tips. Odd numbers are the
subject's left, even numbers the subject's right.

Hand (21 points, MediaPipe Hands): 0 wrist; then four points per finger from the base to the
tip: thumb 1-4, index 5-8, middle 9-12, ring 13-16, little 17-20.

Edges are grouped by the side they belong to, so the renderer can colour the subject's left
and right differently and a swapped side is visible at a glance.
"""
from __future__ import annotations

import numpy as np

from vtdriver.solvers import face_indices as face

POSE_LEFT_EDGES = np.array([
    (11, 13), (13, 15),  # upper arm, forearm
    (15, 17), (15, 19), (15, 21), (17, 19),  # hand
    (11, 23), (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),  # flank, leg, foot
    (1, 2), (2, 3), (3, 7),  # eye to ear
])
POSE_RIGHT_EDGES = np.array([
    (12, 14), (14, 16),
    (16, 18), (16, 20), (16, 22), (18, 20),
    (12, 24), (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
    (4, 5), (5, 6), (6, 8),
])
POSE_CENTRE_EDGES = np.array([(11, 12), (23, 24), (9, 10), (0, 1), (0, 4)])
POSE_LEFT_WRIST, POSE_RIGHT_WRIST = 15, 16

HAND_EDGES = np.array([
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (9, 10), (10, 11), (11, 12),
    (13, 14), (14, 15), (15, 16),
    (0, 17), (17, 18), (18, 19), (19, 20),
    (5, 9), (9, 13), (13, 17),  # knuckle line across the palm
])
HAND_WRIST = 0


def _polyline_edges(*rows: np.ndarray) -> np.ndarray:
    return np.concatenate([np.stack([row[:-1], row[1:]], axis=1) for row in rows])


def _closed(ring: np.ndarray) -> np.ndarray:
    return np.append(ring, ring[0])


def _eye(outer: int, upper: np.ndarray, lower: np.ndarray, inner: int) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([[outer], upper, [inner]]), np.concatenate([[outer], lower, [inner]])


# Face contours from the named groups the face solver uses, so the preview shows exactly the
# points that drive blink, brows and mouth.
FACE_CONTOUR_EDGES = _polyline_edges(
    *_eye(face.RIGHT_EYE_OUTER, face.RIGHT_EYE_UPPER, face.RIGHT_EYE_LOWER, face.RIGHT_EYE_INNER),
    *_eye(face.LEFT_EYE_OUTER, face.LEFT_EYE_UPPER, face.LEFT_EYE_LOWER, face.LEFT_EYE_INNER),
    face.RIGHT_BROW_UPPER, face.LEFT_BROW_UPPER,
    face.LIPS_OUTER_UPPER, face.LIPS_OUTER_LOWER, face.LIPS_INNER_UPPER, face.LIPS_INNER_LOWER,
    _closed(face.RIGHT_IRIS_RING), _closed(face.LEFT_IRIS_RING),
)
# Iris landmarks exist only in the refined (478-point) mesh.
FACE_IRIS_FIRST = face.NUM_MESH_LANDMARKS
