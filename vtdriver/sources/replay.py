"""``replay:FILE.jsonl``: a recorded landmark stream played back as a source."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from vtdriver.recording import RecordingError, RecordingReader
from vtdriver.sources.base import SourceError, SourceItem, SourceSettings, SourceStats
from vtdriver.sources.timing import Pacer


class ReplaySource:
    """Yields the recording's Landmarks with their recorded ``t``, paced by the recorded time
    stamps when ``realtime``. Damaged lines are skipped or partly nulled as documented in
    vtdriver.recording; ``stats.bad_frames`` counts skipped lines, ``stats.skipped["part"]``
    nulled parts."""

    provides_landmarks = True

    def __init__(self, path: str | Path, settings: SourceSettings) -> None:
        try:
            self._reader = RecordingReader(path)
        except RecordingError as error:
            raise SourceError(str(error)) from None
        header = self._reader.header
        self.image_size = header.image_size
        self.fps = header.fps
        self.realtime = settings.realtime
        self.description = f"replay:{Path(path).name}"
        self.recorded_source = header.source
        self.stats = SourceStats()

    def __iter__(self) -> Iterator[SourceItem]:
        pacer = Pacer(self.realtime)
        read_stats = self._reader.stats
        for landmarks in self._reader:
            self.stats.bad_frames = read_stats.bad_lines
            if read_stats.bad_parts:
                self.stats.skipped["part"] = read_stats.bad_parts
            pacer.wait_until(landmarks.t)
            self.stats.frames += 1
            yield landmarks
        self.stats.bad_frames = read_stats.bad_lines
        self.stats.status = "ended"

    def close(self) -> None:
        self._reader.close()
        self.stats.status = "ended"
