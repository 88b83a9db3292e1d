"""Opening a camera briefly to learn whether it works and which resolutions it accepts.

OpenCV cannot enumerate a camera's modes, so we ask for a list of common sizes and keep what
the driver actually switched to (a driver that does not support a size picks its nearest
mode, which is then reported instead). Nothing is streamed except one frame read at the end,
which tells a working camera from one that opens but is busy in another program.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2

from vtdriver.sources.base import SourceError
from vtdriver.sources.camera import CaptureFactory, open_cv_capture
from vtdriver.sources.timing import call_with_timeout

# Common webcam sizes (UVC cameras almost always offer a subset of these), small to large.
CANDIDATE_RESOLUTIONS: tuple[tuple[int, int], ...] = (
    (320, 240), (640, 360), (640, 480), (800, 600), (960, 540), (1024, 768),
    (1280, 720), (1280, 960), (1600, 1200), (1920, 1080), (2560, 1440), (3840, 2160),
)
# Long enough for a USB camera's start-up, short enough that a hung driver does not stall
# the whole listing.
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ProbeResult:
    opened: bool
    delivers_frames: bool = False
    default_size: tuple[int, int] | None = None
    resolutions: tuple[tuple[int, int], ...] = ()
    error: str | None = None


def _size(capture) -> tuple[int, int] | None:
    width, height = capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
    try:
        size = (int(round(width)), int(round(height)))
    except (TypeError, ValueError, OverflowError):
        return None
    return size if size[0] > 0 and size[1] > 0 else None


def _probe_open_capture(capture) -> ProbeResult:
    default = _size(capture)
    accepted = {default} if default else set()
    for width, height in CANDIDATE_RESOLUTIONS:
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        size = _size(capture)
        if size:
            accepted.add(size)
    ok, image = capture.read()
    delivers = bool(ok) and image is not None
    return ProbeResult(True, delivers, default, tuple(sorted(accepted, key=lambda s: (s[0] * s[1], s))))


def probe_camera(target: int | str, capture_factory: CaptureFactory = open_cv_capture,
                 timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Never raises: a camera that cannot be opened, hangs or throws gives ``opened=False``."""

    def run() -> ProbeResult:
        capture = capture_factory(target)
        try:
            if not capture.isOpened():
                return ProbeResult(False, error="could not be opened")
            return _probe_open_capture(capture)
        finally:
            capture.release()

    try:
        return call_with_timeout(run, timeout_s, f"camera {target}")
    except SourceError as error:
        return ProbeResult(False, error=str(error))
    except Exception as error:  # noqa: BLE001 - a broken driver must not end the listing
        return ProbeResult(False, error=f"{type(error).__name__}: {error}")
