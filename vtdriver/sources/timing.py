"""Wall-clock pacing for file-like sources, and opening things that may hang with a bound."""
from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

from vtdriver.sources.base import SourceError

T = TypeVar("T")


class Pacer:
    """Sleeps so that media time ``t`` is reached ``t - t0`` seconds after the first call.
    A consumer that falls behind is not made to catch up with bursts: the schedule restarts
    from the late frame, so playback slows down instead of racing."""

    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._enabled = enabled
        self._clock = clock
        self._sleep = sleep
        self._origin: tuple[float, float] | None = None  # (wall time, media time)

    # A consumer later than this re-bases the schedule; below it, small lateness is absorbed.
    _REBASE_AFTER_S = 0.25

    def wait_until(self, media_t: float) -> None:
        if not self._enabled:
            return
        now = self._clock()
        if self._origin is None:
            self._origin = (now, media_t)
            return
        wall0, media0 = self._origin
        delay = (wall0 + (media_t - media0)) - now
        if delay > 0:
            self._sleep(delay)
        elif delay < -self._REBASE_AFTER_S:
            self._origin = (now, media_t)


def call_with_timeout(func: Callable[[], T], timeout_s: float, what: str) -> T:
    """Runs ``func`` in a daemon thread and waits at most ``timeout_s``. Opening a device or
    a broken file can block inside a driver or decoder with no way to interrupt it; the
    caller gets a SourceError instead of hanging (the stuck thread is abandoned)."""
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = func()
        except BaseException as error:  # noqa: BLE001 - handed back to the caller's thread
            result["error"] = error

    worker = threading.Thread(target=run, name=f"open {what}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise SourceError(f"{what} did not open within {timeout_s:g} s")
    if "error" in result:
        error = result["error"]
        if isinstance(error, SourceError):
            raise error
        raise SourceError(f"{what} could not be opened: {error}") from error  # type: ignore[misc]
    return result["value"]  # type: ignore[return-value]
