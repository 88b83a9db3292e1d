"""Camera logic against a fake cv2.VideoCapture; no real camera is ever opened."""
import threading
import time

import numpy as np
import pytest

from vtdriver.frame import CapturedFrame
from vtdriver.sources import SourceError, SourceSettings, open_source
from vtdriver.sources.camera import CameraSource
from vtdriver.sources.camera_names import CameraRoots, list_cameras, resolve_camera


class FakeCamera:
    """Shared state of a fake device: frames carry their sequence number in pixel (0, 0)
    (as two bytes), the device can be unplugged and plugged back."""

    def __init__(self, interval_s=0.002, size=(32, 24)):
        self.interval_s = interval_s
        self.size = size
        self.produced = 0
        self.plugged = threading.Event()
        self.plugged.set()
        self.opens = 0
        self.released = 0

    def factory(self, target):
        self.opens += 1
        return FakeCapture(self)


class FakeCapture:
    def __init__(self, camera):
        self.camera = camera
        self.open = camera.plugged.is_set()

    def isOpened(self):
        return self.open

    def set(self, prop, value):
        return True

    def get(self, prop):
        return 30.0 if prop == 5 else 0.0  # 5 = CAP_PROP_FPS

    def read(self):
        time.sleep(self.camera.interval_s)
        if not (self.open and self.camera.plugged.is_set()):
            return False, None
        self.camera.produced += 1
        image = np.zeros((self.camera.size[1], self.camera.size[0], 3), np.uint8)
        image[0, 0, 0], image[0, 0, 1] = divmod(self.camera.produced, 256)
        return True, image

    def release(self):
        self.open = False
        self.camera.released += 1


def _sequence(frame):
    return int(frame.image[0, 0, 0]) * 256 + int(frame.image[0, 0, 1])


SETTINGS = SourceSettings(frame_timeout_s=0.05, reconnect_initial_backoff_s=0.02,
                          reconnect_max_backoff_s=0.05, lost_after_failed_reads=3, open_timeout_s=2.0)


def test_slow_consumer_gets_the_latest_frame_and_drops_are_counted():
    camera = FakeCamera(interval_s=0.002)
    source = CameraSource(0, SETTINGS, camera.factory)
    items = iter(source)
    seen = []
    while len(seen) < 6:
        asked_at = camera.produced
        item = next(items)
        if item is None:
            continue
        # The slot always holds the newest grab, so the frame is at least as new as the last
        # one grabbed before we asked (less one still being handed over).
        assert _sequence(item) >= asked_at - 1
        seen.append(item)
        time.sleep(0.03)  # a tracker far slower than the camera
    source.close()
    sequences = [_sequence(f) for f in seen]
    assert all(b - a > 1 for a, b in zip(sequences, sequences[1:]))  # stale frames skipped
    assert source.stats.dropped >= sum(b - a - 1 for a, b in zip(sequences, sequences[1:])) - 2
    assert source.stats.frames == 6 and [f.index for f in seen] == list(range(6))
    stamps = [f.t for f in seen]
    assert all(b > a for a, b in zip(stamps, stamps[1:]))
    assert all(isinstance(f, CapturedFrame) and f.capture_ns > 0 for f in seen)
    assert camera.released == 1  # close() released the device


def test_camera_lost_yields_none_then_reconnects_with_backoff():
    camera = FakeCamera(interval_s=0.002)
    source = CameraSource("/dev/video9", SETTINGS, camera.factory)
    items = iter(source)
    assert isinstance(next(items), CapturedFrame)
    camera.plugged.clear()
    deadline = time.monotonic() + 5
    while source.stats.status != "reconnecting" and time.monotonic() < deadline:
        next(items)
    assert source.stats.status == "reconnecting"
    # While unplugged, the consumer keeps ticking with None instead of blocking.
    assert [next(items) for _ in range(3)] == [None, None, None]
    opens_while_away = camera.opens
    time.sleep(0.2)
    assert camera.opens > opens_while_away  # it keeps retrying
    camera.plugged.set()
    deadline = time.monotonic() + 5
    item = None
    while not isinstance(item, CapturedFrame) and time.monotonic() < deadline:
        item = next(items)
    assert isinstance(item, CapturedFrame)
    assert source.stats.status == "ok" and source.stats.reconnects == 1
    source.close()


def test_camera_that_cannot_open_or_hangs_gives_a_clear_error():
    camera = FakeCamera()
    camera.plugged.clear()
    with pytest.raises(SourceError, match="could not be opened"):
        CameraSource(1, SETTINGS, camera.factory)
    release = threading.Event()
    start = time.monotonic()
    with pytest.raises(SourceError, match="did not open within"):
        CameraSource(1, SourceSettings(open_timeout_s=0.2), lambda target: release.wait(30))
    release.set()
    assert time.monotonic() - start < 2.0


def _fake_device_tree(tmp_path):
    dev = tmp_path / "dev"
    (dev / "v4l" / "by-id").mkdir(parents=True)
    sysfs = tmp_path / "sys"
    for index, name in ((0, "Integrated Camera"), (2, "HD Pro Webcam C920")):
        (dev / f"video{index}").touch()
        (sysfs / f"video{index}").mkdir(parents=True)
        (sysfs / f"video{index}" / "name").write_text(name + "\n")
    (dev / "v4l" / "by-id" / "usb-046d_HD_Pro_Webcam_C920-video-index0").symlink_to(dev / "video2")
    return CameraRoots(dev=dev, sysfs=sysfs, by_id=dev / "v4l" / "by-id", is_linux=True)


def test_cameras_are_found_by_index_path_and_name(tmp_path):
    roots = _fake_device_tree(tmp_path)
    names = {d.name: d.path for d in list_cameras(roots)}
    assert names["HD Pro Webcam C920"] == str(roots.dev / "video2")
    assert resolve_camera("0", roots) == 0
    assert resolve_camera(str(roots.dev / "video2"), roots) == str(roots.dev / "video2")
    assert resolve_camera("c920", roots) == str(roots.dev / "video2")  # sysfs and by-id agree
    assert resolve_camera("integrated camera", roots) == str(roots.dev / "video0")
    assert resolve_camera("usb-046d", roots) == str((roots.dev / "video2").resolve())
    assert resolve_camera("Kinect", roots) is None
    with pytest.raises(SourceError, match="no camera at index 1"):
        resolve_camera("1", roots)


def test_ambiguous_camera_name_is_refused(tmp_path):
    roots = _fake_device_tree(tmp_path)
    (roots.sysfs / "video0" / "name").write_text("USB Camera\n")
    (roots.sysfs / "video2" / "name").write_text("USB Camera Pro\n")
    assert resolve_camera("usb camera", roots) == str(roots.dev / "video0")  # exact name wins
    with pytest.raises(SourceError, match="several devices"):
        resolve_camera("usb cam", roots)


def test_open_source_by_camera_name_uses_the_fake_capture(tmp_path):
    roots = _fake_device_tree(tmp_path)
    camera = FakeCamera()
    source = open_source("C920", SETTINGS, capture_factory=camera.factory, camera_roots=roots)
    try:
        assert source.description == f"camera:{roots.dev / 'video2'}"
        assert source.image_size == (32, 24) and source.realtime and not source.provides_landmarks
        frame = next(f for f in source if f is not None)
        assert frame.image.shape == (24, 32, 3)
    finally:
        source.close()
    with pytest.raises(SourceError, match="no camera at index 5"):
        open_source("5", SETTINGS, capture_factory=camera.factory, camera_roots=roots)
