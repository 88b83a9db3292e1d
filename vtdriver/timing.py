"""Per-stage timing with ``time.perf_counter_ns`` stamps and sliding-window percentiles.

Each stage's durations go into a fixed-size ring buffer, so memory stays constant however long
the bridge runs, and p50/p95 describe the recent past (the status line), not the whole run.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import numpy as np

WINDOW = 600  # frames: ~20 s at 30 fps, long enough for stable p95, short enough to be "now"


class RingStats:
    """Fixed-size window of the most recent samples (milliseconds)."""

    def __init__(self, window: int = WINDOW):
        self._values = np.zeros(window)
        self._count = 0
        self._total = 0

    def add(self, value_ms: float) -> None:
        self._values[self._count % len(self._values)] = value_ms
        self._count += 1
        self._total += 1

    @property
    def total(self) -> int:
        return self._total

    def percentiles(self) -> tuple[float, float]:
        n = min(self._count, len(self._values))
        if n == 0:
            return 0.0, 0.0
        p50, p95 = np.percentile(self._values[:n], (50, 95))
        return float(p50), float(p95)


class StageTimer:
    """Collects durations per named stage. ``with timer.stage("body"): ...``"""

    def __init__(self, window: int = WINDOW):
        self._window = window
        self._stages: dict[str, RingStats] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter_ns()
        try:
            yield
        finally:
            self.record(name, time.perf_counter_ns() - start)

    def record(self, name: str, duration_ns: int) -> None:
        stats = self._stages.get(name)
        if stats is None:
            stats = self._stages[name] = RingStats(self._window)
        stats.add(duration_ns / 1e6)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for name, stats in self._stages.items():
            p50, p95 = stats.percentiles()
            out[name] = {"p50_ms": round(p50, 4), "p95_ms": round(p95, 4), "count": stats.total}
        return out

    def p50(self, name: str) -> float:
        stats = self._stages.get(name)
        return stats.percentiles()[0] if stats else 0.0
