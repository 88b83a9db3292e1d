"""The body solver on a real photo through MediaPipe Holistic: pose.jpg is a warrior-II pose,
arms spread horizontally to the sides."""
import numpy as np
import pytest

from tests.conftest import shared_path
from vtdriver import humanoid, quat
from vtdriver.frame import CapturedFrame
from vtdriver.solvers.body import BodySettings, BodySolver

cv2 = pytest.importorskip("cv2")


@pytest.fixture(scope="module")
def warrior_landmarks():
    image = cv2.imread(str(shared_path("images/pose.jpg")))
    assert image is not None
    from vtdriver.tracker import HolisticTracker, TrackerSettings

    with HolisticTracker(TrackerSettings(model_complexity=1, static_image_mode=True)) as tracker:
        lm = tracker.process(CapturedFrame(image=image, t=0.0, index=0))
    assert lm.pose_world is not None, "Holistic found no pose on pose.jpg"
    return lm


def _bone_direction(result, bone, child):
    return quat.rotate(result.world[bone], quat.normalize(humanoid.REST_OFFSET[child]))


@pytest.mark.parametrize("upper_body_only", [True, False])
def test_warrior_arms_horizontal_and_on_the_correct_sides(warrior_landmarks, upper_body_only):
    settings = BodySettings(upper_body_only=upper_body_only, hold_seconds=0, ease_seconds=0, blend_in_seconds=0)
    result = BodySolver(settings).solve(warrior_landmarks)
    assert result.tracked and result.parts["left_arm"] and result.parts["right_arm"]
    for side, outward in (("Left", -1.0), ("Right", 1.0)):
        for bone, child in ((f"{side}UpperArm", f"{side}LowerArm"), (f"{side}LowerArm", f"{side}Hand")):
            d = _bone_direction(result, bone, child)
            elevation = np.degrees(np.arcsin(np.clip(d[1], -1, 1)))
            print(f"{bone}: direction {np.round(d, 3)}, elevation {elevation:.1f} deg")
            # Horizontal: within 20 deg of the horizontal plane (the pose is held by a person).
            assert abs(elevation) < 20.0, bone
            # The subject's right arm spreads to the avatar's right (+X in window mode).
            assert d[0] * outward > 0.7, bone


def test_warrior_subject_right_arm_is_image_left(warrior_landmarks):
    # Window mode sanity check against the image itself: the subject's right wrist (pose 16)
    # appears on the image's left half in an unmirrored photo of a person facing the camera.
    pose = warrior_landmarks.pose
    assert pose[16, 0] < pose[15, 0]
