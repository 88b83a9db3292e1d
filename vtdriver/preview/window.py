"""The ``--preview`` window: shows rendered frames and turns key presses into actions.

Keys: q (or Esc) quits, m toggles mirror mode, c starts a face calibration. Closing the window
with the mouse also quits. ``show`` returns the action for the frame, or None, and the runner
acts on it; the window itself changes nothing.

OpenCV's Qt build aborts the whole process (no exception) when it cannot reach a display, so
the window checks for one first and raises ``PreviewUnavailable`` instead.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

import cv2
import numpy as np

from vtdriver.errors import UserError

QUIT, TOGGLE_MIRROR, CALIBRATE = "quit", "toggle_mirror", "calibrate"
_ESC = 27
KEY_ACTIONS: dict[int, str] = {
    ord("q"): QUIT, ord("Q"): QUIT, _ESC: QUIT,
    ord("m"): TOGGLE_MIRROR, ord("M"): TOGGLE_MIRROR,
    ord("c"): CALIBRATE, ord("C"): CALIBRATE,
}
# waitKey's delay: the preview must not hold the frame loop back, and 1 ms is the shortest
# wait that still lets HighGUI process window events.
WAIT_MS = 1


class PreviewUnavailable(UserError):
    pass


def display_available(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """False on Linux/BSD without an X11 or Wayland display (ssh, containers, CI)."""
    if platform.startswith(("win", "darwin")):
        return True
    env = os.environ if environ is None else environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


class PreviewWindow:
    def __init__(
        self,
        title: str = "vtdriver preview",
        *,
        imshow: Callable[[str, np.ndarray], Any] = cv2.imshow,
        wait_key: Callable[[int], int] = cv2.waitKey,
        window_visible: Callable[[str], float] | None = None,
        destroy: Callable[[str], Any] = cv2.destroyWindow,
        check_display: Callable[[], bool] = display_available,
    ) -> None:
        if not check_display():
            raise PreviewUnavailable("--preview needs a display (no DISPLAY or WAYLAND_DISPLAY is set); run without --preview")
        self.title = title
        self._imshow = imshow
        self._wait_key = wait_key
        self._visible = window_visible or (lambda name: cv2.getWindowProperty(name, cv2.WND_PROP_VISIBLE))
        self._destroy = destroy
        self._shown = False
        self._closed = False

    def show(self, image: np.ndarray) -> str | None:
        """Display one image; the action the user asked for since the last frame, or None."""
        if self._closed:
            return QUIT
        self._imshow(self.title, image)
        self._shown = True
        key = self._wait_key(WAIT_MS)
        if key is not None and key >= 0:
            action = KEY_ACTIONS.get(key & 0xFF)
            if action is not None:
                return action
        # The user closed the window with the mouse: treat it like q rather than reopening it.
        if self._visible(self.title) < 1:
            self._closed = True
            return QUIT
        return None

    def close(self) -> None:
        if self._shown and not self._closed:
            try:
                self._destroy(self.title)
            except cv2.error:
                pass  # already gone
        self._closed = True

    def __enter__(self) -> "PreviewWindow":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
