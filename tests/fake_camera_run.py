"""`vtdriver run` on a fake camera, for subprocess tests: FakeCameraDevice stands in for
cv2.VideoCapture and DemoTracker for MediaPipe. Prints "released <time.monotonic()>" each time
the camera handle is released, so the test can see when (and whether) the device was freed.

    python -m tests.fake_camera_run [vtdriver run arguments...]
"""
import sys
import time

import vtdriver.session
import vtdriver.sources.open
from tests.reliability_support import DemoTracker
from vtdriver.cli import main
from vtdriver.sources.fake_camera import FakeCameraDevice


def _released() -> None:
    print(f"released {time.monotonic():.6f}", flush=True)


if __name__ == "__main__":
    device = FakeCameraDevice(fps=30.0, on_release=_released)
    vtdriver.sources.open.open_cv_capture = device.factory
    vtdriver.sources.open.resolve_camera = lambda spec, roots: 0
    vtdriver.session.make_tracker = lambda config, source: DemoTracker()
    sys.exit(main(["run", "--source", "0", *sys.argv[1:]]))
