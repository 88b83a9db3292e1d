"""The demo performer: deterministic, shaped like Holistic output, and visibly doing what the
routine says (waving, blinking, winking, talking, gestures)."""
import numpy as np
import pytest

from vtdriver import humanoid
from vtdriver.frame import PART_NAMES, PART_SHAPES, Landmarks
from vtdriver.solvers import face_indices as fi
from vtdriver.sources import SourceSettings, open_source
from vtdriver.sources.demo import DemoScene
from vtdriver.sources.demo_motion import BLINK_CLOSE_S, ROUTINE, WINK_AT_S, DemoPerformer
from vtdriver.sources.demo_skeleton import SkeletonFK

SCENE = DemoScene(seed=3)


def _segment(name):
    start = next(s.start for s in ROUTINE if s.name == name)
    following = [s.start for s in ROUTINE if s.start > start]
    return start, (following[0] if following else 24.0)


def _times(name, step=0.05, margin=0.8):
    start, end = _segment(name)
    return np.arange(start + margin, end - 0.1, step)


def _eye_gap(face, upper, lower):
    return float(np.mean(face[lower, 1] - face[upper, 1]))  # image y grows downwards


def test_same_seed_and_time_give_identical_landmarks():
    other = DemoScene(seed=3)
    for t in (0.0, 7.3, 15.01, 23.9, 100.0):
        a, b = SCENE.landmarks(t), other.landmarks(t)
        for name in PART_NAMES:
            assert np.array_equal(a.part(name), b.part(name))
    different = DemoScene(seed=4).landmarks(7.3)
    assert not np.array_equal(different.face, SCENE.landmarks(7.3).face)


def test_landmarks_have_holistic_shapes_and_stay_finite_over_a_loop():
    for t in np.arange(0.0, 24.0, 0.37):
        landmarks = SCENE.landmarks(float(t))
        assert landmarks.tracked_parts() == PART_NAMES
        for name in PART_NAMES:
            part = landmarks.part(name)
            assert part.shape == PART_SHAPES[name] and part.dtype == np.float64
            assert np.isfinite(part).all()
        pose = landmarks.pose
        # Head, shoulders, elbows and hips are in the picture; the legs fall below it.
        upper_body = [0, 11, 12, 13, 14, 23, 24]
        assert ((pose[upper_body, :2] > 0) & (pose[upper_body, :2] < 1)).all()
        assert (pose[upper_body, 3] > 0.9).all() and (pose[[27, 28], 3] < 0.5).all()
        # pose_world is hip-centred, metres, y down: the nose is about 0.6 m above the hips.
        world = landmarks.pose_world
        assert np.allclose(world[23, :3] + world[24, :3], 0.0, atol=1e-12)
        assert -0.75 < world[0, 1] < -0.5
        # The subject's left side appears on the image's right, in image and world alike.
        assert pose[11, 0] > pose[12, 0] and world[11, 0] > world[12, 0]
        assert landmarks.face[fi.LEFT_EYE_OUTER, 0] > landmarks.face[fi.RIGHT_EYE_OUTER, 0]
        # The hands' wrists are the pose's wrists.
        assert np.allclose(landmarks.left_hand[0, :2], pose[15, :2])
        assert np.allclose(landmarks.right_hand[0, :2], pose[16, :2])


def test_vectorised_fk_equals_the_humanoid_reference():
    performer = DemoPerformer(seed=1)
    for t in (0.5, 8.2, 12.7):
        locals_, root = performer.body(t)
        expected = humanoid.forward_kinematics(locals_, root)
        got = SkeletonFK().solve(locals_, root)
        for name in humanoid.BONE_NAMES:
            assert np.allclose(got[0][name], expected[0][name], atol=1e-12)
            assert np.allclose(got[1][name], expected[1][name], atol=1e-12)


