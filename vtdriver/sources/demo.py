"""``demo``: a synthetic performer that needs no camera and no model.

The performer (``demo_motion``) poses the humanoid skeleton with forward kinematics; MediaPipe's
33 pose points, 21 points per hand and a procedural 478-point face (``demo_face``) are read off
it in Unity axes, then converted with ``coords.unity_to_world`` (pose_world, hip-centred) and,
through a virtual pin-hole camera, ``coords.unity_to_image`` (pose, face, hands). So the demo
exercises the real solvers with landmarks shaped exactly like Holistic's.

The camera stands 1.6 m in front of the performer at chest height and frames about 1.3 m of
height (a webcam on a desk sees the performer from the hips up); the legs fall below the frame and get a
low visibility, as Holistic reports for out-of-frame points.
"""
from __future__ import annotations

import time
from typing import Iterator

import numpy as np

from vtdriver import coords, humanoid, quat
from vtdriver.frame import Landmarks
from vtdriver.solvers import face_indices as fi
from vtdriver.sources.base import SourceItem, SourceSettings, SourceStats
from vtdriver.sources.demo_face import DemoFace
from vtdriver.sources.demo_hands import hand_points
from vtdriver.sources.demo_motion import DemoPerformer
from vtdriver.sources.demo_skeleton import SkeletonFK
from vtdriver.sources.timing import Pacer

CAMERA_POSITION = np.array([0.0, 1.22, 1.6])  # Unity metres; looks along -Z at the performer
FRAMED_HEIGHT_M = 1.3  # vertical extent seen at the performer's distance: hips to above the head
# Head centre relative to the Head bone (at the top of the neck), in the head's frame.
FACE_ORIGIN = np.array([0.0, 0.052, 0.005])
# Ears (pose 7 = left at -x, 8 = right at +x), half the head's width apart, in the head frame.
EAR_OFFSETS = np.array([[-0.075, 0.0, -0.01], [0.075, 0.0, -0.01]])
# What Holistic reports for a clearly seen point and for one outside the image.
VISIBLE, HIDDEN = 0.995, 0.05

# MediaPipe pose index -> humanoid bone whose position it takes.
POSE_BONES = {
    11: "LeftUpperArm", 12: "RightUpperArm", 13: "LeftLowerArm", 14: "RightLowerArm",
    15: "LeftHand", 16: "RightHand", 17: "LeftLittleProximal", 18: "RightLittleProximal",
    19: "LeftIndexProximal", 20: "RightIndexProximal", 21: "LeftThumbProximal", 22: "RightThumbProximal",
    23: "LeftUpperLeg", 24: "RightUpperLeg", 25: "LeftLowerLeg", 26: "RightLowerLeg",
    27: "LeftFoot", 28: "RightFoot",
}
# MediaPipe pose index -> face landmark it coincides with.
POSE_FACE_POINTS = {
    0: fi.NOSE_TIP, 1: fi.LEFT_EYE_INNER, 2: fi.LEFT_IRIS_CENTER, 3: fi.LEFT_EYE_OUTER,
    4: fi.RIGHT_EYE_INNER, 5: fi.RIGHT_IRIS_CENTER, 6: fi.RIGHT_EYE_OUTER,
    9: fi.MOUTH_LEFT_CORNER, 10: fi.MOUTH_RIGHT_CORNER,
}
# Heel (29/30) and foot index (31/32): offsets in the foot's frame from the Foot / Toes bones.
HEEL_OFFSET = np.array([0.0, -0.06, -0.05])
TOE_TIP_OFFSET = np.array([0.0, 0.0, 0.05])

_HEAD = humanoid.BONE_INDEX["Head"]
_POSE_BONE_ROWS = np.array(list(POSE_BONES))
_POSE_BONE_INDEX = np.array([humanoid.BONE_INDEX[name] for name in POSE_BONES.values()])
_POSE_FACE_ROWS = np.array(list(POSE_FACE_POINTS))
_POSE_FACE_INDEX = np.array(list(POSE_FACE_POINTS.values()))
_FEET = np.array([humanoid.BONE_INDEX["LeftFoot"], humanoid.BONE_INDEX["RightFoot"]])
_TOES = np.array([humanoid.BONE_INDEX["LeftToes"], humanoid.BONE_INDEX["RightToes"]])


