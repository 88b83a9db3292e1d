"""``vtdriver calibrate``: record a few seconds of your relaxed face (and optionally a wide-open
mouth and closed eyes) and save a per-user face profile that later runs load through
``[face] profile``. Only landmark-derived numbers are saved, never images."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vtdriver.commands.common import add_config_argument, add_source_arguments, load_config_from_args
from vtdriver.errors import UserError

PROMPTS = {
    "neutral": "relax your face and look at the camera",
    "mouth_open": "open your mouth as wide as you comfortably can",
    "eyes_closed": "close your eyes gently",
}


class CalibrateError(UserError):
    pass


def _phases(text: str) -> list[str]:
    phases = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in phases if p not in PROMPTS]
    if unknown or "neutral" not in phases:
        raise argparse.ArgumentTypeError(f"phases must include neutral and be among {', '.join(PROMPTS)}; got {text!r}")
    return phases


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("calibrate", help="record your neutral face and save a face profile")
    add_config_argument(parser)
    add_source_arguments(parser, bounds=False)
    parser.add_argument("--out", type=Path, required=True, metavar="PROFILE.toml", help="profile to write")
    parser.add_argument("--phases", type=_phases, default=["neutral"], help="comma list: neutral[,mouth_open][,eyes_closed]")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per phase (default 3)")
    parser.set_defaults(handler=run)


def collect_phases(source, tracker, phases: list[str], seconds: float, log=print):
    """Feeds frames from ``source`` into a FaceCalibrator, ``seconds`` of source time per phase."""
    from vtdriver.frame import CapturedFrame, Landmarks  # noqa: PLC0415
    from vtdriver.solvers.face_profile import FaceCalibrator  # noqa: PLC0415

    calibrator = FaceCalibrator()
    frames = iter(source)
    for phase in phases:
        log(f"vtdriver calibrate: {PROMPTS[phase]} ({seconds:g} s)")
        start = None
        for item in frames:
            if isinstance(item, CapturedFrame):
                item = tracker.process(item)
            if not isinstance(item, Landmarks):
                continue
            start = item.t if start is None else start
            calibrator.add(phase, item)
            if item.t - start >= seconds:
                break
        log(f"vtdriver calibrate: {phase}: face seen in {calibrator.count(phase)} frames")
    return calibrator


def run(args: argparse.Namespace) -> int:
    from vtdriver.session import effective_config, make_tracker  # noqa: PLC0415
    from vtdriver.solvers.face_profile import save_profile  # noqa: PLC0415
    from vtdriver.sources import open_source  # noqa: PLC0415

    config = effective_config(load_config_from_args(args), args)
    if not args.out.parent.resolve().is_dir():
        raise CalibrateError(f"--out {args.out}: folder {args.out.parent} does not exist")
    if not 0.5 <= args.seconds <= 60:
        raise CalibrateError(f"--seconds {args.seconds}: must be between 0.5 and 60")
    source = open_source(args.source or config.source.default, config.source)
    tracker = None
    try:
        tracker = make_tracker(config, source)
        calibrator = collect_phases(source, tracker, args.phases, args.seconds, log=lambda line: print(line, file=sys.stderr))
    finally:
        source.close()
        if tracker is not None:
            tracker.close()
    save_profile(calibrator.profile(), args.out)
    print(f"vtdriver calibrate: saved {args.out}; set [face] profile = \"{args.out}\" to use it", file=sys.stderr)
    return 0
