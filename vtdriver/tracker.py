"""The tracker stage: pixels in, MediaPipe Holistic landmarks out.

``Tracker`` is the interface the pipeline uses; replay and demo sources yield Landmarks and
bypass it. ``HolisticTracker`` wraps mediapipe.solutions.holistic.Holistic (mediapipe 0.10.21,
whose wheel bundles the Holistic graph and the model_complexity=1 pose model only).
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Protocol

import numpy as np

from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.settings import setting

# Pose landmark model each complexity loads (mediapipe/modules/pose_landmark/). Holistic tries
# to download the missing ones at start-up, which cannot work offline.
POSE_MODEL_FILES = {
    0: "pose_landmark_lite.tflite",
    1: "pose_landmark_full.tflite",
    2: "pose_landmark_heavy.tflite",
}


# More instances than this only add memory (each Holistic holds ~100 MB of models and buffers)
# and per-frame latency: four already outrun a 60 fps camera on any machine that could host them.
MAX_TRACKERS = 4
# The automatic choice is one instance. One Holistic instance alone keeps about 1.35 of a
# 2-core machine's cores busy (its graph runs the pose, face and hand models on MediaPipe's own
# threads), so a second one can only use the remaining ~0.65 core, and only while nothing else
# wants it. Measured with benchmarks/run_all.py on the 2-core AMD EPYC this was built on, with
# other programs running (load average 5-8, as on a streaming PC running OBS and a game):
# two instances tracked 0.71-1.24x as many frames per second as one (target 1.4x), used ~5 %
# more CPU per frame, gave 1.03-1.11x the output rate from a 30 fps camera with 60-70 % more
# end-to-end latency, and the visible pose landmarks shook 1.8-2.2x more from frame to frame,
# because consecutive frames come from instances each tracking from its own older frame. More
# instances pay off only on a machine with idle cores; set ``trackers`` by hand there.
AUTO_TRACKERS = 1
AUTO_TRACKERS_RULE = "1 instance (see the README's Performance section before raising it)"


def tracker_count(setting_value: int) -> int:
    """How many Holistic instances to run: the setting, or the automatic choice when it is 0."""
    if setting_value > 0:
        return min(int(setting_value), MAX_TRACKERS)
    return AUTO_TRACKERS


class TrackerError(RuntimeError):
    """The tracker cannot start. One line for the user, naming the config key at fault."""


@dataclass(frozen=True)
class TrackerSettings:
    model_complexity: int = setting(
        1, "pose model size; only 1 ships with mediapipe 0.10.21 (0 and 2 would need a download)",
        choices=(0, 1, 2),
    )
    min_detection_confidence: float = setting(
        0.5, "minimum person-detector score to start tracking", min=0, max=1
    )
    min_tracking_confidence: float = setting(
        0.5, "below this landmark confidence the person is detected again on the next frame", min=0, max=1
    )
    smooth_landmarks: bool = setting(
        False,
        "MediaPipe's own temporal pose filter. Off by default: vtdriver's Savitzky-Golay filter "
        "([smoothing.*]) works on true timestamps with no lag at steady speed, and with several "
        "trackers each MediaPipe instance would only see every Nth frame",
    )
    static_image_mode: bool = setting(
        False, "treat every frame as unrelated (snapshot of single images); slower on video"
    )
    native_logs: bool = setting(
        False, "show MediaPipe's own start-up log lines (TensorFlow Lite, absl) for debugging"
    )
    trackers: int = setting(
        0,
        "Holistic instances working on alternate frames (results stay in capture order); "
        "0 = automatic: " + AUTO_TRACKERS_RULE,
        min=0,
        max=MAX_TRACKERS,
    )


class Tracker(Protocol):
    def process(self, frame: CapturedFrame) -> Landmarks: ...

    def close(self) -> None: ...


def pose_model_path(model_complexity: int) -> Path | None:
    """Where the bundled pose model for a complexity would be, found without importing
    mediapipe (which takes a second and may start its own logging)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "modules" / "pose_landmark" / POSE_MODEL_FILES[model_complexity]


def check_settings(settings: TrackerSettings) -> None:
    """Raises TrackerError before MediaPipe is touched when the settings cannot work here."""
    complexity = settings.model_complexity
    if complexity not in POSE_MODEL_FILES:
        raise TrackerError(f"tracker.model_complexity = {complexity!r}: must be 0, 1 or 2")
    model = pose_model_path(complexity)
    if model is None:
        raise TrackerError("mediapipe is not installed (pip install mediapipe==0.10.21)")
    if not model.is_file():
        raise TrackerError(
            f"tracker.model_complexity = {complexity}: its pose model ({model.name}) is not bundled "
            "with mediapipe 0.10.21 and cannot be downloaded here; use model_complexity = 1"
        )


