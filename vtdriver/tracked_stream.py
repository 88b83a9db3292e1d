"""A source's items with tracking done on worker threads, handed back in capture order.

A feeder thread reads the source and submits each frame to a ``TrackerPool``; the frame loop
takes the results, oldest first. The feeder reads the source only when one of a fixed number
of slots is free (a slot is an item read but not yet taken by the loop), so:

- with a live camera (latest frame wins, vtdriver.sources.camera) there is one slot per
  tracker, and a tracker always starts on the newest frame; frames the trackers had no time
  for are dropped in the camera's one-slot mailbox and counted there, never queued. Capture
  runs on its own thread and never waits.
- with a video or ``--no-realtime`` every frame is read, tracked and handed back in order,
  and there are two slots per tracker: each tracker has its next frame queued when it
  finishes one, so it neither waits for the decode nor idles while a slower neighbour holds
  up the in-order hand-back (with one slot each, two Holistic instances kept 1.85 of this
  machine's 2 cores busy; with two, 1.93: benchmarks/run_all.py). Queuing costs latency,
  which only a live source cares about.
- while the loop solves and sends frame ``k``, the trackers already work on the next frames.

Timing: the feeder stamps how long the source took to hand over each frame and splits it into
"capture" (the grab itself, or a file's decode) and "sanitize" (odd-frame handling after it);
the workers add "convert" and "tracker".
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.tracker_pool import TrackerPool, TrackingJob

# How often a waiting loop or feeder looks at its stop flag; short against human reaction
# time, long against the cost of waking up.
_POLL_S = 0.05
# The feeder is stopped before the source is closed (closing a video under a running decode
# can crash OpenCV). It notices within one source read: a camera's frame_timeout_s (0.2 s by
# default) or one decode.
_FEEDER_JOIN_S = 5.0


@dataclass
class Tracked:
    """One source item after tracking. ``landmarks`` is None for a frameless tick or when the
    tracker failed (``error``); a Landmarks item from a replay passes through as ``item``."""

    item: object
    landmarks: Landmarks | None = None
    error: BaseException | None = None
    timings: dict[str, int] = field(default_factory=dict)  # stage name -> nanoseconds


class _SourceFailed:
    def __init__(self, error: BaseException):
        self.error = error


_END = object()


def source_timings(frame: CapturedFrame, requested_ns: int, received_ns: int, realtime: bool) -> dict[str, int]:
    """Splits the time the source took to hand over ``frame`` (asked at ``requested_ns``,
    received at ``received_ns``) into the grab or decode and the conversions after it.

    ``capture_ns`` is stamped right after the grab: a camera grabs on its own thread (its
    ``grab_ns`` says how long the driver took), a file decodes inside the read. A paced file
    also sleeps inside the read, so its decode time is not known and not reported."""
    if frame.capture_ns <= 0:
        return {}
    timings = {"sanitize": max(0, received_ns - max(requested_ns, frame.capture_ns))}
    grab_ns = getattr(frame, "grab_ns", 0)
    if grab_ns > 0:
        timings["capture"] = grab_ns
    elif not realtime and frame.capture_ns >= requested_ns:
        timings["capture"] = frame.capture_ns - requested_ns
    return timings


def slot_count(trackers: int, realtime: bool) -> int:
    """How many items may be in flight: one per tracker for a live source (the freshest frame
    wins), two per tracker for a file read as fast as the trackers go."""
    return trackers if realtime else 2 * trackers


class TrackedStream:
    """Iterate once: ``for tracked in TrackedStream(source, pool): ...``; ``close()`` always."""

    def __init__(self, source: Iterable, pool: TrackerPool, should_stop: Callable[[], bool] = lambda: False):
        self._source = source
        self._pool = pool
        self._should_stop = should_stop
        self._realtime = bool(getattr(source, "realtime", True))
        self._slots = threading.Semaphore(slot_count(pool.size, self._realtime))
        self._out: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, name="frame feeder", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        iterator = None
        try:
            iterator = iter(self._source)
            while not self._stop.is_set():
                if not self._slots.acquire(timeout=_POLL_S):
                    continue
                requested = time.perf_counter_ns()
                try:
                    item = next(iterator)
                except StopIteration:
                    break
                received = time.perf_counter_ns()
                if isinstance(item, CapturedFrame):
                    self._out.put((item, self._pool.submit(item),
                                   source_timings(item, requested, received, self._realtime)))
                else:
                    self._out.put((item, None, None))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the frame loop's thread
            self._out.put(_SourceFailed(exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            self._out.put(_END)

    def __iter__(self) -> Iterator[Tracked]:
        while True:
            try:
                entry = self._out.get(timeout=_POLL_S)
            except queue.Empty:
                if self._should_stop():
                    return
                continue
            if entry is _END:
                return
            if isinstance(entry, _SourceFailed):
                raise entry.error
            item, job, timings = entry
            if job is not None:
                yield self._finished(item, job, timings)
            else:
                self._slots.release()
                yield Tracked(item)

    def _finished(self, item: CapturedFrame, job: TrackingJob, timings: dict[str, int]) -> Tracked:
        while not job.wait(_POLL_S):
            if self._should_stop():
                break
        # The slot frees as the loop takes the result, so the trackers start on the next
        # frame while this one is solved and sent.
        self._slots.release()
        timings.update(job.timings)
        return Tracked(item, job.landmarks, job.error, timings)

    def close(self) -> None:
        """Stops the feeder and waits for it, so the source can be closed safely after."""
        self._stop.set()
        self._slots.release()  # a feeder waiting for a slot wakes up and sees the flag
        if self._thread is not threading.current_thread():
            self._thread.join(_FEEDER_JOIN_S)
