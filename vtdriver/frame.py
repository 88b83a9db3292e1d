"""The data that flows through the pipeline, one frame at a time.

source -> ``CapturedFrame`` (pixels, never leaves the process)
tracker -> ``Landmarks`` (MediaPipe Holistic arrays, exactly as MediaPipe returns them)
solvers -> ``AvatarFrame`` (bone rotations, blendshapes, gestures, in the avatar's Unity frame)

Arrays held by these objects are treated as read-only by every stage: a stage that needs to
change values makes its own copy.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

PART_NAMES = ("pose", "pose_world", "face", "left_hand", "right_hand")
_PART_SET = frozenset(PART_NAMES)

# Shapes MediaPipe Holistic produces with refine_face_landmarks=True.
PART_SHAPES: dict[str, tuple[int, int]] = {
    "pose": (33, 4),  # normalized image x, y, z + visibility
    "pose_world": (33, 4),  # metres, hip-centred, + visibility
    "face": (478, 3),  # normalized image x, y, z (468 mesh + 10 iris)
    "left_hand": (21, 3),  # the subject's own left hand, normalized image x, y, z
    "right_hand": (21, 3),
}

Hand = Literal["left", "right"]


@dataclass(frozen=True)
class CapturedFrame:
    """A decoded image from a source. ``t`` is the capture time in seconds (monotonic clock
    for live sources, media time for files); ``index`` counts frames produced by the source."""

    image: np.ndarray  # H x W x 3, uint8, BGR (OpenCV order)
    t: float
    index: int
    capture_ns: int = 0  # perf_counter_ns when the frame was grabbed, for latency figures
    grab_ns: int = 0  # how long the grab itself took (camera driver read), 0 when unknown


@dataclass(frozen=True)
class Landmarks:
    """One frame of tracker output. Each part is a float array of ``PART_SHAPES[part]`` or None
    when that part was not found."""

    t: float
    image_size: tuple[int, int]  # (width, height) of the image the landmarks refer to
    pose: np.ndarray | None = None
    pose_world: np.ndarray | None = None
    face: np.ndarray | None = None
    left_hand: np.ndarray | None = None
    right_hand: np.ndarray | None = None
    index: int = 0
    capture_ns: int = 0

    def part(self, name: str) -> np.ndarray | None:
        return getattr(self, name)

    def with_parts(self, parts: dict[str, np.ndarray | None]) -> "Landmarks":
        """A copy with the given parts (PART_NAMES) replaced: ``dataclasses.replace`` for the
        per-frame path, without its walk over the field definitions and a frozen __init__'s
        object.__setattr__ per field."""
        if not parts.keys() <= _PART_SET:
            raise ValueError(f"not landmark parts: {sorted(parts.keys() - _PART_SET)}")
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(parts)
        return copy

    def tracked_parts(self) -> tuple[str, ...]:
        return tuple(name for name in PART_NAMES if getattr(self, name) is not None)


@dataclass(frozen=True)
class GestureEvent:
    """``kind`` is "enter" when a gesture starts, "exit" when it ends, "hold" while it is held
    (only for gestures whose mapping asks for hold events)."""

    hand: str  # "left", "right" or "both" (two-hand gestures), the avatar's side
    gesture: str
    kind: Literal["enter", "exit", "hold"]
    t: float


@dataclass
class AvatarFrame:
    """Everything the outputs need for one frame, in the avatar's terms.

    - ``bones``: HumanBodyBones name -> local rotation quaternion (x, y, z, w) relative to the
      parent bone, Unity left-handed Y-up frame, identity = VRM T-pose rest. A dict, or (from
      the pipeline) a read-only ``rows.BoneRotations`` over one checked array.
    - ``root_position``: metres in Unity's frame, or None when root motion is off.
    - ``blendshapes``: internal name -> weight in [0, 1]. Internal names are ARKit camelCase
      (``eyeBlinkLeft``) plus VRM 1.0 preset names (``aa``, ``blinkLeft``, ``happy``); the
      output mappings rename and scale them.
    - ``gestures``: the gesture currently held per avatar hand, or None.
    - ``tracking``: per part, whether it was tracked this frame.
    """

    t: float
    bones: Mapping[str, np.ndarray] = field(default_factory=dict)
    root_position: np.ndarray | None = None
    blendshapes: dict[str, float] = field(default_factory=dict)
    gestures: dict[str, str | None] = field(default_factory=lambda: {"left": None, "right": None})
    events: list[GestureEvent] = field(default_factory=list)
    tracking: dict[str, bool] = field(default_factory=dict)
    index: int = 0
    capture_ns: int = 0

    @property
    def any_tracked(self) -> bool:
        return any(self.tracking.values())
