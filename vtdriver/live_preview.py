"""``--preview``: the window a streamer watches while setting up, and its keys.

q quits, m toggles mirror mode, c calibrates the face: it collects a few seconds of your
relaxed face and applies the profile at once (nothing is written to disk; use
``vtdriver calibrate --out FILE`` to keep a profile)."""
from __future__ import annotations

import sys
from typing import Callable

import numpy as np

from vtdriver.frame import CapturedFrame, Landmarks

CALIBRATION_SECONDS = 3.0


class LiveCalibration:
    """Collects the neutral phase from the running stream, then hands back a profile."""

    def __init__(self, start_t: float, seconds: float = CALIBRATION_SECONDS):
        from vtdriver.solvers.face_profile import FaceCalibrator  # noqa: PLC0415

        self._calibrator = FaceCalibrator()
        self._end_t = start_t + seconds

    def add(self, lm: Landmarks):
        """Feeds one frame; returns the profile once the time is up (raises CalibrationError
        when no face was seen)."""
        self._calibrator.add("neutral", lm)
        return self._calibrator.profile() if lm.t >= self._end_t else None


class LivePreview:
    def __init__(self, pipeline, stop, window, log: Callable[[str], None] = lambda line: print(line, file=sys.stderr)):
        self._pipeline = pipeline
        self._stop = stop
        self._window = window
        self._log = log
        self._calibration: LiveCalibration | None = None
        self._last_t: float | None = None
        self._fps = 0.0

    def __call__(self, item, lm: Landmarks, result, latency_ms: float) -> None:
        from vtdriver.errors import UserError  # noqa: PLC0415
        from vtdriver.preview.draw import render_preview  # noqa: PLC0415

        if self._last_t is not None and lm.t > self._last_t:
            self._fps = 0.9 * self._fps + 0.1 / (lm.t - self._last_t)
        self._last_t = lm.t
        if self._calibration is not None:
            try:
                profile = self._calibration.add(lm)
            except UserError as exc:
                self._log(f"vtdriver: calibration failed: {exc.one_line()}")
                self._calibration = None
            else:
                if profile is not None:
                    self._pipeline.set_face_profile(profile)
                    self._calibration = None
                    self._log("vtdriver: face calibrated for this run (vtdriver calibrate --out FILE keeps a profile)")
        if isinstance(item, CapturedFrame):
            image = item.image
        else:
            width, height = lm.image_size if all(lm.image_size) else (1280, 720)
            image = np.zeros((height, width, 3), np.uint8)
        info = {
            "fps": self._fps,
            "latency_ms": latency_ms,
            "mirror": self._pipeline.mirror,
            "calibrating": self._calibration is not None,
        }
        action = self._window.show(render_preview(image, lm, result.frame, info))
        if action == "quit":
            self._stop.set()
        elif action == "toggle_mirror":
            self._pipeline.set_mirror(not self._pipeline.mirror)
        elif action == "calibrate" and self._calibration is None:
            self._log("vtdriver: calibrating: relax your face and look at the camera")
            self._calibration = LiveCalibration(lm.t)
