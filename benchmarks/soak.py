"""Soak test: replay hours of frames through the real frame loop with every output on, and
check that nothing leaks or goes missing.

A clip of the demo performer is recorded once (vtdriver's JSON Lines format, in a temporary
directory) and replayed in a loop, each pass shifted in time so the stream's clock keeps
running, through Runner -> AvatarPipeline -> VMC and OSC outputs to two UDP receivers on
127.0.0.1 (threads here that only count datagrams). Paced as fast as possible: the pipeline
does the same work per frame, only sooner.

Reports: exceptions (skipped frames), frames in / out / sent by the VMC output, datagrams
sent vs received per output, send errors, RSS after warm-up and at the end (growth target
< 10 MB), wall time and frame rate.

    .venv/bin/python benchmarks/soak.py                # 2 h of frames at 30 fps (216000)
    .venv/bin/python benchmarks/soak.py --hours 0.1    # a shorter run
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the vtdriver command sets it (vtdriver/cli.py)

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from vtdriver.config.loader import load_config  # noqa: E402
from vtdriver.outputs.dispatch import OutputSet  # noqa: E402
from vtdriver.pipeline import AvatarPipeline  # noqa: E402
from vtdriver.recording import RecordingWriter  # noqa: E402
from vtdriver.runner import RunBounds, Runner  # noqa: E402
from vtdriver.sources import SourceSettings  # noqa: E402
from vtdriver.sources.base import SourceStats  # noqa: E402
from vtdriver.sources.demo import DemoSource  # noqa: E402
from vtdriver.sources.replay import ReplaySource  # noqa: E402

_PAGE_BYTES = 4096


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_BYTES


class CountingReceiver:
    """Counts datagrams on a loopback port without keeping them."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.datagrams = 0
        self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while self._running:
            try:
                self._sock.recv(65536)
            except socket.timeout:
                continue
            self.datagrams += 1

    def close(self) -> None:
        self._running = False
        self._thread.join(1.0)
        self._sock.close()


class LoopedReplay:
    """A recording played ``passes`` times, each pass shifted by the clip's length so time
    keeps increasing; the file is re-read every pass (the reader is part of the soak)."""

    provides_landmarks = True
    realtime = False

    def __init__(self, path: Path, clip_seconds: float, fps: float, total_frames: int) -> None:
        self._path = path
        self._clip_seconds = clip_seconds
        self._total = total_frames
        self.fps = fps
        self.image_size = ReplaySource(path, SourceSettings(realtime=False)).image_size
        self.description = f"looped replay:{path.name}"
        self.stats = SourceStats()
        self._closed = False

    def __iter__(self):
        shift = 0.0
        while not self._closed and self.stats.frames < self._total:
            source = ReplaySource(self._path, SourceSettings(realtime=False))
            try:
                for landmarks in source:
                    if self._closed or self.stats.frames >= self._total:
                        break
                    self.stats.frames += 1
                    yield replace(landmarks, t=landmarks.t + shift, index=self.stats.frames - 1)
            finally:
                source.close()
            shift += self._clip_seconds

    def close(self) -> None:
        self._closed = True


def record_clip(path: Path, seconds: float, fps: float) -> None:
    demo = DemoSource(SourceSettings(realtime=False, demo_fps=fps))
    frames = int(round(seconds * fps))
    with RecordingWriter(path, demo.image_size, fps, "demo") as writer:
        for index, landmarks in enumerate(demo):
            if index >= frames:
                break
            writer.write(landmarks)
    demo.close()


