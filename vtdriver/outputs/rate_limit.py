"""Capping how often an output sends, judged on frame time (not the wall clock) so a replay
skips exactly the frames the live run skipped."""
from __future__ import annotations

import math

# A frame that arrives up to this fraction of an interval early still counts as on time: camera
# timestamps jitter by a millisecond or two, and without slack a 30 Hz cap on a 30 fps camera
# would drop every other frame whose timestamp came in a hair early.
_EARLY_TOLERANCE = 0.25


class FrameRateLimiter:
    """``admit(t)`` says whether a frame at time ``t`` (seconds) may be sent under a cap of
    ``max_hz`` frames per second (0 = no cap). Admitted frames are scheduled on a grid of
    1/max_hz so the long-run rate never exceeds the cap even with jitter."""

    def __init__(self, max_hz: float = 0.0) -> None:
        if not math.isfinite(max_hz) or max_hz < 0:
            raise ValueError(f"max_hz must be >= 0 (0 = unlimited), got {max_hz}")
        self._interval = 1.0 / max_hz if max_hz > 0 else 0.0
        self._next_due: float | None = None

    def admit(self, t: float) -> bool:
        if self._interval == 0.0:
            return True
        interval = self._interval
        if self._next_due is not None:
            early_by = self._next_due - t
            # Time running backwards by more than a frame means a new source or a replay
            # restart; start a fresh schedule rather than going silent until it catches up.
            if interval * _EARLY_TOLERANCE < early_by <= interval:
                return False
        if self._next_due is None or abs(t - self._next_due) > interval:
            self._next_due = t + interval
        else:
            self._next_due += interval
        return True
