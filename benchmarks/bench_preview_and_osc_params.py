"""Cost of the optional preview renderer and of the VRChat parameter mapping per frame.

Preview: render_preview on a real 1280x720 webcam frame (../shared/data/video/
webcam_thumbs_up.mp4, frame 110) with its MediaPipe Holistic landmarks. OSC parameters:
OscParameterMapping.frame_messages for mappings/vrchat.toml on a frame with all 52 ARKit
weights set, plus gesture_messages.

    python benchmarks/bench_preview_and_osc_params.py
"""
from __future__ import annotations

import timeit
from pathlib import Path

import cv2
import numpy as np

from vtdriver.config.sections import OutputSettings
from vtdriver.frame import AvatarFrame, CapturedFrame
from vtdriver.outputs.osc_params import OscParameterMapping
from vtdriver.preview.draw import render_preview
from vtdriver.solvers.face_blendshapes import ARKIT_NAMES
from vtdriver.tracker import HolisticTracker, TrackerSettings

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "video" / "webcam_thumbs_up.mp4"


def best_ms(func, repeat: int = 5, number: int = 50) -> float:
    return min(timeit.repeat(func, repeat=repeat, number=number)) / number * 1000.0


def main() -> None:
    rng = np.random.default_rng(0)
    weights = {name: float(rng.random()) for name in ARKIT_NAMES}
    frame = AvatarFrame(t=0.0, blendshapes=weights, gestures={"left": None, "right": "thumbs_up"})
    mapping = OscParameterMapping.load(ROOT / "mappings" / "vrchat.toml")
    settings = OutputSettings(kind="osc")
    print(f"vrchat.toml frame_messages ({len(mapping.parameters)} params): "
          f"{best_ms(lambda: mapping.frame_messages(frame, settings)) * 1000:.1f} us")
    print(f"vrchat.toml gesture_messages: {best_ms(lambda: mapping.gesture_messages(frame)) * 1000:.1f} us")

    capture = cv2.VideoCapture(str(VIDEO))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 110)
    ok, image = capture.read()
    capture.release()
    if not ok:
        raise SystemExit(f"cannot read {VIDEO}")
    with HolisticTracker(TrackerSettings(static_image_mode=True)) as tracker:
        landmarks = tracker.process(CapturedFrame(image=image, t=0.0, index=0))
    info = {"fps": 29.9, "latency_ms": 40.0}
    print(f"render_preview 1280x720 ({', '.join(landmarks.tracked_parts())}): "
          f"{best_ms(lambda: render_preview(image, landmarks, frame, info), number=20):.2f} ms")


if __name__ == "__main__":
    main()
