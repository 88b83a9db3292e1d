"""Synthetic deformations of the real golden face: each expression moves the weight it should
and nothing else, and head rotation leaves expressions alone."""
from __future__ import annotations

import numpy as np
import pytest

from tests.face_synth import close_eye, golden_face, landmarks, open_jaw, rotate_face, widen_mouth
from vtdriver import quat
from vtdriver.solvers.face import FaceSettings, FaceSolver
from vtdriver.solvers.face_blendshapes import ARKIT_NAMES
from vtdriver.solvers.face_vrm import VRM_NAMES

# One frame at a time, unsmoothed and uncalibrated: the pure geometry -> weight mapping.
RAW = FaceSettings(auto_calibration="off", smoothing_window={})
GAZE = ("eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight",
        "eyeLookUpLeft", "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight")


def solve(face, settings=RAW):
    return FaceSolver(settings).solve(landmarks(face))


@pytest.mark.parametrize("side,other", [("left", "Right"), ("right", "Left")])
def test_blink_rises_monotonically_other_eye_and_gaze_stay(side, other):
    face = golden_face()
    # One solver over the closing sequence, as in a stream (unsmoothed, uncalibrated).
    solver = FaceSolver(RAW)
    results = [solver.solve(landmarks(close_eye(face, side, a), t=k / 30))
               for k, a in enumerate(np.linspace(0.0, 1.0, 10))]
    blink = np.array([r.blendshapes[f"eyeBlink{side.title()}"] for r in results])
    other_blink = np.array([r.blendshapes[f"eyeBlink{other}"] for r in results])
    assert blink[0] < 0.2 and blink[-1] > 0.9, blink
    assert np.all(np.diff(blink) > 0), blink
    assert np.max(np.abs(other_blink - other_blink[0])) <= 0.1
    for name in GAZE:
        values = [r.blendshapes[name] for r in results]
        assert max(values) - min(values) < 0.1, (name, values)
    angles = [np.rad2deg(quat.angle_between(results[0].eye_bones["LeftEye"], r.eye_bones["LeftEye"])) for r in results]
    assert max(angles) < 3.0


def test_jaw_open_raises_jaw_open_and_aa_monotonically():
    face = golden_face()
    results = [solve(open_jaw(face, d)) for d in np.linspace(0.0, 0.2, 8)]
    jaw = np.array([r.blendshapes["jawOpen"] for r in results])
    aa = np.array([r.blendshapes["aa"] for r in results])
    assert np.all(np.diff(jaw) > 0) and jaw[-1] - jaw[0] > 0.3, jaw
    assert np.all(np.diff(aa) > 0) and aa[-1] - aa[0] > 0.05, aa


def test_wider_mouth_corners_raise_smile():
    face = open_jaw(golden_face(), 0.0)
    # The golden face already smiles; narrow it first so the rise is visible.
    base = widen_mouth(face, -0.08, lift=-0.04)
    results = [solve(widen_mouth(base, a)) for a in np.linspace(0.0, 0.1, 6)]
    for side in ("Left", "Right"):
        smile = np.array([r.blendshapes[f"mouthSmile{side}"] for r in results])
        assert np.all(np.diff(smile) > 0) and smile[-1] - smile[0] > 0.3, smile


@pytest.mark.parametrize("axis", ["x", "y", "z"])
@pytest.mark.parametrize("degrees", [-30.0, 30.0])
def test_rotating_the_face_keeps_expressions(axis, degrees):
    face = golden_face()
    upright = solve(face)
    turned = solve(rotate_face(face, axis, degrees))
    worst = max(abs(turned.blendshapes[n] - upright.blendshapes[n]) for n in ARKIT_NAMES + VRM_NAMES)
    assert worst < 0.1
    # ...while the head rotation follows: the measured rotation differs by the applied angle.
    turn = np.rad2deg(quat.angle_between(upright.head_world, turned.head_world))
    assert abs(turn - abs(degrees)) < 1.0


def test_every_weight_present_finite_and_in_range():
    result = solve(golden_face())
    assert set(result.blendshapes) == set(ARKIT_NAMES) | set(VRM_NAMES)
    values = np.array(list(result.blendshapes.values()))
    assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1))
    assert result.blendshapes["tongueOut"] == 0.0


def test_degenerate_faces_give_untracked_zero_result():
    solver = FaceSolver(RAW)
    for face in (None, np.zeros((478, 3)), np.full((478, 3), np.nan)):
        result = solver.solve(landmarks(face))
        assert not result.tracked and result.head_world is None
        assert all(v == 0.0 for v in result.blendshapes.values())


def test_wink_stays_a_wink_with_linked_eyes_but_small_differences_sync():
    face = golden_face()
    linked = FaceSettings(auto_calibration="off", smoothing_window={}, link_eyes=True)
    wink = solve(close_eye(face, "left", 1.0), linked).blendshapes
    assert wink["eyeBlinkLeft"] > 0.9 and wink["eyeBlinkRight"] < 0.4
    assert wink["blinkLeft"] > 0.5 and wink["blink"] < 0.4
    slight = solve(close_eye(face, "left", 0.2), linked).blendshapes
    assert slight["eyeBlinkLeft"] == pytest.approx(slight["eyeBlinkRight"])
    unlinked = solve(close_eye(face, "left", 0.2)).blendshapes
    assert unlinked["eyeBlinkLeft"] > unlinked["eyeBlinkRight"] + 0.05


def test_half_hidden_eye_follows_the_visible_one_when_linked():
    # Head turned 60 degrees towards the subject's left: the left eye faces away.
    face = rotate_face(golden_face(), "y", -60.0)
    face = close_eye(face, "right", 1.0)
    linked = FaceSettings(auto_calibration="off", smoothing_window={}, link_eyes=True)
    result = solve(face, linked).blendshapes
    assert result["eyeBlinkRight"] > 0.9 and result["eyeBlinkLeft"] == pytest.approx(result["eyeBlinkRight"])


def test_gaze_is_held_while_both_eyes_are_shut():
    solver = FaceSolver(RAW)
    face = golden_face()
    open_result = solver.solve(landmarks(face, 0.0))
    shut = close_eye(close_eye(face, "left", 1.0), "right", 1.0)
    # A shut eye's iris estimate sinks; it must not drag the gaze down.
    from vtdriver.solvers import face_indices as fi
    shut = shut.copy()
    shut[fi.RIGHT_IRIS] += [0.0, 0.01, 0.0]
    shut[fi.LEFT_IRIS] += [0.0, 0.01, 0.0]
    closed_result = solver.solve(landmarks(shut, 1 / 30))
    for name in GAZE:
        assert closed_result.blendshapes[name] == pytest.approx(open_result.blendshapes[name])
