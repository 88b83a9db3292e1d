"""``vtdriver run``: stream the avatar from a source to every configured output."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from vtdriver.commands.common import add_config_argument, add_source_arguments, load_config_from_args
from vtdriver.runner import Runner, StopFlag


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="track a source and stream the avatar (VMC / OSC)")
    add_config_argument(parser)
    add_source_arguments(parser)
    parser.add_argument("--vmc-target", metavar="HOST:PORT", help="send VMC here instead of the configured target")
    parser.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=None, help="override [avatar] mirror")
    parser.add_argument("--stats-json", type=Path, metavar="FILE", help="write timing and counters as JSON at exit")
    parser.add_argument("--preview", action="store_true", help="show a window with the landmarks, gestures and blendshapes")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from vtdriver.session import make_runner, open_session  # noqa: PLC0415 - keeps check-config import-light

    config = load_config_from_args(args)
    stop = StopFlag()
    restore_signals = stop.install_signal_handlers()
    window = None
    try:
        if args.preview:
            from vtdriver.preview.window import PreviewWindow  # noqa: PLC0415

            window = PreviewWindow()
        with open_session(config, args) as session:
            preview = None
            if window is not None:
                from vtdriver.live_preview import LivePreview  # noqa: PLC0415

                preview = LivePreview(session.pipeline, stop, window)
            runner = make_runner(session, args, stop, on_tick=_hot_reload(config, session), on_result=preview)
            counters = runner.run()
            if args.stats_json:
                _write_stats(args.stats_json, runner, session)
            sent, errors = session.outputs.totals()
            print(
                f"vtdriver: {counters.frames_out} frames sent ({counters.frames_in} in, "
                f"{counters.frames_skipped + counters.source_skipped} skipped), {sent} datagrams, {errors} send errors",
                file=sys.stderr,
            )
    finally:
        if window is not None:
            window.close()
        restore_signals()
    return 0


def _hot_reload(config, session):
    """A per-frame hook applying valid edits of the config and its mapping files."""
    from vtdriver.errors import UserError  # noqa: PLC0415
    from vtdriver.reload import ConfigWatcher  # noqa: PLC0415

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    watcher = ConfigWatcher(config, log)

    def tick() -> None:
        new = watcher.poll()
        if new is None:
            return
        try:
            session.apply_config(new)
        except UserError as exc:
            log(f"vtdriver: config not applied, keeping the running one: {exc.one_line()}")

    return tick


def _write_stats(path: Path, runner: Runner, session) -> None:
    report = {
        # p50/p95 over the last timing.WINDOW frames of each stage; count = frames ever timed.
        "stages": runner.timer.summary(),
        "trackers": getattr(session.tracker, "size", 1 if session.tracker is not None else 0),
        "counters": dataclasses.asdict(runner.counters),
        "source": dataclasses.asdict(session.source.stats) if hasattr(session.source, "stats") else {},
        "outputs": session.outputs.stats(),
    }
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
