"""Head pose from the face mesh, and the mesh expressed in the head's own frame.

The head frame is built from skull-fixed landmarks only (``face_indices.RIGID``): its x axis
runs across the face from the subject's left to the subject's right through several symmetric
point pairs, its y axis from the nose base up to the forehead. Everything happens in Unity axes
(``coords.image_to_unity``: x = subject's right, y = up, z = the subject's forward), so the
head rotation comes out directly as the Unity world rotation of the Head bone in window mode.

That raw frame is tilted against the face's true "looking straight ahead" frame because the
forehead sits behind the nose base. ``REST_PITCH_DEG`` removes the tilt. It was measured on the golden
portrait's metric mesh rotated back into MediaPipe's canonical face frame (R^T * mesh with the
facial transformation matrix of golden/portrait_expected_face_geometry.pbtxt): the raw frame of
that canonical face is pitched by -18.3 degrees (yaw and roll are ~0 by symmetry).

Expression features must not change when the head turns, so the solver reads every feature
from ``HeadPose.local``: the mesh rotated back into the head frame, centred between the eyes and
divided by the eye span (outer-corner distance), which makes it scale- and rotation-invariant.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from vtdriver import coords, quat
from vtdriver.numeric import all_finite
from vtdriver.solvers import face_indices as fi

# Subject's right point, subject's left point: symmetric skull-fixed pairs for the x axis.
_SYMMETRIC_PAIRS = np.array(
    [
        (fi.RIGHT_EYE_OUTER, fi.LEFT_EYE_OUTER),
        (fi.RIGHT_EYE_INNER, fi.LEFT_EYE_INNER),
        (fi.FACE_RIGHT_SIDE, fi.FACE_LEFT_SIDE),
        (fi.FACE_RIGHT_TEMPLE, fi.FACE_LEFT_TEMPLE),
        (fi.RIGHT_CHEEKBONE, fi.LEFT_CHEEKBONE),
        (fi.NOSE_RIGHT_WING, fi.NOSE_LEFT_WING),
    ]
)
_UPPER = np.array([fi.FOREHEAD_TOP, fi.FOREHEAD, fi.GLABELLA])
_LOWER = np.array([fi.NOSE_BOTTOM, fi.NOSE_RIGHT_WING, fi.NOSE_LEFT_WING])
_EYE_CORNERS = np.array([fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER, fi.LEFT_EYE_INNER, fi.LEFT_EYE_OUTER])

# Pitch (degrees, about the head's x axis) of the raw nose-base-to-forehead frame relative to
# MediaPipe's canonical face frame; measured on the golden portrait (see module docstring).
REST_PITCH_DEG = -18.3


def _rest_correction() -> np.ndarray:
    return quat.to_matrix(quat.from_axis_angle(np.array([1.0, 0.0, 0.0]), np.deg2rad(REST_PITCH_DEG)))


def _frame_vector_table() -> tuple[np.ndarray, np.ndarray]:
    """(landmarks, weights): ``weights @ points[landmarks]`` gives, as rows, the across
    vector (mean right-minus-left of the symmetric pairs), the up vector (upper points' mean
    minus lower points' mean), the origin (eye corners' mean) and the eye span vector (outer
    corner to outer corner). Each is a fixed linear mix of a few landmarks, so one gather and
    one small product replace a dozen gathers and means per frame."""
    landmarks = np.unique(np.concatenate((_SYMMETRIC_PAIRS.ravel(), _UPPER, _LOWER, _EYE_CORNERS)))
    column = {int(index): i for i, index in enumerate(landmarks)}
    weights = np.zeros((4, len(landmarks)))
    for right, left in _SYMMETRIC_PAIRS:
        weights[0, column[right]] += 1.0 / len(_SYMMETRIC_PAIRS)
        weights[0, column[left]] -= 1.0 / len(_SYMMETRIC_PAIRS)
    for index in _UPPER:
        weights[1, column[index]] += 1.0 / len(_UPPER)
    for index in _LOWER:
        weights[1, column[index]] -= 1.0 / len(_LOWER)
    for index in _EYE_CORNERS:
        weights[2, column[index]] += 1.0 / len(_EYE_CORNERS)
    weights[3, column[fi.RIGHT_EYE_OUTER]] += 1.0
    weights[3, column[fi.LEFT_EYE_OUTER]] -= 1.0
    return landmarks, weights


FRAME_LANDMARKS, FRAME_WEIGHTS = _frame_vector_table()
FRAME_WEIGHTS.setflags(write=False)
# The rest correction turns about the head's x axis: its transpose is [[1, 0, 0], [0, c, s],
# [0, -s, c]], so frame @ correction.T keeps x and mixes y and z with these two numbers.
_REST_COS, _REST_SIN = _rest_correction().T[1, 1:].tolist()


@dataclass(frozen=True)
class HeadPose:
    """``rotation``: 3x3 matrix, head frame -> Unity (window mode) world axes; ``local``: the
    mesh in head coordinates (x = subject's right, y = up, z = forward), eye span = 1.

    ``local`` is worked out on first use: the solver needs only the few dozen landmarks its
    features read (``local_points``), not all 478 rotated every frame."""

    rotation: np.ndarray
    eye_span: float
    points: np.ndarray  # the mesh in Unity axes, as given
    origin: np.ndarray  # the eye corners' mean, Unity axes

    @cached_property
    def local(self) -> np.ndarray:
        local = self.local_points(slice(None))
        local.setflags(write=False)  # kept for every later reader
        return local

    def local_points(self, indices: np.ndarray | slice) -> np.ndarray:
        """Head coordinates of ``points[indices]``."""
        # Scaling the 3x3 rotation rather than the rotated points: one small operation.
        return (self.points[indices] - self.origin).dot(self.rotation / self.eye_span)

    @property
    def quaternion(self) -> np.ndarray:
        return quat.from_matrix(self.rotation)


def _length(v: list[float]) -> float:
    return math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])


def _frame_from(across: list[float], up: list[float]) -> tuple[list[float], list[float], list[float]] | None:
    """Columns x, y, z of ``quat.basis(across, up, 0, 1)`` (x along ``across``, y = ``up``
    made orthogonal to it), or None when the vectors are degenerate. Written out on floats:
    for one pair of 3-vectors that is several times cheaper than any numpy call, and it does
    the same operations in the same order as quat's single-vector basis."""
    # Named scalars rather than 3-lists and a length helper: the head solver runs this every
    # frame, and the lists and calls cost more than the arithmetic.
    ax, ay, az = across
    ux, uy, uz = up
    across_length = math.sqrt(ax * ax + ay * ay + az * az)
    nx, ny, nz = ay * uz - az * uy, az * ux - ax * uz, ax * uy - ay * ux
    up_length = math.sqrt(ux * ux + uy * uy + uz * uz)
    up_length = 1e-9 if 1e-9 > up_length else up_length  # max(up_length, 1e-9)
    if across_length < 1e-9 or math.sqrt(nx * nx + ny * ny + nz * nz) < 1e-9 * up_length:
        return None
    xx, xy, xz = ax / across_length, ay / across_length, az / across_length
    along = ux * xx + uy * xy + uz * xz
    yx, yy, yz = ux - along * xx, uy - along * xy, uz - along * xz
    y_length = math.sqrt(yx * yx + yy * yy + yz * yz)
    if 1e-9 <= y_length < math.inf:
        yx, yy, yz = yx / y_length, yy / y_length, yz / y_length
    else:  # quat.basis falls back to the y axis when up is (numerically) along across
        yx, yy, yz = 0.0, 1.0, 0.0
    return [xx, xy, xz], [yx, yy, yz], [xy * yz - xz * yy, xz * yx - xx * yz, xx * yy - xy * yx]


def head_rotation_rows(across: list[float], up: list[float]) -> list[list[float]] | None:
    """Rows of the head rotation (head frame -> Unity axes) from the frame vectors, with the
    rest pitch removed, or None when the vectors are degenerate."""
    columns = _frame_from(across, up)
    if columns is None:
        return None
    (xx, xy, xz), (yx, yy, yz), (zx, zy, zz) = columns
    c, s = _REST_COS, _REST_SIN
    return [[xx, c * yx - s * zx, s * yx + c * zx],
            [xy, c * yy - s * zy, s * yy + c * zy],
            [xz, c * yz - s * zz, s * yz + c * zz]]


def raw_head_frame(points: np.ndarray) -> np.ndarray | None:
    """The uncorrected landmark frame (3x3, columns = head x, y, z in Unity axes) of a mesh
    given in Unity axes, or None when the points are degenerate."""
    vectors = FRAME_WEIGHTS @ points[FRAME_LANDMARKS]
    if not np.isfinite(vectors[:2]).all():
        return None
    across, up = vectors[:2].tolist()
    columns = _frame_from(across, up)
    return None if columns is None else np.array(columns).T


def head_pose_from_unity_points(points: np.ndarray) -> HeadPose | None:
    """Head pose of a 468/478-point mesh already in Unity axes (any uniform unit)."""
    # A copy: the pose reads its points later (``local`` on demand), after the caller may
    # have reused its array.
    return _pose(np.array(points, dtype=float))


def head_pose(face: np.ndarray, image_size: tuple[int, int]) -> HeadPose | None:
    """Head pose from MediaPipe normalised face landmarks, or None for a degenerate face."""
    face = np.asarray(face, dtype=float)
    if face.ndim != 2 or face.shape[0] < fi.NUM_MESH_LANDMARKS or min(image_size) <= 0:
        return None
    return _pose(coords.image_to_unity(face, image_size))


def _pose(points: np.ndarray) -> HeadPose | None:
    """Head pose of a mesh in Unity axes that nothing else holds (kept by the pose)."""
    if points.ndim != 2 or points.shape[0] < fi.NUM_MESH_LANDMARKS or not all_finite(points):
        return None
    across, up, origin, span = FRAME_WEIGHTS.dot(points.take(FRAME_LANDMARKS, axis=0)).tolist()
    rows = head_rotation_rows(across, up)
    eye_span = _length(span)
    if rows is None or eye_span < 1e-9:
        return None
    return HeadPose(rotation=np.array(rows), eye_span=eye_span, points=points, origin=np.array(origin))
