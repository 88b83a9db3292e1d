"""Deforming a real face mesh for face-solver tests: lids, jaw, mouth corners, whole-face
rotation. Deformations happen in the head's own frame (x = subject's right, y = up,
z = forward, eye span = 1) and are mapped back to MediaPipe image coordinates through
coords.py, so they stay meaningful whatever the face's pose."""
from __future__ import annotations

import numpy as np

from tests.conftest import shared_path
from tests.golden_io import read_landmarks
from vtdriver import coords, quat
from vtdriver.frame import Landmarks
from vtdriver.solvers import face_indices as fi
from vtdriver.solvers.face_geometry import head_pose_from_unity_points

GOLDEN_SIZE = (820, 1024)  # golden/face_blendshapes_in_landmarks: portrait.jpg's face


def golden_face() -> np.ndarray:
    return read_landmarks(shared_path("golden/face_blendshapes_in_landmarks.prototxt"))


def landmarks(face: np.ndarray, t: float = 0.0, size: tuple[int, int] = GOLDEN_SIZE) -> Landmarks:
    return Landmarks(t=t, image_size=size, face=face)


def _deform_local(face: np.ndarray, size: tuple[int, int], change) -> np.ndarray:
    """Apply ``change(local) -> new local`` in head coordinates and return image landmarks."""
    points = coords.image_to_unity(face, size)
    pose = head_pose_from_unity_points(points)
    origin = points - pose.local * pose.eye_span @ pose.rotation.T  # per-point origin, all equal
    new_local = change(pose.local.copy())
    new_points = origin + new_local * pose.eye_span @ pose.rotation.T
    return coords.unity_to_image(new_points, size)


def close_eye(face: np.ndarray, side: str, amount: float, size: tuple[int, int] = GOLDEN_SIZE) -> np.ndarray:
    """Move ``side``'s ("left"/"right", the subject's) upper lid ``amount`` (0..1) of the way
    onto the lower lid, column by column."""
    upper = fi.LEFT_EYE_UPPER if side == "left" else fi.RIGHT_EYE_UPPER
    lower = fi.LEFT_EYE_LOWER if side == "left" else fi.RIGHT_EYE_LOWER

    def change(local):
        local[upper] += amount * (local[lower] - local[upper])
        return local

    return _deform_local(face, size, change)


def open_jaw(face: np.ndarray, drop: float, size: tuple[int, int] = GOLDEN_SIZE) -> np.ndarray:
    """Lower everything below the mouth corners by ``drop`` eye spans, fading in over the
    first 0.1 eye span below the corners (lower lip, chin, jaw line)."""

    def change(local):
        corner_y = 0.5 * (local[fi.MOUTH_RIGHT_CORNER, 1] + local[fi.MOUTH_LEFT_CORNER, 1])
        weight = np.clip((corner_y - local[:, 1]) / 0.1, 0.0, 1.0)
        weight[fi.LIPS_INNER_UPPER] = 0.0
        weight[fi.LIPS_OUTER_UPPER] = 0.0
        local[:, 1] -= drop * weight
        return local

    return _deform_local(face, size, change)


_RIGHT_CORNER = np.array([fi.MOUTH_RIGHT_CORNER, fi.MOUTH_RIGHT_INNER_CORNER, 185, 146])
_LEFT_CORNER = np.array([fi.MOUTH_LEFT_CORNER, fi.MOUTH_LEFT_INNER_CORNER, 409, 375])


def widen_mouth(face: np.ndarray, amount: float, lift: float = 0.0, size: tuple[int, int] = GOLDEN_SIZE) -> np.ndarray:
    """Pull both mouth corners outwards by ``amount`` and up by ``lift`` eye spans."""

    def change(local):
        local[_RIGHT_CORNER, 0] += amount
        local[_LEFT_CORNER, 0] -= amount
        local[np.concatenate((_RIGHT_CORNER, _LEFT_CORNER)), 1] += lift
        return local

    return _deform_local(face, size, change)


def rotate_face(face: np.ndarray, axis: str, degrees: float, size: tuple[int, int] = GOLDEN_SIZE) -> np.ndarray:
    """Rotate the whole face rigidly about its centroid (Unity axes: x = pitch, y = yaw,
    z = roll)."""
    points = coords.image_to_unity(face, size)
    centre = points.mean(axis=0)
    q = quat.from_axis_angle(np.eye(3)["xyz".index(axis)], np.deg2rad(degrees))
    rotated = quat.rotate(np.broadcast_to(q, points.shape[:-1] + (4,)), points - centre) + centre
    return coords.unity_to_image(rotated, size)
