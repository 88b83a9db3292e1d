"""Gestures that mean it: a gesture enters only while the hand is still and seen clearly, a held
gesture ends only on a clear contradiction (or when nothing has matched it for a while, or the
hand is lost). Built from the golden MediaPipe hands, moved and turned in Unity axes."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, shared_path
from tests.golden_io import read_landmarks
from vtdriver import coords, quat
from vtdriver.frame import Landmarks
from vtdriver.gestures.events import GestureDebouncer
from vtdriver.gestures.features import HandFeatures, hand_features
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.gestures.motion import HandMotion, palm_length
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.gestures.stage import HandsStage

SIZE = (480, 480)  # square: the golden files' image aspect is not recorded
FPS = 25.0
SETTINGS = GestureSettings()  # the shipped defaults: 150 ms enter, 120 ms exit, 1.5 s unmatched


def _golden(name: str) -> np.ndarray:
    return coords.image_to_unity(read_landmarks(shared_path(f"golden/{name}_landmarks.pbtxt"))[:21], SIZE)


def _posed(unity: np.ndarray, shift_palms=(0.0, 0.0), yaw_deg: float = 0.0) -> np.ndarray:
    """The hand turned about the vertical axis through its wrist and shifted in the image plane
    by a number of palm lengths; returned as normalised image landmarks."""
    wrist = unity[0]
    turned = quat.rotate(quat.from_axis_angle([0.0, 1.0, 0.0], np.radians(yaw_deg)), unity - wrist) + wrist
    shift = np.array([shift_palms[0], shift_palms[1], 0.0]) * palm_length(unity)
    return coords.unity_to_image(turned + shift, SIZE)


@pytest.fixture(scope="module")
def shipped():
    return load_gesture_set(REPO_ROOT / "mappings" / "gestures.toml")


def _run(stage, frames, start_frame=0):
    """Feed right-hand frames (None: no hand) at 25 fps; returns [(kind, gesture, frame)] and the
    per-frame observations."""
    events, observed = [], []
    for i, points in enumerate(frames, start=start_frame):
        result = stage.process(Landmarks(t=i / FPS, image_size=SIZE, right_hand=points))
        events += [(e.kind, e.gesture, i) for e in result.events if e.hand == "right"]
        observed.append(result.observed.get("right"))
    return events, observed


# --- measuring -------------------------------------------------------------------------------


@pytest.mark.parametrize("fps,scale", [(25.0, 1.0), (60.0, 0.3)])
def test_speed_is_in_palm_lengths_per_second_at_true_times(fps, scale):
    hand = _golden("fist") * scale
    motion = HandMotion(window_s=0.1)
    speeds = []
    for i in range(20):
        shifted = hand + np.array([2.0, -1.0, 0.0]) / np.sqrt(5) * palm_length(hand) * i / fps
        speeds.append(motion.update(shifted, i / fps))
    assert speeds[0] is None  # nothing to compare with yet
    assert np.allclose(speeds[1:], 1.0, rtol=1e-6)  # one palm length per second, any fps or size
    motion.reset()
    assert motion.update(hand, 1.0) is None


def test_speed_averages_over_the_window():
    """Frame-to-frame jitter of a still hand reads smaller over a 100 ms window than frame to
    frame, so jitter does not pass for motion."""
    hand = _golden("fist")
    rng = np.random.default_rng(0)
    jitter = rng.normal(0.0, 0.03 * palm_length(hand), size=(50, 1, 3)) * np.array([1.0, 1.0, 0.0])
    readings = {}
    for window in (0.0, 0.1):
        motion = HandMotion(window_s=window)
        values = [motion.update(hand + jitter[i], i / FPS) for i in range(50)]
        readings[window] = np.median([v for v in values if v is not None])
    assert readings[0.1] < 0.7 * readings[0.0]


def test_palm_facing_sees_an_edge_on_palm():
    thumb_up = _golden("thumb_up")
    assert hand_features(thumb_up).palm_facing > 0.9
    for roll in (30, 120, 200):  # turning in the image plane changes nothing
        rolled = quat.rotate(quat.from_axis_angle([0.0, 0.0, 1.0], np.radians(roll)), thumb_up)
        assert hand_features(rolled).palm_facing == pytest.approx(hand_features(thumb_up).palm_facing)
    edge_on = coords.image_to_unity(_posed(thumb_up, yaw_deg=90), SIZE)
    assert hand_features(edge_on).palm_facing < 0.15


# --- entering --------------------------------------------------------------------------------


def test_a_moving_fist_does_not_enter_until_it_stops(shipped):
    fist = _golden("fist")
    stage = HandsStage(HandsSettings(), shipped, None, SETTINGS)
    raising = [_posed(fist, shift_palms=(0.0, 3.0 * i / FPS)) for i in range(25)]  # 3 palm lengths/s
    still = [raising[-1]] * 10
    events, observed = _run(stage, raising + still)
    assert observed == ["fist"] * 35  # the shape was a fist all along
    # 150 ms after the hand stops (frame 25 is the first still frame, whose speed is measured
    # against the moving frames before it).
    assert events == [("enter", "fist", 29)] or events == [("enter", "fist", 30)]


def test_slow_drift_is_still_enough(shipped):
    fist = _golden("fist")
    stage = HandsStage(HandsSettings(), shipped, None, SETTINGS)
    drifting = [_posed(fist, shift_palms=(0.5 * i / FPS, 0.0)) for i in range(10)]  # 0.5 palm lengths/s
    events, _ = _run(stage, drifting)
    assert events == [("enter", "fist", 4)]


def test_an_edge_on_hand_does_not_enter(shipped):
    edge_on = _posed(_golden("thumb_up"), yaw_deg=90)
    stage = HandsStage(HandsSettings(), shipped, None, SETTINGS)
    events, observed = _run(stage, [edge_on] * 30)
    assert observed == ["thumbs_up"] * 30 and events == []
    turned_back = _posed(_golden("thumb_up"), yaw_deg=30)
    events, _ = _run(stage, [turned_back] * 10, start_frame=30)
    # Turning about the wrist moves the palm centre: frames 30-31 still see that jump inside the
    # 100 ms speed window, so the enter clock starts at frame 32 and runs 150 ms.
    assert events == [("enter", "thumbs_up", 36)]


# --- holding and exiting -----------------------------------------------------------------------


def _held_thumbs_up(shipped, settings=SETTINGS):
    stage = HandsStage(HandsSettings(), shipped, None, settings)
    events, _ = _run(stage, [_posed(_golden("thumb_up"))] * 10)
    assert events == [("enter", "thumbs_up", 4)]
    return stage


def test_edge_on_contradiction_does_not_end_a_held_gesture(shipped):
    """The webcam failure in miniature: a held thumbs up whose next frames read as pointing up
    on a palm seen edge-on (Holistic's thumb-on-index confusion) stays held and nothing else
    enters; the same pointing up seen clearly ends it after exit_ms and then enters."""
    stage = _held_thumbs_up(shipped)
    edge_on_point = _posed(_golden("pointing_up"), yaw_deg=90)
    events, observed = _run(stage, [edge_on_point] * 25, start_frame=10)  # 1 s
    assert set(observed) == {"pointing_up"} and events == []
    clear_point = _posed(_golden("pointing_up"))
    events, _ = _run(stage, [clear_point] * 10, start_frame=35)
    assert events == [("exit", "thumbs_up", 38), ("enter", "pointing_up", 39)]


def test_ambiguity_cannot_hold_a_gesture_forever(shipped):
    stage = _held_thumbs_up(shipped)
    edge_on_point = _posed(_golden("pointing_up"), yaw_deg=90)
    events, _ = _run(stage, [edge_on_point] * 60, start_frame=10)
    last_match = 9
    assert events == [("exit", "thumbs_up", last_match + int(np.ceil(SETTINGS.ambiguous_exit_ms / 1000 * FPS)))]


def test_lost_hand_still_exits_a_held_gesture(shipped):
    stage = _held_thumbs_up(shipped)
    events, _ = _run(stage, [None] * 10, start_frame=10)
    assert events == [("exit", "thumbs_up", 10 + int(SETTINGS.lost_hand_ms / 1000 * FPS))]


def _features(curl=(200, 200, 200, 200), thumb_out=0.8, thumb_dir=(0.0, 1.0, 0.0), thumb_index=1.0):
    directions = (tuple(quat.normalize(np.asarray(thumb_dir, dtype=float)).tolist()),) + ((0.0, 1.0, 0.0),) * 4
    tips = [[1.0] * 5 for _ in range(5)]
    tips[0][1] = tips[1][0] = thumb_index
    return HandFeatures(tuple(map(float, curl)), thumb_out, directions, tuple(map(tuple, tips)))


def test_only_definite_states_contradict(shipped):
    thumbs_up, ok = shipped.hand_pattern("thumbs_up"), shipped.hand_pattern("ok")
    held = ("extended", "curled", "curled", "curled", "curled")
    assert not thumbs_up.contradicts(held, _features(), SETTINGS)
    assert not thumbs_up.contradicts(("half",) + held[1:], _features(), SETTINGS)  # could be either
    assert thumbs_up.contradicts(("curled",) + held[1:], _features(), SETTINGS)
    assert thumbs_up.contradicts(("extended", "extended") + held[2:], _features(), SETTINGS)
    # Direction: 70 deg cone + 15 deg hysteresis.

    def tilt(deg):
        return np.sin(np.radians(deg)), np.cos(np.radians(deg)), 0.0

    assert not thumbs_up.matches(held, _features(thumb_dir=tilt(80)), SETTINGS)
    assert not thumbs_up.contradicts(held, _features(thumb_dir=tilt(80)), SETTINGS)
    assert thumbs_up.contradicts(held, _features(thumb_dir=tilt(100)), SETTINGS)
    # Touch: 0.35 palm lengths + 0.1 hysteresis.
    fingers_out = ("half", "half", "extended", "extended", "extended")
    assert not ok.contradicts(fingers_out, _features(thumb_index=0.4), SETTINGS)
    assert ok.contradicts(fingers_out, _features(thumb_index=0.5), SETTINGS)


def test_debouncer_pauses_its_exit_clock_on_ambiguous_frames():
    d = GestureDebouncer("right", GestureSettings(enter_ms=0, exit_ms=120, cooldown_ms=0))
    out = []
    frames = [("fist", None)] + [("victory", True)] * 2 + [("victory", False)] * 10 + [("victory", True)] * 5
    for i, (observed, clear) in enumerate(frames):
        contradicts = None if clear is None else (lambda clear=clear: clear)
        out += [(e.kind, e.gesture, i) for e in d.update(observed, i / FPS, True, True, contradicts)]
    # The clock starts at the first clear frame (1); the intervals ending on an ambiguous frame
    # (3-12) are paused, so 120 ms of contradiction is reached at frame 14, not at frame 4.
    assert out == [("enter", "fist", 0), ("exit", "fist", 14), ("enter", "victory", 14)]


def test_debouncer_asks_for_a_contradiction_only_on_frames_that_do_not_show_the_held_gesture():
    d = GestureDebouncer("right", GestureSettings(enter_ms=0, exit_ms=1000, cooldown_ms=0))
    asked = []
    frames = [("fist", True), ("fist", True), ("victory", True), ("fist", True), (None, False), (None, True)]
    for i, (observed, tracked) in enumerate(frames):
        d.update(observed, i / FPS, tracked, True, lambda i=i: asked.append(i) or False)
    # Frame 0 enters (nothing held before it), 1 and 3 show the held fist, 4 is untracked.
    assert asked == [2, 5]


def test_debouncer_restarts_the_enter_clock_when_a_frame_may_not_enter():
    d = GestureDebouncer("right", GestureSettings(enter_ms=120, cooldown_ms=0))
    allowed = [True] * 3 + [False] + [True] * 6
    out = [(e.kind, i) for i, ok in enumerate(allowed) for e in d.update("fist", i / FPS, True, ok)]
    assert out == [("enter", 7)]  # 120 ms after frame 4, not after frame 0
