"""One pass from MediaPipe's face landmarks to what the solver reads every frame: the head
rotation and the feature vector.

``head_pose`` followed by ``pose_features`` gives the same numbers, but converts all 478
points to Unity axes and builds a ``HeadPose`` first. Only ~70 of the points are ever read
(the head frame's and the features'), so this gathers those rows once, converts them, and
does the same arithmetic on them: the per-frame numpy calls on the whole mesh were most of
the face solver's geometry cost.
"""
from __future__ import annotations

import math

import numpy as np

from vtdriver import coords
from vtdriver.numeric import all_finite
from vtdriver.solvers import face_indices as fi
from vtdriver.solvers.face_features import feature_table, feature_values
from vtdriver.solvers.face_geometry import FRAME_LANDMARKS, FRAME_WEIGHTS, head_rotation_rows

# Below this image size, a mesh whose sum of squares is finite (every |value| < 1.4e154)
# cannot overflow when scaled to pixels, so that sum alone tells whether the converted mesh
# is finite, as head_pose checks it.
_SAFE_IMAGE_SIZE = 1e150


class _Plan:
    """The rows to gather for one feature table: the head frame's landmarks, then the
    features' (a landmark in both is gathered twice), so each part is a slice of one array."""

    def __init__(self, points: int):
        self.table = feature_table(points)
        self.rows = np.concatenate((FRAME_LANDMARKS, self.table.landmarks))
        self.frame = slice(0, len(FRAME_LANDMARKS))
        self.features = slice(len(FRAME_LANDMARKS), len(self.rows))


_WITH_IRIS = _Plan(fi.NUM_LANDMARKS)
_MESH_ONLY = _Plan(fi.NUM_MESH_LANDMARKS)


class FaceMeasurer:
    """``measure_face`` for a stream, keeping the image-to-Unity factors of the last image
    size: ``coords.image_to_unity`` is a per-axis scale (with coords' signs), so scaling by
    its image of (1, 1, 1) gives the same numbers (negation is exact) without rebuilding the
    scale every frame, which cost as much as the rest of the geometry."""

    def __init__(self) -> None:
        self._size: tuple[int, int] | None = None
        self._scales: dict[int, np.ndarray] | None = None

    def measure(self, face: np.ndarray, image_size: tuple[int, int]) -> tuple[list[list[float]], list[float]] | None:
        if image_size != self._size:
            # An unusable or huge size takes measure_face's general path.
            usable = 0 < min(image_size) and max(image_size) < _SAFE_IMAGE_SIZE
            self._scales = _plan_scales(image_size) if usable else None
            self._size = image_size
        if self._scales is None:
            return measure_face(face, image_size)
        return _measure(face, image_size, self._scales)


def _plan_scales(image_size: tuple[int, int]) -> dict[int, np.ndarray]:
    """Per plan (by its row count), the image-to-Unity factors repeated for every gathered
    row: a product of two arrays of one shape runs as one flat loop, where broadcasting the
    3 factors loops over the rows (measured twice as slow)."""
    to_unity = coords.image_to_unity(np.ones(3), image_size)
    scales = {}
    for plan in (_WITH_IRIS, _MESH_ONLY):
        scale = np.tile(to_unity, (len(plan.rows), 1))
        scale.setflags(write=False)
        scales[len(plan.rows)] = scale
    return scales


def measure_face(face: np.ndarray, image_size: tuple[int, int]) -> tuple[list[list[float]], list[float]] | None:
    """(rows of the head rotation, ``FEATURE_NAMES`` values) of normalised face landmarks,
    or None where ``head_pose`` gives None. Equal to ``head_pose(face, image_size).rotation``
    and ``pose_features`` of that pose."""
    if min(image_size) <= 0:
        return None
    safe = max(image_size) < _SAFE_IMAGE_SIZE
    return _measure(face, image_size, _plan_scales(image_size) if safe else None)


def _measure(face: np.ndarray, image_size: tuple[int, int], scales: dict[int, np.ndarray] | None):
    """``measure_face`` for a usable ``image_size``; ``scales`` (``_plan_scales``) only for a
    size below ``_SAFE_IMAGE_SIZE``, None otherwise."""
    face = np.asarray(face, dtype=float)
    if face.ndim != 2 or face.shape[0] < fi.NUM_MESH_LANDMARKS:
        return None
    flat = (face if face.shape[1] == 3 else face[:, :3]).ravel()
    if not (math.isfinite(flat.dot(flat)) and scales is not None):
        # A bad value, or one that might overflow in pixels: the exact check on the whole mesh.
        if not all_finite(coords.image_to_unity(face, image_size)):
            return None
    plan = _WITH_IRIS if face.shape[0] >= fi.NUM_LANDMARKS else _MESH_ONLY
    gathered = face.take(plan.rows, axis=0)
    if scales is None:
        points = coords.image_to_unity(gathered, image_size)
    elif gathered.shape[1] == 3:
        points = np.multiply(gathered, scales[len(gathered)], out=gathered)  # a fresh gather
    else:
        points = gathered[:, :3] * scales[len(gathered)]
    vectors = FRAME_WEIGHTS.dot(points[plan.frame])
    across, up, _, span = vectors.tolist()
    rows = head_rotation_rows(across, up)
    eye_span = math.sqrt(span[0] * span[0] + span[1] * span[1] + span[2] * span[2])
    if rows is None or eye_span < 1e-9:
        return None
    # HeadPose.local_points: (points - origin) @ (rotation / eye_span).
    # Dividing on floats and building the 3x3 from a flat list: the same values as
    # np.array(rows) / eye_span at half the cost.
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rows
    to_head = np.array([r00 / eye_span, r01 / eye_span, r02 / eye_span, r10 / eye_span, r11 / eye_span,
                        r12 / eye_span, r20 / eye_span, r21 / eye_span, r22 / eye_span]).reshape(3, 3)
    feature_points = points[plan.features]  # a view of the fresh gather: subtracted in place
    local = np.subtract(feature_points, vectors[2], out=feature_points).dot(to_head)
    return rows, feature_values(plan.table, local.take(plan.table.landmark_flat))
