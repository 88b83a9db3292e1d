"""Gesture patterns: declarative descriptions of a hand shape, and picking the one that fits.

A one-hand pattern constrains any of: each finger's state (extended / half / curled, or a list
of allowed states), the direction a finger points (``thumb_points = "up"``), and fingertips
that touch (``touch = ["thumb", "index"]``). Unconstrained fingers may do anything.

A two-hand pattern names one one-hand gesture per hand (``left``/``right``, or ``both``).

When several patterns fit, the most specific wins: specificity counts one per constrained
finger and per direction, two per touch (a touch pins two fingers). An explicit ``priority``
beats specificity; among equals the pattern written first wins.

While a gesture is held, a frame that no longer matches it is either a *clear contradiction*
(``HandPattern.contradicts``: some finger is in a definite state the pattern does not allow,
a direction or a touch is broken by more than its hysteresis) or merely ambiguous (a finger in
the "half" band): only clear contradictions end a held gesture, so a thumb hovering between
"out" and "folded" does not make a thumbs up exit and re-enter.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from vtdriver import coords
from vtdriver.gestures.features import FINGER_NAMES, HandFeatures
from vtdriver.gestures.states import HALF, STATES

DIRECTIONS = coords.SUBJECT_DIRECTIONS


@dataclass(frozen=True)
class HandPattern:
    name: str
    fingers: dict[str, frozenset[str]]  # finger -> allowed states (constrained fingers only)
    directions: dict[str, str] = field(default_factory=dict)  # finger -> direction name
    tolerance_deg: float | None = None  # None: the [gestures] default
    touches: tuple[tuple[str, str], ...] = ()
    priority: int = 0
    order: int = 0

    def __post_init__(self) -> None:
        # Finger names resolved to indices once: every pattern is tried on every hand of
        # every frame. (Derived attributes, not fields: equality and repr stay the fields'.)
        index = FINGER_NAMES.index
        object.__setattr__(self, "_finger_checks", tuple((index(f), allowed) for f, allowed in self.fingers.items()))
        directions = tuple((index(f), tuple(DIRECTIONS[d].tolist())) for f, d in self.directions.items())
        object.__setattr__(self, "_direction_checks", directions)
        object.__setattr__(self, "_touch_checks", tuple((index(a), index(b)) for a, b in self.touches))
        # No direction or touch constraint: the finger states alone decide.
        object.__setattr__(self, "_states_only", not (self._direction_checks or self._touch_checks))

    @property
    def specificity(self) -> int:
        constrained = sum(1 for allowed in self.fingers.values() if len(allowed) < len(STATES))
        return constrained + len(self.directions) + 2 * len(self.touches)

    def matches(self, states: tuple[str, ...], features: HandFeatures, settings) -> bool:
        return self.fits_states(states) and self._fits_features(features, settings)

    def fits_states(self, states: tuple[str, ...]) -> bool:
        """Whether every constrained finger is in an allowed state."""
        return all(states[finger] in allowed for finger, allowed in self._finger_checks)

    def _fits_features(self, features: HandFeatures, settings) -> bool:
        """The direction and touch constraints."""
        if self._direction_checks:
            tolerance = self.tolerance_deg if self.tolerance_deg is not None else settings.direction_tolerance_deg
            # math on one float, not numpy: the same cosine (libm's), without a numpy scalar
            # call and a numpy scalar to compare against on every hand in the pattern's states.
            if not self._points_within(features, math.cos(math.radians(tolerance))):
                return False
        # Only a touch reads the tip distances (computed on first use, features.py).
        return not self._touch_checks or not any(
            features.tip_distance[a][b] >= settings.touch_distance for a, b in self._touch_checks
        )

    def contradicts(self, states: tuple[str, ...], features: HandFeatures, settings) -> bool:
        """True when this frame clearly rules the pattern out: a constrained finger sits in a
        definite state (extended or curled) that the pattern does not allow, a constrained
        finger points more than ``direction_hysteresis_deg`` outside its cone, or touching
        tips are more than ``touch_hysteresis`` beyond the touch distance. A finger in the
        "half" band never contradicts on its own: it could be on its way to either side."""
        for finger, allowed in self._finger_checks:
            state = states[finger]
            if state not in allowed and state != HALF:
                return True
        if self._direction_checks:
            tolerance = self.tolerance_deg if self.tolerance_deg is not None else settings.direction_tolerance_deg
            cos_limit = math.cos(math.radians(min(tolerance + settings.direction_hysteresis_deg, 180.0)))
            if not self._points_within(features, cos_limit):
                return True
        release = settings.touch_distance + settings.touch_hysteresis
        return any(features.tip_distance[a][b] >= release for a, b in self._touch_checks)

    def _points_within(self, features: HandFeatures, cos_limit: float) -> bool:
        """Whether every constrained finger points within the cone of cosine ``cos_limit``
        (the dot product of two 3-vectors on floats, as np.dot sums it)."""
        for finger, (x, y, z) in self._direction_checks:
            px, py, pz = features.directions[finger]
            if px * x + py * y + pz * z < cos_limit:
                return False
        return True


@dataclass(frozen=True)
class TwoHandPattern:
    name: str
    left: str
    right: str
    priority: int = 0
    order: int = 0


@dataclass(frozen=True)
class GestureTiming:
    """Per-gesture overrides of the [gestures] timing defaults, in milliseconds (None: default)."""

    enter_ms: float | None = None
    exit_ms: float | None = None
    cooldown_ms: float | None = None


@dataclass(frozen=True)
class GestureSet:
    hand_patterns: tuple[HandPattern, ...]
    two_hand_patterns: tuple[TwoHandPattern, ...] = ()
    timing: dict[str, GestureTiming] = field(default_factory=dict)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.hand_patterns) | frozenset(p.name for p in self.two_hand_patterns)

    def hand_pattern(self, name: str) -> HandPattern | None:
        return self._hand_by_name.get(name)

    def two_hand_pattern(self, name: str) -> TwoHandPattern | None:
        return next((p for p in self.two_hand_patterns if p.name == name), None)

    def is_two_hand(self, name: str) -> bool:
        return any(p.name == name for p in self.two_hand_patterns)

    def __post_init__(self) -> None:
        # For each combination of finger states, the patterns whose finger constraints it
        # meets, best first (classify's order): classify runs for every hand of every frame,
        # and the finger states alone rule most patterns out. A derived table, not a field.
        ranked = sorted(self.hand_patterns, key=lambda p: (p.priority, p.specificity, -p.order), reverse=True)
        table = {
            states: tuple(p for p in ranked if p.fits_states(states))
            for states in itertools.product(STATES, repeat=len(FINGER_NAMES))
        }
        object.__setattr__(self, "_candidates", table)
        by_name: dict[str, HandPattern] = {}
        for pattern in self.hand_patterns:  # the first of a name, as a scan would find
            by_name.setdefault(pattern.name, pattern)
        object.__setattr__(self, "_hand_by_name", by_name)
        # The two-hand gesture of each pair of one-hand gestures, looked up every frame both
        # hands are tracked: the best key wins, the first written among equals.
        two_hand: dict[tuple[str, str], tuple[tuple[int, int], str]] = {}
        for pattern in self.two_hand_patterns:
            key, pair = (pattern.priority, -pattern.order), (pattern.left, pattern.right)
            if pair not in two_hand or key > two_hand[pair][0]:
                two_hand[pair] = (key, pattern.name)
        object.__setattr__(self, "_two_hand", {pair: name for pair, (_, name) in two_hand.items()})

    def classify(self, states: tuple[str, ...], features: HandFeatures, settings) -> str | None:
        """The best-fitting one-hand gesture, or None."""
        candidates = self._candidates.get(states)
        if candidates is not None:
            # sorted() is stable, so among equal keys the pattern met first still wins.
            for pattern in candidates:
                if pattern._states_only or pattern._fits_features(features, settings):
                    return pattern.name
            return None
        best = None
        best_key = None
        for pattern in self.hand_patterns:
            if not pattern.matches(states, features, settings):
                continue
            key = (pattern.priority, pattern.specificity, -pattern.order)
            if best_key is None or key > best_key:
                best, best_key = pattern.name, key
        return best

    def classify_two_hand(self, left: str | None, right: str | None) -> str | None:
        """The two-hand gesture formed by the two hands' current gestures, or None."""
        return self._two_hand.get((left, right))
