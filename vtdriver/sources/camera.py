"""A live camera read on its own thread, latest frame wins.

The capture thread grabs frames as fast as the camera delivers them and keeps only the
newest in a one-slot mailbox; a frame that is replaced before the consumer took it is counted
in ``stats.dropped``. So a slow tracker always works on the freshest frame and never on a
queue of stale ones, and capture never waits for the tracker.

Each frame is stamped right after the grab: ``t`` from time.monotonic() and ``capture_ns``
from time.perf_counter_ns(), for latency figures; ``grab_ns`` is how long the driver's read()
took.

Losing the camera (unplugged, taken by another program): after ``lost_after_failed_reads``
consecutive failed reads the capture is released and ``stats.status`` becomes
"reconnecting". The thread then tries to reopen it with exponential back-off: it waits
``reconnect_initial_backoff_s``, doubling after each failed attempt up to
``reconnect_max_backoff_s`` (defaults 0.25 s, 0.5 s, 1 s, 1 s, ...), so a camera that comes
back is in use again within about a second plus its own start-up time. Meanwhile the
consumer receives ``None`` every ``frame_timeout_s`` and the pipeline keeps its outputs
flowing.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, Iterator

import cv2
import numpy as np

from vtdriver.frame import CapturedFrame
from vtdriver.sources.base import SourceError, SourceItem, SourceSettings, SourceStats
from vtdriver.sources.timing import call_with_timeout
from vtdriver.sources.video import FALLBACK_FPS

CaptureFactory = Callable[[int | str], Any]

# Pause after a single failed read before trying again, so a flaky camera does not spin a
# core; short against any real frame interval.
_RETRY_PAUSE_S = 0.005
# How long close() waits for the capture thread; a driver stuck in read() is abandoned.
_JOIN_TIMEOUT_S = 1.0


def open_cv_capture(target: int | str) -> Any:
    # On Linux, V4L2 directly: the default backend order probes GStreamer first, which can
    # take seconds and hangs on some devices.
    if sys.platform.startswith("linux"):
        return cv2.VideoCapture(target, cv2.CAP_V4L2)
    return cv2.VideoCapture(target)


class CameraSource:
    provides_landmarks = False
    realtime = True

    def __init__(self, target: int | str, settings: SourceSettings,
                 capture_factory: CaptureFactory = open_cv_capture) -> None:
        self._target = target
        self._settings = settings
        self._factory = capture_factory
        self.description = f"camera:{target}"
        self.stats = SourceStats()
        self._lock = threading.Condition()
        self._slot: tuple[np.ndarray, float, int, int] | None = None
        self._stop = threading.Event()
        capture, first = call_with_timeout(self._open, settings.open_timeout_s, f"camera {target}")
        self.image_size = (int(first.shape[1]), int(first.shape[0]))
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        self.fps = fps if 0.0 < fps < 1000.0 else FALLBACK_FPS
        self._publish(first)
        self._thread = threading.Thread(target=self._run, args=(capture,),
                                        name=f"capture {target}", daemon=True)
        self._thread.start()

    def _open(self) -> tuple[Any, np.ndarray]:
        capture = self._factory(self._target)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"camera {self._target} could not be opened (missing or in use by another program)")
        for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, self._settings.camera_width),
                            (cv2.CAP_PROP_FRAME_HEIGHT, self._settings.camera_height),
                            (cv2.CAP_PROP_FPS, self._settings.camera_fps)):
            if value:
                capture.set(prop, value)
        # Ask the driver not to queue frames either (not every backend honours it).
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        ok, first = capture.read()
        if not ok or first is None:
            capture.release()
            raise SourceError(f"camera {self._target} opened but delivers no frames")
        return capture, first

    def _publish(self, image: np.ndarray, grab_started_ns: int = 0) -> None:
        now_ns = time.perf_counter_ns()
        grab_ns = now_ns - grab_started_ns if grab_started_ns else 0
        stamp = (image, time.monotonic(), now_ns, grab_ns)
        with self._lock:
            if self._slot is not None:
                self.stats.dropped += 1
            self._slot = stamp
            self._lock.notify()

    def _run(self, capture: Any) -> None:
        failures = 0
        backoff = self._settings.reconnect_initial_backoff_s
        while not self._stop.is_set():
            if capture is None:
                if self._stop.wait(backoff):
                    break
                try:
                    capture, first = self._open()
                except Exception:  # noqa: BLE001 - any failure to reopen means "try later"
                    backoff = min(backoff * 2.0, self._settings.reconnect_max_backoff_s)
                    continue
                self.stats.reconnects += 1
                self.stats.status = "ok"
                backoff = self._settings.reconnect_initial_backoff_s
                failures = 0
                self._publish(first)
                continue
            grab_started = time.perf_counter_ns()
            try:
                ok, image = capture.read()
            except Exception:  # noqa: BLE001 - a driver error is a failed read
                ok, image = False, None
            if ok and image is not None:
                failures = 0
                self._publish(image, grab_started)
                continue
            failures += 1
            self.stats.bad_frames += 1
            if failures >= self._settings.lost_after_failed_reads:
                capture.release()
                capture = None
                self.stats.status = "reconnecting"
            else:
                self._stop.wait(_RETRY_PAUSE_S)
        if capture is not None:
            capture.release()

    def __iter__(self) -> Iterator[SourceItem]:
        timeout = self._settings.frame_timeout_s
        while not self._stop.is_set():
            with self._lock:
                self._lock.wait_for(lambda: self._slot is not None or self._stop.is_set(), timeout)
                slot, self._slot = self._slot, None
            if self._stop.is_set():
                break
            if slot is None:
                yield None
                continue
            image, t, capture_ns, grab_ns = slot
            frame = CapturedFrame(image=image, t=t, index=self.stats.frames, capture_ns=capture_ns,
                                  grab_ns=grab_ns)
            self.stats.frames += 1
            yield frame
        self.stats.status = "ended"

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(_JOIN_TIMEOUT_S)
        self.stats.status = "ended"
