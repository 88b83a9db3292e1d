"""How fast a hand moves, in palm lengths per second, from its landmarks at their true times.

A hand that is being raised, lowered or waved while its owner talks is not posing, whatever
shape its fingers happen to pass through; the hands stage lets a gesture enter only while the
hand is roughly still. Speed is measured on the palm centre (wrist and the four knuckles) in
the image plane: a hand model's z is depth relative to its own wrist, so it carries no motion
of the hand as a whole. Dividing by the palm length makes the threshold independent of how
far the streamer sits from the camera.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver.gestures.features import INDEX_MCP, LITTLE_MCP, MIDDLE_MCP, WRIST

# Wrist, index, middle, ring and little knuckles: the palm centre's points.
_PALM_POINTS = np.array([WRIST, INDEX_MCP, MIDDLE_MCP, 13, LITTLE_MCP])
_PALM_INDICES = tuple(_PALM_POINTS.tolist())
# Palm length (wrist to middle knuckle) over knuckle breadth (index to little knuckle) of the
# golden MediaPipe hands (thumb_up, fist, victory, pointing_up: 1.21-1.30). When the palm
# points at the camera its length is foreshortened but its breadth is not, so the larger of the
# two estimates is the palm length that stays put while the hand turns.
_LENGTH_PER_BREADTH = 1.25
# Frame times are floats; a microsecond keeps an exact window of whole frames inside the window.
_SLACK_S = 1e-6


def palm_length(points_unity: np.ndarray) -> float:
    """A rotation-robust palm length of 21 hand landmarks (Unity axes), 0 when degenerate."""
    return _palm_length(np.asarray(points_unity, dtype=float)[_PALM_POINTS].tolist())


def palm_centre(points_unity: np.ndarray) -> np.ndarray:
    """Image-plane (x, y) centre of the wrist and the four knuckles."""
    return np.array(_palm_centre(np.asarray(points_unity, dtype=float)[_PALM_POINTS].tolist()))


# The palm's five points arrive as Python lists (one numpy call per hand per frame) and the
# rest is float arithmetic, in the order numpy's mean and norm use: per frame, numpy's call cost
# on five points would be all of the work.
def _palm_length(palm: list[Sequence[float]]) -> float:
    wrist, index, middle, _, little = palm
    length = fr.length(fr.sub(middle, wrist))
    breadth = fr.length(fr.sub(index, little))
    value = max(length, _LENGTH_PER_BREADTH * breadth)
    return value if math.isfinite(value) else 0.0


def _palm_centre(palm: list[Sequence[float]]) -> tuple[float, float]:
    x = y = 0.0
    for point in palm:
        x += point[0]
        y += point[1]
    return (x / len(palm), y / len(palm))


class HandMotion:
    """Speed of one hand over the last ``window_s`` seconds. ``reset`` when the hand is lost, so
    a hand that reappears elsewhere does not read as a fast move."""

    def __init__(self, window_s: float):
        self._window_s = float(window_s)
        self._samples: deque[tuple[float, tuple[float, float]]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def update(self, points_unity: np.ndarray, t: float) -> float | None:
        """This frame's speed in palm lengths per second, or None while there is no earlier
        frame to compare with (or the palm is degenerate)."""
        return self._update(np.asarray(points_unity, dtype=float)[_PALM_POINTS].tolist(), t)

    def update_rows(self, points: Sequence[Sequence[float]], t: float, length: float | None = None) -> float | None:
        """``update`` of 21 landmarks already out of numpy ((x, y, z) each). ``_palm_centre``
        and ``_palm_length`` written out on the five points (same operations, same order):
        this runs for every hand and frame. ``length``: the wrist to middle knuckle distance
        when the caller has it (``HandFeatures.palm``, the same arithmetic)."""
        wx, wy, wz = points[WRIST]
        ix, iy, iz = points[INDEX_MCP]
        mx, my, mz = points[MIDDLE_MCP]
        rx, ry = points[13][0], points[13][1]
        lx, ly, lz = points[LITTLE_MCP]
        x = (0.0 + wx + ix + mx + rx + lx) / 5
        y = (0.0 + wy + iy + my + ry + ly) / 5
        if not (math.isfinite(x) and math.isfinite(y)):
            self.reset()
            return None
        if length is None:
            dx, dy, dz = mx - wx, my - wy, mz - wz
            length = math.sqrt(dx * dx + dy * dy + dz * dz)
        bx, by, bz = ix - lx, iy - ly, iz - lz
        scale = max(length, _LENGTH_PER_BREADTH * math.sqrt(bx * bx + by * by + bz * bz))
        return self._speed(t, (x, y), scale if math.isfinite(scale) else 0.0)

    def _update(self, palm: list[Sequence[float]], t: float) -> float | None:
        centre = _palm_centre(palm)
        if not (math.isfinite(centre[0]) and math.isfinite(centre[1])):
            self.reset()
            return None
        return self._speed(t, centre, _palm_length(palm))

    def _speed(self, t: float, centre: tuple[float, float], scale: float) -> float | None:
        # The reference is the oldest sample inside the window, or, when frames are sparser
        # than the window, the one sample just before it.
        samples = self._samples
        while len(samples) > 1 and t - samples[0][0] > self._window_s + _SLACK_S:
            samples.popleft()
        reference = samples[0] if samples else None
        samples.append((t, centre))
        if reference is None or scale <= 0:
            return None
        elapsed = t - reference[0]
        if elapsed <= 0:
            return None
        (x, y), (x0, y0) = centre, reference[1]
        return math.sqrt((x - x0) * (x - x0) + (y - y0) * (y - y0)) / elapsed / scale