def write_config(folder: Path, vmc_port: int, osc_port: int) -> Path:
    mappings = REPO_ROOT / "mappings"
    text = f"""
[gestures]
gestures_file = "{mappings / 'gestures.toml'}"
actions_file = "{mappings / 'actions.toml'}"
[[outputs]]
kind = "vmc"
target = "127.0.0.1:{vmc_port}"
mapping = "{mappings / 'vseeface.toml'}"
[[outputs]]
kind = "osc"
target = "127.0.0.1:{osc_port}"
mapping = "{mappings / 'vrchat.toml'}"
"""
    path = folder / "config.toml"
    path.write_text(text)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2.0, help="hours of frames to replay (default 2)")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of the recording (default 30)")
    parser.add_argument("--clip-seconds", type=float, default=60.0, help="length of the looped recording")
    parser.add_argument("--warmup-frames", type=int, default=3000, help="RSS baseline taken after this many frames")
    parser.add_argument("--progress-every", type=int, default=10000, help="print a progress line every N frames")
    args = parser.parse_args()
    total = int(round(args.hours * 3600 * args.fps))

    vmc_rx, osc_rx = CountingReceiver(), CountingReceiver()
    samples: list[tuple[int, float, int]] = []  # (frames, seconds since start, rss)
    with tempfile.TemporaryDirectory(prefix="vtdriver-soak-") as folder:
        folder_path = Path(folder)
        clip = folder_path / "clip.jsonl"
        record_clip(clip, args.clip_seconds, args.fps)
        config = load_config(write_config(folder_path, vmc_rx.port, osc_rx.port))
        source = LoopedReplay(clip, args.clip_seconds, args.fps, total)
        outputs = OutputSet.from_config(config)
        start = time.monotonic()
        warmup = min(args.warmup_frames, max(total // 10, 1))

        def on_result(item, landmarks, result, latency_ms) -> None:
            done = runner.counters.frames_out + 1
            if done == warmup or done % args.progress_every == 0 or done == total:
                samples.append((done, time.monotonic() - start, rss_bytes()))
                if done % args.progress_every == 0:
                    elapsed = time.monotonic() - start
                    print(f"soak: {done}/{total} frames, {done / elapsed:.0f} fps, RSS {rss_bytes() / 2**20:.1f} MiB",
                          file=sys.stderr, flush=True)

        runner = Runner(source, AvatarPipeline(config), outputs, bounds=RunBounds(frames=total),
                        on_result=on_result, log=lambda line: print(line, file=sys.stderr, flush=True))
        error = None
        try:
            counters = runner.run()
        except Exception as exc:  # noqa: BLE001 - the soak reports any exception as its result
            error = f"{type(exc).__name__}: {exc}"
            counters = runner.counters
        elapsed = time.monotonic() - start
        outputs.close()
        time.sleep(0.5)  # let the receivers drain their buffers
        vmc_rx.close()
        osc_rx.close()

    stats = outputs.stats()
    rss_warm = next((rss for frames, _, rss in samples if frames == warmup), None)
    rss_end = samples[-1][2] if samples else None
    report = {
        "frames_requested": total,
        "hours_of_frames": total / args.fps / 3600,
        "exception": error,
        "frames_in": counters.frames_in,
        "frames_out": counters.frames_out,
        "frames_skipped": counters.frames_skipped,
        "vmc_frames_sent": stats["vmc"]["frames_sent"] - 1,  # minus the final rest frame
        "vmc_datagrams_sent": stats["vmc"]["datagrams_sent"],
        "vmc_datagrams_received": vmc_rx.datagrams,
        "osc_datagrams_sent": stats["osc"]["datagrams_sent"],
        "osc_datagrams_received": osc_rx.datagrams,
        "send_errors": stats["vmc"]["send_errors"] + stats["osc"]["send_errors"],
        "rss_after_warmup_mib": None if rss_warm is None else round(rss_warm / 2**20, 2),
        "rss_end_mib": None if rss_end is None else round(rss_end / 2**20, 2),
        "rss_growth_mib": None if rss_warm is None else round((rss_end - rss_warm) / 2**20, 2),
        "wall_seconds": round(elapsed, 1),
        "frames_per_second": round(counters.frames_out / elapsed, 1) if elapsed else None,
        "rss_samples": [(frames, round(seconds, 1), round(rss / 2**20, 2)) for frames, seconds, rss in samples],
    }
    ok = (
        error is None
        and counters.frames_skipped == 0
        and counters.frames_in == counters.frames_out == report["vmc_frames_sent"] == total
        and report["rss_growth_mib"] is not None
        and report["rss_growth_mib"] < 10.0
    )
    report["pass"] = ok
    print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
