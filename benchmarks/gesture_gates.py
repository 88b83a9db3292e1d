"""What each gesture-reliability gate buys: gesture events on real streams with the stillness
gate, the edge-on view gate and their thresholds switched or moved one at a time.

- ../shared/data/video/webcam_thumbs_up.mp4 through Holistic (one pass, tracking mode), the
  handedness check, hand smoothing and the hands stage, as the pipeline runs them, then one
  second with no hand (the clip ends with the thumb still up). Acceptance: exactly one
  thumbs_up enter and its exit.
- ../shared/data/golden/asl_hand.full.json (325 frames of one hand fingerspelling, no
  smoothing, as tests/test_gestures_events.py feeds it): events per second.
- the demo performer's routine (synthetic landmarks, exact depth).

    python benchmarks/gesture_gates.py
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np

from vtdriver.frame import Landmarks
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.gestures.stage import HandsStage
from vtdriver.smoothing import LandmarkSmoother, SmoothingSettings
from vtdriver.sources.demo import DemoScene
from vtdriver.sources.demo_motion import ROUTINE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
GESTURES = load_gesture_set(ROOT / "mappings" / "gestures.toml")
VARIANTS = {
    "no gates, any mismatch exits (~ before)": {"still_below_speed": 0, "edge_on_below": 0, "ambiguous_exit_ms": 0},
    "no gates, gesture-aware exit": {"still_below_speed": 0, "edge_on_below": 0},
    "stillness only": {"edge_on_below": 0},
    "edge-on view only": {"still_below_speed": 0},
    "defaults": {},
    "edge_on_below=0.15": {"edge_on_below": 0.15},
    "edge_on_below=0.55": {"edge_on_below": 0.55},
    "edge_on_below=0.6": {"edge_on_below": 0.6},
    "still_below_speed=1.0": {"still_below_speed": 1.0},
    "still_below_speed=3.0": {"still_below_speed": 3.0},
    "still_below_speed=5.0": {"still_below_speed": 5.0},
}


def _array(landmark_list, with_visibility=False):
    if landmark_list is None:
        return None
    rows = [[p.x, p.y, p.z] + ([p.visibility] if with_visibility else []) for p in landmark_list.landmark]
    return np.array(rows, dtype=float)


def webcam_landmarks() -> list[Landmarks]:
    capture = cv2.VideoCapture(str(DATA / "video" / "webcam_thumbs_up.mp4"))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames, size = [], (0, 0)
    with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            size = (image.shape[1], image.shape[0])
            result = holistic.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            frames.append(Landmarks(t=len(frames) / fps, image_size=size, pose=_array(result.pose_landmarks, True),
                                    left_hand=_array(result.left_hand_landmarks),
                                    right_hand=_array(result.right_hand_landmarks)))
    capture.release()
    n = len(frames)
    return frames + [Landmarks(t=(n + k) / fps, image_size=size) for k in range(int(fps))]


def webcam_events(frames: list[Landmarks], settings: GestureSettings) -> list[tuple]:
    stage = HandsStage(HandsSettings(), GESTURES, None, settings)
    smoothers = {side: LandmarkSmoother(SmoothingSettings()) for side in ("left", "right")}
    events = []
    for lm in frames:
        lm = stage.correct_handedness(lm)
        lm = replace(lm, **{f"{s}_hand": smoothers[s].smooth(lm.part(f"{s}_hand"), lm.t) for s in smoothers})
        events += [(round(e.t, 2), e.gesture, e.kind) for e in stage.process(lm).events]
    return events


def asl_rate(settings: GestureSettings) -> tuple[float, int]:
    frames = json.loads((DATA / "golden" / "asl_hand.full.json").read_text())
    width, height, fps = 620, 1080, 25.0
    stage = HandsStage(HandsSettings(), GESTURES, None, settings)
    count = 0
    for i, frame in enumerate(frames):
        normalised = np.asarray(frame, dtype=float) / np.array([width, height, width])
        count += len(stage.process(Landmarks(t=i / fps, image_size=(width, height), right_hand=normalised)).events)
    return count / (len(frames) / fps), count


def demo_events(settings: GestureSettings, fps: float = 30.0) -> list[tuple]:
    scene = DemoScene(seed=3)
    stage = HandsStage(HandsSettings(), GESTURES, None, settings)
    end = max(segment.start for segment in ROUTINE) + 3.0
    events = []
    for i in range(int(end * fps)):
        events += [(round(e.t, 1), e.hand, e.gesture, e.kind) for e in stage.process(scene.landmarks(i / fps)).events]
    return events


def main() -> None:
    frames = webcam_landmarks()
    for name, overrides in VARIANTS.items():
        settings = GestureSettings(**overrides)
        events = webcam_events(frames, settings)
        verdict = "PASS" if [(g, k) for _, g, k in events] == [("thumbs_up", "enter"), ("thumbs_up", "exit")] else "fail"
        rate, count = asl_rate(settings)
        print(f"{name}:\n  webcam {len(events)} events [{verdict}] {events}\n  asl_hand {count} events = {rate:.2f}/s")
        print(f"  demo {demo_events(settings)}")


if __name__ == "__main__":
    main()
