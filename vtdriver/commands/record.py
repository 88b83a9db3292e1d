"""``vtdriver record``: write the landmark stream of a source to a JSON Lines recording (never
images). The outputs stream as in ``run`` while recording, so a replay of the file can be
checked byte for byte against what the receiver got live."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vtdriver.commands.common import add_config_argument, add_source_arguments, load_config_from_args
from vtdriver.errors import UserError
from vtdriver.runner import StopFlag


class RecordTargetError(UserError):
    pass


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("record", help="record the landmark stream of a source to FILE.jsonl")
    add_config_argument(parser)
    add_source_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.jsonl", help="recording to write")
    parser.add_argument("--vmc-target", metavar="HOST:PORT", help="send VMC here instead of the configured target")
    parser.set_defaults(handler=run, mirror=None)


def run(args: argparse.Namespace) -> int:
    from vtdriver.recording import RecordingWriter  # noqa: PLC0415
    from vtdriver.session import make_runner, open_session  # noqa: PLC0415

    config = load_config_from_args(args)
    if args.out.parent and not args.out.parent.is_dir():
        raise RecordTargetError(f"--out {args.out}: folder {args.out.parent} does not exist")
    stop = StopFlag()
    restore_signals = stop.install_signal_handlers()
    try:
        with open_session(config, args) as session:
            source = session.source
            with RecordingWriter(args.out, source.image_size, source.fps, source.description) as writer:
                runner = make_runner(session, args, stop, on_landmarks=writer.write)
                counters = runner.run()
            print(f"vtdriver: recorded {counters.frames_out} frames to {args.out}", file=sys.stderr)
    finally:
        restore_signals()
    return 0
