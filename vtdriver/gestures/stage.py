"""The hands stage: handedness check, finger bones, gesture recognition and debounced events
for one frame of (smoothed) landmarks. Window mode throughout: "left" is the subject's own
left hand, which drives the avatar's left hand; ``coords.apply_mirror`` swaps later.

What a streamer wants from gestures is that they mean it: a frame may start a gesture only when
the hand is roughly still (``still_below_speed``) and seen clearly (not edge-on,
``edge_on_below``); a held gesture ends only on a clear contradiction in a clearly seen hand
(``HandPattern.contradicts``), on ``ambiguous_exit_ms`` without a match, or when the hand is lost.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from vtdriver.frame import GestureEvent, Landmarks
from vtdriver.gestures.actions import GestureActions
from vtdriver.gestures.events import GestureDebouncer
from vtdriver.gestures.features import features_of_rows
from vtdriver.gestures.motion import HandMotion
from vtdriver.gestures.patterns import GestureSet
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.gestures.states import FingerStateTracker
from vtdriver.solvers.fingers import finger_bones_of_frames
from vtdriver.solvers.hand_frame import HandFrame, hand_frames
from vtdriver.solvers.handedness import HandednessCheck

SIDES = ("left", "right")
_HANDS = SIDES + ("both",)
@dataclass
class HandsResult:
    bones: Mapping[str, np.ndarray] = field(default_factory=dict)  # the finger bones of tracked hands
    gestures: dict[str, str | None] = field(default_factory=lambda: {"left": None, "right": None, "both": None})
    events: list[GestureEvent] = field(default_factory=list)
    tracked: dict[str, bool] = field(default_factory=lambda: {"left": False, "right": False})
    observed: dict[str, str | None] = field(default_factory=dict)  # this frame's raw guess, before debouncing
    can_enter: dict[str, bool] = field(default_factory=dict)  # still and clearly seen this frame


class HandsStage:
    """One per landmark stream. ``process`` once per frame, in time order."""

    def __init__(
        self,
        settings: HandsSettings,
        gesture_set: GestureSet,
        actions: GestureActions | None = None,
        gesture_settings: GestureSettings | None = None,
    ):
        self.settings = settings
        self.gesture_settings = gesture_settings or GestureSettings()
        self.gesture_set = gesture_set
        hold = actions.hold_intervals() if actions is not None else {}
        self.handedness = HandednessCheck(settings.handedness_margin, settings.handedness_max_distance)
        window_s = self.gesture_settings.speed_window_ms / 1000.0
        # Per side: its finger states and its motion.
        self._sides = tuple((side, FingerStateTracker(self.gesture_settings), HandMotion(window_s)) for side in SIDES)
        # Left, right, both.
        self._debouncers = tuple(GestureDebouncer(hand, self.gesture_settings, gesture_set.timing, hold) for hand in _HANDS)
        self._speed_limit = self.gesture_settings.still_below_speed
        self._no_speed_limit = self._speed_limit <= 0

    def correct_handedness(self, lm: Landmarks) -> Landmarks:
        """The handedness check alone: the pipeline should call this *before* landmark
        smoothing, so a swapped frame never mixes the two hands' filter histories.
        ``process`` runs it itself unless told the landmarks are already checked."""
        return self.handedness.correct(lm) if self.settings.check_handedness else lm

    def process(
        self, lm: Landmarks, handedness_checked: bool = False, hands: dict[str, HandFrame | None] | None = None
    ) -> HandsResult:
        """``handedness_checked``: ``correct_handedness`` already ran on this frame (checking
        twice would also overwrite its memory of the raw wrists with smoothed ones).
        ``hands``: ``hand_frame.hand_frames(lm)`` when the caller already has it."""
        if not handedness_checked:
            lm = self.correct_handedness(lm)
        if hands is None:
            hands = hand_frames(lm)
        t, settings = lm.t, self.gesture_settings
        enabled, fingers = settings.enabled, self.settings.fingers
        tracked: dict[str, bool] = {}
        can_enter: dict[str, bool] = {}
        observed: dict[str, str | None] = {}
        seen: dict[str, tuple] = {}  # side -> (states, features, clear view) of a recognised hand
        # Tracked hands with a Hand frame: their fingers are solved.
        fingered: list[str] = []
        finger_hands: list[HandFrame] = []
        for side, states_of, motion in self._sides:
            hand = hands[side]
            # Each hand leaves numpy once; features, motion and fingers all read the same lists.
            rows = None if hand is None else hand.rows if hand.rows is not None else _rows(hand)
            features = None if rows is None else features_of_rows(rows)
            if features is None:
                tracked[side], can_enter[side], observed[side] = False, False, None
                states_of.reset()
                motion.reset()
                continue
            tracked[side] = True
            if fingers and hand.world is not None:
                fingered.append(side)
                finger_hands.append(hand)
            moving = motion.update_rows(rows, t, features.palm)
            if not enabled:
                can_enter[side], observed[side] = False, None
                continue
            states = states_of.update(features)
            observed[side] = self.gesture_set.classify(states, features, settings)
            clear_view = features.palm_facing >= settings.edge_on_below
            # No earlier frame yet (a hand just found, a photo): nothing says it moves, and the
            # enter clock needs further, measured frames before anything enters.
            can_enter[side] = clear_view and (self._no_speed_limit or moving is None or moving < self._speed_limit)
            seen[side] = (states, features, clear_view)
        # Both hands in one solve; features_of_rows found their points finite.
        bones = finger_bones_of_frames(finger_hands, fingered) if fingered else {}

        events: list[GestureEvent] = []
        left, right, both = self._debouncers
        # The debouncers ask whether a frame contradicts a held gesture only when the frame does
        # not show it: a held gesture seen again (most frames while one is held) needs no check.
        for debouncer, side in ((left, "left"), (right, "right")):
            active = debouncer.active
            contradicts = None if active is None else partial(self._contradicts, active, seen.get(side))
            events += debouncer.update(observed[side], t, tracked[side], can_enter[side], contradicts)
        both_tracked = tracked["left"] and tracked["right"]
        two_hand = self.gesture_set.classify_two_hand(observed["left"], observed["right"]) if both_tracked else None
        contradicts = None if both.active is None else partial(self._both_contradicted, both.active, seen)
        events += both.update(two_hand, t, both_tracked, can_enter["left"] and can_enter["right"], contradicts)
        observed["both"] = two_hand
        gestures = {"left": left.active, "right": right.active, "both": both.active}
        return HandsResult(bones, gestures, events, tracked, observed, can_enter)

    def _contradicts(self, gesture: str | None, seen: tuple | None) -> bool | None:
        """Whether this frame clearly rules out a one-hand gesture (None: no such gesture, the
        plain debounce decides). A hand seen edge-on never clearly contradicts anything."""
        pattern = None if gesture is None else self.gesture_set.hand_pattern(gesture)
        if pattern is None or seen is None:
            return None
        states, features, clear_view = seen
        return clear_view and pattern.contradicts(states, features, self.gesture_settings)

    def _both_contradicted(self, active: str, seen: dict[str, tuple]) -> bool | None:
        """The held two-hand gesture ``active`` is clearly contradicted when either hand
        clearly rules out its part of it."""
        pattern = self.gesture_set.two_hand_pattern(active)
        if pattern is None:
            return None
        parts = {"left": pattern.left, "right": pattern.right}
        return any(self._contradicts(parts[side], seen.get(side)) is not False for side in SIDES)


def _rows(hand: HandFrame | None) -> list[list[float]] | None:
    """The hand's 21 points as lists, or None when it has none (absent, or not 21 points)."""
    if hand is None:
        return None
    if hand.rows is not None:
        return hand.rows
    return hand.points.tolist() if hand.points.shape == (21, 3) else None
