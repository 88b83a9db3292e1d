"""The headless status line: one line every few seconds with what a streamer needs to know
(is it tracking, how fast, how late, is the receiver getting data). Never any image data."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from vtdriver.timing import StageTimer

_PART_LABELS = (("pose", "body"), ("face", "face"), ("left_hand", "lhand"), ("right_hand", "rhand"))


@dataclass
class RunCounters:
    frames_in: int = 0
    frames_out: int = 0
    frames_skipped: int = 0  # bad frames or bad landmark records, skipped and counted
    frames_dropped: int = 0  # stale camera frames replaced by newer ones before tracking
    source_skipped: int = 0  # frames the source itself could not use (corrupt, unusable format)
    source_state: str = "ok"
    tracked: dict[str, bool] = field(default_factory=dict)


class StatusLine:
    def __init__(self, interval_seconds: float, clock=time.monotonic):
        self._interval = interval_seconds
        self._clock = clock
        self._last = clock()
        self._last_frames = 0

    def due(self) -> bool:
        return self._interval > 0 and self._clock() - self._last >= self._interval

    def render(self, counters: RunCounters, timer: StageTimer, sent: int, send_errors: int) -> str:
        now = self._clock()
        elapsed = max(now - self._last, 1e-9)
        fps = (counters.frames_out - self._last_frames) / elapsed
        self._last, self._last_frames = now, counters.frames_out
        parts = " ".join(label for part, label in _PART_LABELS if counters.tracked.get(part)) or "nothing"
        tracker = timer.percentiles("tracker")
        solve = timer.percentiles("pipeline")
        output_ms = timer.p50("encode") + timer.p50("send")
        e2e = timer.percentiles("end_to_end")
        # p50/p95 over the last timing.WINDOW frames; the full per-stage breakdown is in
        # --stats-json.
        line = (
            f"vtdriver: {fps:5.1f} fps | tracker {tracker[0]:.1f}/{tracker[1]:.1f} ms | "
            f"solve {solve[0]:.1f}/{solve[1]:.1f} ms | out {output_ms:.2f} ms | "
            f"end-to-end p50 {e2e[0]:.1f} / p95 {e2e[1]:.1f} ms | "
            f"tracked: {parts} | sent {sent} datagrams"
        )
        if send_errors:
            line += f" ({send_errors} send errors)"
        skipped = counters.frames_skipped + counters.source_skipped
        if counters.frames_dropped or skipped:
            line += f" | dropped {counters.frames_dropped}, skipped {skipped}"
        if counters.source_state != "ok":
            line += f" | source: {counters.source_state}"
        return line
