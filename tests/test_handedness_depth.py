"""Regression: the handedness check compares a hand's wrist with the pose wrists in the image
plane only. MediaPipe's pose z is depth from the hip centre and a hand's z depth from its own
wrist, so a raised hand sitting exactly on its pose wrist in the picture was once swapped to
the other side (HaGRID 'four' photo 077fa4bf: pose right-wrist z = -0.73, hand wrist z = 0)."""
from __future__ import annotations

import numpy as np

from vtdriver.frame import Landmarks
from vtdriver.solvers.handedness import HandednessCheck

# The real photo's numbers (384 x 512 portrait selfie), rounded.
SIZE = (384, 512)
LEFT_SHOULDER, RIGHT_SHOULDER = (0.64, 0.64, -0.07), (0.46, 0.63, -0.05)
LEFT_WRIST, RIGHT_WRIST = (0.65, 0.85, -0.07), (0.41, 0.60, -0.73)  # the right hand raised


def _pose() -> np.ndarray:
    pose = np.zeros((33, 4))
    pose[:, 3] = 1.0
    pose[11, :3], pose[12, :3] = LEFT_SHOULDER, RIGHT_SHOULDER
    pose[15, :3], pose[16, :3] = LEFT_WRIST, RIGHT_WRIST
    return pose


def _hand_at(x: float, y: float) -> np.ndarray:
    # An open hand pointing up, about 0.1 image widths long; z relative to the wrist.
    rng = np.random.default_rng(0)
    offsets = np.column_stack((rng.uniform(-0.04, 0.04, 21), rng.uniform(-0.12, 0.0, 21), rng.uniform(-0.03, 0.0, 21)))
    offsets[0] = 0.0
    offsets[9] = (0.0, -0.08, -0.01)  # middle-finger knuckle: a palm length above the wrist
    return offsets + np.array([x, y, 0.0])


def test_a_lone_hand_on_its_pose_wrist_keeps_its_side_whatever_the_pose_depth():
    hand = _hand_at(RIGHT_WRIST[0], RIGHT_WRIST[1])
    lm = Landmarks(t=0.0, image_size=SIZE, pose=_pose(), right_hand=hand)
    corrected = HandednessCheck().correct(lm)
    assert corrected.right_hand is hand and corrected.left_hand is None


def test_a_lone_mislabelled_hand_is_still_moved_by_image_position():
    hand = _hand_at(RIGHT_WRIST[0], RIGHT_WRIST[1])
    lm = Landmarks(t=0.0, image_size=SIZE, pose=_pose(), left_hand=hand)
    corrected = HandednessCheck().correct(lm)
    assert corrected.right_hand is hand and corrected.left_hand is None


def test_a_pair_is_judged_in_the_image_plane():
    right, left = _hand_at(RIGHT_WRIST[0], RIGHT_WRIST[1]), _hand_at(LEFT_WRIST[0], LEFT_WRIST[1])
    lm = Landmarks(t=0.0, image_size=SIZE, pose=_pose(), left_hand=left, right_hand=right)
    assert HandednessCheck().correct(lm) is lm
