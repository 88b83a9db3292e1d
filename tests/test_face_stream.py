"""The face solver over time: smoothing keeps blinks, calibration changes the output as the
README documents, profiles round-trip through TOML, and calibration works on a video."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_path
from tests.face_synth import close_eye, golden_face, landmarks, open_jaw, widen_mouth
from vtdriver.solvers.face import FaceSettings, FaceSolver
from vtdriver.solvers.face_profile import (
    CalibrationError,
    FaceCalibrator,
    ProfileError,
    calibrate_from_landmarks,
    load_profile,
    save_profile,
)

FPS = 30.0


def _stream(faces):
    return [landmarks(face, t=k / FPS) for k, face in enumerate(faces)]


def test_four_frame_blink_survives_default_smoothing():
    face = golden_face()
    shut = close_eye(close_eye(face, "left", 1.0), "right", 1.0)
    frames = _stream([face] * 20 + [shut] * 4 + [face] * 10)
    solver = FaceSolver(FaceSettings())
    results = [solver.solve(lm).blendshapes for lm in frames]
    for name in ("eyeBlinkLeft", "eyeBlinkRight", "blink"):
        peak = max(r[name] for r in results[20:26])
        assert peak >= 0.8, (name, peak)
        assert max(r[name] for r in results[:20]) < 0.3
    # ...and the eyes open again afterwards.
    assert results[-1]["blink"] < 0.3


def test_mouth_is_smoothed_more_than_eyes():
    face = golden_face()
    jaw = open_jaw(face, 0.2)
    solver = FaceSolver(FaceSettings(auto_calibration="off"))
    results = [solver.solve(lm).blendshapes for lm in _stream([face, jaw] * 10)]
    steady = results[10:]
    jaw_swing = np.ptp([r["jawOpen"] for r in steady])
    unsmoothed = FaceSolver(FaceSettings(auto_calibration="off", smoothing_window={}))
    raw_swing = np.ptp([unsmoothed.solve(lm).blendshapes["jawOpen"] for lm in _stream([face, jaw] * 3)])
    assert jaw_swing < 0.5 * raw_swing


def test_auto_calibration_learns_a_new_face_neutral():
    # A face whose resting mouth is wide (here: the smiling golden face held still) reads as
    # smiling at first, and as neutral once the running median has settled.
    face = golden_face()
    solver = FaceSolver(FaceSettings(smoothing_window={}))
    frames = _stream([face] * 600)
    first = solver.solve(frames[0]).blendshapes["mouthSmileLeft"]
    for lm in frames[1:]:
        last = solver.solve(lm).blendshapes
    assert first > 0.6
    assert last["mouthSmileLeft"] < 0.15
    # An expression beyond the learnt neutral still reads.
    wider = solver.solve(landmarks(widen_mouth(face, 0.1, lift=0.04), t=len(frames) / FPS)).blendshapes
    assert wider["mouthSmileLeft"] > 0.5


def test_auto_calibration_off_keeps_priors():
    face = golden_face()
    solver = FaceSolver(FaceSettings(auto_calibration="off", smoothing_window={}))
    values = [solver.solve(lm).blendshapes["mouthSmileLeft"] for lm in _stream([face] * 200)]
    assert values[0] == pytest.approx(values[-1])


def _profile_from(face, *, mouth_open=None, eyes_closed=None):
    phases = {"neutral": _stream([face] * 10)}
    if mouth_open is not None:
        phases["mouth_open"] = _stream([mouth_open] * 10)
    if eyes_closed is not None:
        phases["eyes_closed"] = _stream([eyes_closed] * 10)
    return calibrate_from_landmarks(phases)


def test_profile_neutral_zeroes_the_calibrated_face_and_keeps_expressions():
    face = golden_face()
    profile = _profile_from(face)
    with_profile = FaceSolver(FaceSettings(smoothing_window={}), profile)
    without = FaceSolver(FaceSettings(auto_calibration="off", smoothing_window={}))
    calibrated = with_profile.solve(landmarks(face)).blendshapes
    assert without.solve(landmarks(face)).blendshapes["mouthSmileLeft"] > 0.6
    for name in ("mouthSmileLeft", "mouthSmileRight", "jawOpen", "browDownLeft", "eyeSquintLeft", "eyeBlinkLeft"):
        assert calibrated[name] < 0.05, name
    opened = with_profile.solve(landmarks(open_jaw(face, 0.2), t=0.1)).blendshapes
    assert opened["jawOpen"] > 0.3


def test_profile_mouth_open_phase_sets_full_jaw_travel():
    face = golden_face()
    wide = open_jaw(face, 0.15)
    plain = FaceSolver(FaceSettings(smoothing_window={}), _profile_from(face))
    measured = FaceSolver(FaceSettings(smoothing_window={}), _profile_from(face, mouth_open=wide))
    assert plain.solve(landmarks(wide)).blendshapes["jawOpen"] < 0.4
    assert measured.solve(landmarks(wide)).blendshapes["jawOpen"] > 0.95


def test_profile_eyes_closed_phase_sets_the_shut_lid():
    face = golden_face()
    shut = close_eye(close_eye(face, "left", 0.7), "right", 0.7)  # this person's lids stop early
    half = close_eye(close_eye(face, "left", 0.6), "right", 0.6)
    plain = FaceSolver(FaceSettings(smoothing_window={}), _profile_from(face))
    measured = FaceSolver(FaceSettings(smoothing_window={}), _profile_from(face, eyes_closed=shut))
    assert measured.solve(landmarks(shut)).blendshapes["eyeBlinkLeft"] > 0.95
    assert plain.solve(landmarks(shut)).blendshapes["eyeBlinkLeft"] < 0.8
    assert measured.solve(landmarks(half)).blendshapes["eyeBlinkLeft"] > plain.solve(landmarks(half)).blendshapes["eyeBlinkLeft"]


def test_profile_round_trips_through_toml(tmp_path):
    face = golden_face()
    profile = _profile_from(face, mouth_open=open_jaw(face, 0.2), eyes_closed=close_eye(close_eye(face, "left", 1), "right", 1))
    path = tmp_path / "me" / "face_profile.toml"
    save_profile(profile, path)
    assert load_profile(path) == profile
    text = path.read_text()
    assert "[neutral]" in text and "jaw_range" in text


@pytest.mark.parametrize(
    "content,key",
    [
        ("version = 1\n[neutral]\nnot_a_feature = 1.0\n", "neutral.not_a_feature"),
        ('version = 1\n[neutral]\njaw_drop = "wide"\n', "neutral.jaw_drop"),
        ("version = 2\n[neutral]\n", "version"),
        ("version = 1\n", "neutral"),
        ("version = 1\nsurprise = 3\n[neutral]\n", "surprise"),
    ],
)
def test_bad_profiles_name_the_key(tmp_path, content, key):
    path = tmp_path / "p.toml"
    path.write_text(content)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.key == key and str(path) in str(info.value)


def test_missing_profile_and_faceless_calibration_are_clear_errors(tmp_path):
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "absent.toml")
    with pytest.raises(CalibrationError, match="neutral"):
        calibrate_from_landmarks({"neutral": [landmarks(None)] * 20})
    with pytest.raises(ValueError, match="phase"):
        FaceCalibrator().add("smile", landmarks(golden_face()))


def test_calibrate_on_a_video_source(tmp_path):
    """The `vtdriver calibrate` path: a video source -> Holistic -> profile -> TOML -> a solver
    that reads that person's resting face as neutral."""
    from vtdriver.sources.base import SourceSettings
    from vtdriver.sources.video import VideoSource
    from vtdriver.tracker import HolisticTracker, TrackerSettings

    video = VideoSource(shared_path("video/webcam_thumbs_up.mp4"), SourceSettings(realtime=False))
    frames = []
    with HolisticTracker(TrackerSettings()) as tracker:
        for captured in video:
            frames.append(tracker.process(captured))
            if len(frames) == 15:
                break
    video.close()
    profile = calibrate_from_landmarks({"neutral": frames})
    path = tmp_path / "profile.toml"
    save_profile(profile, path)
    loaded = load_profile(path)

    def expression_energy(solver):
        values = [solver.solve(lm).blendshapes for lm in frames]
        names = ("mouthSmileLeft", "mouthSmileRight", "jawOpen", "browDownLeft", "browDownRight",
                 "eyeSquintLeft", "eyeSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "browInnerUp")
        return float(np.mean([[v[n] for n in names] for v in values]))

    calibrated = expression_energy(FaceSolver(FaceSettings(smoothing_window={}), loaded))
    uncalibrated = expression_energy(FaceSolver(FaceSettings(auto_calibration="off", smoothing_window={})))
    assert calibrated < 0.05
    assert calibrated <= uncalibrated


def test_weights_are_plain_floats_in_unit_range_through_smoothing_overshoot():
    # A blink that shuts in one frame makes the eyes' 3-frame linear fit run past 1 (and past 0
    # when they open again): the solver bounds what it hands on, as plain floats with no -0.0,
    # so the next stage need not clip them again.
    face = golden_face()
    shut = close_eye(close_eye(open_jaw(face, 0.3), "left", 1.0), "right", 1.0)
    solver = FaceSolver(FaceSettings(smoothing_window={"eyes": 3, "mouth": 3}))
    results = [solver.solve(lm).blendshapes for lm in _stream([face] * 6 + [shut] * 3 + [face] * 6)]
    raw = FaceSolver(FaceSettings(smoothing_window={"eyes": 1, "mouth": 1})).solve(landmarks(shut)).blendshapes
    assert raw["eyeBlinkLeft"] == 1.0  # the shut frames' weight: a step from ~0 to 1
    assert max(r["eyeBlinkLeft"] for r in results) == 1.0  # overshoot clipped, not passed on
    for blendshapes in results:
        for name, value in blendshapes.items():
            assert type(value) is float and 0.0 <= value <= 1.0, (name, value)
            assert np.copysign(1.0, value) == 1.0, name  # 0.0, never -0.0
