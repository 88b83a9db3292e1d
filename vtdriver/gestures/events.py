"""Turning per-frame gesture guesses into clean enter / exit / hold events.

- enter: the same gesture has been seen continuously for ``enter_ms`` in frames that may start
  a gesture (the hands stage says which: the hand is still and seen clearly), and its cooldown
  since its last exit has passed;
- exit: the held gesture has been clearly contradicted for ``exit_ms`` (frames that are merely
  ambiguous pause that clock, they neither extend nor end the gesture), and it has been held at
  least ``enter_ms`` (so no enter/exit pair is ever shorter than the debounce); or no frame has
  matched it for ``ambiguous_exit_ms`` (so an unclear hand cannot hold a gesture forever); or
  its hand has been lost for ``lost_hand_ms``;
- hold: every ``hold_every_ms`` while held, only for gestures that ask for it.

Times come from the frames (``Landmarks.t``), never from a clock, so replays give identical
events.
"""
from __future__ import annotations

from collections.abc import Callable

from vtdriver.frame import GestureEvent
from vtdriver.gestures.patterns import GestureTiming

# Frame times are floats: 3 frames at 30 fps is 0.09999... s. A microsecond of slack keeps a
# duration that is an exact number of frames from missing its threshold by a rounding error.
_SLACK_S = 1e-6


class GestureDebouncer:
    """Debounced gesture state of one hand ("left", "right", or "both" for two-hand gestures)."""

    def __init__(
        self,
        hand: str,
        settings,
        timing: dict[str, GestureTiming] | None = None,
        hold_every_ms: dict[str, float] | None = None,
    ):
        self.hand = hand
        self._settings = settings
        self._timing = timing or {}
        self._hold_every_ms = hold_every_ms or {}
        self.active: str | None = None
        self._active_since = 0.0
        self._absent_since: float | None = None
        self._candidate: str | None = None
        self._candidate_since = 0.0
        self._lost_since: float | None = None
        self._paused_s = 0.0  # ambiguous time inside the current contradiction
        self._last_match = 0.0
        self._last_t: float | None = None
        self._last_exit: dict[str, float] = {}
        self._next_hold: float | None = None

    def _ms(self, gesture: str, key: str) -> float:
        timing = self._timing.get(gesture)  # no default GestureTiming built per call
        override = None if timing is None else getattr(timing, key)
        return (override if override is not None else getattr(self._settings, key)) / 1000.0

    def update(
        self,
        observed: str | None,
        t: float,
        tracked: bool = True,
        can_enter: bool = True,
        contradicts: Callable[[], bool | None] | None = None,
    ) -> list[GestureEvent]:
        """Feed this frame's guess (None: no gesture); returns the events it causes.

        ``can_enter``: whether this frame may count towards entering ``observed`` (False while
        the hand moves or is seen edge-on: the enter clock restarts). ``contradicts``: asked, only
        on a tracked frame that does not show the held gesture, whether that frame clearly rules
        it out (None, or an answer of None: any other guess does, the plain debounce). A
        callable, so the pattern check runs only on the frames that need it."""
        events: list[GestureEvent] = []
        previous_t, self._last_t = self._last_t, t
        if not tracked:
            self._candidate = None
            if self._lost_since is None:
                self._lost_since = t
            if self.active is not None and t - self._lost_since + _SLACK_S >= self._settings.lost_hand_ms / 1000.0:
                events.append(self._exit(t))
            return events
        self._lost_since = None
        enterable = observed if can_enter else None
        if enterable != self._candidate:
            self._candidate, self._candidate_since = enterable, t

        if self.active is not None:
            if observed == self.active:
                self._absent_since, self._last_match = None, t
                events.extend(self._holds(t))
            else:
                verdict = None if contradicts is None else contradicts()
                clear = True if verdict is None else verdict
                if self._absent_since is None:
                    if clear:
                        self._absent_since, self._paused_s = t, 0.0
                elif not clear and previous_t is not None:
                    self._paused_s += t - previous_t
                held_long_enough = t - self._active_since + _SLACK_S >= self._ms(self.active, "enter_ms")
                contradicted_long_enough = (
                    clear
                    and self._absent_since is not None
                    and t - self._absent_since - self._paused_s + _SLACK_S >= self._ms(self.active, "exit_ms")
                )
                # Never sooner than a clear contradiction would end it.
                patience = max(self._settings.ambiguous_exit_ms / 1000.0, self._ms(self.active, "exit_ms"))
                unmatched_too_long = t - self._last_match + _SLACK_S >= patience
                if held_long_enough and (contradicted_long_enough or unmatched_too_long):
                    events.append(self._exit(t))

        if self.active is None and self._candidate is not None:
            gesture = self._candidate
            held = t - self._candidate_since + _SLACK_S >= self._ms(gesture, "enter_ms")
            cooled = t - self._last_exit.get(gesture, float("-inf")) + _SLACK_S >= self._ms(gesture, "cooldown_ms")
            if held and cooled:
                events.append(self._enter(gesture, t))
        return events

    def _enter(self, gesture: str, t: float) -> GestureEvent:
        self.active, self._active_since, self._absent_since, self._last_match = gesture, t, None, t
        interval = self._hold_every_ms.get(gesture)
        self._next_hold = t + interval / 1000.0 if interval else None
        return GestureEvent(self.hand, gesture, "enter", t)

    def _exit(self, t: float) -> GestureEvent:
        gesture = self.active
        self._last_exit[gesture] = t
        self.active, self._absent_since, self._next_hold = None, None, None
        return GestureEvent(self.hand, gesture, "exit", t)

    def _holds(self, t: float) -> list[GestureEvent]:
        if self._next_hold is None or t + _SLACK_S < self._next_hold:
            return []
        interval = self._hold_every_ms[self.active] / 1000.0
        # One event per frame at most, even after a stall: receivers want "still held", not a burst.
        while self._next_hold <= t + _SLACK_S:
            self._next_hold += interval
        return [GestureEvent(self.hand, self.active, "hold", t)]
