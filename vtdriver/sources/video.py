"""Video files and repeated still images."""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import cv2
import numpy as np

from vtdriver.frame import CapturedFrame
from vtdriver.sources.base import SourceError, SourceItem, SourceSettings, SourceStats
from vtdriver.sources.timing import Pacer, call_with_timeout

# Used when a container does not declare its frame rate; the common webcam rate.
FALLBACK_FPS = 30.0

CaptureFactory = Callable[[str], Any]


def _declared_fps(value: float) -> float:
    return value if math.isfinite(value) and 0.0 < value < 1000.0 else FALLBACK_FPS


class VideoSource:
    """Decodes a video file. ``t`` is media time (frame position / fps), so a file always
    yields the same timestamps. Undecodable frames in the middle are skipped and counted in
    ``stats.bad_frames``; the file ends at its last frame or after
    ``max_bad_video_frames`` consecutive failures."""

    provides_landmarks = False

    def __init__(self, path: str | Path, settings: SourceSettings,
                 capture_factory: CaptureFactory = cv2.VideoCapture) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"video file not found: {self.path}")
        self._settings = settings
        self.realtime = settings.realtime
        self.description = f"video:{self.path.name}"
        self.stats = SourceStats()
        self._capture = call_with_timeout(
            lambda: self._open(capture_factory), settings.open_timeout_s, f"video {self.path}"
        )
        self.fps = _declared_fps(float(self._capture.get(cv2.CAP_PROP_FPS)))
        self._frame_count = float(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        height, width = self._first.shape[:2]
        self.image_size = (int(width), int(height))

    def _open(self, capture_factory: CaptureFactory) -> Any:
        capture = capture_factory(str(self.path))
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"cannot read video {self.path}: not a video OpenCV can decode")
        ok, first = capture.read()
        if not ok or first is None:
            capture.release()
            raise SourceError(f"cannot read video {self.path}: no decodable frame")
        self._first: np.ndarray = first
        return capture

    def _reached_end(self) -> bool:
        position = float(self._capture.get(cv2.CAP_PROP_POS_FRAMES))
        return self._frame_count > 0 and position >= self._frame_count

    def __iter__(self) -> Iterator[SourceItem]:
        pacer = Pacer(self.realtime)
        position = 0  # read attempts so far = frame position in the file
        pending_bad = 0
        image: np.ndarray | None = self._first
        while self._capture is not None:
            if image is None:
                ok, image = self._capture.read()
                if not ok or image is None:
                    image = None
                    position += 1
                    pending_bad += 1
                    if pending_bad >= self._settings.max_bad_video_frames or self._reached_end():
                        break
                    continue
            # Failures followed by a good frame were bad frames; trailing ones were the end.
            self.stats.bad_frames += pending_bad
            pending_bad = 0
            t = position / self.fps
            pacer.wait_until(t)
            frame = CapturedFrame(image=image, t=t, index=self.stats.frames,
                                  capture_ns=time.perf_counter_ns())
            self.stats.frames += 1
            position += 1
            image = None
            yield frame
        self.stats.status = "ended"

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
            self.stats.status = "ended"


class ImageSource:
    """One image file yielded over and over at ``image_fps``, for still-image debugging.
    The image is read as stored (alpha, 16-bit, grayscale kept) so the sanitiser sees what
    the file really holds. Endless: the run is bounded by --frames / --duration."""

    provides_landmarks = False

    def __init__(self, path: str | Path, settings: SourceSettings) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"image file not found: {self.path}")
        image = cv2.imread(str(self.path), cv2.IMREAD_UNCHANGED)
        if image is None or image.size == 0:
            raise SourceError(f"cannot read image {self.path}: not an image OpenCV can decode")
        self._image = image
        self.fps = settings.image_fps
        self.realtime = settings.realtime
        self.description = f"image:{self.path.name}"
        self.stats = SourceStats()
        self.image_size = (int(image.shape[1]), int(image.shape[0]))
        self._closed = False

    def __iter__(self) -> Iterator[SourceItem]:
        pacer = Pacer(self.realtime)
        while not self._closed:
            t = self.stats.frames / self.fps
            pacer.wait_until(t)
            frame = CapturedFrame(image=self._image, t=t, index=self.stats.frames,
                                  capture_ns=time.perf_counter_ns())
            self.stats.frames += 1
            yield frame
        self.stats.status = "ended"

    def close(self) -> None:
        self._closed = True
        self.stats.status = "ended"
