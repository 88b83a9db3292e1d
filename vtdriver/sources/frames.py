"""Turning whatever a capture device or file hands us into the 8-bit BGR frame the tracker
expects, or refusing it. Cameras and files do produce odd frames: empty buffers after a
driver hiccup, grayscale or 16-bit depth-like formats, BGRA from screen grabbers, 8K stills.

``sanitize_image`` is pure; ``SanitizedSource`` wraps a pixel source and counts, in the
source's ``stats``, every frame it converted (by kind) and every frame it skipped (by kind).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import cv2
import numpy as np

from vtdriver.frame import CapturedFrame
from vtdriver.sources.base import FrameSource, SourceItem, SourceStats

# Smallest frame worth tracking: MediaPipe's pose detector works on 224 px inputs, anything
# far below that in either direction carries no usable person.
MIN_SIDE = 8


def scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) after fitting the longer side into ``max_side``, aspect kept."""
    long_side = max(width, height)
    if long_side <= max_side:
        return width, height
    scale = max_side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


def sanitize_image(image: object, max_side: int) -> tuple[np.ndarray | None, list[str], str | None]:
    """Returns (bgr_uint8_image or None, conversions applied, reason it was skipped or None).
    Never modifies ``image``."""
    if not isinstance(image, np.ndarray):
        return None, [], "not_an_image"
    if image.size == 0 or image.ndim not in (2, 3):
        return None, [], "empty" if image.size == 0 else "bad_shape"
    if min(image.shape[:2]) < MIN_SIDE:
        return None, [], "too_small"
    conversions: list[str] = []
    out = image
    if out.dtype != np.uint8:
        out, kind = _to_uint8(out)
        if out is None:
            return None, conversions, kind
        conversions.append(kind)
    channels = 1 if out.ndim == 2 else out.shape[2]
    if channels == 1:
        out = cv2.cvtColor(out.reshape(out.shape[:2]), cv2.COLOR_GRAY2BGR)
        conversions.append("grayscale")
    elif channels == 4:
        out = cv2.cvtColor(out, cv2.COLOR_BGRA2BGR)
        conversions.append("bgra")
    elif channels != 3:
        return None, conversions, "bad_channels"
    height, width = out.shape[:2]
    new_size = scaled_size(width, height, max_side)
    if new_size != (width, height):
        # INTER_AREA averages the source pixels, the right filter for shrinking.
        out = cv2.resize(out, new_size, interpolation=cv2.INTER_AREA)
        conversions.append("downscaled")
    if not out.flags["C_CONTIGUOUS"]:
        out = np.ascontiguousarray(out)
    return out, conversions, None


def _to_uint8(image: np.ndarray) -> tuple[np.ndarray | None, str]:
    if image.dtype == np.uint16:
        # Keep the top byte: 16-bit camera modes store the signal in the high bits.
        return (image >> 8).astype(np.uint8), "16bit"
    if image.dtype in (np.float32, np.float64):
        if not np.all(np.isfinite(image)):
            return None, "non_finite"
        # Float images from image libraries are conventionally in [0, 1].
        return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "float"
    return None, "bad_dtype"


class SanitizedSource:
    """Wraps a pixel source; every yielded CapturedFrame holds an 8-bit BGR image no larger
    than ``max_side``. Landmarks and ``None`` pass through untouched. A skipped frame of a
    real-time source becomes a ``None`` tick, so a camera stuck on garbage frames still lets
    the outputs flow; a non-real-time run just skips it."""

    def __init__(self, inner: FrameSource, max_side: int) -> None:
        self._inner = inner
        self._max_side = max_side
        self.realtime = inner.realtime
        self.fps = inner.fps
        self.provides_landmarks = inner.provides_landmarks
        self.description = inner.description

    @property
    def stats(self) -> SourceStats:
        return self._inner.stats

    @property
    def image_size(self) -> tuple[int, int]:
        return scaled_size(*self._inner.image_size, self._max_side)

    def __iter__(self) -> Iterator[SourceItem]:
        for item in self._inner:
            if not isinstance(item, CapturedFrame):
                yield item
                continue
            image, conversions, skipped = sanitize_image(item.image, self._max_side)
            for kind in conversions:
                self.stats.count("converted", kind)
            if skipped is not None:
                self.stats.count("skipped", skipped)
                if self.realtime:
                    yield None
                continue
            yield item if image is item.image else replace(item, image=image)

    def close(self) -> None:
        self._inner.close()
