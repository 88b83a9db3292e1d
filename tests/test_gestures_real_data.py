"""Gesture recognition on real photos and video through MediaPipe (Holistic, and
``mediapipe.solutions.hands`` where Holistic finds no hand). Inference runs once per test
session (module-scoped fixtures); nothing is cached into the repository.

Run with ``-s`` to see the per-class accuracy, false-trigger and video-event report."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, SHARED_DATA, shared_path
from vtdriver.frame import Landmarks
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.gestures.stage import HandsStage
from vtdriver.smoothing import LandmarkSmoother, SmoothingSettings

mp = pytest.importorskip("mediapipe")
cv2 = pytest.importorskip("cv2")

GESTURES = REPO_ROOT / "mappings" / "gestures.toml"
RELAXED = ("images/pose.jpg", "images/three_people.jpg")
ACCURACY_TARGET = 0.9


def _array(landmark_list, with_visibility=False):
    if landmark_list is None:
        return None
    rows = [[p.x, p.y, p.z] + ([p.visibility] if with_visibility else []) for p in landmark_list.landmark]
    return np.array(rows, dtype=float)


def _labelled_photos() -> dict[str, str]:
    """photo (relative to ../shared/data) -> expected gesture, from gestures/LABELS.md and the
    thumbs-up close-ups."""
    labels = {}
    text = shared_path("gestures/LABELS.md").read_text()
    for folder in ("call", "four", "rock"):
        for path in sorted((SHARED_DATA / "gestures" / folder).glob("*.jpg")):
            labels[f"gestures/{folder}/{path.name}"] = folder
    for name, gesture in re.findall(r"\|\s*none/(\S+)\s*\|\s*(\w+)\s*\|", text):
        labels[f"gestures/none/{name}"] = gesture
    for path in sorted((SHARED_DATA / "images").glob("*thumb*")):
        labels[f"images/{path.name}"] = "thumbs_up"
    return labels


def _detect(image_bgr, holistic, hands):
    """Landmarks of a photo: Holistic's, or when it finds no hand, each hand from the Hands
    solution as a separate candidate (sides are irrelevant to what a hand shape is)."""
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    size = (image_bgr.shape[1], image_bgr.shape[0])
    result = holistic.process(rgb)
    base = Landmarks(t=0.0, image_size=size, pose=_array(result.pose_landmarks, True))
    found = replace(base, left_hand=_array(result.left_hand_landmarks), right_hand=_array(result.right_hand_landmarks))
    if found.left_hand is not None or found.right_hand is not None:
        return "holistic", [found]
    extra = hands.process(rgb).multi_hand_landmarks or []
    return "hands", [Landmarks(t=0.0, image_size=size, right_hand=_array(h)) for h in extra]


def _observed(landmarks: Landmarks) -> list[tuple[str | None, bool]]:
    """Each tracked hand's gesture guess, and whether the stage would let that frame start a
    gesture (the hand is seen clearly, not edge-on)."""
    stage = HandsStage(HandsSettings(), load_gesture_set(GESTURES))
    result = stage.process(landmarks)
    return [(result.observed[s], result.can_enter[s]) for s in ("left", "right") if result.tracked[s]]


@pytest.fixture(scope="module")
def photo_results():
    labels = _labelled_photos()
    with mp.solutions.holistic.Holistic(static_image_mode=True, model_complexity=1) as holistic, \
            mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
        out = {}
        for photo in list(labels) + list(RELAXED):
            image = cv2.imread(str(shared_path(photo)))
            source, candidates = _detect(image, holistic, hands)
            if photo in RELAXED and source != "holistic":
                candidates = []  # the relaxed-hand check is about what Holistic sees
            out[photo] = (source, [g for lm in candidates for g in _observed(lm)])
    return labels, out


def test_photo_accuracy_per_class(photo_results):
    labels, results = photo_results
    per_class: dict[str, list[int]] = {}
    lines = []
    for photo, expected in labels.items():
        source, guesses = results[photo]
        # A hit must also be able to start the gesture: the edge-on gate must not reject it.
        hit = (expected, True) in guesses
        detected = bool(guesses)
        counts = per_class.setdefault(expected, [0, 0, 0])  # correct, detected, total
        counts[0] += hit
        counts[1] += detected
        counts[2] += 1
        lines.append(f"  {photo}: {source} -> {guesses} (want {expected}; True: clear view)")
    print("\nphoto gestures:\n" + "\n".join(lines))
    for gesture, (correct, detected, total) in sorted(per_class.items()):
        print(f"  {gesture}: {correct}/{total} correct ({correct}/{detected} of photos with a hand found)")
    overall_detected = sum(c[1] for c in per_class.values())
    overall_correct = sum(c[0] for c in per_class.values())
    print(f"  overall: {overall_correct}/{sum(c[2] for c in per_class.values())}, "
          f"{overall_correct}/{overall_detected} where a hand was found")
    for gesture, (correct, detected, _) in per_class.items():
        assert detected and correct / detected >= ACCURACY_TARGET, gesture


def test_relaxed_hands_trigger_nothing(photo_results):
    _, results = photo_results
    triggered = {photo: [g for g, _ in results[photo][1] if g is not None] for photo in RELAXED}
    hands_seen = {photo: len(results[photo][1]) for photo in RELAXED}
    print(f"\nrelaxed hands seen by Holistic: {hands_seen}; gestures triggered: {triggered}")
    assert not any(triggered.values())


@pytest.fixture(scope="module")
def video_events():
    """webcam_thumbs_up.mp4 through Holistic (tracking mode), the handedness check, hand
    smoothing and the hands stage, as the pipeline runs them; then one second with no hands,
    standing in for the hand going down out of view (the clip ends with the thumb still up)."""
    capture = cv2.VideoCapture(str(shared_path("video/webcam_thumbs_up.mp4")))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    stage = HandsStage(HandsSettings(), load_gesture_set(GESTURES), None, GestureSettings())
    smoothers = {side: LandmarkSmoother(SmoothingSettings()) for side in ("left", "right")}
    events, index, size = [], 0, (0, 0)
    with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            size = (image.shape[1], image.shape[0])
            result = holistic.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            lm = Landmarks(t=index / fps, image_size=size, pose=_array(result.pose_landmarks, True),
                           left_hand=_array(result.left_hand_landmarks), right_hand=_array(result.right_hand_landmarks))
            events += _stage_step(stage, smoothers, lm)
            index += 1
    capture.release()
    for k in range(int(fps)):
        events += _stage_step(stage, smoothers, Landmarks(t=(index + k) / fps, image_size=size))
    print(f"\nwebcam_thumbs_up events: {[(round(e.t, 2), e.hand, e.gesture, e.kind) for e in events]}")
    return events


def _stage_step(stage, smoothers, lm):
    lm = stage.correct_handedness(lm)
    lm = replace(lm, **{f"{s}_hand": smoothers[s].smooth(lm.part(f"{s}_hand"), lm.t) for s in smoothers})
    return stage.process(lm).events


def test_webcam_thumbs_up_single_enter_and_exit(video_events):
    """The acceptance: one thumbs_up enter for the raised hand and its exit, nothing else. The
    clip is hard in three places: the hand is raised as a fist (frames 27-53, moving at 3-4.5
    palm lengths/s: the stillness gate), the thumbs up is pushed towards the camera while its
    shape settles (54-64, 4-9 palm lengths/s), and with the knuckles to the camera Holistic
    often puts the thumb on the index chain (65-104, 171-194: fist / pointing_up guesses on a
    palm seen within ~17 deg of edge-on, which neither starts a gesture nor contradicts the held
    thumbs up)."""
    assert [(e.gesture, e.kind) for e in video_events] == [("thumbs_up", "enter"), ("thumbs_up", "exit")]


def test_webcam_thumbs_up_is_recognised_and_sides_stay_put(video_events):
    """What does hold on the clip: one raised hand, the subject's right, never reported as the
    left (the handedness check removes Holistic's duplicate hand); thumbs_up enters; every
    enter is matched by an exit once the hand is gone."""
    assert {e.hand for e in video_events} == {"right"}
    assert ("thumbs_up", "enter") in [(e.gesture, e.kind) for e in video_events]
    enters = [e for e in video_events if e.kind == "enter"]
    exits = [e for e in video_events if e.kind == "exit"]
    assert len(enters) == len(exits) and video_events[-1].kind == "exit"
