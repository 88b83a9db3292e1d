"""Per-stage timing with ``time.perf_counter_ns`` stamps and sliding-window percentiles.

Each stage's durations go into a fixed-size ring buffer, so memory stays constant however long
the bridge runs, and p50/p95 describe the recent past (the status line), not the whole run.

A ``StageTimer`` belongs to the frame loop's thread. Work done on other threads (the tracker
workers) hands its durations back with its result and the loop records them, so no lock is
needed here.
"""
from __future__ import annotations

import time

import numpy as np

WINDOW = 600  # frames: ~20 s at 30 fps, long enough for stable p95, short enough to be "now"

# Stage names, in pipeline order, for reports. The solver stages (smoothing, body, face, hands,
# mapping) are recorded by vtdriver.pipeline; the others by the runner and the tracker workers.
STAGE_ORDER = (
    "capture",  # grabbing one image: the camera driver's read(), or decoding a file's frame
    "sanitize",  # odd-frame checks and conversions before tracking (vtdriver.sources.frames)
    "convert",  # BGR -> RGB for MediaPipe
    "tracker",  # MediaPipe Holistic and reading its landmarks into arrays
    "smoothing",
    "body",
    "face",
    "hands",
    "mapping",
    "pipeline",  # smoothing through mapping, as one span (what the status line calls "solve")
    "encode",  # output-side name mapping and OSC/VMC encoding
    "send",  # handing the datagrams to the kernel
    "end_to_end",  # capture stamp -> last datagram of that frame handed to the kernel
)


class RingStats:
    """Fixed-size window of the most recent samples (milliseconds). A plain list: ``add`` runs
    about ten times per frame, and a list store costs a fraction of a numpy item store; only
    the percentiles (a status line a second) go through numpy."""

    def __init__(self, window: int = WINDOW):
        self._values = [0.0] * window
        self._window = window
        self._count = 0

    def add(self, value_ms: float) -> None:
        self._values[self._count % self._window] = value_ms
        self._count += 1

    @property
    def total(self) -> int:
        return self._count

    def percentiles(self) -> tuple[float, float]:
        n = min(self._count, self._window)
        if n == 0:
            return 0.0, 0.0
        p50, p95 = np.percentile(self._values[:n], (50, 95))
        return float(p50), float(p95)


class _StageSpan:
    """``with timer.stage(name):`` as a plain object: a generator-based context manager costs
    about four times as much, and the pipeline enters one per stage per frame. It holds the
    stage's window itself, so leaving it is one clock read and one store."""

    __slots__ = ("_stats", "_start")

    def __init__(self, stats: RingStats):
        self._stats = stats
        self._start = 0

    def __enter__(self) -> None:
        self._start = time.perf_counter_ns()

    def __exit__(self, *exc_info: object) -> None:
        self._stats.add((time.perf_counter_ns() - self._start) / 1e6)


class StageTimer:
    """Collects durations per named stage. ``with timer.stage("body"): ...``"""

    def __init__(self, window: int = WINDOW):
        self._window = window
        self._stages: dict[str, RingStats] = {}

    def _stats(self, name: str) -> RingStats:
        stats = self._stages.get(name)
        if stats is None:
            stats = self._stages[name] = RingStats(self._window)
        return stats

    def stage(self, name: str) -> _StageSpan:
        return _StageSpan(self._stats(name))

    def record(self, name: str, duration_ns: int) -> None:
        self._stats(name).add(duration_ns / 1e6)

    def names(self) -> list[str]:
        """Recorded stages, known ones in pipeline order first."""
        known = [name for name in STAGE_ORDER if name in self._stages]
        return known + [name for name in self._stages if name not in STAGE_ORDER]

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for name in self.names():
            stats = self._stages[name]
            p50, p95 = stats.percentiles()
            out[name] = {"p50_ms": round(p50, 4), "p95_ms": round(p95, 4), "count": stats.total}
        return out

    def p50(self, name: str) -> float:
        stats = self._stages.get(name)
        return stats.percentiles()[0] if stats else 0.0

    def percentiles(self, name: str) -> tuple[float, float]:
        stats = self._stages.get(name)
        return stats.percentiles() if stats else (0.0, 0.0)
