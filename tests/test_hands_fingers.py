"""Finger solver: forward-kinematics round trip on random plausible hands, directly and through
the hands stage (image landmarks, handedness check, hand frame), plus rest, mirror symmetry and
degenerate input."""
from __future__ import annotations

import numpy as np
import pytest

from tests.hand_synth import (
    fk_segment_directions,
    hand_landmarks_unity,
    random_finger_rotations,
    random_hand_rotation,
    segment_directions,
)
from vtdriver import coords, humanoid, quat
from vtdriver.frame import Landmarks
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.gestures.settings import HandsSettings
from vtdriver.gestures.stage import HandsStage
from vtdriver.solvers.fingers import (
    finger_bone_names,
    finger_local_rotations,
    solve_fingers,
)
from vtdriver.solvers.hand_frame import hand_world_rotation

N_POSES = 300
IMAGE_SIZE = (1280, 720)
PIXELS_PER_METRE = 1500.0  # a hand about 280 px long, as in a close webcam shot


def _random_hands(seed: int):
    rng = np.random.default_rng(seed)
    for i in range(N_POSES):
        side = ("left", "right")[i % 2]
        hand_world = random_hand_rotation(rng)
        fingers = random_finger_rotations(rng, side)
        yield side, hand_world, fingers, hand_landmarks_unity(side, hand_world, fingers)


def _to_image(points_unity_m: np.ndarray, centre_px=(640.0, 360.0)) -> np.ndarray:
    pixels = points_unity_m * PIXELS_PER_METRE
    image = coords.unity_to_image(pixels, IMAGE_SIZE)
    return image + np.array([centre_px[0] / IMAGE_SIZE[0], centre_px[1] / IMAGE_SIZE[1], 0.0])


def test_round_trip_through_solver():
    errors, rotation_errors = [], []
    for side, hand_world, fingers, points in _random_hands(seed=1):
        measured_hand = hand_world_rotation(points, side)
        solved = solve_fingers(points, side, measured_hand)
        back = fk_segment_directions(side, measured_hand, solved)
        errors.append(np.degrees(quat.vector_angle(back, segment_directions(points))))
        truth = np.array([fingers[name] for name in finger_bone_names(side)])
        rotation_errors.append(np.degrees(quat.angle_between(truth, np.array(list(solved.values())))))
    errors, rotation_errors = np.concatenate(errors), np.concatenate(rotation_errors)
    assert np.median(errors) <= 3.0 and np.max(errors) < 1e-6
    # Directions fix everything but the twist; the twist comes from the hinge and stays close.
    assert np.median(rotation_errors) < 3.0, np.median(rotation_errors)
    assert np.percentile(rotation_errors, 95) < 10.0


def test_round_trip_through_hands_stage_with_noise():
    stage = HandsStage(HandsSettings(), load_gesture_set("mappings/gestures.toml"))
    rng = np.random.default_rng(7)
    errors = []
    for i, (side, hand_world, fingers, points) in enumerate(_random_hands(seed=2)):
        image = _to_image(points)
        # MediaPipe-like jitter: about 1 px in x/y, a little more in depth.
        image = image + rng.normal(0.0, 1.0, image.shape) / np.array([IMAGE_SIZE[0], IMAGE_SIZE[1], IMAGE_SIZE[0] / 2])
        lm = Landmarks(t=i * 10.0, image_size=IMAGE_SIZE, **{f"{side}_hand": image})
        result = stage.process(lm)
        assert result.tracked[side] and not result.tracked[("left", "right")[side == "left"]]
        measured_hand = hand_world_rotation(coords.image_to_unity(image, IMAGE_SIZE), side)
        back = fk_segment_directions(side, measured_hand, result.bones)
        truth = segment_directions(points)
        errors.append(np.degrees(quat.vector_angle(back, truth)))
    errors = np.concatenate(errors)
    assert np.median(errors) <= 3.0, np.median(errors)


def test_rest_hand_gives_identity_and_sides_mirror():
    for side in ("left", "right"):
        rest = hand_landmarks_unity(side, quat.IDENTITY, {})
        rotations = finger_local_rotations(rest * 1000.0, side, hand_world_rotation(rest, side))
        assert np.all(np.degrees(quat.angle_between(rotations, quat.IDENTITY)) < 1e-6)
    rng = np.random.default_rng(3)
    left_fingers = random_finger_rotations(rng, "left")
    hand = random_hand_rotation(rng)
    left_points = hand_landmarks_unity("left", hand, left_fingers)
    # The mirror image of a left hand is a right hand with mirrored rotations.
    mirrored_points = coords.mirror_position(left_points)
    right = solve_fingers(mirrored_points, "right", hand_world_rotation(mirrored_points, "right"))
    left = solve_fingers(left_points, "left", hand_world_rotation(left_points, "left"))
    for name, q in left.items():
        assert np.degrees(quat.angle_between(coords.mirror_rotation(q), right[coords.swap_side(name)])) < 1e-6


def test_finger_flexion_bends_towards_the_palm():
    side = "left"
    flexed = {f"LeftIndex{p}": quat.from_axis_angle([0, 0, 1.0], np.radians(40)) for p in humanoid.PHALANGES}
    points = hand_landmarks_unity(side, quat.IDENTITY, flexed)
    # Palm faces down in the T-pose: a curled index tip must be below the knuckle.
    assert points[8, 1] < points[5, 1] - 0.02
    solved = solve_fingers(points, side, quat.IDENTITY)
    for phalanx in humanoid.PHALANGES:
        assert np.degrees(quat.angle_between(solved[f"LeftIndex{phalanx}"], flexed[f"LeftIndex{phalanx}"])) < 1e-6


@pytest.mark.parametrize("bad", ["nan", "collapsed", "shape"])
def test_degenerate_input_gives_rest_not_nan(bad):
    points = hand_landmarks_unity("right", quat.IDENTITY, {})
    if bad == "nan":
        points = points.copy()
        points[7] = np.nan
    elif bad == "collapsed":
        points = np.zeros((21, 3))
    else:
        points = points[:20]
    rotations = finger_local_rotations(points, "right", quat.IDENTITY)
    assert rotations.shape == (15, 4) and np.all(np.isfinite(rotations))
    if bad != "collapsed":
        assert np.allclose(rotations, quat.IDENTITY)



def test_fingers_folded_fully_back_give_unit_rotations():
    # A tip folded straight back onto its middle segment is a half-turn arc (no unique axis);
    # it must still give unit quaternions, never NaN.
    points = hand_landmarks_unity("left", quat.IDENTITY, {}).copy()
    for tip in (4, 8, 12, 16, 20):
        points[tip] = points[tip - 1] - 0.5 * (points[tip - 1] - points[tip - 2])
    rotations = finger_local_rotations(points, "left", quat.IDENTITY)
    assert np.all(np.isfinite(rotations)) and np.allclose(np.linalg.norm(rotations, axis=1), 1.0)


def test_solver_does_not_mutate_input():
    points = hand_landmarks_unity("left", quat.IDENTITY, random_finger_rotations(np.random.default_rng(4), "left"))
    before = points.copy()
    solve_fingers(points, "left", quat.IDENTITY)
    assert np.array_equal(points, before)


def test_fast_hand_fk_matches_humanoid_forward_kinematics():
    from tests.hand_synth import hand_landmarks_unity_fk

    rng = np.random.default_rng(5)
    for side in ("left", "right"):
        hand, fingers = random_hand_rotation(rng), random_finger_rotations(rng, side)
        assert np.allclose(hand_landmarks_unity(side, hand, fingers), hand_landmarks_unity_fk(side, hand, fingers), atol=1e-12)
