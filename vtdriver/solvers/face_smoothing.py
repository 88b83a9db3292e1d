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
        self._times: list[float] = []
        # Written twice (rows i and i + longest) so the newest ``longest`` rows are one block;
        # zeros, so rows not yet written still give 0 when weighted by 0.
        self._history = np.zeros((2 * self._longest, self._size))
        self._written = 0
        self._mix = np.zeros((self._longest, self._size))
        self._fits: list[np.ndarray | None] = [None] * len(self._groups)

    def reset(self) -> None:
        self._times.clear()
        self._written = 0

    def __len__(self) -> int:
        return len(self._times)

    def update(self, sample: np.ndarray, t: float) -> np.ndarray | None:
        """The smoothed weights (a new array), or None when ``t`` is not a usable time. A time
        gap above ``max_gap_seconds`` or a time going backwards restarts every group."""
        if not math.isfinite(t):
            self.reset()
            return None
        times = self._times
        if times and (t - times[-1] > self._max_gap or t <= times[-1]):
            self.reset()
        longest = self._longest
        slot = self._written % longest
        self._history[slot] = sample
        self._history[slot + longest] = sample
        self._written += 1
        times.append(float(t))
        if len(times) > longest:
            del times[0]
        fits = [fit.weights(times[-window:]) for window, fit, _ in self._groups]
        # FitWeightCache hands back the very same array while its weights still hold.
        if any(map(is_not, fits, self._fits)):
            self._mix[:] = 0.0
            for weights, (_, _, columns) in zip(fits, self._groups):
                self._mix[longest - len(weights):, columns] = weights[:, None]
            self._fits = fits
        recent = self._history[slot + 1: slot + longest + 1]
        return np.add.reduce(self._mix * recent, axis=0)