@contextlib.contextmanager
def _native_stderr_silenced(enabled: bool) -> Iterator[None]:
    """MediaPipe's C++ side writes a dozen warnings straight to file descriptor 2 while the
    graph starts (absl ignores GLOG_minloglevel before absl::InitializeLog). Pointing fd 2 at
    the null device for just that window hides them; Python-level errors still raise."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _quiet_mediapipe_logs() -> None:
    # Must be in the environment before mediapipe's C++ side first loads; setdefault keeps a
    # user's explicit choice. 2 = errors only (glog), 3 = errors only (TensorFlow Lite).
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


# Wire layout of one serialised landmark (NormalizedLandmark / Landmark protobuf): a
# length-delimited entry of field 1 of the list, holding fixed32 fields x=1, y=2, z=3 and,
# for pose, visibility=4. Tag byte = field number << 3 | 5 (fixed32); entry tag = 1 << 3 | 2.
_ENTRY_TAG = 0x0A
_FIELD_TAGS = (0x0D, 0x15, 0x1D, 0x25)


def landmark_array(landmark_list: Any, with_visibility: bool) -> np.ndarray | None:
    """A MediaPipe landmark list -> float64 (N, 3) or (N, 4) array, or None when absent.
    The values are MediaPipe's float32 numbers widened exactly.

    Reading 478 face points attribute by attribute costs about 0.45 ms; decoding the
    serialised message with numpy costs a few microseconds, so that is tried first and the
    attribute loop is the fallback for any layout it does not recognise."""
    if landmark_list is None:
        return None
    columns = 4 if with_visibility else 3
    array = _decode_fixed_layout(landmark_list.SerializeToString(), columns)
    if array is None:
        points = landmark_list.landmark
        if with_visibility:
            rows = [(p.x, p.y, p.z, p.visibility) for p in points]
        else:
            rows = [(p.x, p.y, p.z) for p in points]
        array = np.array(rows, dtype=np.float64).reshape(-1, columns)
    array.flags.writeable = False
    return array


_FIELD_STRIDE = 5  # tag byte + 4-byte little-endian float


def _decode_fixed_layout(data: bytes, columns: int) -> np.ndarray | None:
    """Decodes ``data`` when every landmark entry holds exactly the first ``columns`` fields,
    in order; None otherwise (e.g. an extra presence field, or a field left unset)."""
    entry_len = 2 + _FIELD_STRIDE * columns
    count, remainder = divmod(len(data), entry_len)
    if count == 0 or remainder:
        return None
    # Byte-string slicing checks every entry's tag bytes in C without building arrays.
    expected = [(0, _ENTRY_TAG), (1, entry_len - 2)]
    expected += [(2 + _FIELD_STRIDE * c, _FIELD_TAGS[c]) for c in range(columns)]
    for offset, tag in expected:
        if data[offset::entry_len] != bytes((tag,)) * count:
            return None
    values = np.ndarray((count, columns), dtype="<f4", buffer=data, offset=3,
                        strides=(entry_len, _FIELD_STRIDE))
    return values.astype(np.float64)


class HolisticTracker:
    """MediaPipe Holistic with refined face landmarks (478 points, irises included)."""

    def __init__(self, settings: TrackerSettings = TrackerSettings()) -> None:
        check_settings(settings)
        _quiet_mediapipe_logs()
        import cv2  # noqa: PLC0415 - imported with mediapipe, only when a tracker is made
        from vtdriver.mediapipe_import import import_holistic  # noqa: PLC0415

        holistic = import_holistic()

        self._cv2 = cv2
        # The graph finishes starting on the first frame, which logs too.
        self._silence_next = not settings.native_logs
        with _native_stderr_silenced(self._silence_next):
            self._holistic = holistic.Holistic(
                static_image_mode=settings.static_image_mode,
                model_complexity=settings.model_complexity,
                smooth_landmarks=settings.smooth_landmarks,
                refine_face_landmarks=True,
                min_detection_confidence=settings.min_detection_confidence,
                min_tracking_confidence=settings.min_tracking_confidence,
            )

    def process(self, frame: CapturedFrame) -> Landmarks:
        return self.process_timed(frame)[0]

    def process_timed(self, frame: CapturedFrame) -> tuple[Landmarks, dict[str, int]]:
        """The landmarks and how long each part took (ns): "convert" (BGR -> RGB) and
        "tracker" (the Holistic graph and reading its landmarks into arrays)."""
        if self._holistic is None:
            raise TrackerError("tracker used after close()")
        start = time.perf_counter_ns()
        rgb = self._cv2.cvtColor(frame.image, self._cv2.COLOR_BGR2RGB)
        converted = time.perf_counter_ns()
        with _native_stderr_silenced(self._silence_next):
            results = self._holistic.process(rgb)
        self._silence_next = False
        height, width = frame.image.shape[:2]
        landmarks = Landmarks(
            t=frame.t,
            image_size=(int(width), int(height)),
            pose=landmark_array(results.pose_landmarks, with_visibility=True),
            pose_world=landmark_array(results.pose_world_landmarks, with_visibility=True),
            face=landmark_array(results.face_landmarks, with_visibility=False),
            left_hand=landmark_array(results.left_hand_landmarks, with_visibility=False),
            right_hand=landmark_array(results.right_hand_landmarks, with_visibility=False),
            index=frame.index,
            capture_ns=frame.capture_ns,
        )
        done = time.perf_counter_ns()
        return landmarks, {"convert": converted - start, "tracker": done - converted}

    def close(self) -> None:
        if self._holistic is not None:
            self._holistic.close()
            self._holistic = None

    def __enter__(self) -> "HolisticTracker":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
