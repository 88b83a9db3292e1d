"""Handedness: swaps are corrected against the pose wrists, a hand that stays in view keeps its
side, the input is never mutated, and mirror mode swaps gestures and events consistently."""
from __future__ import annotations

import numpy as np

from tests.conftest import REPO_ROOT, shared_path
from tests.golden_io import read_landmarks
from vtdriver import coords
from vtdriver.frame import AvatarFrame, Landmarks
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.gestures.stage import HandsStage
from vtdriver.solvers.handedness import HandednessCheck

SIZE = (1280, 720)


def _hand_at(wrist_xy, template=None) -> np.ndarray:
    """A 21-point hand (normalised image coordinates) whose wrist sits at ``wrist_xy``."""
    if template is None:
        template = read_landmarks(shared_path("golden/expected_left_up_hand_landmarks.prototxt"))[:21]
    hand = (template - template[0]) * 0.3
    return hand + np.array([wrist_xy[0], wrist_xy[1], 0.0])


def _pose(left_wrist, right_wrist) -> np.ndarray:
    pose = np.zeros((33, 4))
    pose[:, 3] = 1.0
    pose[11, :2] = (0.6, 0.4)  # subject's left shoulder is image-right
    pose[12, :2] = (0.4, 0.4)
    pose[15, :2] = left_wrist
    pose[16, :2] = right_wrist
    return pose


def test_swapped_pair_is_corrected_and_input_untouched():
    pose = _pose(left_wrist=(0.7, 0.6), right_wrist=(0.3, 0.6))
    at_subject_left, at_subject_right = _hand_at((0.7, 0.6)), _hand_at((0.3, 0.6))
    lm = Landmarks(t=0.0, image_size=SIZE, pose=pose, left_hand=at_subject_right, right_hand=at_subject_left)
    before = lm.left_hand.copy()
    fixed = HandednessCheck().correct(lm)
    assert fixed is not lm and fixed.left_hand is at_subject_left and fixed.right_hand is at_subject_right
    assert lm.left_hand is at_subject_right and np.array_equal(lm.left_hand, before)


def test_correct_labels_pass_through_unchanged():
    pose = _pose(left_wrist=(0.7, 0.6), right_wrist=(0.3, 0.6))
    lm = Landmarks(t=0.0, image_size=SIZE, pose=pose, left_hand=_hand_at((0.71, 0.6)), right_hand=_hand_at((0.3, 0.61)))
    assert HandednessCheck().correct(lm) is lm


def test_single_mislabelled_hand_is_moved_to_its_side():
    pose = _pose(left_wrist=(0.7, 0.6), right_wrist=(0.3, 0.6))
    hand = _hand_at((0.3, 0.6))  # at the subject's right wrist but labelled left
    fixed = HandednessCheck().correct(Landmarks(t=0.0, image_size=SIZE, pose=pose, left_hand=hand))
    assert fixed.left_hand is None and fixed.right_hand is hand


def test_a_hand_that_stays_in_view_never_changes_side():
    check = HandednessCheck()
    # Frame 0: right hand alone, pose agrees.
    pose = _pose(left_wrist=(0.8, 0.9), right_wrist=(0.3, 0.6))
    hand = _hand_at((0.3, 0.6))
    assert check.correct(Landmarks(t=0.0, image_size=SIZE, pose=pose, right_hand=hand)).right_hand is hand
    # The hand crosses the body slowly; the tracker and even the pose flip their labels.
    for i, x in enumerate(np.linspace(0.31, 0.75, 40)):
        moved = _hand_at((x, 0.6))
        confused_pose = _pose(left_wrist=(x, 0.6), right_wrist=(0.8, 0.9))
        lm = Landmarks(t=(i + 1) / 30, image_size=SIZE, pose=confused_pose, left_hand=moved)
        fixed = check.correct(lm)
        assert fixed.right_hand is moved and fixed.left_hand is None, i


