"""Per-finger states (extended / half / curled) with hysteresis.

Each finger's feature (``curl`` for the four fingers, ``-thumb_out`` for the thumb: larger
means more closed for both) is compared with two boundaries. A finger leaves its current state
only when the feature crosses a boundary by more than the hysteresis margin, so a finger
hovering on a boundary does not flicker between two states.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

from vtdriver.gestures.features import HandFeatures

EXTENDED, HALF, CURLED = "extended", "half", "curled"
STATES = (EXTENDED, HALF, CURLED)  # index = how closed the finger is
# The state names of every combination of five levels: looked up, not rebuilt, every frame.
_NAMED = {levels: tuple(STATES[level] for level in levels) for levels in itertools.product(range(3), repeat=5)}


def levels_with_hysteresis(
    values: Sequence[float],
    boundaries: Sequence[Sequence[float]],
    margins: Sequence[float],
    previous: Sequence[int] | None,
) -> tuple[int, ...]:
    """State levels (0 = extended, 1 = half, 2 = curled) of each value.

    ``values`` (F,), ``boundaries`` (F, 2) ascending (low, high), ``margins`` (F,). With no
    previous state the plain boundaries decide; otherwise every boundary is pushed away from
    the previous state by the margin, so changing state takes a clear move.

    Plain floats: five fingers and two boundaries are ten comparisons, which numpy would
    spend a dozen calls on."""
    if previous is None:
        return tuple((value > low) + (value > high) for value, (low, high) in zip(values, boundaries))
    levels = []
    for value, (low, high), margin, level in zip(values, boundaries, margins, previous):
        # Boundary j lies above the previous state when the previous level is j or lower: it
        # moves up by the margin, else down.
        low += margin if level <= 0 else -margin
        high += margin if level <= 1 else -margin
        levels.append((value > low) + (value > high))
    return tuple(levels)


class FingerStateTracker:
    """The five finger states of one hand, thumb first, remembered between frames for the
    hysteresis. ``reset`` when the hand is lost so a returning hand starts fresh."""

    def __init__(self, settings):
        thumb = (-float(settings.thumb_extended_above), -float(settings.thumb_curled_below))
        finger = (float(settings.finger_extended_below_deg), float(settings.finger_curled_above_deg))
        self._boundaries = (thumb,) + (finger,) * 4
        self._margins = (float(settings.thumb_hysteresis),) + (float(settings.finger_hysteresis_deg),) * 4
        # levels_with_hysteresis' boundaries (low, high per finger, flat) after each combination
        # of previous levels, made once: every frame then compares ten numbers.
        shifted = [
            [
                (low + (margin if level <= 0 else -margin), high + (margin if level <= 1 else -margin))
                for level in range(3)
            ]
            for (low, high), margin in zip(self._boundaries, self._margins)
        ]
        self._after = {
            levels: tuple(itertools.chain(*(shifted[finger][level] for finger, level in enumerate(levels))))
            for levels in _NAMED
        }
        self._plain = tuple(itertools.chain(*self._boundaries))
        self._levels: tuple[int, ...] | None = None

    def reset(self) -> None:
        self._levels = None

    def update(self, features: HandFeatures) -> tuple[str, ...]:
        thumb = -features.thumb_out
        index, middle, ring, little = features.curl
        a0, b0, a1, b1, a2, b2, a3, b3, a4, b4 = self._plain if self._levels is None else self._after[self._levels]
        levels = self._levels = (
            (thumb > a0) + (thumb > b0),
            (index > a1) + (index > b1),
            (middle > a2) + (middle > b2),
            (ring > a3) + (ring > b3),
            (little > a4) + (little > b4),
        )
        return _NAMED[levels]


def classify_states(features: HandFeatures, settings) -> tuple[str, ...]:
    """The states of a single frame with no history (photos)."""
    return FingerStateTracker(settings).update(features)
