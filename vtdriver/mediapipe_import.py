"""Importing MediaPipe Holistic without side effects on disk.

mediapipe 0.10.21's ``solutions`` package imports ``drawing_utils``, which imports
``matplotlib.pyplot`` at module level for an optional 3-D plotting helper vtdriver never calls.
Importing matplotlib creates ``~/.config/matplotlib`` and builds a font cache in
``~/.cache/matplotlib``: files written by a plain ``vtdriver run``, against its promise to write
nothing. While MediaPipe is imported, placeholder modules stand in for matplotlib; they are
removed again at once, so any later real ``import matplotlib`` behaves normally.
"""
from __future__ import annotations

import sys
import types
from contextlib import contextmanager
from typing import Iterator

_STUBBED = ("matplotlib", "matplotlib.pyplot")


class _MatplotlibPlaceholder(types.ModuleType):
    def __getattr__(self, name: str):
        raise ImportError(f"{self.__name__}.{name}: matplotlib is not loaded inside vtdriver")


@contextmanager
def _matplotlib_placeholders() -> Iterator[None]:
    if any(name in sys.modules for name in _STUBBED):
        yield  # the real matplotlib is already loaded (by the host program); nothing to avoid
        return
    package = _MatplotlibPlaceholder("matplotlib")
    pyplot = _MatplotlibPlaceholder("matplotlib.pyplot")
    package.__dict__["pyplot"] = pyplot
    sys.modules.update({"matplotlib": package, "matplotlib.pyplot": pyplot})
    try:
        yield
    finally:
        for name in _STUBBED:
            if sys.modules.get(name) in (package, pyplot):
                del sys.modules[name]


def import_holistic():
    """The ``mediapipe.python.solutions.holistic`` module."""
    with _matplotlib_placeholders():
        from mediapipe.python.solutions import holistic  # noqa: PLC0415

    return holistic