class DemoScene:
    """The performer plus the virtual camera: ``landmarks(t)`` is a pure function of t."""

    def __init__(self, seed: int = 0, image_size: tuple[int, int] = (1280, 720)) -> None:
        self.image_size = image_size
        self.performer = DemoPerformer(seed)
        self.face = DemoFace()
        self._fk = SkeletonFK()
        distance = CAMERA_POSITION[2]
        self._focal = 0.5 * image_size[1] * distance / (0.5 * FRAMED_HEIGHT_M)
        self._image_centre = coords.image_to_unity(np.array([0.5, 0.5, 0.0]), image_size)

    def skeleton(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """FK arrays (positions, world rotations) in humanoid.BONE_NAMES order."""
        locals_, root = self.performer.body(t)
        return self._fk.solve_arrays(locals_, root_position=root - humanoid.REST_OFFSET["Hips"])

    def _project(self, points: np.ndarray, depth_reference: np.ndarray) -> np.ndarray:
        """Unity-axis points (N, 3) -> normalised image landmarks (N, 3). Depth is measured
        from ``depth_reference`` on the image-width scale, as MediaPipe does."""
        relative = points - CAMERA_POSITION
        depth = -relative[:, 2:3]  # distance in front of the camera, which looks along -Z
        reference_depth = CAMERA_POSITION[2] - depth_reference[2]
        pixels = np.empty_like(points)
        pixels[:, :2] = self._image_centre[:2] + self._focal * relative[:, :2] / depth
        pixels[:, 2] = self._focal * (points[:, 2] - depth_reference[2]) / reference_depth
        return coords.unity_to_image(pixels, self.image_size)

    def landmarks(self, t: float, index: int = 0, capture_ns: int = 0) -> Landmarks:
        positions, rotations = self.skeleton(t)
        head_rotation = rotations[_HEAD]
        head_centre = positions[_HEAD] + quat.rotate(head_rotation, FACE_ORIGIN)
        face_local = self.face.points(self.performer.expression(t))
        face = head_centre + quat.rotate(head_rotation, face_local)
        body = np.empty((33, 3))
        body[_POSE_BONE_ROWS] = positions[_POSE_BONE_INDEX]
        body[_POSE_FACE_ROWS] = face[_POSE_FACE_INDEX]
        body[[7, 8]] = head_centre + quat.rotate(head_rotation, EAR_OFFSETS)
        body[[29, 30]] = positions[_FEET] + quat.rotate(rotations[_FEET], HEEL_OFFSET)
        body[[31, 32]] = positions[_TOES] + quat.rotate(rotations[_TOES], TOE_TIP_OFFSET)
        hips = 0.5 * (body[23] + body[24])
        pose_image = self._project(body, hips)
        in_frame = np.all((pose_image[:, :2] >= 0.0) & (pose_image[:, :2] <= 1.0), axis=1)
        visibility = np.where(in_frame, VISIBLE, HIDDEN)[:, None]
        hands = {}
        for side in ("left", "right"):
            points = hand_points(side, positions, rotations)
            hands[side] = self._project(points, points[0])
        return Landmarks(
            t=t,
            image_size=self.image_size,
            pose=np.hstack((pose_image, visibility)),
            pose_world=np.hstack((coords.unity_to_world(body - hips), visibility)),
            face=self._project(face, head_centre),
            left_hand=hands["left"],
            right_hand=hands["right"],
            index=index,
            capture_ns=capture_ns,
        )


class DemoSource:
    """Yields the demo scene at ``demo_fps``, t = frame index / fps; paced to the wall clock
    unless ``realtime`` is off. Endless: the run is bounded by --frames / --duration."""

    provides_landmarks = True

    def __init__(self, settings: SourceSettings = SourceSettings()) -> None:
        self.image_size = (settings.demo_width, settings.demo_height)
        self.fps = settings.demo_fps
        self.realtime = settings.realtime
        self.description = f"demo (seed {settings.demo_seed})"
        self.stats = SourceStats()
        self.scene = DemoScene(settings.demo_seed, self.image_size)
        self._closed = False

    def __iter__(self) -> Iterator[SourceItem]:
        pacer = Pacer(self.realtime)
        while not self._closed:
            index = self.stats.frames
            t = index / self.fps
            pacer.wait_until(t)
            landmarks = self.scene.landmarks(t, index=index, capture_ns=time.perf_counter_ns())
            self.stats.frames += 1
            yield landmarks
        self.stats.status = "ended"

    def close(self) -> None:
        self._closed = True
        self.stats.status = "ended"
