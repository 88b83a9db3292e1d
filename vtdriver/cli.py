"""The ``vtdriver`` command. Each sub-command lives in ``vtdriver/commands/``; this module only
parses arguments and turns user errors into one line on stderr and exit status 2."""
from __future__ import annotations

import argparse
import os
import sys

from vtdriver import __version__
from vtdriver.errors import UserError

# MediaPipe and TensorFlow Lite print pages of C++ log lines at import; they say nothing a
# streamer can act on. Set before anything imports mediapipe.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# FFmpeg (inside OpenCV) prints its own line for a corrupt video before vtdriver's one-line error.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
# numpy's OpenBLAS splits even the smoothing's small matrix products (9 x 1434 for the face)
# over every core; its second thread then competes with MediaPipe's own for the same cores and
# the product waits for it. One BLAS thread: smoothing 461 -> 287 us/frame median on 2 cores
# (benchmarks/bench_solvers.py --clock cpu, which does not even count the second thread's time).
# Must be set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    from vtdriver.commands import COMMANDS

    parser = argparse.ArgumentParser(
        prog="vtdriver",
        description="Drive a VTuber avatar from a webcam: MediaPipe Holistic -> VMC protocol / OSC.",
    )
    parser.add_argument("--version", action="version", version=f"vtdriver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except UserError as exc:
        print(f"vtdriver: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
