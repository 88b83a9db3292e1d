"""One pass from MediaPipe's face landmarks to what the solver reads every frame: the head
rotation and the feature vector.

``head_pose`` followed by ``compute_features`` of its local points gives the same numbers up
to rounding, but converts all 478 points to Unity axes and builds a ``HeadPose`` first. Only
~70 of the points are ever read (the head frame's and the features'), so this gathers those
raw rows once and reaches the features with one 3x3 product and one mixing product: the
per-frame numpy calls on the whole mesh were most of the face solver's geometry cost.
"""
from __future__ import annotations

import math
import struct

import numpy as np

from vtdriver import coords
from vtdriver.numeric import all_finite
from vtdriver.solvers import face_indices as fi
from vtdriver.solvers.face_features import feature_table, features_from_rows
from vtdriver.solvers.face_geometry import FRAME_LANDMARKS, FRAME_WEIGHTS, head_rotation_rows

# Up to this image size, a mesh whose sum of squares is finite (every |value| < 1.4e154)
# cannot overflow when scaled to pixels, so that sum alone tells whether the converted mesh
# is finite, as head_pose checks it. No camera or recording comes near it; a size beyond it
# is treated like a zero size (no face measured) rather than given a second, general path.
_SAFE_IMAGE_SIZE = 1e150
_PACK_3X3 = struct.Struct("9d").pack


class _Plan:
    """What ``_measure_scaled`` gathers for one feature table: the union of the head frame's
    landmarks and the features', frame ones first, and a matrix that gives every feature row
    from the union's raw coordinates turned into head axes (scaled, rotated, divided by the
    eye span: one 3x3 product), gathered at ``picks``. The origin (the eye corners' mean) is
    one of those linear mixes, so each row's origin subtraction is folded into its
    coefficients: no per-point subtraction."""

    def __init__(self, points: int):
        table = feature_table(points)
        self.frame = slice(0, len(FRAME_LANDMARKS))
        others = np.setdiff1d(table.landmarks, FRAME_LANDMARKS)
        self.union = np.concatenate((FRAME_LANDMARKS, others))
        column = {int(index): i for i, index in enumerate(self.union)}
        origin = {column[int(index)]: weight for index, weight in zip(FRAME_LANDMARKS, FRAME_WEIGHTS[2]) if weight}
        rows: list[dict[int, float]] = []
        for row in table.matrix:
            used = np.nonzero(row)[0]
            axes = set(table.axes[used].tolist())
            if len(axes) > 1:
                raise AssertionError("a feature row mixes head axes")
            mix: dict[int, float] = {}
            if axes:
                axis = axes.pop()
                for k in used:
                    key = column[int(table.points[k])] * 3 + axis
                    mix[key] = mix.get(key, 0.0) + row[k]
                total = row.sum()
                for col, weight in origin.items():
                    key = col * 3 + axis
                    mix[key] = mix.get(key, 0.0) - total * weight
            rows.append(mix)
        keys = sorted({key for mix in rows for key in mix})
        index = {key: i for i, key in enumerate(keys)}
        self.picks = np.array(keys, dtype=np.intp)  # into the (union, 3) head coordinates, flattened
        self.mix = np.zeros((len(rows), len(keys)))
        for r, mix in enumerate(rows):
            for key, coefficient in mix.items():
                self.mix[r, index[key]] = coefficient
        self.mix.setflags(write=False)


_WITH_IRIS = _Plan(fi.NUM_LANDMARKS)
_MESH_ONLY = _Plan(fi.NUM_MESH_LANDMARKS)


