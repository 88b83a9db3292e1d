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

from dataclasses import dataclass

import numpy as np

from vtdriver import coords, quat
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


@dataclass(frozen=True)
class HeadPose:
    """``rotation``: 3x3 matrix, head frame -> Unity (window mode) world axes; ``local``: the
    mesh in head coordinates (x = subject's right, y = up, z = forward), eye span = 1."""

    rotation: np.ndarray
    local: np.ndarray
    eye_span: float

    @property
    def quaternion(self) -> np.ndarray:
        return quat.from_matrix(self.rotation)


def raw_head_frame(points: np.ndarray) -> np.ndarray | None:
    """The uncorrected landmark frame (3x3, columns = head x, y, z in Unity axes) of a mesh
    given in Unity axes, or None when the points are degenerate."""
    across = np.mean(points[_SYMMETRIC_PAIRS[:, 0]] - points[_SYMMETRIC_PAIRS[:, 1]], axis=0)
    up = np.mean(points[_UPPER], axis=0) - np.mean(points[_LOWER], axis=0)
    if not (np.all(np.isfinite(across)) and np.all(np.isfinite(up))):
        return None
    if np.linalg.norm(across) < 1e-9 or np.linalg.norm(np.cross(across, up)) < 1e-9 * max(np.linalg.norm(up), 1e-9):
        return None
    return quat.basis(across, up, 0, 1)


def head_pose_from_unity_points(points: np.ndarray) -> HeadPose | None:
    """Head pose of a 468/478-point mesh already in Unity axes (any uniform unit)."""
    points = np.asarray(points, dtype=float)
    if points.shape[0] < fi.NUM_MESH_LANDMARKS or not np.all(np.isfinite(points)):
        return None
    frame = raw_head_frame(points)
    if frame is None:
        return None
    rotation = frame @ _rest_correction().T
    eye_span = float(np.linalg.norm(points[fi.RIGHT_EYE_OUTER] - points[fi.LEFT_EYE_OUTER]))
    if eye_span < 1e-9:
        return None
    origin = np.mean(points[_EYE_CORNERS], axis=0)
    local = (points - origin) @ rotation / eye_span
    return HeadPose(rotation=rotation, local=local, eye_span=eye_span)


def head_pose(face: np.ndarray, image_size: tuple[int, int]) -> HeadPose | None:
    """Head pose from MediaPipe normalised face landmarks, or None for a degenerate face."""
    face = np.asarray(face, dtype=float)
    if face.ndim != 2 or face.shape[0] < fi.NUM_MESH_LANDMARKS or min(image_size) <= 0:
        return None
    return head_pose_from_unity_points(coords.image_to_unity(face, image_size))
