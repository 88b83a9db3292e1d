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
from operator import sub

import numpy as np

from vtdriver.smoothing import WEIGHT_REUSE_TOLERANCE, SmoothingSettings, fit_weights


class _GroupFit:
    """``FitWeightCache`` for one group of a shared time line: the same reuse test on the
    same numbers (offsets from the evaluation time, compared with those of the last
    refit), but the offsets come from the smoother, which works them out once per
    evaluation time for all groups instead of once per group."""

    __slots__ = ("window", "polyorder", "lag", "columns", "offsets", "eval_index", "weights", "drift")

    def __init__(self, window: int, polyorder: int, lag: int, columns: np.ndarray):
        self.window, self.polyorder, self.lag, self.columns = window, polyorder, lag, columns
        self.offsets: list[float] = []
        self.eval_index = -1
        self.weights: np.ndarray | None = None
        # An upper bound on the reuse test's maximum for the smoother's last offsets (see
        # GroupedWeightSmoother._refit_full); inf when not known.
        self.drift = math.inf


# Each bound update is scaled by this: it covers the rounding of the subtractions and the
# sum (each at most 2**-53 relative), so the bound stays above the exact value, and it grows
# by no more than 0.1% in a billion frames.
_GROW = 1.0 + 2.0 ** -40


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
            _GroupFit(group.window, group.polyorder, group.lag_frames,
                      np.array([j for j, s in enumerate(settings) if s == group]))
            for group in dict.fromkeys(settings)
        ]
        self._times: list[float] = []
        # Written front to back from row ``longest - 1``, so the newest ``longest`` rows are
        # always one block (rows above the samples held are weighted by 0; zeros at first).
        # When it is full the newest ``longest - 1`` rows move to the front: one block copy
        # every ``longest + 1`` frames instead of a second row write every frame. The rows stay
        # in time order, so the weighted sum adds them in the same order as before.
        self._history = np.zeros((2 * self._longest, self._size))
        self._next = self._longest - 1
        self._mix = np.zeros((self._longest, self._size))
        self._product = np.empty((self._longest, self._size))  # reused: no temporary per frame
        self._lag_free = all(group.lag == 0 for group in self._groups)
        self._offsets: list[float] | None = None  # the last _refit_full's offsets

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
        self._history[row] = sample
        self._next = row + 1
        times.append(float(t))
        if len(times) > longest:
            del times[0]
        if self._refit(times):
            self._mix[:] = 0.0
            for group in self._groups:
                self._mix[longest - len(group.weights):, group.columns] = group.weights[:, None]
        np.multiply(self._mix, self._history[row + 1 - longest: row + 1], out=self._product)
        return np.add.reduce(self._product, axis=0)

    def _refit(self, times: list[float]) -> bool:
        if self._lag_free and len(times) == self._longest:
            return self._refit_full(times)
        self._offsets = None
        for group in self._groups:
            group.drift = math.inf
        return self._refit_any(times)

    def _refit_full(self, times: list[float]) -> bool:
        """``_refit_any`` for full windows and no lag, where every group evaluates at the
        newest time. Most frames need no refit, and proving that takes less than the test:
        each offset moved by at most ``step`` since the last frame, so (triangle inequality)
        a group's reuse-test maximum grew by at most ``step``. While that bound stays below
        the group's limit, the exact test could not ask for a refit; only when it does not is
        the exact test run (the same numbers as ``FitWeightCache``)."""
        last = times[-1]
        offsets = [t - last for t in times]
        previous, self._offsets = self._offsets, offsets
        step = math.inf if previous is None else max(map(abs, map(sub, offsets, previous)))
        held = len(times)
        changed = False
        for group in self._groups:
            window = group.window
            limit = WEIGHT_REUSE_TOLERANCE * (last - times[held - window])
            drift = (group.drift + step) * _GROW
            if drift * _GROW < limit:
                group.drift = drift
                continue
            own = offsets[held - window:]
            stored = group.offsets
            if group.eval_index == window - 1 and len(stored) == window:
                largest = max(map(abs, map(sub, own, stored)))
                if not largest > limit:
                    group.drift = largest * _GROW
                    continue
            group.weights = fit_weights(np.fromiter(times[held - window:], float, window), group.polyorder, window - 1)
            group.offsets = own
            group.eval_index = window - 1
            group.drift = 0.0
            changed = True
        return changed

    def _refit_any(self, times: list[float]) -> bool:
        """Whether some group's fit weights changed. Each group does what ``FitWeightCache``
        does on ``times[-window:]``; the offsets from one evaluation time (the same sample
        for every group with the same lag and a full enough window) are worked out once."""
        changed = False
        held = len(times)
        shared_at, shared = -1, None
        for group in self._groups:
            count = group.window if group.window < held else held
            eval_index = count - 1 - group.lag
            if eval_index < 0:
                eval_index = 0
            at = held - count + eval_index  # the evaluation time's place in ``times``
            if at != shared_at:
                t_eval = times[at]
                shared_at, shared = at, [t - t_eval for t in times]
            offsets = shared[held - count:]
            stored = group.offsets
            if (
                eval_index != group.eval_index
                or len(stored) != count
                or max(map(abs, map(sub, offsets, stored))) > WEIGHT_REUSE_TOLERANCE * (times[-1] - times[held - count])
            ):
                group.weights = fit_weights(np.fromiter(times[held - count:], float, count), group.polyorder, eval_index)
                group.offsets = offsets
                group.eval_index = eval_index
                changed = True
        return changed
