"""Turning per-frame gesture guesses into clean enter / exit / hold events.

- enter: the same gesture has been seen continuously for ``enter_ms`` and its cooldown since
  its last exit has passed;
- exit: the held gesture has been gone (another gesture or none) for ``exit_ms``, and it has
  been held at least ``enter_ms`` (so no enter/exit pair is ever shorter than the debounce);
  or its hand has been lost for ``lost_hand_ms``;
- hold: every ``hold_every_ms`` while held, only for gestures that ask for it.

Times come from the frames (``Landmarks.t``), never from a clock, so replays give identical
events.
"""
from __future__ import annotations

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
        self._last_exit: dict[str, float] = {}
        self._next_hold: float | None = None

    def _ms(self, gesture: str, key: str) -> float:
        override = getattr(self._timing.get(gesture, GestureTiming()), key)
        return (override if override is not None else getattr(self._settings, key)) / 1000.0

    def update(self, observed: str | None, t: float, tracked: bool = True) -> list[GestureEvent]:
        """Feed this frame's guess (None: no gesture); returns the events it causes."""
        events: list[GestureEvent] = []
        if not tracked:
            self._candidate = None
            if self._lost_since is None:
                self._lost_since = t
            if self.active is not None and t - self._lost_since + _SLACK_S >= self._settings.lost_hand_ms / 1000.0:
                events.append(self._exit(t))
            return events
        self._lost_since = None
        if observed != self._candidate:
            self._candidate, self._candidate_since = observed, t

        if self.active is not None:
            if observed == self.active:
                self._absent_since = None
                events.extend(self._holds(t))
            else:
                if self._absent_since is None:
                    self._absent_since = t
                gone_long_enough = t - self._absent_since + _SLACK_S >= self._ms(self.active, "exit_ms")
                held_long_enough = t - self._active_since + _SLACK_S >= self._ms(self.active, "enter_ms")
                if gone_long_enough and held_long_enough:
                    events.append(self._exit(t))

        if self.active is None and self._candidate is not None:
            gesture = self._candidate
            held = t - self._candidate_since + _SLACK_S >= self._ms(gesture, "enter_ms")
            cooled = t - self._last_exit.get(gesture, float("-inf")) + _SLACK_S >= self._ms(gesture, "cooldown_ms")
            if held and cooled:
                events.append(self._enter(gesture, t))
        return events

    def _enter(self, gesture: str, t: float) -> GestureEvent:
        self.active, self._active_since, self._absent_since = gesture, t, None
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
