"""Recording and demo throughput: how fast a full recording (pose, pose_world, 478-point face,
both hands on every frame) is written and read back, and how fast the demo performer makes
frames. Run: .venv/bin/python benchmarks/recording_speed.py [--frames N]"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from vtdriver.recording import RecordingReader, RecordingWriter
from vtdriver.sources.demo import DemoScene


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=1000)
    args = parser.parse_args()
    scene = DemoScene(seed=0)
    start = time.perf_counter()
    frames = [scene.landmarks(i / 30.0, index=i) for i in range(args.frames)]
    demo_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.jsonl"
        start = time.perf_counter()
        with RecordingWriter(path, scene.image_size, 30.0, "demo") as writer:
            for frame in frames:
                writer.write(frame)
        write_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        reader = RecordingReader(path)
        count = sum(1 for _ in reader)
        reader.close()
        read_s = time.perf_counter() - start
    assert count == args.frames
    print(f"frames                 {args.frames} (every part present), file {size_mb:.1f} MB "
          f"({1e3 * size_mb / args.frames:.1f} kB/frame)")
    print(f"demo performer         {args.frames / demo_s:8.0f} frames/s  ({1e3 * demo_s / args.frames:.2f} ms/frame)")
    print(f"recording write        {args.frames / write_s:8.0f} frames/s  ({1e3 * write_s / args.frames:.2f} ms/frame)")
    print(f"recording read         {args.frames / read_s:8.0f} frames/s  ({1e3 * read_s / args.frames:.2f} ms/frame)")


if __name__ == "__main__":
    main()
