"""The hands stage: handedness check, finger bones, gesture recognition and debounced events
for one frame of (smoothed) landmarks. Window mode throughout: "left" is the subject's own
left hand, which drives the avatar's left hand; ``coords.apply_mirror`` swaps later.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vtdriver import coords
from vtdriver.frame import GestureEvent, Landmarks
from vtdriver.gestures.actions import GestureActions
from vtdriver.gestures.events import GestureDebouncer
from vtdriver.gestures.features import hand_features
from vtdriver.gestures.patterns import GestureSet
from vtdriver.gestures.settings import GestureSettings, HandsSettings
from vtdriver.gestures.states import FingerStateTracker
from vtdriver.solvers.fingers import solve_fingers
from vtdriver.solvers.hand_frame import hand_world_rotation
from vtdriver.solvers.handedness import HandednessCheck

SIDES = ("left", "right")


@dataclass
class HandsResult:
    bones: dict[str, np.ndarray] = field(default_factory=dict)  # the finger bones of tracked hands
    gestures: dict[str, str | None] = field(default_factory=lambda: {"left": None, "right": None, "both": None})
    events: list[GestureEvent] = field(default_factory=list)
    tracked: dict[str, bool] = field(default_factory=lambda: {"left": False, "right": False})
    observed: dict[str, str | None] = field(default_factory=dict)  # this frame's raw guess, before debouncing


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
        self._states = {side: FingerStateTracker(self.gesture_settings) for side in SIDES}
        self._debouncers = {
            hand: GestureDebouncer(hand, self.gesture_settings, gesture_set.timing, hold)
            for hand in SIDES + ("both",)
        }

    def correct_handedness(self, lm: Landmarks) -> Landmarks:
        """The handedness check alone: the pipeline should call this *before* landmark
        smoothing, so a swapped frame never mixes the two hands' filter histories.
        ``process`` repeats it, which changes nothing on already-corrected landmarks."""
        return self.handedness.correct(lm) if self.settings.check_handedness else lm

    def process(self, lm: Landmarks) -> HandsResult:
        lm = self.correct_handedness(lm)
        result = HandsResult()
        observed: dict[str, str | None] = {}
        for side in SIDES:
            hand = lm.part(f"{side}_hand")
            points = None if hand is None else coords.image_to_unity(hand, lm.image_size)
            features = None if points is None else hand_features(points)
            tracked = features is not None
            result.tracked[side] = tracked
            if not tracked:
                self._states[side].reset()
                observed[side] = None
                continue
            if self.settings.fingers:
                hand_world = hand_world_rotation(points, side)
                if hand_world is not None:
                    result.bones.update(solve_fingers(points, side, hand_world))
            if self.gesture_settings.enabled:
                states = self._states[side].update(features)
                observed[side] = self.gesture_set.classify(states, features, self.gesture_settings)
            else:
                observed[side] = None

        for side in SIDES:
            result.events.extend(self._debouncers[side].update(observed[side], lm.t, result.tracked[side]))
        both_tracked = all(result.tracked.values())
        two_hand = self.gesture_set.classify_two_hand(observed["left"], observed["right"]) if both_tracked else None
        result.events.extend(self._debouncers["both"].update(two_hand, lm.t, both_tracked))
        result.gestures = {hand: self._debouncers[hand].active for hand in SIDES + ("both",)}
        result.observed = {**observed, "both": two_hand}
        return result
