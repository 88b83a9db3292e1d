"""The status line tells the streamer what is going on, including frames the source itself had
to skip (a corrupt video frame never reaches the tracker, but it must not go unreported)."""
from __future__ import annotations

from vtdriver.status import RunCounters, StatusLine
from vtdriver.timing import StageTimer


def _render(counters: RunCounters) -> str:
    clock = iter([0.0, 5.0]).__next__
    return StatusLine(5.0, clock=clock).render(counters, StageTimer(), sent=10, send_errors=0)


def test_source_and_pipeline_skips_are_both_counted():
    line = _render(RunCounters(frames_out=10, frames_skipped=1, source_skipped=3, frames_dropped=2))
    assert "dropped 2, skipped 4" in line


def test_a_clean_run_mentions_no_skips_and_a_lost_camera_is_named():
    assert "skipped" not in _render(RunCounters(frames_out=10))
    assert "source: reconnecting" in _render(RunCounters(source_state="reconnecting"))
