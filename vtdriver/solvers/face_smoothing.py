"""Savitzky-Golay smoothing of the face's blendshape weights, each group with its own window.

The groups (eyes short so blinks land, brows long, ...) are filtered exactly as if each had its
own ``SavitzkyGolayStream``: the same true-timestamp fit, the same resets, the same fit-weight
reuse. But all weights share one history and one time line, so a frame costs one history
write and one weighted sum over the longest window, instead of five filters and five gathers.

Every group sees the same frames, so the only difference between them is how many of the
newest samples each fits (its window, or fewer after a reset). ``_mix`` holds, per weight,
its group's fit weights aligned to the newest rows and zero above them; it is rebuilt only
when some group's fit weights change.
"""
from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from operator import is_not

import numpy as np

from vtdriver.smoothing import FitWeightCache, SmoothingSettings


class GroupedWeightSmoother:
    """Smooths a vector of weights whose entry ``j`` uses ``settings[j]``. The weights must be
    finite (the face's are clipped to [0, 1] before smoothing): samples that fall outside a
    group's window are still multiplied, by a zero fit weight."""

    def __init__(self, settings: Sequence[SmoothingSettings]):
        if len({s.max_gap_seconds for s in settings}) > 1:
            raise ValueError("all weight groups must share max_gap_seconds (they share one time line)")
        self._size = len(settings)
        self._longest = max(s.window for s in settings)
        self._max_gap = settings[0].max_gap_seconds
        # One fit (and weight cache) per distinct setting, with the weights it applies to.
        self._groups = [
            (group.window, FitWeightCache(group.polyorder, group.lag_frames),
             np.array([j for j, s in enumerate(settings) if s == group]))
            for group in dict.fromkeys(settings)
        ]
        self._fits: list[np.ndarray | None] = [None] * len(self._groups)
        # With no lag every group evaluates at the newest time, so a shorter window's offsets
        # from it are the tail of the longest window's: worked out once per frame.
        self._shared_offsets = all(s.lag_frames == 0 for s in settings)
        self._times: list[float] = []
        # Written front to back from row ``longest - 1``, so the newest ``longest`` rows are
        # always one block (rows above the samples held are weighted by 0; zeros at first).
        # When it is full the newest ``longest - 1`` rows move to the front: one block copy
        # every ``longest + 1`` frames instead of a second row write every frame. The rows stay
        # in time order, so the weighted sum adds them in the same order as before.
        self._history = np.zeros((2 * self._longest, self._size))
        # The same buffer as bytes: a list of floats goes into a row packed by struct (a C
        # loop over the floats), several times cheaper than numpy converting the sequence.
        self._bytes = memoryview(self._history).cast("B")
        self._pack = struct.Struct(f"{self._size}d").pack
        self._row_bytes = self._size * self._history.itemsize
        self._next = self._longest - 1
        self._mix = np.zeros((self._longest, self._size))
        self._product = np.empty((self._longest, self._size))  # reused: no temporary per frame
        # The column sums as a product with ones: one BLAS call costs half of np.add.reduce's
        # iterator set-up on this small block (its sums may round differently, by ~1e-16).
        self._ones = np.ones(self._longest)

    def reset(self) -> None:
        self._times.clear()
        self._next = self._longest - 1

    def __len__(self) -> int:
        return len(self._times)

    def update(self, sample: Sequence[float] | np.ndarray, t: float) -> np.ndarray | None:
        """The smoothed weights (a new array), or None when ``t`` is not a usable time. A time
        gap above ``max_gap_seconds`` or a time going backwards restarts every group."""
        if not math.isfinite(t):
            self.reset()
            return None
        times = self._times
        if times and (t - times[-1] > self._max_gap or t <= times[-1]):
            self.reset()
        longest = self._longest
        row = self._next
        if row == len(self._history):
            self._history[: longest - 1] = self._history[row - longest + 1:]
            row = longest - 1
        if isinstance(sample, list) and len(sample) == self._size:
            start = row * self._row_bytes
            self._bytes[start: start + self._row_bytes] = self._pack(*sample)
        else:
            self._history[row] = sample
        self._next = row + 1
        times.append(float(t))
        if len(times) > longest:
            del times[0]
        if self._shared_offsets:
            newest = times[-1]
            offsets = [t - newest for t in times]
            fits = [fit.weights(times[-window:], offsets[-window:]) for window, fit, _ in self._groups]
        else:
            fits = [fit.weights(times[-window:]) for window, fit, _ in self._groups]
        # FitWeightCache hands back the very same array while its weights still hold.
        if any(map(is_not, fits, self._fits)):
            self._mix[:] = 0.0
            for weights, (_, _, columns) in zip(fits, self._groups):
                self._mix[longest - len(weights):, columns] = weights[:, None]
            self._fits = fits
        # out and axis given by position: the ufuncs parse keywords more slowly.
        np.multiply(self._mix, self._history[row + 1 - longest: row + 1], self._product)
        return self._ones.dot(self._product)
