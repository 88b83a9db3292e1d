"""The measurements behind benchmarks/run_all.py, one function each."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from perf_sources import ClipCamera, LandmarkReplay, MemoryFrames, PacedFrames, cpu_seconds, rss_mb
from vtdriver.config.loader import load_config
from vtdriver.frame import Landmarks
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.runner import RunBounds, Runner
from vtdriver.smoothing import SmoothingSettings
from vtdriver.solvers.body import BodySettings
from vtdriver.sources import SourceSettings
from vtdriver.sources.camera import CameraSource
from vtdriver.tracked_stream import TrackedStream
from vtdriver.tracker import HolisticTracker, TrackerSettings
from vtdriver.tracker_pool import TrackerPool

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config.toml"
PARTS = ("pose", "face", "left_hand", "right_hand")


def cli_run(source: str, target: str, frames: int | None = None) -> tuple[dict, float]:
    """``vtdriver run --no-realtime --stats-json`` in a child process: its stats and its peak
    RSS in MB (from wait4, so only that process counts)."""
    with tempfile.TemporaryDirectory() as folder:
        stats = Path(folder) / "stats.json"
        command = [sys.executable, "-m", "vtdriver.cli", "run", "--config", str(CONFIG), "--source", source,
                   "--no-realtime", "--vmc-target", target, "--stats-json", str(stats)]
        if frames:
            command += ["--frames", str(frames)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
        return json.loads(stats.read_text()), usage.ru_maxrss / 1024.0


def record_demo(path: Path, frames: int, target: str) -> None:
    subprocess.run([sys.executable, "-m", "vtdriver.cli", "record", "--config", str(CONFIG), "--source", "demo",
                    "--no-realtime", "--frames", str(frames), "--out", str(path), "--vmc-target", target],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)


class _RecordingTracker:
    """Wraps a tracker to keep each frame's own tracker time, by frame index."""

    def __init__(self, inner, times_ms: dict[int, float]):
        self._inner = inner
        self._times_ms = times_ms

    def process_timed(self, frame):
        landmarks, timings = self._inner.process_timed(frame)
        self._times_ms[frame.index] = (timings["convert"] + timings["tracker"]) / 1e6
        return landmarks, timings

    def close(self) -> None:
        self._inner.close()


def _pool(count: int, times_ms: dict[int, float] | None = None) -> TrackerPool:
    settings = TrackerSettings()
    if times_ms is None:
        return TrackerPool.create(lambda: HolisticTracker(settings), count)
    return TrackerPool.create(lambda: _RecordingTracker(HolisticTracker(settings), times_ms), count)


def tracker_throughput(images: list[np.ndarray], fps: float, count: int) -> tuple[float, float, list[Landmarks | None]]:
    """Frames/s of ``count`` Holistic instances tracking every frame of a decoded clip, with
    nothing else running, how many cores the process kept busy meanwhile, and the landmarks
    in order."""
    with _pool(count) as pool:
        for warm in images[:2] * count:  # start every graph (the first frame loads models)
            pool.process(MemoryFrames([warm], fps).__iter__().__next__())
        stream = TrackedStream(MemoryFrames(images, fps), pool)
        start, cpu_start = time.perf_counter(), cpu_seconds()
        try:
            landmarks = [tracked.landmarks for tracked in stream]
        finally:
            stream.close()
        elapsed = time.perf_counter() - start
        cores = (cpu_seconds() - cpu_start) / elapsed
    return len(images) / elapsed, cores, landmarks


def continuity(landmarks: list[Landmarks | None]) -> dict[str, float]:
    """Per part, the fraction of frames where it was found."""
    return {part: float(np.mean([lm is not None and lm.part(part) is not None for lm in landmarks])) for part in PARTS}


# Pose landmarks below this visibility are MediaPipe's guesses for body parts out of the
# picture (legs on a webcam); their wandering is not the tracking jitter a viewer sees.
VISIBLE = 0.5


def jitter_px(landmarks: list[Landmarks | None], part: str) -> float:
    """Median over frames of the mean landmark distance (pixels) from the midpoint of its
    neighbours in time: the frame-to-frame shake a smooth motion does not have. Pose counts
    only landmarks visible on all three frames."""
    values = []
    for before, now, after in zip(landmarks, landmarks[1:], landmarks[2:]):
        arrays = [lm.part(part) if lm is not None else None for lm in (before, now, after)]
        if any(a is None for a in arrays):
            continue
        keep = np.ones(len(arrays[0]), dtype=bool)
        if arrays[0].shape[1] == 4:
            keep = np.logical_and.reduce([array[:, 3] > VISIBLE for array in arrays])
        if not keep.any():
            continue
        scale = np.array(now.image_size, dtype=float)
        a, b, c = (array[keep, :2] * scale for array in arrays)
        values.append(np.linalg.norm(b - (a + c) / 2.0, axis=1).mean())
    return float(np.median(values)) if values else float("nan")


