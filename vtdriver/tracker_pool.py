"""Several trackers on alternate frames, each on its own thread.

MediaPipe releases the GIL while its graph runs (``CalculatorGraph.wait_until_idle``; measured:
a tracking thread spends about 1 % of its wall time holding the interpreter, and a pure-Python
thread keeps running meanwhile), so threads give real parallelism here and the frames need no
copying between processes.

Frame ``i`` goes to tracker ``i % N`` (round-robin), so each Holistic instance sees a regular
stream of frames and keeps its own temporal tracking (region of interest from its previous
frame). Results are handed back strictly in submission order by ``TrackedStream``
(vtdriver.tracked_stream).
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Callable, Sequence

from vtdriver.frame import CapturedFrame, Landmarks

# How long close() waits for a worker in the middle of a frame; Holistic takes well under
# this per frame, so only a hung graph is abandoned (the threads are daemons).
_JOIN_TIMEOUT_S = 2.0


class TrackingJob:
    """One frame on its way through a tracker. ``wait`` returns once it is done."""

    __slots__ = ("frame", "landmarks", "error", "timings", "_done")

    def __init__(self, frame: CapturedFrame):
        self.frame = frame
        self.landmarks: Landmarks | None = None
        self.error: BaseException | None = None
        self.timings: dict[str, int] = {}
        self._done = threading.Event()

    def finish(self) -> None:
        self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


def _timed_process(tracker, frame: CapturedFrame) -> tuple[Landmarks, dict[str, int]]:
    timed = getattr(tracker, "process_timed", None)
    if timed is not None:
        return timed(frame)
    start = time.perf_counter_ns()
    landmarks = tracker.process(frame)
    return landmarks, {"tracker": time.perf_counter_ns() - start}


class _Worker:
    def __init__(self, tracker, name: str):
        self.tracker = tracker
        self._inbox: queue.SimpleQueue[TrackingJob | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._inbox.get()
            if job is None:
                return
            try:
                job.landmarks, job.timings = _timed_process(self.tracker, job.frame)
            except Exception as exc:  # noqa: BLE001 - handed to the frame loop, which skips the frame
                job.error = exc
            job.finish()

    def put(self, job: TrackingJob | None) -> None:
        self._inbox.put(job)

    def join(self) -> None:
        self._thread.join(_JOIN_TIMEOUT_S)


class TrackerPool:
    """Runs ``trackers`` on worker threads, frame ``i`` on tracker ``i % N``.

    ``submit`` never waits: the caller bounds how many frames are unfinished (one per tracker
    for a live source, two for a file: vtdriver.tracked_stream.slot_count), so a job only
    ever queues behind the one or two its tracker already has. ``process`` is the synchronous form (the ``Tracker`` protocol), for
    commands that track one frame at a time."""

    def __init__(self, trackers: Sequence, owns_trackers: bool = True):
        if not trackers:
            raise ValueError("a tracker pool needs at least one tracker")
        self._owns_trackers = owns_trackers
        self._workers = [_Worker(tracker, f"tracker {i}") for i, tracker in enumerate(trackers)]
        self._next = 0
        self._closed = False

    @classmethod
    def create(cls, factory: Callable[[], object], count: int) -> "TrackerPool":
        """``count`` trackers from ``factory``; if one fails to start, those made are closed."""
        trackers: list = []
        try:
            for _ in range(count):
                trackers.append(factory())
        except BaseException:
            for tracker in trackers:
                tracker.close()
            raise
        return cls(trackers)

    @property
    def size(self) -> int:
        return len(self._workers)

    def submit(self, frame: CapturedFrame) -> TrackingJob:
        if self._closed:
            raise RuntimeError("tracker pool used after close()")
        job = TrackingJob(frame)
        self._workers[self._next].put(job)
        self._next = (self._next + 1) % len(self._workers)
        return job

    def process(self, frame: CapturedFrame) -> Landmarks:
        job = self.submit(frame)
        job.wait()
        if job.error is not None:
            raise job.error
        return job.landmarks

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            worker.put(None)
        for worker in self._workers:
            worker.join()
        if self._owns_trackers:
            for worker in self._workers:
                worker.tracker.close()

    def __enter__(self) -> "TrackerPool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