class FaceMeasurer:
    """``measure_face`` for a stream, keeping the image-to-Unity factors of the last image
    size: ``coords.image_to_unity`` is a per-axis scale (with coords' signs), so scaling by
    its image of (1, 1, 1) gives the same numbers up to rounding without rebuilding the
    scale every frame, which cost as much as the rest of the geometry."""

    def __init__(self) -> None:
        self._size: tuple[int, int] | None = None
        self._scale: list[float] | None = None
        self._to_head = _ToHead()

    def measure(self, face: np.ndarray, image_size: tuple[int, int]) -> tuple[list[list[float]], list[float]] | None:
        if image_size != self._size:
            self._scale = _axis_scale(image_size) if _usable(image_size) else None
            self._size = image_size
        return None if self._scale is None else _measure(face, image_size, self._scale, self._to_head)


class _ToHead:
    """The 3x3 from raw landmarks to head axes, rewritten in place each frame: packing its
    nine floats into the same array's bytes costs a third of building a new array."""

    def __init__(self) -> None:
        self.matrix = np.empty((3, 3))
        self.bytes = memoryview(self.matrix).cast("B")


def _usable(image_size: tuple[int, int]) -> bool:
    return 0 < min(image_size) and max(image_size) < _SAFE_IMAGE_SIZE


def _axis_scale(image_size: tuple[int, int]) -> list[float]:
    """The image-to-Unity factor of each axis."""
    return coords.image_to_unity(np.ones(3), image_size).tolist()


def measure_face(face: np.ndarray, image_size: tuple[int, int]) -> tuple[list[list[float]], list[float]] | None:
    """(rows of the head rotation, ``FEATURE_NAMES`` values) of normalised face landmarks,
    or None where ``head_pose`` gives None (or the image size is unusable). Equal to
    ``head_pose(face, image_size).rotation`` and ``compute_features`` of its local points (up to
    rounding)."""
    if not _usable(image_size):
        return None
    return _measure(face, image_size, _axis_scale(image_size), _ToHead())


def _measure(face: np.ndarray, image_size: tuple[int, int], scale: list[float], to_head: _ToHead):
    """``measure_face`` for a usable ``image_size`` and its ``_axis_scale``."""
    face = np.asarray(face, dtype=float)
    if face.ndim != 2 or face.shape[0] < fi.NUM_MESH_LANDMARKS:
        return None
    flat = (face if face.shape[1] == 3 else face[:, :3]).ravel()
    # A bad value, or one that might overflow in pixels: the exact check on the whole mesh.
    if not math.isfinite(flat.dot(flat)) and not all_finite(coords.image_to_unity(face, image_size)):
        return None
    return _measure_scaled(face, _WITH_IRIS if face.shape[0] >= fi.NUM_LANDMARKS else _MESH_ONLY, scale, to_head)


def _measure_scaled(face: np.ndarray, plan: _Plan, scale: list[float], to_head: _ToHead):
    """``_measure`` of a finite mesh whose pixel coordinates cannot overflow: the raw
    landmarks times the 3x3 that scales them to Unity axes and turns them into head axes
    (rotation / eye span), then one product with ``plan.mix``."""
    raw = face.take(plan.union, axis=0)
    if raw.shape[1] != 3:
        raw = raw[:, :3]
    (ax, ay, az), (ux, uy, uz), _, (sx, sy, sz) = FRAME_WEIGHTS.dot(raw[plan.frame]).tolist()
    s0, s1, s2 = scale
    rows = head_rotation_rows([s0 * ax, s1 * ay, s2 * az], [s0 * ux, s1 * uy, s2 * uz])
    sx, sy, sz = s0 * sx, s1 * sy, s2 * sz
    eye_span = math.sqrt(sx * sx + sy * sy + sz * sz)
    if rows is None or eye_span < 1e-9:
        return None
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rows
    k0, k1, k2 = s0 / eye_span, s1 / eye_span, s2 / eye_span
    to_head.bytes[:] = _PACK_3X3(k0 * r00, k0 * r01, k0 * r02, k1 * r10, k1 * r11, k1 * r12,
                                 k2 * r20, k2 * r21, k2 * r22)
    return rows, features_from_rows(plan.mix.dot(raw.dot(to_head.matrix).take(plan.picks)).tolist())
