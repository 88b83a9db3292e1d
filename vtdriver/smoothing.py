"""Streaming smoothing of landmark and weight streams.

- ``SavitzkyGolayStream``: a causal Savitzky-Golay filter on whole arrays (any shape, e.g.
  (33, 3) landmarks or a vector of 52 blendshape weights). Each output fits a polynomial of
  degree ``polyorder`` by least squares to the last ``window`` samples *at their true
  timestamps* and evaluates it ``lag_frames`` samples back from the newest one. With uniform
  timestamps the weights equal ``scipy.signal.savgol_coeffs(window, polyorder,
  pos=window - 1 - lag_frames, use="dot")``; with dropped or jittery frames the fit still sees
  the real sample times, so a constant velocity stays a straight line.
- ``LandmarkSmoother``: one per tracked part; smooths the x, y, z columns and passes any further
  column (visibility) through unchanged.
- What a part does while it is not tracked (hold, ease to rest, blend back in) is
  ``vtdriver.loss_easing``.

Why causal SG rather than a one-euro or exponential filter: a polynomial fit of degree >= 1
follows a constant velocity with zero lag, so smoothing does not make the avatar trail the
streamer; ``lag_frames`` buys extra smoothness explicitly, one frame of latency at a time.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vtdriver.numeric import all_finite
from vtdriver.settings import setting


@dataclass(frozen=True)
class SmoothingSettings:
    """One part's smoothing (the lead wires one table per part: body, hands, face)."""

    window: int = setting(9, "samples in the Savitzky-Golay fit (odd); 1 turns smoothing off", min=1)
    polyorder: int = setting(1, "degree of the fitted polynomial; >= 1 follows constant velocity with no lag", min=0)
    lag_frames: int = setting(0, "evaluate the fit this many frames back: more smoothing, more latency", min=0)
    max_gap_seconds: float = setting(0.25, "a longer gap between samples restarts the filter instead of bridging it", min=0, min_exclusive=True)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the offending key; the config loader reports it as is."""
        for key in ("window", "polyorder", "lag_frames"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{key} must be an integer, got {value!r}")
        if self.window < 1 or self.window % 2 == 0:
            raise ValueError(f"window must be an odd number >= 1, got {self.window}")
        if self.polyorder < 0:
            raise ValueError(f"polyorder must be >= 0, got {self.polyorder}")
        if self.polyorder >= self.window:
            raise ValueError(f"polyorder ({self.polyorder}) must be smaller than window ({self.window})")
        if not 0 <= self.lag_frames < self.window:
            raise ValueError(f"lag_frames must be in [0, window - 1] = [0, {self.window - 1}], got {self.lag_frames}")
        if not (np.isfinite(self.max_gap_seconds) and self.max_gap_seconds > 0):
            raise ValueError(f"max_gap_seconds must be a positive number, got {self.max_gap_seconds}")


def savgol_weights(times: np.ndarray, polyorder: int, eval_index: int) -> np.ndarray:
    """Least-squares polynomial weights: ``weights @ samples`` is the degree-``polyorder`` fit
    through (times, samples) evaluated at ``times[eval_index]``. The degree is capped at
    len(times) - 1, so a short history is still fitted exactly."""
    times = np.asarray(times, dtype=float)
    degree = min(polyorder, len(times) - 1)
    offsets = times - times[eval_index]
    # Scaling by the span keeps the Vandermonde matrix well conditioned whatever the frame rate.
    span = float(np.ptp(times))
    scaled = offsets / span if span > 0 else offsets
    vandermonde = scaled[:, None] ** np.arange(degree + 1)[None, :]
    # Row 0 of the pseudo-inverse maps samples to the constant coefficient, i.e. the fit's
    # value at the evaluation time (where the scaled offset is zero).
    return np.linalg.pinv(vandermonde)[0]


# Sample times whose offsets from the evaluation time differ from the cached ones by at most
# this fraction of the window's span, root-sum-square over the window, reuse the cached weights.
# Replays, files and steady cameras give the same offsets every frame up to float rounding
# (~1e-15 of the span); a real jitter of even a microsecond on a 300 ms window is 3e-6, far
# above it, and gets fresh weights.
_WEIGHT_REUSE_TOLERANCE = 1e-9


def _fit_weights(times: np.ndarray, polyorder: int, eval_index: int) -> np.ndarray:
    """``savgol_weights`` through the normal equations: equal up to float rounding (the scaled
    Vandermonde matrix is well conditioned and has full column rank for distinct times) and a
    few times cheaper than an SVD-based pseudo-inverse."""
    degree = min(polyorder, len(times) - 1)
    offsets = times - times[eval_index]
    span = times[-1] - times[0]
    scaled = offsets / span if span > 0 else offsets
    vandermonde = scaled[:, None] ** np.arange(degree + 1)[None, :]
    transposed = vandermonde.T
    try:
        return np.linalg.solve(transposed @ vandermonde, transposed)[0]
    except np.linalg.LinAlgError:
        return savgol_weights(times, polyorder, eval_index)


class FitWeightCache:
    """The fit weights for one stream's recent sample times, recomputed only when the times'
    offsets from the evaluation time change (beyond ``_WEIGHT_REUSE_TOLERANCE``): a steady
    camera or a replay computes them once per history length, not once per frame.

    The check runs on every frame of every stream, so it is one ``math.dist`` over plain
    Python floats (for the <= ~15 times of a window cheaper than any numpy call, and a
    quarter of an element-wise maximum in Python); it is the same arithmetic on every frame,
    so whether weights are reused never depends on how they were last computed."""

    def __init__(self, polyorder: int, lag_frames: int):
        self._polyorder = polyorder
        self._lag = lag_frames
        self._offsets: list[float] = []
        self._eval_index = -1
        self._weights: np.ndarray | None = None

    def weights(self, times: Sequence[float], offsets: list[float] | None = None) -> np.ndarray:
        """Weights (oldest first) for ``times``, the newest samples' times in order.
        ``offsets``: each time minus the evaluation time (``lag_frames`` before the newest, or
        the oldest), if the caller already has them: streams with one time line and several
        windows work them out once for the longest and pass the tail (the same floats)."""
        count = len(times)
        eval_index = count - 1 - self._lag
        if eval_index < 0:
            eval_index = 0
        if offsets is None:
            t_eval = times[eval_index]
            offsets = [t - t_eval for t in times]
        if (
            eval_index != self._eval_index
            or len(self._offsets) != count
            or math.dist(offsets, self._offsets) > _WEIGHT_REUSE_TOLERANCE * (times[-1] - times[0])
        ):
            self._weights = _fit_weights(np.fromiter(times, float, count), self._polyorder, eval_index)
            self._offsets = offsets
            self._eval_index = eval_index
        return self._weights


class SavitzkyGolayStream:
    """Causal SG filter over arrays of a fixed shape. Feed one sample per frame with its time;
    ``None`` (part not tracked) resets it, as does a time gap above ``max_gap_seconds``, a
    time going backwards or a change of shape: the filter never bridges a gap.

    Cost per frame is constant and small: the history is a buffer of ``2 * window`` rows
    written front to back, so the last ``window`` samples are always one contiguous block and
    the output is one matrix-vector product. When the buffer is full its newest
    ``window - 1`` rows move to the front, one block copy every ``window + 1`` frames instead of
    a second write on every frame. The fit weights come from a ``FitWeightCache``."""

    def __init__(self, settings: SmoothingSettings):
        settings.validate()
        self._settings = settings
        self._window = settings.window
        self._max_gap = settings.max_gap_seconds
        self._times: deque[float] = deque(maxlen=settings.window)
        self._shape: tuple[int, ...] | None = None
        self._history: np.ndarray | None = None  # (2 * window, *shape)
        self._rows: np.ndarray | None = None  # the same buffer as (2 * window, samples' size)
        self._next = 0  # the row the next sample goes to
        self._fit = FitWeightCache(settings.polyorder, settings.lag_frames)

    @property
    def settings(self) -> SmoothingSettings:
        return self._settings

    def reset(self) -> None:
        self._times.clear()
        self._next = 0

    def __len__(self) -> int:
        return len(self._times)

    def update(self, sample: np.ndarray | None, t: float) -> np.ndarray | None:
        """The smoothed value for this frame (a new array), or None when ``sample`` is None.

        Non-finite entries are replaced by the newest finite value of the same entry in the
        history; with no history to borrow from the sample counts as a drop-out (None)."""
        if sample is None:
            self.reset()
            return None
        sample = np.asarray(sample, dtype=float)
        return self.update_checked(sample, t, all_finite(sample))

    def update_checked(self, sample: np.ndarray, t: float, finite: bool) -> np.ndarray | None:
        """``update`` for a float array whose finiteness the caller already knows (the
        landmark smoother checks the contiguous whole rows, not the strided x, y, z)."""
        if not math.isfinite(t):
            self.reset()
            return None
        times = self._times
        if times and (t - times[-1] > self._max_gap or t <= times[-1] or sample.shape != self._shape):
            self.reset()
        if not finite:
            if not times:
                return None
            sample = np.where(np.isfinite(sample), sample, self._history[self._next - 1])
        if sample.shape != self._shape:
            self._shape = sample.shape
            self._history = np.empty((2 * self._window, *sample.shape))
            self._rows = self._history.reshape(2 * self._window, -1)
        row = self._next
        if row == len(self._history):
            # Full: keep the newest window - 1 samples, now at the front.
            keep = self._window - 1
            self._history[:keep] = self._history[row - keep: row]
            row = keep
        # A copy: the history never aliases the caller's array.
        self._history[row] = sample
        self._next = row + 1
        times.append(float(t))
        recent = self._rows[row + 1 - len(times): row + 1]
        return self._fit.weights(times).dot(recent).reshape(self._shape)


class LandmarkSmoother:
    """Per-part landmark smoothing. ``points`` is (N, 3) or (N, 4); only x, y, z are smoothed.
    The visibility column passes through unsmoothed: it is a confidence, not a position, and a
    polynomial fit could push it outside [0, 1]."""

    def __init__(self, settings: SmoothingSettings):
        self._filter = SavitzkyGolayStream(settings)

    def reset(self) -> None:
        self._filter.reset()

    def smooth(self, points: np.ndarray | None, t: float, finite: bool = False) -> np.ndarray | None:
        """``finite``: the caller has already found every value of ``points`` finite (the
        handedness check does for both hands), so they are not checked again."""
        if points is None:
            self._filter.reset()
            return None
        points = np.asarray(points, dtype=float)
        xyz = points if points.shape[-1] <= 3 else points[..., :3]
        # Finite whole rows (the usual case) are checked in one product over contiguous memory;
        # only otherwise are x, y, z checked on their own (a NaN visibility is not a drop-out).
        finite = finite or all_finite(points) or (xyz is not points and all_finite(xyz))
        smoothed = self._filter.update_checked(xyz, t, finite)
        if smoothed is None or xyz is points:
            return smoothed
        out = np.array(points, dtype=float)
        out[..., :3] = smoothed
        return out


__all__ = [
    "FitWeightCache",
    "LandmarkSmoother",
    "SavitzkyGolayStream",
    "SmoothingSettings",
    "savgol_weights",
]
