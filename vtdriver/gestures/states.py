"""Per-finger states (extended / half / curled) with hysteresis.

Each finger's feature (``curl`` for the four fingers, ``-thumb_out`` for the thumb: larger
means more closed for both) is compared with two boundaries. A finger leaves its current state
only when the feature crosses a boundary by more than the hysteresis margin, so a finger
hovering on a boundary does not flicker between two states.
"""
from __future__ import annotations

import numpy as np

from vtdriver.gestures.features import HandFeatures

EXTENDED, HALF, CURLED = "extended", "half", "curled"
STATES = (EXTENDED, HALF, CURLED)  # index = how closed the finger is


def levels_with_hysteresis(
    values: np.ndarray, boundaries: np.ndarray, margins: np.ndarray, previous: np.ndarray | None
) -> np.ndarray:
    """State levels (0 = extended, 1 = half, 2 = curled) of each value.

    ``values`` (F,), ``boundaries`` (F, 2) ascending, ``margins`` (F,). With no previous state
    the plain boundaries decide; otherwise every boundary is pushed away from the previous
    state by the margin, so changing state takes a clear move."""
    values = np.asarray(values, dtype=float)[:, None]
    boundaries = np.asarray(boundaries, dtype=float)
    if previous is None:
        return np.sum(values > boundaries, axis=1)
    boundary_index = np.arange(boundaries.shape[1])[None, :]
    below_boundary = np.asarray(previous)[:, None] <= boundary_index
    shifted = boundaries + np.where(below_boundary, 1.0, -1.0) * np.asarray(margins, dtype=float)[:, None]
    return np.sum(values > shifted, axis=1)


class FingerStateTracker:
    """The five finger states of one hand, thumb first, remembered between frames for the
    hysteresis. ``reset`` when the hand is lost so a returning hand starts fresh."""

    def __init__(self, settings):
        self._boundaries = np.array(
            [[-settings.thumb_extended_above, -settings.thumb_curled_below]]
            + [[settings.finger_extended_below_deg, settings.finger_curled_above_deg]] * 4
        )
        self._margins = np.array([settings.thumb_hysteresis] + [settings.finger_hysteresis_deg] * 4)
        self._levels: np.ndarray | None = None

    def reset(self) -> None:
        self._levels = None

    def update(self, features: HandFeatures) -> tuple[str, ...]:
        values = np.concatenate(([-features.thumb_out], features.curl))
        self._levels = levels_with_hysteresis(values, self._boundaries, self._margins, self._levels)
        return tuple(STATES[level] for level in self._levels)


def classify_states(features: HandFeatures, settings) -> tuple[str, ...]:
    """The states of a single frame with no history (photos)."""
    return FingerStateTracker(settings).update(features)
