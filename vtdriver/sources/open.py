"""``open_source``: from the --source text to a ready source.

Spec forms, checked in this order:
- ``demo``: the built-in synthetic performer;
- ``replay:FILE.jsonl``: a landmark recording;
- ``0``, ``1``...: a camera by index; ``/dev/videoN`` or any /dev path: a camera device;
- an existing file: an image (by extension) repeated, otherwise a video;
- anything else: a camera whose name contains the text (Linux device names).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from vtdriver.sources.base import FrameSource, SourceError, SourceSettings
from vtdriver.sources.camera import CameraSource, open_cv_capture
from vtdriver.sources.camera_names import CameraRoots, resolve_camera
from vtdriver.sources.frames import SanitizedSource
from vtdriver.sources.replay import ReplaySource
from vtdriver.sources.video import ImageSource, VideoSource

# Still-image formats OpenCV reads; any other file is treated as a video.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".dib", ".webp", ".tif",
                            ".tiff", ".pbm", ".pgm", ".ppm", ".pnm", ".exr", ".hdr", ".jp2"})
REPLAY_PREFIX = "replay:"


def open_source(
    spec: str,
    settings: SourceSettings = SourceSettings(),
    *,
    faults: Callable[[FrameSource], FrameSource] | None = None,
    capture_factory: Callable[[Any], Any] | None = None,
    camera_roots: CameraRoots = CameraRoots(),
) -> FrameSource:
    """Opens ``spec``. ``faults`` wraps the raw source before frame sanitising (tests use it
    with FaultInjectingSource so injected odd frames meet the real sanitiser);
    ``capture_factory`` replaces cv2.VideoCapture for cameras and videos (tests).
    Raises SourceError with a one-line message; never blocks longer than
    ``settings.open_timeout_s``."""
    spec = spec.strip()
    if not spec:
        raise SourceError("empty --source; use a camera index (0), a device, a file, replay:FILE.jsonl or demo")
    raw = _open_raw(spec, settings, capture_factory, camera_roots)
    if faults is not None:
        raw = faults(raw)
    if raw.provides_landmarks:
        return raw
    return SanitizedSource(raw, settings.max_image_side)


def _open_raw(spec: str, settings: SourceSettings, capture_factory: Callable[[Any], Any] | None,
              camera_roots: CameraRoots) -> FrameSource:
    if spec == "demo":
        from vtdriver.sources.demo import DemoSource  # noqa: PLC0415 - only the demo needs it

        return DemoSource(settings)
    if spec.startswith(REPLAY_PREFIX):
        path = spec[len(REPLAY_PREFIX):]
        if not path:
            raise SourceError("replay: needs a file, e.g. replay:session.jsonl")
        return ReplaySource(path, settings)
    path = Path(spec).expanduser()
    if path.is_dir():
        raise SourceError(f"--source {spec!r} is a directory, not a video or image file")
    if path.is_file() and not spec.startswith("/dev/"):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return ImageSource(path, settings)
        if capture_factory is not None:
            return VideoSource(path, settings, capture_factory)
        return VideoSource(path, settings)
    target = resolve_camera(spec, camera_roots)
    if target is None and (path.suffix or "/" in spec or "\\" in spec):
        raise SourceError(f"--source {spec!r}: file not found")
    if target is None:
        raise SourceError(
            f"--source {spec!r}: no such file, and no camera by that name "
            "(use an index like 0, a device path, a file, replay:FILE.jsonl or demo)"
        )
    return CameraSource(target, settings, capture_factory or open_cv_capture)
