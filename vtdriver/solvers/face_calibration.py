"""Per-user calibration of the face features: automatic (running) and explicit (a profile).

Automatic, in the spirit of OpenSeeFace's feature normaliser: a relaxed face is what a face
does most of the time, so the running median of each feature is its neutral, and the furthest
excursion seen (slowly forgotten) is its range. ``RunningCalibration`` keeps one sample every
``sample_every`` frames for ``history`` samples (about a minute at 30 fps), and blends from
the population priors to the running estimate over ``warmup`` samples, so a new face works on
the first frame and settles within a few seconds. Ranges only ever shrink towards what this
person actually reaches, never below ``min_range_scale`` of the prior range, so noise never
becomes a full expression.

Explicit: ``FaceCalibrator`` collects a few seconds per phase (neutral; optionally mouth wide
open and eyes closed) and produces a ``CalibrationProfile`` (neutral per feature, jaw / lip
travel, closed-lid height) that ``save_profile`` writes as TOML and ``load_profile`` reads.
"""
from __future__ import annotations

import math
from operator import itemgetter

import numpy as np

from vtdriver.numeric import all_finite
from vtdriver.solvers import face_priors as pr
from vtdriver.solvers.face_blendshapes import MIN_SCALE
from vtdriver.solvers.face_features import FEATURE_INDEX, FEATURE_NAMES, NUM_FEATURES

# Features whose range may adapt, with the prior range each is measured against.
_ADAPTIVE_RANGE = {
    "jaw_drop": pr.JAW_RANGE,
    "lip_gap": pr.LIP_GAP_RANGE,
    "corner_out_r": pr.CORNER_WIDEN_RANGE,
    "corner_out_l": pr.CORNER_WIDEN_RANGE,
    "corner_lift_r": pr.CORNER_LIFT_RANGE,
    "corner_lift_l": pr.CORNER_LIFT_RANGE,
    "brow_inner_r": pr.BROW_UP_RANGE,
    "brow_inner_l": pr.BROW_UP_RANGE,
    "brow_outer_r": pr.BROW_UP_RANGE,
    "brow_outer_l": pr.BROW_UP_RANGE,
}
_ADAPTIVE_INDEX = np.array([FEATURE_INDEX[name] for name in _ADAPTIVE_RANGE])
_ADAPTIVE_PRIOR_LIST = list(_ADAPTIVE_RANGE.values())
_ADAPTIVE_INDEX_LIST = _ADAPTIVE_INDEX.tolist()
ADAPTIVE_INDEX: tuple[int, ...] = tuple(_ADAPTIVE_INDEX_LIST)  # the features whose range_scale may differ from 1
_adaptive_values = itemgetter(*_ADAPTIVE_INDEX_LIST)


def _row_median(samples: np.ndarray) -> np.ndarray:
    """``np.median(samples, axis=1)`` of finite samples (one feature per row), as numpy
    computes it (the middle order statistic, or the mean of the middle two: their sum halved)
    without its generic wrapper, which cost several times the partition itself. Along rows
    the partition runs on contiguous values: a quarter fewer instructions than down columns."""
    count = samples.shape[1]
    half = count // 2
    if count % 2:
        return np.partition(samples, half, axis=1)[:, half]
    middle = np.partition(samples, (half - 1, half), axis=1)
    return (middle[:, half - 1] + middle[:, half]) / 2.0


