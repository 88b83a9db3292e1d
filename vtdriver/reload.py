"""Hot reload: notice edits to config.toml and the mapping files it references while running.

A valid edit yields a new Config for the session to apply. An invalid one prints the usual
one-line error once and keeps the running config, so a typo mid-stream never stops the avatar.
Polling file stamps (a few stat calls every quarter second) needs no extra dependency and works
the same on every OS and editor, including editors that save by renaming a new file into place.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from vtdriver.config.errors import ConfigError
from vtdriver.config.loader import Config, load_config
from vtdriver.errors import UserError

POLL_SECONDS = 0.25  # well inside the promised 1 s from save to effect

# Settings read once when the source and tracker open; changing them needs a restart.
RESTART_SECTIONS = ("source", "tracker")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class ConfigWatcher:
    def __init__(
        self,
        config: Config,
        log: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        poll_seconds: float = POLL_SECONDS,
    ):
        self._config = config
        self._log = log
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._next_poll = clock() + poll_seconds
        self._stamps = self._current_stamps(config)
        self._failed_stamps: dict[Path, tuple[int, int] | None] | None = None

    @staticmethod
    def _watched(config: Config) -> list[Path]:
        return [config.path, *config.mapping_paths.values()]

    def _current_stamps(self, config: Config) -> dict[Path, tuple[int, int] | None]:
        return {path: _stamp(path) for path in self._watched(config)}

    def poll(self) -> Config | None:
        """A newly loaded Config when a watched file changed and the result is valid."""
        now = self._clock()
        if now < self._next_poll:
            return None
        self._next_poll = now + self._poll_seconds
        stamps = self._current_stamps(self._config)
        if stamps == self._stamps or stamps == self._failed_stamps:
            return None
        try:
            new = load_config(self._config.path)
        except (ConfigError, UserError) as exc:
            self._failed_stamps = stamps
            self._log(f"vtdriver: config not reloaded, keeping the running one: {exc.one_line()}")
            return None
        self._failed_stamps = None
        needs_restart = [name for name in RESTART_SECTIONS if new.sections[name] != self._config.sections[name]]
        if needs_restart:
            tables = ", ".join(f"[{name}]" for name in needs_restart)
            self._log(f"vtdriver: {tables} changed; those settings apply after a restart")
        self._config = new
        self._stamps = self._current_stamps(new)
        self._log(f"vtdriver: reloaded {new.path}")
        return new