def avatar_jitter(single: list[Landmarks | None], parallel: list[Landmarks | None], fps: float) -> dict:
    """What a viewer sees of the parallel trackers' extra landmark jitter: per bone of
    body_jitter.BONES, the mean angular speed (deg/s) of the solved bone after vtdriver's default
    smoothing, single against parallel tracking of the same frames, over the frames where the
    single tracker's raw bone is still (body_jitter.still_mask)."""
    import body_jitter  # imported here: it puts the repository on sys.path for the tests package

    both = [(a, b) for a, b in zip(single, parallel) if a is not None and b is not None]
    single, parallel = [a for a, _ in both], [b for _, b in both]
    body = BodySettings()
    raw = body_jitter.solve_stream(single, None, body)
    smoothed = [body_jitter.solve_stream(stream, SmoothingSettings(), body) for stream in (single, parallel)]
    out = {}
    for bone in body_jitter.BONES:
        still = body_jitter.still_mask(raw, bone, fps)
        out[bone] = tuple(float(body_jitter.angular_speed(results, bone, fps)[still].mean()) for results in smoothed)
    return out


def _runner(source, pool, target: str, **kwargs) -> tuple[Runner, OutputSet]:
    config = load_config(CONFIG)
    outputs = OutputSet.from_config(config, target)
    return Runner(source, AvatarPipeline(config), outputs, tracker=pool, log=lambda line: None, **kwargs), outputs


def webcam_rate(images: list[np.ndarray], clip_fps: float, count: int, seconds: float, target: str,
                camera_fps: float = 30.0) -> dict:
    """The clip played as a live ``camera_fps`` camera through the real CameraSource (latest
    frame wins) and the whole pipeline to UDP, for ``seconds``."""
    tracked: list[dict] = []
    latencies: list[float] = []

    def on_result(item, lm, result, latency_ms) -> None:
        if item is not None:
            tracked.append(dict(result.frame.tracking))
            latencies.append(latency_ms)

    camera = ClipCamera(images, clip_fps, camera_fps)
    with _pool(count) as pool:
        source = CameraSource(0, SourceSettings(), camera.factory)
        runner, outputs = _runner(source, pool, target, bounds=RunBounds(duration=seconds), on_result=on_result)
        start = time.perf_counter()
        runner.run()
        elapsed = time.perf_counter() - start
        outputs.close()
    # The first second holds the graphs' start-up; leave it out of the latency figures.
    steady = latencies[int(len(latencies) / seconds):]
    found = {part: float(np.mean([t.get(part, False) for t in tracked])) for part in PARTS}
    return {
        "fps": len(tracked) / elapsed,
        "dropped": source.stats.dropped / max(1, source.stats.dropped + source.stats.frames),
        "e2e_p50": float(np.percentile(steady, 50)),
        "e2e_p95": float(np.percentile(steady, 95)),
        "found": found,
    }


def paced_latency(images: list[np.ndarray], clip_fps: float, count: int, rate_hz: float, frames: int,
                  target: str) -> dict:
    """End-to-end latency when the camera is not the bottleneck: frames at ``rate_hz``, each
    frame's latency against its own tracker time (BGR->RGB and Holistic)."""
    tracker_ms: dict[int, float] = {}
    latency_ms: dict[int, float] = {}

    def on_result(item, lm, result, latency) -> None:
        latency_ms[item.index] = latency

    with _pool(count, tracker_ms) as pool:
        for warm in images[:2] * count:
            pool.process(MemoryFrames([warm], clip_fps).__iter__().__next__())
        tracker_ms.clear()
        runner, outputs = _runner(PacedFrames(images, clip_fps, rate_hz, frames), pool, target, on_result=on_result)
        runner.run()
        outputs.close()
    indices = sorted(set(tracker_ms) & set(latency_ms))[2:]  # the first frames after warm-up re-detect
    tracker = np.array([tracker_ms[i] for i in indices])
    e2e = np.array([latency_ms[i] for i in indices])
    return {
        "tracker_p95": float(np.percentile(tracker, 95)),
        "e2e_p95": float(np.percentile(e2e, 95)),
        "overhead_p95": float(np.percentile(e2e - tracker, 95)),
        "overhead_p50": float(np.percentile(e2e - tracker, 50)),
    }


def replay_overhead(frames: list[Landmarks], fps: float, count: int, target: str, warmup: int = 1000) -> dict:
    """Every solver, smoothing, mapping and VMC encoding to a real UDP socket for ``count``
    replayed frames (JSON decoding set aside), as fast as possible; RSS sampled as it runs."""
    stamps = np.zeros(count + 1, dtype=np.int64)
    done = [0]
    rss: dict[int, float] = {}

    def on_frame(index: int) -> None:
        if index % 1000 == 0 or index == warmup:
            rss[index] = rss_mb()

    def on_result(item, lm, result, latency) -> None:
        done[0] += 1
        stamps[done[0]] = time.perf_counter_ns()

    source = LandmarkReplay(frames, fps, count, on_frame)
    runner, outputs = _runner(source, None, target, on_result=on_result)
    stamps[0] = time.perf_counter_ns()
    runner.run()
    rss[count] = rss_mb()
    outputs.close()
    per_frame_ms = np.diff(stamps[: done[0] + 1]) / 1e6
    return {
        "frames": done[0],
        "fps": done[0] / ((stamps[done[0]] - stamps[0]) / 1e9),
        "ms_median": float(np.median(per_frame_ms)),
        "ms_p95": float(np.percentile(per_frame_ms, 95)),
        "rss_start": rss[0],
        "rss_after_warmup": rss.get(warmup, rss[0]),
        "rss_end": rss[count],
        "stages": runner.timer.summary(),
    }