def test_the_right_wrist_waves_above_the_shoulder_only_while_waving():
    wave = np.array([SCENE.landmarks(t).pose[16] for t in _times("wave")])
    talk = np.array([SCENE.landmarks(t).pose[16] for t in _times("talk")])
    shoulder_y = np.array([SCENE.landmarks(t).pose[12, 1] for t in _times("wave")])
    assert (wave[:, 1] < shoulder_y).all()  # raised: above the shoulder in the image
    assert np.ptp(wave[:, 0]) > 0.04  # side to side by several percent of the width
    assert np.ptp(talk[:, 0]) < 0.5 * np.ptp(wave[:, 0])


def test_blink_closes_both_eyelid_groups_and_the_wink_only_the_left():
    performer = SCENE.performer
    shut = performer.blink_starts[0] + BLINK_CLOSE_S + 0.02
    open_t = performer.blink_starts[0] - 0.5
    groups = {"right": (fi.RIGHT_EYE_UPPER_MID, fi.RIGHT_EYE_LOWER_MID),
              "left": (fi.LEFT_EYE_UPPER_MID, fi.LEFT_EYE_LOWER_MID)}
    opened = SCENE.landmarks(open_t).face
    closed = SCENE.landmarks(shut).face
    for upper, lower in groups.values():
        assert _eye_gap(opened, upper, lower) > 0.004
        assert abs(_eye_gap(closed, upper, lower)) < 0.05 * _eye_gap(opened, upper, lower)
    wink = SCENE.landmarks(WINK_AT_S + 0.2).face
    assert abs(_eye_gap(wink, *groups["left"])) < 0.05 * _eye_gap(opened, *groups["left"])
    assert _eye_gap(wink, *groups["right"]) > 0.5 * _eye_gap(opened, *groups["right"])
    # Irises and corners do not move with the lids.
    assert np.allclose(closed[fi.RIGHT_EYE_OUTER], SCENE.landmarks(shut).face[fi.RIGHT_EYE_OUTER])


def test_talking_opens_the_mouth_and_quiet_segments_do_not():
    def lip_gap(t):
        face = SCENE.landmarks(t).face
        return face[fi.LOWER_LIP_TOP, 1] - face[fi.UPPER_LIP_BOTTOM, 1]

    talking = [lip_gap(t) for t in _times("talk")]
    waving = [lip_gap(t) for t in _times("wave")]
    assert max(talking) > 5 * max(waving) and max(waving) < 0.003
    assert np.ptp(talking) > 0.5 * max(talking)  # it opens and closes, syllable by syllable


def _fingertip_reach(hand):
    """Tip-to-wrist distance over knuckle-to-wrist distance, per finger (thumb..little)."""
    wrist = hand[0, :2]
    tips = np.linalg.norm(hand[[4, 8, 12, 16, 20], :2] - wrist, axis=1)
    knuckles = np.linalg.norm(hand[[2, 5, 9, 13, 17], :2] - wrist, axis=1)
    return tips / knuckles


def test_gestures_shape_the_left_hand():
    start, end = _segment("thumbs_up")
    hand = SCENE.landmarks(start + 1.5).left_hand
    assert hand[4, 1] < hand[[8, 12, 16, 20], 1].min()  # thumb tip highest in the image
    start, end = _segment("victory")
    reach = _fingertip_reach(SCENE.landmarks(start + 1.5).left_hand)
    assert reach[1] > 1.5 and reach[2] > 1.5 and reach[3] < 1.2 and reach[4] < 1.2
    start, end = _segment("open_palm")
    reach = _fingertip_reach(SCENE.landmarks(start + 1.5).left_hand)
    assert (reach[1:] > 1.5).all()


def test_demo_source_clock_and_fast_mode():
    source = open_source("demo", SourceSettings(realtime=False, demo_fps=20, demo_seed=3))
    assert source.provides_landmarks and source.image_size == (1280, 720) and source.fps == 20
    frames = [frame for _, frame in zip(range(5), source)]
    assert all(isinstance(f, Landmarks) for f in frames)
    assert [f.t for f in frames] == pytest.approx([0.0, 0.05, 0.1, 0.15, 0.2])
    assert [f.index for f in frames] == list(range(5))
    assert np.array_equal(frames[3].face, SCENE.landmarks(0.15).face)
    source.close()
    assert list(source) == [] and source.stats.status == "ended"
