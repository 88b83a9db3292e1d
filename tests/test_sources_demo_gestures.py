"""The demo performer's routine, run through the whole pipeline with the shipped config and
gesture file, gives exactly the gestures it acts out, on time: a change to the demo's
choreography or to the recogniser (patterns, thresholds, gates) that breaks the demo fails here.

No MediaPipe: the demo produces landmarks directly. One 24 s loop at 30 fps.
"""
import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from vtdriver import coords
from vtdriver.config.loader import load_config
from vtdriver.gestures.features import hand_features
from vtdriver.pipeline import AvatarPipeline
from vtdriver.sources.demo import DemoScene
from vtdriver.sources.demo_motion import BLEND_S, LOOP_S, ROUTINE, DemoPerformer
from vtdriver.timing import StageTimer

FPS = 30.0
# The segment whose left hand shows each gesture has the gesture's name.
EXPECTED = [
    ("left", "thumbs_up", "enter"), ("left", "thumbs_up", "exit"),
    ("left", "victory", "enter"), ("left", "victory", "exit"),
    ("left", "open_palm", "enter"), ("left", "open_palm", "exit"),
]
# A streamer's sign registers within about half a second of being shown, and ends about when
# it is put away (the arm starts back, or the next sign takes its place).
ON_TIME_S = 0.5


def _segment(name):
    index = next(i for i, s in enumerate(ROUTINE) if s.name == name)
    end = ROUTINE[index + 1].start if index + 1 < len(ROUTINE) else LOOP_S
    return ROUTINE[index].start, end


@pytest.fixture(scope="module")
def loop():
    """(events as (t, hand, gesture, kind), observed gestures per frame, frame times)."""
    config = load_config(REPO_ROOT / "config.toml")
    pipeline = AvatarPipeline(config)
    pipeline.set_mirror(False)  # window mode: the performer's left hand is "left"
    scene, timer = DemoScene(seed=0), StageTimer()
    events, observed, times = [], [], []
    for i in range(int(LOOP_S * FPS)):
        t = i / FPS
        out = pipeline.process(scene.landmarks(t), timer)
        events += [(e.t, e.hand, e.gesture, e.kind) for e in out.frame.events]
        observed.append(dict(out.observed_gestures))
        times.append(t)
    return events, observed, np.array(times)


def test_one_loop_gives_exactly_the_acted_gestures(loop):
    events, _, _ = loop
    assert [event[1:] for event in events] == EXPECTED, events


def test_each_gesture_enters_and_exits_with_its_segment(loop):
    events, _, _ = loop
    for t, hand, gesture, kind in events:
        start, end = _segment(gesture)
        if kind == "enter":
            # Not before the sign is in place, and no later than a viewer would notice.
            assert start <= t <= start + ON_TIME_S, (gesture, kind, t)
        else:
            assert abs(t - end) <= ON_TIME_S, (gesture, kind, t)


def test_relaxed_and_waving_hands_never_read_as_a_gesture(loop):
    _, observed, times = loop
    for side in ("left", "right"):
        for t, guesses in zip(times, observed):
            current, _, since = DemoPerformer.arm_at(side, t)
            if getattr(current, f"{side}_hand") == "relaxed" and since >= BLEND_S:
                # Not even a single frame's raw guess: the fingers are half bent, neither out nor folded.
                assert guesses.get(side) is None, (side, t, guesses)


def test_thumbs_up_is_shown_at_an_angle_not_edge_on():
    config = load_config(REPO_ROOT / "config.toml")
    start, end = _segment("thumbs_up")
    scene = DemoScene(seed=0)
    for t in np.linspace(start, end - BLEND_S, 7):
        landmarks = scene.landmarks(float(t))
        features = hand_features(coords.image_to_unity(landmarks.left_hand, landmarks.image_size))
        # Turned partly towards the camera: clearly past the edge-on gate, not square on.
        assert config.gestures.edge_on_below + 0.2 < features.palm_facing < 0.9, (t, features.palm_facing)
