"""A scriptable stand-in for ``cv2.VideoCapture`` for tests and benchmarks: a camera that
delivers frames at its own rate and is unplugged and plugged back on a wall-clock schedule,
so the real ``CameraSource`` (capture thread, loss detection, back-off) can be exercised
without hardware.

    device = FakeCameraDevice(outages=[Outage(start_s=1.0, duration_s=2.0)])
    source = CameraSource(0, settings, device.factory)

The schedule starts at the first ``factory`` call (when the source opens the camera). While
unplugged, an open capture fails every read and a reopen attempt finds no device, as a real
V4L2 camera does after being pulled out. Every open, release and delivered frame is counted,
and open attempts are time-stamped so tests can check the back-off.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Sequence

import numpy as np

from vtdriver.sources.faults import Outage

# cv2.CAP_PROP_FPS; written out so this module does not need OpenCV to be importable.
_CAP_PROP_FPS = 5


class FakeCameraDevice:
    def __init__(
        self,
        outages: Sequence[Outage] = (),
        size: tuple[int, int] = (64, 48),
        fps: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_release: Callable[[], None] | None = None,
    ) -> None:
        self.outages = tuple(outages)
        self.size = size
        self.fps = fps
        self._clock = clock
        self._on_release = on_release
        self._lock = threading.Lock()
        self._start: float | None = None
        self.open_times: list[float] = []  # seconds since the schedule started, per open attempt
        self.releases = 0
        self.frames_delivered = 0

    @property
    def opens(self) -> int:
        return len(self.open_times)

    def elapsed(self) -> float:
        return 0.0 if self._start is None else self._clock() - self._start

    def plugged(self) -> bool:
        elapsed = self.elapsed()
        return not any(outage.covers(elapsed) for outage in self.outages)

    def factory(self, target: int | str) -> "FakeCapture":
        with self._lock:
            if self._start is None:
                self._start = self._clock()
            self.open_times.append(self.elapsed())
        return FakeCapture(self, opened=self.plugged())

    def frame(self) -> np.ndarray:
        """A frame whose first two pixels' blue bytes carry the delivery count (big endian)."""
        with self._lock:
            self.frames_delivered += 1
            count = self.frames_delivered
        image = np.zeros((self.size[1], self.size[0], 3), np.uint8)
        image[0, 0, 0], image[0, 1, 0] = divmod(count % 65536, 256)
        return image

    def released(self) -> None:
        with self._lock:
            self.releases += 1
        if self._on_release is not None:
            self._on_release()


class FakeCapture:
    """One opened handle on a FakeCameraDevice, with the VideoCapture methods CameraSource uses."""

    def __init__(self, device: FakeCameraDevice, opened: bool) -> None:
        self._device = device
        self._open = opened

    def isOpened(self) -> bool:  # noqa: N802 - the cv2.VideoCapture name
        return self._open

    def set(self, prop: int, value: float) -> bool:
        return True

    def get(self, prop: int) -> float:
        return float(self._device.fps) if prop == _CAP_PROP_FPS else 0.0

    def read(self) -> tuple[bool, np.ndarray | None]:
        # A real camera blocks for about one frame interval per read, delivered or not.
        time.sleep(1.0 / self._device.fps)
        if not (self._open and self._device.plugged()):
            return False, None
        return True, self._device.frame()

    def release(self) -> None:
        if self._open:
            self._open = False
        self._device.released()
