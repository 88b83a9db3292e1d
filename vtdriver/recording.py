"""The public landmark recording format (JSON Lines), version 1.

Line 1, the header:
    {"vtdriver_recording": 1, "image_size": [w, h], "fps": F, "source": "..."}
Every further line, one frame:
    {"t": seconds, "pose": [[x, y, z, visibility] x 33] | null,
     "pose_world": [[x, y, z, visibility] x 33] | null, "face": [[x, y, z] x 478] | null,
     "left_hand": [[x, y, z] x 21] | null, "right_hand": [[x, y, z] x 21] | null}

Values are exactly what MediaPipe Holistic returned (see vtdriver.frame.Landmarks): normalised
image coordinates for pose, face and hands, hip-centred metres for pose_world; the hands are
the subject's own. Floats are written with Python's shortest round-trip repr and parsed back
to the identical float64, so a replay drives the pipeline exactly like the live run did.
Keys other than these are ignored by the reader (room for later additions).

Damage handling when reading:
- an unreadable or invalid header is an error (``RecordingError``, naming file and line);
- a frame line that is not a JSON object or has no finite number "t" is skipped and counted
  (``ReadStats.bad_lines``), as is a blank line;
- a part with the wrong shape, non-numbers, NaN or inf is read as null (part not tracked)
  and counted (``ReadStats.bad_parts``); the rest of that frame is kept.
The writer applies the same rule to non-finite parts (written as null, counted), so every file
it writes is strict JSON.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import numpy as np

from vtdriver.frame import PART_NAMES, PART_SHAPES, Landmarks

FORMAT_KEY = "vtdriver_recording"
FORMAT_VERSION = 1


class RecordingError(ValueError):
    """A recording cannot be read. The message is one line: file, line number, problem."""


@dataclass(frozen=True)
class RecordingHeader:
    image_size: tuple[int, int]
    fps: float
    source: str


@dataclass
class ReadStats:
    frames: int = 0
    bad_lines: int = 0
    bad_parts: int = 0


class RecordingWriter:
    """Writes a recording line by line, flushing nothing itself (the OS buffers; ``close``
    flushes). Usable as a context manager."""

    def __init__(self, target: str | Path | IO[str], image_size: tuple[int, int], fps: float,
                 source: str) -> None:
        if isinstance(target, (str, Path)):
            self._file: IO[str] = open(target, "w", encoding="utf-8", newline="\n")
            self._owns_file = True
        else:
            self._file = target
            self._owns_file = False
        self.frames = 0
        self.bad_parts = 0
        header = {FORMAT_KEY: FORMAT_VERSION, "image_size": [int(image_size[0]), int(image_size[1])],
                  "fps": float(fps), "source": str(source)}
        self._file.write(json.dumps(header) + "\n")

    def write(self, landmarks: Landmarks) -> None:
        line: dict[str, Any] = {"t": float(landmarks.t)}
        for name in PART_NAMES:
            array = landmarks.part(name)
            values = None if array is None else _checked_part(name, array)
            if array is not None and values is None:
                self.bad_parts += 1
            line[name] = values
        self._file.write(json.dumps(line, separators=(",", ":"), allow_nan=False) + "\n")
        self.frames += 1

    def close(self) -> None:
        if self._owns_file:
            self._file.close()
        else:
            self._file.flush()

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _checked_part(name: str, array: np.ndarray) -> list[list[float]] | None:
    values = np.asarray(array, dtype=np.float64)
    if values.shape != PART_SHAPES[name] or not np.isfinite(values).all():
        return None
    return values.tolist()


def parse_header(line: str, where: str) -> RecordingHeader:
    try:
        data = json.loads(line)
    except ValueError:
        raise RecordingError(f"{where}: not a vtdriver recording (header is not JSON)") from None
    if not isinstance(data, dict) or FORMAT_KEY not in data:
        raise RecordingError(f"{where}: not a vtdriver recording (no \"{FORMAT_KEY}\" header)")
    if data[FORMAT_KEY] != FORMAT_VERSION:
        raise RecordingError(f"{where}: unsupported recording version {data[FORMAT_KEY]!r} (expected {FORMAT_VERSION})")
    size = data.get("image_size")
    if (not isinstance(size, list) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)):
        raise RecordingError(f"{where}: header \"image_size\" must be [width, height] in positive integers")
    fps = data.get("fps")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
        raise RecordingError(f"{where}: header \"fps\" must be a positive number")
    source = data.get("source", "")
    if not isinstance(source, str):
        raise RecordingError(f"{where}: header \"source\" must be a string")
    return RecordingHeader(image_size=(size[0], size[1]), fps=float(fps), source=source)


def parse_frame(line: str, image_size: tuple[int, int], index: int,
                stats: ReadStats) -> Landmarks | None:
    """One frame line -> Landmarks, or None (counted) when the line is unusable."""
    try:
        data = json.loads(line)
    except ValueError:
        data = None
    t = data.get("t") if isinstance(data, dict) else None
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
        stats.bad_lines += 1
        return None
    parts: dict[str, np.ndarray | None] = {}
    for name in PART_NAMES:
        value = data.get(name)
        parts[name] = None if value is None else _part_array(name, value, stats)
    stats.frames += 1
    return Landmarks(t=float(t), image_size=image_size, index=index, **parts)


def _part_array(name: str, value: Any, stats: ReadStats) -> np.ndarray | None:
    try:
        array = np.array(value, dtype=np.float64)
    except (ValueError, TypeError):
        array = None
    if array is None or array.shape != PART_SHAPES[name] or not np.isfinite(array).all():
        stats.bad_parts += 1
        return None
    array.flags.writeable = False
    return array


class RecordingReader:
    """Iterates the frames of a recording. The header is read (and checked) on construction,
    so a wrong file fails before anything runs."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._file: IO[str] | None = open(self.path, "r", encoding="utf-8", errors="replace")
        except OSError as error:
            raise RecordingError(f"{self.path}: cannot open recording ({error.strerror or error})") from None
        first = self._file.readline()
        if not first.strip():
            self.close()
            raise RecordingError(f"{self.path}:1: empty file, expected a vtdriver recording header")
        try:
            self.header = parse_header(first, f"{self.path}:1")
        except RecordingError:
            self.close()
            raise
        self.stats = ReadStats()

    def __iter__(self) -> Iterator[Landmarks]:
        if self._file is None:
            return
        size = self.header.image_size
        for line in self._file:
            if not line.strip():
                self.stats.bad_lines += 1
                continue
            frame = parse_frame(line, size, self.stats.frames, self.stats)
            if frame is not None:
                yield frame

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_recording(path: str | Path) -> tuple[RecordingHeader, list[Landmarks], ReadStats]:
    """The whole recording in memory, e.g. for benchmarks that set JSON decoding aside."""
    reader = RecordingReader(path)
    try:
        frames = list(reader)
    finally:
        reader.close()
    return reader.header, frames, reader.stats
