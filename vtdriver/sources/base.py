"""What every frame source looks like, its settings, and the counters it keeps.

A source is an iterator. Camera, video and image sources yield ``CapturedFrame`` (pixels for
the tracker); replay and demo yield ``Landmarks`` directly (``provides_landmarks`` is True)
so the pipeline bypasses the tracker. A live source yields ``None`` when no new frame arrived
within ``SourceSettings.frame_timeout_s`` (the camera is gone or reconnecting): the pipeline
treats that tick as "nothing tracked" and keeps its outputs flowing. ``StopIteration`` means
the source has ended (end of file, or closed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol, runtime_checkable

from vtdriver.errors import UserError
from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.settings import setting


class SourceError(UserError, RuntimeError):
    """A source could not be opened or used. The message is one line meant for the user: the
    CLI prints it and exits 2 (a UserError), never a traceback. Still a RuntimeError for
    callers that catch it as one."""


SourceItem = CapturedFrame | Landmarks | None


@dataclass
class SourceStats:
    """Counters a source keeps for the status line. Owned and mutated by one source only."""

    frames: int = 0  # items handed to the consumer
    dropped: int = 0  # camera frames overwritten before the consumer took them
    bad_frames: int = 0  # unreadable frames skipped (corrupt video, failed grabs)
    converted: dict[str, int] = field(default_factory=dict)  # odd frames fixed, by kind
    skipped: dict[str, int] = field(default_factory=dict)  # odd frames dropped, by kind
    reconnects: int = 0
    status: str = "ok"  # "ok", "reconnecting", "ended"

    def count(self, table: str, kind: str) -> None:
        counts = getattr(self, table)
        counts[kind] = counts.get(kind, 0) + 1


@runtime_checkable
class FrameSource(Protocol):
    image_size: tuple[int, int]  # (width, height) of the frames or of the recorded images
    fps: float  # nominal rate; 0.0 when the source does not know it
    realtime: bool  # paced to the wall clock (live camera, or a file played at its own speed)
    provides_landmarks: bool  # True for replay and demo: no tracker needed
    description: str  # what was opened, for logs and recording headers (never image data)
    stats: SourceStats

    def __iter__(self) -> Iterator[SourceItem]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SourceSettings:
    default: str = setting(
        "0", "what runs when --source is not given: a camera index, device path or name, a video "
        "or image file, replay:FILE.jsonl, or demo"
    )
    realtime: bool = setting(
        True, "pace video, image, replay and demo sources to the wall clock (--no-realtime turns it off)"
    )
    max_image_side: int = setting(
        1920,
        "frames with a longer side are downscaled before tracking; Holistic works on small "
        "crops internally, so bigger frames only cost conversion time",
        min=64,
        max=16384,
    )
    camera_width: int = setting(0, "requested camera width in pixels (0 = driver default)", min=0, max=8192)
    camera_height: int = setting(0, "requested camera height in pixels (0 = driver default)", min=0, max=8192)
    camera_fps: float = setting(0.0, "requested camera frame rate (0 = driver default)", min=0, max=480)
    open_timeout_s: float = setting(
        5.0, "give up opening a camera or video after this long", min=0.1, max=60
    )
    frame_timeout_s: float = setting(
        0.2,
        "a live source yields 'no frame' after waiting this long, so outputs keep flowing "
        "while the camera is away",
        min=0.01,
        max=5,
    )
    reconnect_initial_backoff_s: float = setting(
        0.25, "first wait before reopening a lost camera; doubles on each failed attempt", min=0.01, max=10
    )
    reconnect_max_backoff_s: float = setting(
        1.0,
        "longest wait between reopen attempts; 1 s keeps a returning camera back within 2 s",
        min=0.01,
        max=60,
    )
    lost_after_failed_reads: int = setting(
        10, "consecutive failed camera reads before the camera counts as lost", min=1, max=1000
    )
    max_bad_video_frames: int = setting(
        50, "consecutive undecodable video frames after which the file counts as ended", min=1, max=100000
    )
    image_fps: float = setting(30.0, "rate at which an image source repeats its image", min=1, max=240)
    demo_fps: float = setting(30.0, "frame rate of the demo performer", min=1, max=240)
    demo_seed: int = setting(0, "seed of the demo performer's variations", min=0)
    demo_width: int = setting(1280, "image width the demo performer pretends to have", min=16, max=8192)
    demo_height: int = setting(720, "image height the demo performer pretends to have", min=16, max=8192)
