"""The one place that knows about coordinate frames and handedness. No other module flips a
sign or swaps left and right.

MediaPipe (camera looking at the subject, image not mirrored):
- world landmarks: metres, origin between the hips, x towards the image's right (the subject's
  own left), y down, z away from the camera (the subject's back). A right-handed frame.
- image landmarks: x and y normalised by the image width and height, y down; z is depth on
  roughly the same scale as x, smaller towards the camera.

Unity (VMC protocol): left-handed, Y up, the avatar faces +Z and its right hand is on +X.

Window mode (``mirror = false``): the avatar copies the subject as seen through a window, so
the subject's right arm drives the avatar's right arm. The subject's right is image-left
(-x in MediaPipe) and must land on Unity +X, up is -y, and the subject's forward (towards the
camera, -z) is the avatar's forward +Z. Hence Unity = diag(-1, -1, -1) * MediaPipe. The
determinant is -1: exactly the change of handedness between the two frames.

Mirror mode (``mirror = true``): the avatar behaves like the subject's reflection. We solve in
window mode, then reflect the solved avatar frame across its sagittal (YZ) plane, which swaps
left and right names and reflects positions and rotations. Doing it on the solved frame keeps
every solver, filter and gesture free of mirror logic.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from vtdriver.frame import AvatarFrame

# MediaPipe world/image axes -> Unity axes, window mode (see module docstring).
MEDIAPIPE_TO_UNITY = np.array([-1.0, -1.0, -1.0])
# Reflection across the avatar's YZ plane.
SAGITTAL_REFLECTION = np.array([-1.0, 1.0, 1.0])


def world_to_unity(points: np.ndarray) -> np.ndarray:
    """MediaPipe world landmarks (N, 3 or 4) -> Unity positions (N, 3), metres. A visibility
    column, if present, is dropped; callers keep it from the input."""
    return np.asarray(points, dtype=float)[..., :3] * MEDIAPIPE_TO_UNITY


def image_to_unity(points: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """Normalised image landmarks (N, 3 or 4) -> isotropic Unity-axis coordinates in pixels.
    x is scaled by the width and y by the height so that distances are comparable in every
    direction; MediaPipe's z uses the width's scale."""
    return np.asarray(points, dtype=float)[..., :3] * _image_to_unity_scale(image_size)


def _image_to_unity_scale(image_size: tuple[int, int]) -> np.ndarray:
    # One product by the signed scale instead of two, and the scale made from Python floats in
    # one call: the signs are exact, so (x * s) * -1 and x * -s are the same bits. Runs on every
    # hand, face and pose conversion of every frame.
    width, height = image_size
    sx, sy, sz = _UNITY_SIGNS
    return np.array((width * sx, height * sy, width * sz))


_UNITY_SIGNS = tuple(MEDIAPIPE_TO_UNITY.tolist())


def unity_to_world(points: np.ndarray) -> np.ndarray:
    """Inverse of ``world_to_unity``: for synthetic performers and tests that build landmarks
    from a Unity-frame skeleton."""
    return np.asarray(points, dtype=float)[..., :3] * MEDIAPIPE_TO_UNITY


def unity_to_image(points: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """Inverse of ``image_to_unity``."""
    width, height = image_size
    scale = np.array([width, height, width], dtype=float)
    return np.asarray(points, dtype=float)[..., :3] * MEDIAPIPE_TO_UNITY / scale


_SIDE = re.compile(r"Left|Right|left|right")
_SWAP = {"Left": "Right", "Right": "Left", "left": "right", "right": "left"}


def swap_side(name: str) -> str:
    """'LeftUpperArm' -> 'RightUpperArm', 'eyeBlinkLeft' -> 'eyeBlinkRight', 'left' -> 'right'."""
    return _SIDE.sub(lambda m: _SWAP[m.group(0)], name)


def mirror_rotation(q: np.ndarray) -> np.ndarray:
    """Reflect a rotation across the YZ plane: R' = S R S with S = diag(-1, 1, 1). For a
    quaternion this keeps x and w and negates y and z."""
    q = np.asarray(q, dtype=float)
    return q * np.array([1.0, -1.0, -1.0, 1.0])


def mirror_position(p: np.ndarray) -> np.ndarray:
    return np.asarray(p, dtype=float) * SAGITTAL_REFLECTION


# Direction words in Unity axes, window mode: the subject's right is +X, up +Y, and forward
# (towards the camera) +Z. Gesture patterns such as thumb_points = "up" use these.
SUBJECT_DIRECTIONS: dict[str, np.ndarray] = {
    "up": np.array([0.0, 1.0, 0.0]),
    "down": np.array([0.0, -1.0, 0.0]),
    "right": np.array([1.0, 0.0, 0.0]),
    "left": np.array([-1.0, 0.0, 0.0]),
    "forward": np.array([0.0, 0.0, 1.0]),
    "back": np.array([0.0, 0.0, -1.0]),
}


def mirror_sides(table: dict, mirror: bool) -> dict:
    """A per-side table ({"left": ..., "right": ...}) as the avatar sees it: sides swapped in
    mirror mode. Returns a new dict."""
    return {swap_side(key): value for key, value in table.items()} if mirror else dict(table)


def mirror_avatar_frame(frame: AvatarFrame) -> AvatarFrame:
    """The avatar frame as its own mirror image. Returns a new frame."""
    return replace(
        frame,
        bones={swap_side(name): mirror_rotation(q) for name, q in frame.bones.items()},
        root_position=None if frame.root_position is None else mirror_position(frame.root_position),
        blendshapes={swap_side(name): w for name, w in frame.blendshapes.items()},
        gestures=mirror_sides(frame.gestures, True),
        events=[replace(e, hand=swap_side(e.hand)) for e in frame.events],
        tracking=mirror_sides(frame.tracking, True),
    )


def apply_mirror(frame: AvatarFrame, mirror: bool) -> AvatarFrame:
    return mirror_avatar_frame(frame) if mirror else frame


__all__ = [
    "MEDIAPIPE_TO_UNITY",
    "SUBJECT_DIRECTIONS",
    "apply_mirror",
    "image_to_unity",
    "mirror_avatar_frame",
    "mirror_position",
    "mirror_rotation",
    "mirror_sides",
    "swap_side",
    "unity_to_image",
    "unity_to_world",
    "world_to_unity",
]


# MediaPipe's face-geometry "metric" space (FaceGeometry mesh and pose_transform_matrix):
# right-handed, centimetres, x towards the image's right (the subject's left), y up, z towards
# the camera (the subject's forward). Window-mode Unity keeps up and forward and puts the
# subject's right on +X, so only x flips.
METRIC_TO_UNITY = np.array([-1.0, 1.0, 1.0])


def metric_to_unity(points: np.ndarray) -> np.ndarray:
    """MediaPipe face-geometry metric points (N, 3) -> Unity axes (same units)."""
    return np.asarray(points, dtype=float)[..., :3] * METRIC_TO_UNITY


def metric_rotation_to_unity(matrix: np.ndarray) -> np.ndarray:
    """A rotation matrix (3, 3) acting in MediaPipe's metric space -> the same physical rotation
    acting on Unity-axis vectors: S R S with S = diag(-1, 1, 1)."""
    s = np.diag(METRIC_TO_UNITY)
    return s @ np.asarray(matrix, dtype=float)[..., :3, :3] @ s
