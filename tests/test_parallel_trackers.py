"""Parallel trackers and the frame feed: round-robin, strictly in-order results, every frame of
a file tracked, latest-frame-wins on a live camera with drops counted, tracker failures skipped,
the automatic tracker count, and per-stage timing through the real runner to a real UDP
receiver. Fake trackers stand in for MediaPipe (its speed is measured in benchmarks/)."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.reliability_support import DemoTracker, UdpReceiver, vmc_frames, vmc_output, write_config
from vtdriver.config.loader import load_config
from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.runner import RunBounds, Runner
from vtdriver.sources import SourceSettings
from vtdriver.sources.camera import CameraSource
from vtdriver.sources.fake_camera import FakeCameraDevice
from vtdriver.tracked_stream import TrackedStream, source_timings
from vtdriver.tracker import MAX_TRACKERS, tracker_count
from vtdriver.tracker_pool import TrackerPool

FILE_FPS = 30.0


@pytest.fixture
def config(tmp_path):
    with UdpReceiver() as receiver:
        yield load_config(write_config(tmp_path, [vmc_output(receiver.target)]))


class FileLikeSource:
    """Yields ``count`` tiny frames as fast as asked (a video with --no-realtime)."""

    realtime = False
    fps = FILE_FPS
    image_size = (16, 12)
    provides_landmarks = False

    def __init__(self, count: int):
        self.count = count
        self.closed = False

    def __iter__(self):
        for index in range(self.count):
            image = np.full((12, 16, 3), index % 256, np.uint8)
            yield CapturedFrame(image=image, t=index / FILE_FPS, index=index, capture_ns=time.perf_counter_ns())

    def close(self) -> None:
        self.closed = True


class SlowTracker(DemoTracker):
    """Demo landmarks after a seeded random delay; remembers which frames it saw, in order."""

    def __init__(self, seed: int, delay_s: tuple[float, float] = (0.0, 0.004), fail_on: frozenset[int] = frozenset()):
        super().__init__()
        self._rng = np.random.default_rng(seed)
        self._delay_s = delay_s
        self._fail_on = fail_on
        self.indices: list[int] = []
        self.started_ns: list[int] = []

    def process(self, frame: CapturedFrame) -> Landmarks:
        self.started_ns.append(time.perf_counter_ns())
        self.indices.append(frame.index)
        time.sleep(self._rng.uniform(*self._delay_s))
        if frame.index in self._fail_on:
            raise ValueError("tracker failed on this frame")
        return super().process(frame)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_every_file_frame_is_tracked_round_robin_and_emitted_in_capture_order(size):
    trackers = [SlowTracker(seed) for seed in range(size)]
    source = FileLikeSource(40)
    with TrackerPool(trackers) as pool:
        stream = TrackedStream(source, pool)
        try:
            tracked = list(stream)
        finally:
            stream.close()
    assert [t.item.index for t in tracked] == list(range(40))
    assert [t.landmarks.index for t in tracked] == list(range(40))
    for k, tracker in enumerate(trackers):
        # Each instance sees its own regular share of the stream, in order (its temporal
        # tracking only ever moves forward).
        assert tracker.indices == list(range(k, 40, size))
    assert all(t.timings["tracker"] > 0 and "sanitize" in t.timings and "capture" in t.timings for t in tracked)


def test_trackers_really_overlap():
    # Two trackers each sleeping 30 ms per frame (sleep releases the GIL like MediaPipe's
    # graph does) finish 12 frames in about half the time one needs.
    def run(size: int) -> float:
        trackers = [SlowTracker(seed, delay_s=(0.03, 0.03)) for seed in range(size)]
        with TrackerPool(trackers) as pool:
            stream = TrackedStream(FileLikeSource(12), pool)
            start = time.perf_counter()
            try:
                assert len(list(stream)) == 12
            finally:
                stream.close()
            return time.perf_counter() - start

    assert run(2) < 0.75 * run(1)


def test_a_failing_frame_is_skipped_and_counted_and_the_run_goes_on(config):
    trackers = [SlowTracker(0, fail_on=frozenset({3, 4})), SlowTracker(1, fail_on=frozenset({3, 4}))]
    logged: list[str] = []
    with TrackerPool(trackers) as pool:
        runner = Runner(FileLikeSource(10), AvatarPipeline(config), OutputSet.from_config(config),
                        tracker=pool, log=logged.append)
        counters = runner.run()
    assert counters.frames_in == 10 and counters.frames_out == 8 and counters.frames_skipped == 2
    assert len([line for line in logged if "tracker" in line]) == 1  # reported once, then counted


def test_source_error_reaches_the_frame_loop(config):
    class Broken(FileLikeSource):
        def __iter__(self):
            yield from list(super().__iter__())[:3]
            raise OSError("disk gone")

    source = Broken(10)
    with TrackerPool([SlowTracker(0)]) as pool:
        runner = Runner(source, AvatarPipeline(config), OutputSet.from_config(config), tracker=pool)
        with pytest.raises(OSError, match="disk gone"):
            runner.run()
    assert source.closed


def test_live_camera_tracker_takes_the_freshest_frame_and_drops_are_counted():
    # A 200 fps camera and a 25 ms tracker: most frames must be dropped in the camera's
    # one-slot mailbox, and every tracked frame was grabbed shortly before tracking began.
    settings = SourceSettings()
    device = FakeCameraDevice(fps=200.0)
    source = CameraSource(0, settings, device.factory)
    tracker = SlowTracker(0, delay_s=(0.025, 0.025))
    with TrackerPool([tracker], owns_trackers=False) as pool:
        stream = TrackedStream(source, pool)
        tracked = []
        try:
            for item in stream:
                if item.item is not None:
                    tracked.append(item)
                if len(tracked) >= 20:
                    break
        finally:
            stream.close()
            source.close()
    indices = [t.item.index for t in tracked]
    assert indices == sorted(indices)
    assert source.stats.dropped > 20  # ~5 camera frames per tracked frame
    ages_ms = [(start - t.item.capture_ns) / 1e6 for start, t in zip(tracker.started_ns, tracked)]
    # The tracked frame was grabbed at most about one camera interval (5 ms) before tracking
    # started, never a tracker interval (25 ms) or more: no stale queue. The median keeps a
    # loaded test machine's scheduling hiccups out.
    assert np.median(ages_ms) < 15.0
    # The driver's read() is timed on every frame but the one read while opening the camera.
    assert sum(t.timings.get("capture", 0) > 0 for t in tracked) >= len(tracked) - 1


def test_runner_records_every_stage_and_latency_ends_at_the_last_datagram(tmp_path):
    with UdpReceiver() as receiver:
        config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
        outputs = OutputSet.from_config(config)
        delay_s = 0.02
        with TrackerPool([SlowTracker(0, delay_s=(delay_s, delay_s)), SlowTracker(1, delay_s=(delay_s, delay_s))]) as pool:
            runner = Runner(FileLikeSource(30), AvatarPipeline(config), outputs, tracker=pool,
                            bounds=RunBounds(frames=25))
            counters = runner.run()
        assert receiver.wait_for(outputs.totals()[0])
        frames = vmc_frames(receiver.datagrams())
        outputs.close()
    assert counters.frames_out == 25 and len(frames) == 26  # + the final rest frame
    summary = runner.timer.summary()
    for stage in ("capture", "sanitize", "tracker", "smoothing", "body", "face", "hands", "mapping",
                  "pipeline", "encode", "send", "end_to_end"):
        assert summary[stage]["count"] == 25, stage
    # Every frame's latency covers its tracker and solver time, so the percentiles do too.
    assert summary["end_to_end"]["p50_ms"] >= delay_s * 1e3
    for stage in ("tracker", "pipeline"):
        assert summary["end_to_end"]["p50_ms"] >= summary[stage]["p50_ms"]
        assert summary["end_to_end"]["p95_ms"] >= summary[stage]["p95_ms"]


def test_stopping_early_does_not_hang_on_a_blocked_feeder(config):
    source = FileLikeSource(10_000)
    with TrackerPool([SlowTracker(0), SlowTracker(1)]) as pool:
        runner = Runner(source, AvatarPipeline(config), OutputSet.from_config(config), tracker=pool,
                        bounds=RunBounds(frames=5))
        start = time.monotonic()
        counters = runner.run()
    assert counters.frames_out == 5 and source.closed
    assert time.monotonic() - start < 5.0
    assert not [t for t in threading.enumerate() if t.name == "frame feeder"]


def test_pool_process_is_synchronous_and_round_robin():
    trackers = [SlowTracker(0), SlowTracker(1)]
    with TrackerPool(trackers) as pool:
        frames = list(FileLikeSource(4))
        results = [pool.process(frame) for frame in frames]
    assert [lm.index for lm in results] == [0, 1, 2, 3]
    assert trackers[0].indices == [0, 2] and trackers[1].indices == [1, 3]
    assert all(tracker.closed for tracker in trackers)


def test_pool_that_fails_to_start_closes_the_trackers_it_made():
    made: list[DemoTracker] = []

    def factory():
        if len(made) == 2:
            raise RuntimeError("no model")
        made.append(DemoTracker())
        return made[-1]

    with pytest.raises(RuntimeError, match="no model"):
        TrackerPool.create(factory, 3)
    assert len(made) == 2 and all(tracker.closed for tracker in made)


def test_automatic_tracker_count_is_one_instance():
    # Measured: a second instance did not pay off with other programs on the CPU (tracker.py).
    assert tracker_count(0) == 1


def test_explicit_tracker_count_wins_and_is_capped():
    assert tracker_count(1) == 1
    assert tracker_count(3) == 3
    assert tracker_count(99) == MAX_TRACKERS


def test_source_timings_split_grab_from_conversion():
    frame = CapturedFrame(image=np.zeros((2, 2, 3), np.uint8), t=0.0, index=0, capture_ns=1_000, grab_ns=300)
    # Camera: grabbed on its own thread before the loop asked; the loop's wait is not capture.
    assert source_timings(frame, requested_ns=2_000, received_ns=2_050, realtime=True) == {"sanitize": 50, "capture": 300}
    # File read as fast as possible: the decode happened inside the read.
    file_frame = CapturedFrame(image=frame.image, t=0.0, index=0, capture_ns=1_700)
    assert source_timings(file_frame, 1_000, 1_750, realtime=False) == {"sanitize": 50, "capture": 700}
    # Paced file: the read also slept, so its decode time is unknown and left out.
    assert source_timings(file_frame, 1_000, 1_750, realtime=True) == {"sanitize": 50}
    assert source_timings(CapturedFrame(image=frame.image, t=0.0, index=0), 0, 10, realtime=False) == {}


class GatedTracker(SlowTracker):
    """Holds one frame until the test opens the gate, like an instance that is slow on it."""

    def __init__(self, seed: int, held_frame: int):
        super().__init__(seed, delay_s=(0.0, 0.0))
        self.held_frame = held_frame
        self.gate = threading.Event()
        self.finished: list[int] = []

    def process(self, frame: CapturedFrame) -> Landmarks:
        if frame.index == self.held_frame:
            self.gate.wait(5.0)
        landmarks = super().process(frame)
        self.finished.append(frame.index)
        return landmarks


def _wait_for(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.mark.parametrize("realtime", [False, True])
def test_a_file_queues_each_tracker_its_next_frame_and_a_live_source_does_not(realtime):
    # Tracker 1 is stuck on frame 1, so frame 1 holds up the in-order hand-back. Reading a
    # file, tracker 0 goes on to frame 4 meanwhile (two slots per tracker: frames 1-4 in
    # flight); with a live source only frames 1 and 2 may be in flight, so tracker 0 stops
    # after frame 2 and the next frame it tracks is a fresh one.
    source = FileLikeSource(12)
    source.realtime = realtime
    fast, stuck = GatedTracker(0, held_frame=-1), GatedTracker(1, held_frame=1)
    with TrackerPool([fast, stuck]) as pool:
        stream = TrackedStream(source, pool)
        try:
            iterator = iter(stream)
            assert next(iterator).item.index == 0
            expected = [0, 2] if realtime else [0, 2, 4]
            assert _wait_for(lambda: fast.finished == expected), fast.finished
            time.sleep(0.1)  # room for a wrong extra frame to start
            assert fast.indices == expected
            stuck.gate.set()
            assert [t.item.index for t in iterator] == list(range(1, 12))
        finally:
            stuck.gate.set()
            stream.close()
    assert fast.indices == list(range(0, 12, 2)) and stuck.indices == list(range(1, 12, 2))