class RunningCalibration:
    """Running neutral (median) and range scale per feature. ``update`` takes one feature
    vector per frame; ``neutral`` / ``range_scale`` are what the blendshapes should use now.

    Both are worked out in ``update`` and kept (read-only): the neutral only moves when a
    sample is taken, and the solver reads both every frame. Samples live in a preallocated
    ring (the median does not depend on their order)."""

    def __init__(self, base_neutral: np.ndarray, *, history: int = 120, sample_every: int = 15,
                 warmup: int = 20, min_range_scale: float = 0.6, range_decay: float = 0.01):
        self._base = np.array(base_neutral, dtype=float)
        self._ring = np.empty((NUM_FEATURES, max(int(history), 1)))  # a column per sample
        self._count = 0  # samples held, up to the ring's length
        self._sample_every = max(int(sample_every), 1)
        self._warmup = max(int(warmup), 1)
        self._min_range_scale = float(min_range_scale)
        self._peak_keep = 1.0 - float(range_decay)
        self._frames = 0
        self._median = self._base.copy()
        self._peak = list(_ADAPTIVE_PRIOR_LIST)  # furthest recent excursion per adaptive feature
        self._neutral = self._blend_neutral()
        self._adaptive_scales = self._blend_scales()
        self._range_scale: np.ndarray | None = None  # built from _adaptive_scales when read
        self._adaptive_deviation: list[float] | None = None

    @property
    def samples(self) -> int:
        return self._count

    def _confidence(self) -> float:
        confidence = self._count / self._warmup
        return 1.0 if 1.0 < confidence else confidence  # min(confidence, 1.0)

    def update(self, features: np.ndarray | list[float], *, finite: bool = False) -> None:
        """One frame's feature vector: an array, or (cheaper, as the solver has one) a flat
        list of floats. ``finite``: the caller vouches that every value is finite (as
        ``feature_values`` makes them), which skips the check."""
        self._adaptive_deviation = None
        if isinstance(features, list):
            values = features
            if len(values) != NUM_FEATURES:
                return
        else:
            features = np.asarray(features, dtype=float)
            if features.shape != (NUM_FEATURES,):
                return
            values = features.tolist()
        # The float sum is finite unless a value is not (or the sum overflows: then the
        # exact check).
        if not finite and not math.isfinite(sum(values)) and not all_finite(np.array(values, dtype=float)):
            return
        if self._frames % self._sample_every == 0:
            history = self._ring.shape[1]
            slot = (self._frames // self._sample_every) % history
            self._ring[:, slot] = values
            self._count = min(self._count + 1, history)
            self._median = _row_median(self._ring[:, : self._count])
            self._neutral = self._blend_neutral()
        self._frames += 1
        # The peak starts at the prior range and is forgotten slowly, so a few seconds of
        # small movement shrink the range only a little. Ten adaptive features: plain floats
        # cost less than the dozen numpy calls it took on arrays. ``a if a > b else b`` is
        # max(b, a) (the first argument on a tie or a NaN) without a call per value. Each
        # new peak gives its feature's scale in the same pass.
        # And the frame's deviation (value - neutral) / max(scale, 1e-3), which the blendshapes
        # read, from the same difference.
        confidence = self._count / self._warmup  # _confidence(), without the call
        confidence = 1.0 if 1.0 < confidence else confidence
        keep, low = self._peak_keep, self._min_range_scale
        peaks, scales, deviations = [], [], []
        for value, neutral, peak, prior in zip(_adaptive_values(values), self._neutral_adaptive, self._peak,
                                               _ADAPTIVE_PRIOR_LIST):
            deviation = value - neutral
            excursion, kept = abs(deviation), peak * keep
            peak = kept if kept > excursion else excursion
            peaks.append(peak)
            ratio = peak / prior
            ratio = low if low > ratio else ratio  # max(ratio, low)
            ratio = 1.0 if 1.0 < ratio else ratio  # min(ratio, 1.0)
            scale = 1.0 + confidence * (ratio - 1.0)
            scales.append(scale)
            deviations.append(deviation / (MIN_SCALE if scale < MIN_SCALE else scale))  # np.maximum keeps a NaN
        self._peak = peaks
        self._adaptive_scales = scales
        self._adaptive_deviation = deviations
        self._range_scale = None

    def _blend_neutral(self) -> np.ndarray:
        neutral = self._base + self._confidence() * (self._median - self._base)
        neutral.setflags(write=False)
        self._neutral_adaptive = neutral[_ADAPTIVE_INDEX].tolist()
        self._neutral_values = neutral.tolist()
        return neutral

    def _blend_scales(self) -> list[float]:
        confidence, low = self._confidence(), self._min_range_scale
        scales = []
        for peak, prior in zip(self._peak, _ADAPTIVE_PRIOR_LIST):
            ratio = peak / prior
            ratio = low if low > ratio else ratio  # max(ratio, low)
            ratio = 1.0 if 1.0 < ratio else ratio  # min(ratio, 1.0)
            scales.append(1.0 + confidence * (ratio - 1.0))
        return scales

    @property
    def neutral(self) -> np.ndarray:
        return self._neutral

    @property
    def neutral_values(self) -> list[float]:
        """``neutral`` as a list of floats (for per-frame float code; do not modify)."""
        return self._neutral_values

    @property
    def range_scale(self) -> np.ndarray:
        """Per-feature multiplier (FEATURE_NAMES order) for the prior ranges: 1 but for the
        ``ADAPTIVE_INDEX`` features."""
        if self._range_scale is None:
            scale = [1.0] * NUM_FEATURES
            for i, value in zip(_ADAPTIVE_INDEX_LIST, self._adaptive_scales):
                scale[i] = value
            array = np.fromiter(scale, float, NUM_FEATURES)
            array.setflags(write=False)
            self._range_scale = array
        return self._range_scale

    @property
    def adaptive_deviation(self) -> list[float] | None:
        """For the frame ``update`` took last (None if it was rejected): (feature - neutral) /
        max(range_scale, 1e-3) of the ``ADAPTIVE_INDEX`` features, floats (do not modify)."""
        return self._adaptive_deviation

    @property
    def adaptive_scales(self) -> list[float]:
        """``range_scale`` of the ``ADAPTIVE_INDEX`` features, as floats (do not modify): the
        per-frame code divides only those, as a division by the others' 1.0 changes nothing."""
        return self._adaptive_scales


def feature_vector(values: dict[str, float], fallback: np.ndarray | None = None) -> np.ndarray:
    """A ``FEATURE_NAMES`` vector from a name -> value mapping; missing names take
    ``fallback`` (default: the population prior)."""
    out = pr.neutral_prior() if fallback is None else np.array(fallback, dtype=float)
    for name, value in values.items():
        if name in FEATURE_INDEX:
            out[FEATURE_INDEX[name]] = float(value)
    return out


def features_dict(vector: np.ndarray) -> dict[str, float]:
    return {name: float(vector[i]) for i, name in enumerate(FEATURE_NAMES)}
