"""Test-bench sources and helpers for benchmarks/run_all.py: decoded clip frames in memory,
a clip played as a live camera (through the real CameraSource), a clip paced at a fixed rate,
an in-memory landmark replay, a UDP sink in its own process, and RSS readings."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.sources.base import SourceStats

_CAP_PROP_FPS = cv2.CAP_PROP_FPS


def decode_clip(path: Path) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    images = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        images.append(image)
    capture.release()
    return images, fps


class MemoryFrames:
    """Pre-decoded frames yielded as fast as asked (a video with --no-realtime, decode aside)."""

    realtime = False
    provides_landmarks = False

    def __init__(self, images: list[np.ndarray], fps: float):
        self._images = images
        self.fps = fps
        self.image_size = (images[0].shape[1], images[0].shape[0])
        self.stats = SourceStats()

    def __iter__(self) -> Iterator[CapturedFrame]:
        for index, image in enumerate(self._images):
            self.stats.frames += 1
            yield CapturedFrame(image=image, t=index / self.fps, index=index, capture_ns=time.perf_counter_ns())

    def close(self) -> None:
        pass


class PacedFrames(MemoryFrames):
    """The clip's frames released at ``rate_hz`` (wall clock), stamped when released: a camera
    slower than the tracker, so the tracker idles between frames."""

    realtime = True

    def __init__(self, images: list[np.ndarray], fps: float, rate_hz: float, count: int):
        super().__init__(images, fps)
        self._rate = rate_hz
        self._count = count

    def __iter__(self) -> Iterator[CapturedFrame]:
        start = time.monotonic()
        for index in range(self._count):
            delay = start + index / self._rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.stats.frames += 1
            image = self._images[int(index / self._rate * self.fps) % len(self._images)]
            yield CapturedFrame(image=image, t=time.monotonic(), index=index, capture_ns=time.perf_counter_ns())


class ClipCamera:
    """A ``cv2.VideoCapture`` stand-in for CameraSource: read() blocks until the next frame
    interval like a real camera and returns the clip frame for the current wall time, looping."""

    def __init__(self, images: list[np.ndarray], clip_fps: float, camera_fps: float):
        self._images = images
        self._clip_fps = clip_fps
        self._fps = camera_fps
        self._start: float | None = None
        self._next = 0.0

    def factory(self, target) -> "ClipCamera":
        return self

    def isOpened(self) -> bool:  # noqa: N802 - the cv2.VideoCapture name
        return True

    def set(self, prop, value) -> bool:
        return True

    def get(self, prop) -> float:
        return self._fps if prop == _CAP_PROP_FPS else 0.0

    def read(self):
        now = time.monotonic()
        if self._start is None:
            self._start = self._next = now
        self._next += 1.0 / self._fps
        if self._next > now:
            time.sleep(self._next - now)
        else:
            self._next = now  # a late reader gets the current frame, not a burst
        index = int((time.monotonic() - self._start) * self._clip_fps) % len(self._images)
        return True, self._images[index]

    def release(self) -> None:
        pass


class LandmarkReplay:
    """A preloaded recording looped ``count`` times over with time running on, as fast as
    asked: what ``replay:FILE --no-realtime`` does, with the JSON decoding set aside."""

    realtime = False
    provides_landmarks = True

    def __init__(self, frames: list[Landmarks], fps: float, count: int, on_frame=None):
        self._frames = frames
        self._count = count
        self._on_frame = on_frame
        self.fps = fps
        self.image_size = frames[0].image_size
        self.stats = SourceStats()

    def __iter__(self) -> Iterator[Landmarks]:
        period = len(self._frames)
        length = period / self.fps
        for index in range(self._count):
            if self._on_frame is not None:
                self._on_frame(index)
            base = self._frames[index % period]
            # A new object per frame, like a live tracker makes; arrays are shared (read-only).
            yield Landmarks(t=base.t + (index // period) * length, image_size=base.image_size, pose=base.pose,
                            pose_world=base.pose_world, face=base.face, left_hand=base.left_hand,
                            right_hand=base.right_hand, index=index, capture_ns=time.perf_counter_ns())

    def close(self) -> None:
        pass


_SINK_CODE = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
count = 0
while True:
    data = sock.recv(65536)
    if data == b"stop":
        break
    count += 1
print(count, flush=True)
"""


class UdpSink:
    """A UDP receiver on 127.0.0.1 in its own process (it must not share our interpreter),
    counting datagrams, like VSeeFace would receive them."""

    def __enter__(self) -> "UdpSink":
        self._process = subprocess.Popen([sys.executable, "-c", _SINK_CODE], stdout=subprocess.PIPE, text=True)
        self.port = int(self._process.stdout.readline())
        self.target = f"127.0.0.1:{self.port}"
        self.received = 0
        return self

    def __exit__(self, *exc_info) -> None:
        import socket  # noqa: PLC0415

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"stop", ("127.0.0.1", self.port))
        try:
            self.received = int(self._process.communicate(timeout=10)[0].strip() or 0)
        except subprocess.TimeoutExpired:
            self._process.kill()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread (MediaPipe's included), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_average() -> float:
    return os.getloadavg()[0]
