"""Fault injection for tests: a source wrapper that loses its device and gets it back on a
schedule, and swaps in odd frames or odd landmarks at chosen positions.

Times in the schedule are seconds of the wrapped source's own timeline (the item's ``t``
minus the first item's ``t``), so a schedule is deterministic for files, replay and demo
with --no-realtime, and follows the wall clock for a live camera.

While an outage lasts, the wrapped source keeps being read (so its pacing is unchanged) but
every item is replaced by ``None``, exactly what the camera source yields while it
reconnects; the shared ``stats`` show "reconnecting" and count a reconnect when it ends.

    source = FaultInjectingSource(open_source("demo", settings, sanitize=False),
                                  outages=[Outage(start_s=1.0, duration_s=2.0)])
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, Mapping, Sequence

import cv2
import numpy as np

from vtdriver.frame import PART_NAMES, CapturedFrame, Landmarks
from vtdriver.sources.base import FrameSource, SourceItem, SourceStats

# 8K UHD, the "huge frame" of the reliability issue.
HUGE_SIZE = (7680, 4320)

FRAME_FAULTS = ("empty", "tiny", "grayscale", "gray_3d", "bgra", "16bit", "float", "huge", "not_an_image")
LANDMARK_FAULTS = ("nan", "inf", "zeros", "out_of_range")


@dataclass(frozen=True)
class Outage:
    start_s: float
    duration_s: float

    def covers(self, elapsed_s: float) -> bool:
        return self.start_s <= elapsed_s < self.start_s + self.duration_s


def odd_image(image: np.ndarray, kind: str) -> object:
    """An odd variant of a BGR frame; never modifies ``image``."""
    if kind == "empty":
        return np.zeros((0, 0, 3), dtype=np.uint8)
    if kind == "tiny":
        return image[:2, :2].copy()
    if kind == "grayscale":
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if kind == "gray_3d":
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[:, :, None]
    if kind == "bgra":
        return cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    if kind == "16bit":
        return image.astype(np.uint16) << 8
    if kind == "float":
        return image.astype(np.float32) / 255.0
    if kind == "huge":
        return cv2.resize(image, HUGE_SIZE, interpolation=cv2.INTER_NEAREST)
    if kind == "not_an_image":
        return None
    raise ValueError(f"unknown frame fault {kind!r}; choose from {', '.join(FRAME_FAULTS)}")


def odd_landmarks(landmarks: Landmarks, kind: str) -> Landmarks:
    """Every present part of ``landmarks`` spoiled the same way; new arrays, input untouched."""
    if kind not in LANDMARK_FAULTS:
        raise ValueError(f"unknown landmark fault {kind!r}; choose from {', '.join(LANDMARK_FAULTS)}")
    spoiled: dict[str, np.ndarray] = {}
    for name in PART_NAMES:
        part = landmarks.part(name)
        if part is None:
            continue
        values = np.array(part, dtype=np.float64)
        if kind == "nan":
            values[::3] = np.nan
        elif kind == "inf":
            values[1::4, 0] = np.inf
            values[2::4, 1] = -np.inf
        elif kind == "zeros":
            values[:] = 0.0
        else:  # out_of_range: far outside any image or body, large but finite
            values *= 1e6
        spoiled[name] = values
    return replace(landmarks, **spoiled)


class FaultInjectingSource:
    def __init__(self, inner: FrameSource, outages: Sequence[Outage] = (),
                 odd_items: Mapping[int, str] | None = None) -> None:
        self._inner = inner
        self._outages = tuple(outages)
        self._odd_items = dict(odd_items or {})
        self.image_size = inner.image_size
        self.fps = inner.fps
        self.realtime = inner.realtime
        self.provides_landmarks = inner.provides_landmarks
        self.description = f"faulty {inner.description}"

    @property
    def stats(self) -> SourceStats:
        return self._inner.stats

    def __iter__(self) -> Iterator[SourceItem]:
        first_t: float | None = None
        in_outage = False
        position = 0
        for item in self._inner:
            if item is None:
                yield None
                continue
            if first_t is None:
                first_t = item.t
            elapsed = item.t - first_t
            now_out = any(outage.covers(elapsed) for outage in self._outages)
            if now_out != in_outage:
                self.stats.status = "reconnecting" if now_out else "ok"
                self.stats.reconnects += 0 if now_out else 1
                in_outage = now_out
            kind = self._odd_items.get(position)
            position += 1
            if now_out:
                yield None
            elif kind is None:
                yield item
            elif isinstance(item, CapturedFrame):
                yield replace(item, image=odd_image(item.image, kind))
            else:
                yield odd_landmarks(item, kind)

    def close(self) -> None:
        self._inner.close()
