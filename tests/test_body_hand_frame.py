import numpy as np
import pytest

from vtdriver import coords, humanoid, quat
from vtdriver.solvers.hand_frame import (
    POSE_HAND_POINTS,
    hand_world_rotation,
    hand_world_rotation_from_pose,
    pose_hand_points_at_rest,
)

FINGER_ROOT_INDEX = {"Thumb": 1, "Index": 5, "Middle": 9, "Ring": 13, "Little": 17}


def _hand_points(side, rotation, origin=np.zeros(3), scale=1.0):
    """21 points with the wrist and the five knuckles where the humanoid puts them (the
    fingers' own joints don't matter to the frame; they get the knuckle position plus noise)."""
    rng = np.random.default_rng(7)
    prefix = side.capitalize()
    rest = rng.normal(scale=0.03, size=(21, 3))
    rest[0] = 0.0
    for finger, i in FINGER_ROOT_INDEX.items():
        rest[i] = humanoid.REST_OFFSET[f"{prefix}{finger}Proximal"]
    return origin + scale * quat.rotate(rotation, rest)


def _pose_points(side, rotation, wrist=np.array([0.3, 1.2, 0.1])):
    pose = np.random.default_rng(3).normal(size=(33, 3))
    idx = POSE_HAND_POINTS[side]
    pose[idx["wrist"]] = wrist
    for key, offset in pose_hand_points_at_rest(side).items():
        pose[idx[key]] = wrist + quat.rotate(rotation, offset)
    return pose


@pytest.mark.parametrize("side", ["left", "right"])
def test_rest_hand_is_identity(side):
    assert np.degrees(quat.angle_between(hand_world_rotation(_hand_points(side, quat.IDENTITY), side), quat.IDENTITY)) < 1e-6
    pose_q = hand_world_rotation_from_pose(_pose_points(side, quat.IDENTITY), side)
    assert np.degrees(quat.angle_between(pose_q, quat.IDENTITY)) < 1e-6


@pytest.mark.parametrize("side", ["left", "right"])
def test_random_rotations_recovered_at_any_scale_and_position(side):
    rng = np.random.default_rng(11)
    for q in quat.normalize(rng.normal(size=(200, 4))):
        points = _hand_points(side, q, origin=rng.normal(size=3) * 300, scale=rng.uniform(100, 2000))
        assert np.degrees(quat.angle_between(hand_world_rotation(points, side), q)) < 1e-6
        from_pose = hand_world_rotation_from_pose(_pose_points(side, q), side)
        assert np.degrees(quat.angle_between(from_pose, q)) < 1e-6


def test_t_pose_hand_fingers_along_the_arm_palm_down():
    # Rotating the rest hand so the palm faces forward (+Z) must read as that rotation.
    for side in ("left", "right"):
        rest_axis = quat.normalize(humanoid.REST_OFFSET[f"{side.capitalize()}Hand"])
        q = quat.from_axis_angle(rest_axis, np.pi / 2)
        got = hand_world_rotation(_hand_points(side, q), side)
        assert np.allclose(quat.rotate(got, rest_axis), rest_axis, atol=1e-9)
        assert np.degrees(quat.angle_between(got, q)) < 1e-6


def test_mirrored_hand_gives_the_mirrored_rotation():
    rng = np.random.default_rng(5)
    for q in quat.normalize(rng.normal(size=(50, 4))):
        right = _hand_points("right", q)
        left_as_mirror = coords.mirror_position(right)
        got = hand_world_rotation(left_as_mirror, "left")
        assert np.degrees(quat.angle_between(got, coords.mirror_rotation(q))) < 1e-6


def test_image_landmarks_through_coords():
    q = quat.normalize(np.array([0.2, -0.5, 0.1, 0.8]))
    size = (1280, 720)
    image = coords.unity_to_image(_hand_points("right", q, origin=np.array([-600.0, -300.0, 0.0])), size)
    got = hand_world_rotation(coords.image_to_unity(image, size), "right")
    assert np.degrees(quat.angle_between(got, q)) < 1e-6


@pytest.mark.parametrize(
    "points",
    [
        np.zeros((21, 3)),
        np.full((21, 3), np.nan),
        np.outer(np.arange(21), [1.0, 2.0, 3.0]),  # every point on one line
        np.ones((5, 3)),  # wrong shape
    ],
)
def test_degenerate_hand_gives_none(points):
    assert hand_world_rotation(points, "left") is None
    pose = np.zeros((33, 3)) if points.shape[0] != 21 else np.resize(points, (33, 3))
    assert hand_world_rotation_from_pose(pose, "right") is None


def test_two_hands_are_framed_as_each_alone():
    """hand_frames converts two hands in one call: each hand's points, rows and frame must be
    the bits its own conversion gives (one hand in view takes the per-hand path)."""
    from vtdriver.frame import Landmarks
    from vtdriver.solvers.hand_frame import hand_frames

    rng = np.random.default_rng(11)
    left, right = rng.random((21, 3)), rng.random((21, 3))
    both = hand_frames(Landmarks(t=0.0, image_size=(1280, 720), left_hand=left, right_hand=right))
    for side, hand in (("left", left), ("right", right)):
        frames = hand_frames(Landmarks(t=0.0, image_size=(1280, 720), **{f"{side}_hand": hand}))
        alone = frames[side]
        assert frames["right" if side == "left" else "left"] is None
        assert both[side].rows == alone.rows and both[side].world == alone.world is not None
        assert both[side].world_rows == alone.world_rows
        assert np.array_equal(both[side].points, alone.points)
