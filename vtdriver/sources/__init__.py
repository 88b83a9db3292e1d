"""Frame sources: cameras, video and image files, landmark replays and the demo performer.
``open_source`` turns the --source text into one; see ``base`` for the iteration contract."""
from vtdriver.sources.base import FrameSource, SourceError, SourceItem, SourceSettings, SourceStats
from vtdriver.sources.open import open_source

__all__ = ["FrameSource", "SourceError", "SourceItem", "SourceSettings", "SourceStats", "open_source"]
