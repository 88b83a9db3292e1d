"""CPU instructions per frame of the non-inference work, counted by valgrind: the same replay as
run_all's overhead figure (the demo performer through every solver, smoothing, mapping and VMC
to a UDP socket on 127.0.0.1, ``--no-realtime``), optionally against another commit.

Run:  .venv/bin/python benchmarks/instructions.py [--against REV] [--frames N]

Why instructions: this machine is a shared VM whose speed drifts by up to 1.8x within an hour,
so a wall-clock before/after needs many alternated runs and still only resolves ~10%. An
instruction count is deterministic to a few parts in 10,000 and shows a 1% change in one run.
It does not see cache misses or the kernel's share of a send, so the wall-clock figures of
run_all.py remain the ones the targets are judged on.

Each tree is counted twice, replaying ``warmup`` frames and then ``warmup + N``; the difference
over N frames leaves out the interpreter's start, the imports and the filters' warm-up. With
--against, the commit is checked out into a temporary git worktree and imported from there
(its own benchmarks/ too), so both counts come from this one run. Needs valgrind
(``apt-get install valgrind``); about 4 minutes per tree on this machine with the defaults.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_COLLECTED = re.compile(r"Collected : (\d+)")


def _replay(tree: str, frames: int, warmup: int) -> None:
    """The measured work, run inside valgrind: ``frames`` demo frames through the Runner, with
    ``tree``'s own vtdriver and benchmark code."""
    sys.path[:0] = [tree, os.path.join(tree, "benchmarks")]
    import perf_scenarios  # noqa: PLC0415
    from perf_sources import UdpSink  # noqa: PLC0415

    from vtdriver.sources.demo import DemoScene  # noqa: PLC0415

    scene = DemoScene(seed=0)
    recording = [scene.landmarks(i / 30.0, index=i) for i in range(300)]
    with UdpSink() as sink:
        perf_scenarios.replay_overhead(recording, 30.0, frames, sink.target, warmup=min(warmup, frames))


def _count(tree: Path, frames: int, warmup: int) -> int:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # as the vtdriver command sets it
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, str(Path(__file__).resolve()), "--inner", str(tree), str(frames), str(warmup)]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"instructions.py: the replay under valgrind failed in {tree}: {tail[0]}")
    return int(found.group(1))


def per_frame(tree: Path, frames: int, warmup: int) -> float:
    return (_count(tree, warmup + frames, warmup) - _count(tree, warmup, warmup)) / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="also count this commit (e.g. HEAD~5) and print the ratio")
    parser.add_argument("--frames", type=int, default=200, help="frames counted per tree (default 200)")
    parser.add_argument("--warmup", type=int, default=50, help="frames replayed before counting (default 50)")
    parser.add_argument("--inner", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        tree, frames, warmup = args.inner
        _replay(tree, int(frames), int(warmup))
        return
    if args.frames < 1 or args.warmup < 1:
        parser.error("--frames and --warmup must be at least 1")
    try:
        subprocess.run(["valgrind", "--version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit("instructions.py: valgrind not found (apt-get install valgrind)") from None
    here = per_frame(REPO, args.frames, args.warmup)
    print(f"this tree ({REPO}): {here / 1e6:.3f} M instructions per frame over {args.frames} frames")
    if not args.against:
        return
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), args.against],
                       check=True, capture_output=True)
        try:
            before = per_frame(tree, args.frames, args.warmup)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], capture_output=True)
    print(f"{args.against}: {before / 1e6:.3f} M instructions per frame")
    print(f"ratio this tree / {args.against}: {here / before:.3f}")


if __name__ == "__main__":
    main()