def test_mirror_swaps_gesture_sides_consistently():
    """Window mode: the subject's right hand gesture is on "right"; with mirror = true the
    finished frame puts it on the avatar's left, events included, through coords.apply_mirror."""
    thumb_up = read_landmarks(shared_path("golden/thumb_up_landmarks.pbtxt"))[:21]
    stage = HandsStage(HandsSettings(), load_gesture_set(REPO_ROOT / "mappings" / "gestures.toml"), None,
                       GestureSettings(enter_ms=0))
    result = stage.process(Landmarks(t=0.0, image_size=(640, 480), right_hand=thumb_up))
    frame = AvatarFrame(t=0.0, bones=result.bones, gestures=result.gestures, events=result.events)
    assert frame.gestures["right"] == "thumbs_up" and frame.events[0].hand == "right"
    assert all(name.startswith("Right") for name in frame.bones) and len(frame.bones) == 15
    mirrored = coords.apply_mirror(frame, mirror=True)
    assert mirrored.gestures["left"] == "thumbs_up" and mirrored.gestures["right"] is None
    assert mirrored.events[0].hand == "left" and mirrored.events[0].gesture == "thumbs_up"
    assert all(name.startswith("Left") for name in mirrored.bones)
    assert coords.apply_mirror(frame, mirror=False) is frame


def test_both_hand_models_on_one_hand_become_one_hand():
    check = HandednessCheck()
    pose = _pose(left_wrist=(0.55, 0.95), right_wrist=(0.3, 0.6))
    hand = _hand_at((0.3, 0.6))
    check.correct(Landmarks(t=0.0, image_size=SIZE, pose=pose, right_hand=hand))
    ghost = _hand_at((0.302, 0.61))  # Holistic's "left" model sitting on the same right hand
    fixed = check.correct(Landmarks(t=1 / 30, image_size=SIZE, pose=pose, left_hand=ghost, right_hand=hand))
    assert fixed.right_hand is hand and fixed.left_hand is None and check.duplicates == 1
    # Two hands a hand-width apart are two hands.
    apart = Landmarks(t=2 / 30, image_size=SIZE, pose=pose, left_hand=_hand_at((0.45, 0.6)), right_hand=hand)
    assert HandednessCheck().correct(apart) is apart


def test_measure_both_hands_at_once_equals_each_alone():
    """The stacked conversion gives each hand the wrist, palm and centre it gets alone (the
    centre as ndarray.mean computes it), also for hands of different widths."""
    from vtdriver import coords
    from vtdriver.solvers.handedness import _measure

    rng = np.random.default_rng(3)
    for width in ((3, 3), (3, 4), (4, 4)):
        for _ in range(200):
            raw = {side: rng.normal(size=(21, w)) * rng.uniform(0.01, 5) for side, w in zip(("left", "right"), width)}
            size = (int(rng.integers(100, 4000)), int(rng.integers(100, 4000)))
            both = _measure(raw["left"], raw["right"], size)
            for side, landmarks in raw.items():
                unity = coords.image_to_unity(landmarks, size)
                alone = _measure(*((landmarks, None) if side == "left" else (None, landmarks)), size)[side]
                assert both[side].wrist == alone.wrist == unity[0].tolist()
                assert both[side].palm == alone.palm
                assert both[side].centre == unity.mean(axis=0).tolist()
                assert both[side].landmarks is landmarks


def test_measure_skips_a_non_finite_hand():
    from vtdriver.solvers.handedness import _measure

    good = np.random.default_rng(4).random((21, 3))
    bad = good.copy()
    bad[5, 1] = np.nan
    assert set(_measure(good, bad, (640, 480))) == {"left"}
    assert set(_measure(bad, good, (640, 480))) == {"right"}
    assert _measure(bad, None, (640, 480)) == {}
    assert _measure(None, None, (640, 480)) == {}
    assert _measure(good, good, (640, 480))["right"].centre is not None


def test_finite_parts_names_the_checked_hands_of_the_returned_landmarks_only():
    check = HandednessCheck()
    good = _hand_at((0.6, 0.6))
    bad = _hand_at((0.4, 0.6))
    bad[3, 0] = np.nan
    lm = Landmarks(t=0.0, image_size=SIZE, pose=_pose((0.6, 0.6), (0.4, 0.6)), left_hand=good, right_hand=bad)
    out = check.correct(lm)
    assert check.finite_parts(out) == {"left_hand"}
    # Any other landmarks (an earlier frame, a copy) get no hand-off: their hands are checked again.
    assert check.finite_parts(lm.with_parts({})) == frozenset()
    swapped = Landmarks(t=0.0, image_size=SIZE, pose=_pose((0.6, 0.6), (0.4, 0.6)), left_hand=None, right_hand=good)
    fresh = HandednessCheck()
    out = fresh.correct(swapped)
    assert out.left_hand is good and fresh.finite_parts(out) == {"left_hand"}
