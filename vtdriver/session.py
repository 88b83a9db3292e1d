"""Opening everything a run needs from a config and command-line arguments, and closing it
again in reverse order whatever happens: source (camera released first), tracker, outputs."""
from __future__ import annotations

import argparse
import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from vtdriver.config.loader import Config
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.sources import open_source


@dataclass
class Session:
    config: Config
    source: object
    tracker: object | None
    pipeline: AvatarPipeline
    outputs: OutputSet
    args: argparse.Namespace | None = None

    def apply_config(self, config: Config) -> None:
        """Hot reload. Everything that can fail (mapping files, sockets) is built before
        anything running is touched, so a failure leaves the old config in charge. Source and
        tracker keep their settings until restart."""
        config = effective_config(config, self.args) if self.args is not None else config
        replacement = OutputSet.from_config(config, getattr(self.args, "vmc_target", None))
        try:
            self.pipeline.apply_config(config)
        except BaseException:
            replacement.close()
            raise
        self.outputs.take_over(replacement)
        self.config = config


def make_runner(session: Session, args: argparse.Namespace, stop, **hooks):
    """The frame loop for a session, bounded by --frames / --duration, with the status line;
    ``hooks`` are the Runner's optional callbacks (on_landmarks, on_tick, on_result)."""
    from vtdriver.runner import RunBounds, Runner  # noqa: PLC0415
    from vtdriver.status import StatusLine  # noqa: PLC0415

    return Runner(
        session.source,
        session.pipeline,
        session.outputs,
        tracker=session.tracker,
        bounds=RunBounds(frames=getattr(args, "frames", None), duration=getattr(args, "duration", None)),
        status=StatusLine(session.config.status.interval_seconds),
        stop=stop,
        **hooks,
    )


def effective_config(config: Config, args: argparse.Namespace) -> Config:
    """Command-line overrides applied to a loaded config (a new Config)."""
    sections = dict(config.sections)
    if getattr(args, "no_realtime", False):
        sections["source"] = dataclasses.replace(sections["source"], realtime=False)
    if getattr(args, "mirror", None) is not None:
        sections["avatar"] = dataclasses.replace(sections["avatar"], mirror=args.mirror)
    return dataclasses.replace(config, sections=sections)


def make_tracker(config: Config, source):
    """A pool of ``[tracker] trackers`` Holistic instances (vtdriver.tracker_pool), or None
    for a source that yields landmarks itself."""
    if getattr(source, "provides_landmarks", False):
        return None
    from vtdriver.tracker import HolisticTracker, tracker_count  # noqa: PLC0415 - mediapipe loads only when needed
    from vtdriver.tracker_pool import TrackerPool  # noqa: PLC0415

    settings = config.tracker
    return TrackerPool.create(lambda: HolisticTracker(settings), tracker_count(settings.trackers))


@contextmanager
def open_session(config: Config, args: argparse.Namespace) -> Iterator[Session]:
    config = effective_config(config, args)
    spec = args.source or config.source.default
    outputs = OutputSet.from_config(config, getattr(args, "vmc_target", None))
    source = tracker = None
    try:
        source = open_source(spec, config.source)
        tracker = make_tracker(config, source)
        pipeline = AvatarPipeline(config, face_profile=load_face_profile(config))
        yield Session(config, source, tracker, pipeline, outputs, args)
    finally:
        if source is not None:
            source.close()
        if tracker is not None:
            tracker.close()
        outputs.close()


def load_face_profile(config: Config):
    path = config.face.profile
    if not path:
        return None
    from vtdriver.solvers.face_profile import load_profile  # noqa: PLC0415

    return load_profile(config.resolve(path))
