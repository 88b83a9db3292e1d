"""``vtdriver cameras`` against a fake device tree and a fake capture: never a real camera."""
from __future__ import annotations

import argparse
import io
from pathlib import Path

import cv2
import numpy as np

from vtdriver.commands import cameras
from vtdriver.sources.camera_names import CameraRoots, camera_nodes, resolve_camera, virtual_camera_reason
from vtdriver.sources.camera_probe import probe_camera

C920_BY_ID = "usb-046d_HD_Pro_Webcam_C920_AB12CD-video-index0"


class FakeCapture:
    """Behaves like a V4L2 capture: a set() size the camera lacks snaps to its nearest mode."""

    def __init__(self, modes, delivers=True):
        self.modes = modes
        self.size = modes[0] if modes else (0, 0)
        self.delivers = delivers
        self.pending_width = None
        self.released = False

    def isOpened(self):  # noqa: N802 - OpenCV's name
        return bool(self.modes)

    def get(self, prop):
        return {cv2.CAP_PROP_FRAME_WIDTH: self.size[0], cv2.CAP_PROP_FRAME_HEIGHT: self.size[1]}.get(prop, 0.0)

    def set(self, prop, value):
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            self.pending_width = value
        elif prop == cv2.CAP_PROP_FRAME_HEIGHT and self.pending_width is not None:
            wanted = (self.pending_width, value)
            self.size = min(self.modes, key=lambda m: abs(m[0] - wanted[0]) + abs(m[1] - wanted[1]))
        return True

    def read(self):
        return (True, np.zeros((self.size[1], self.size[0], 3), np.uint8)) if self.delivers else (False, None)

    def release(self):
        self.released = True


class FakeFactory:
    def __init__(self, cameras):
        self.cameras = cameras
        self.opened = []

    def __call__(self, target):
        self.opened.append(target)
        modes, delivers = self.cameras.get(target, ((), True))
        return FakeCapture(list(modes), delivers)


def device_tree(tmp_path: Path) -> CameraRoots:
    """A USB webcam with a metadata node, an OBS loopback camera, and a camera whose name
    gives it away as virtual."""
    dev, sysfs = tmp_path / "dev", tmp_path / "sys" / "class" / "video4linux"
    usb = tmp_path / "sys" / "devices" / "pci0000:00" / "usb1" / "1-1" / "1-1:1.0" / "video4linux"
    virtual = tmp_path / "sys" / "devices" / "virtual" / "video4linux"
    by_id = dev / "v4l" / "by-id"
    for folder in (sysfs, by_id):
        folder.mkdir(parents=True)
    nodes = [(0, usb, "HD Pro Webcam C920", 0), (1, usb, "HD Pro Webcam C920", 1),
             (2, virtual, "Loopback video device 0", 0), (3, usb, "OBS Virtual Camera", 0)]
    for number, parent, name, node_index in nodes:
        (dev / f"video{number}").touch()
        real = parent / f"video{number}"
        real.mkdir(parents=True)
        (real / "name").write_text(name + "\n")
        (real / "index").write_text(f"{node_index}\n")
        (sysfs / f"video{number}").symlink_to(real)
    (by_id / C920_BY_ID).symlink_to(dev / "video0")
    (by_id / C920_BY_ID.replace("index0", "index1")).symlink_to(dev / "video1")
    return CameraRoots(dev=dev, sysfs=sysfs, by_id=by_id, is_linux=True)


def test_fake_devices_are_listed_with_index_path_name_resolutions_and_virtual_flag(tmp_path):
    roots = device_tree(tmp_path)
    factory = FakeFactory({
        0: (((640, 480), (1280, 720), (1920, 1080)), True),
        2: (((1280, 720),), True),
        3: (((1920, 1080),), False),
    })
    out = io.StringIO()
    assert cameras.list_cameras_command(roots=roots, capture_factory=factory, out=out) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0].split() == ["index", "device", "name", "resolutions"]
    c920 = next(line for line in lines if line.startswith("0 "))
    assert str(roots.dev / "video0") in c920 and "HD Pro Webcam C920" in c920
    assert "640x480 1280x720 1920x1080 (default 640x480)" in c920
    assert f"by-id: {roots.by_id / C920_BY_ID}" in text
    # The loopback device is flagged from sysfs, the OBS one from its name; the webcam is not.
    blocks = text.split("\n2 ")[1], text.split("\n3 ")[1]
    assert "VIRTUAL CAMERA (virtual video device, no hardware behind it)" in blocks[0].split("\n3 ")[0]
    assert "VIRTUAL CAMERA (OBS Virtual Camera)" in blocks[1]
    assert "VIRTUAL" not in text.split("\n2 ")[0]
    assert "opens but delivers no picture" in blocks[1]
    # The metadata node cannot be opened and says why, instead of being offered as a camera.
    assert f"not usable: {roots.dev / 'video1'} HD Pro Webcam C920: a metadata" in text
    assert not any(line.startswith("1 ") for line in lines)
    assert f'--source 0 or --source {roots.dev / "video0"} or --source "HD Pro Webcam C920"' in text
    assert factory.opened == [0, 1, 2, 3]  # every node was tried, nothing else


def test_listed_forms_resolve_as_sources(tmp_path):
    roots = device_tree(tmp_path)
    video0 = str((roots.dev / "video0").resolve())
    assert resolve_camera("0", roots) == 0
    assert resolve_camera(str(roots.by_id / C920_BY_ID), roots) == video0
    assert resolve_camera("OBS Virtual Camera", roots) == str(roots.dev / "video3")
    nodes = camera_nodes(roots)
    assert [(n.index, n.node_index, n.by_id) for n in nodes] == [
        (0, 0, (C920_BY_ID,)), (1, 1, (C920_BY_ID.replace("index0", "index1"),)), (2, 0, ()), (3, 0, ())
    ]


def test_no_camera_reports_none_cleanly(tmp_path):
    empty = CameraRoots(dev=tmp_path / "dev", sysfs=tmp_path / "sysfs", by_id=tmp_path / "by-id", is_linux=True)
    (tmp_path / "dev").mkdir()
    factory = FakeFactory({})
    out = io.StringIO()
    assert cameras.list_cameras_command(roots=empty, capture_factory=factory, out=out) == 0
    assert out.getvalue().splitlines()[0] == "No cameras found (no /dev/video* devices)."
    assert factory.opened == []
    # Without device names (Windows, macOS) indices are probed until one fails.
    unnamed = CameraRoots(dev=tmp_path / "nodev", sysfs=tmp_path / "nosys", by_id=tmp_path / "noid", is_linux=False)
    out = io.StringIO()
    assert cameras.list_cameras_command(roots=unnamed, capture_factory=factory, out=out) == 0
    assert out.getvalue().strip() == "No cameras found (no camera index opened)."
    assert factory.opened == [0]


def test_unnamed_platform_lists_contiguous_indices(tmp_path):
    roots = CameraRoots(dev=tmp_path / "nodev", sysfs=tmp_path / "nosys", by_id=tmp_path / "noid", is_linux=False)
    factory = FakeFactory({0: (((640, 480),), True), 1: (((1280, 720),), True), 3: (((640, 480),), True)})
    out = io.StringIO()
    cameras.list_cameras_command(roots=roots, capture_factory=factory, out=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["0", "1"]
    assert factory.opened == [0, 1, 2]  # stops at the first gap
    assert lines[-1] == "Use any of these as --source, e.g. --source 0"


def test_no_open_lists_names_without_touching_devices(tmp_path):
    roots = device_tree(tmp_path)
    factory = FakeFactory({})
    out = io.StringIO()
    cameras.list_cameras_command(probe=False, roots=roots, capture_factory=factory, out=out)
    assert factory.opened == []
    assert "HD Pro Webcam C920" in out.getvalue() and "(not opened)" in out.getvalue()


def test_probe_survives_hanging_and_throwing_drivers():
    def throws(target):
        raise RuntimeError("driver exploded")

    assert probe_camera(0, throws).opened is False
    assert "driver exploded" in probe_camera(0, throws).error

    class Hangs(FakeCapture):
        def read(self):
            import time

            time.sleep(1.0)
            return True, None

    result = probe_camera(0, lambda target: Hangs([(640, 480)]), timeout_s=0.2)
    assert result.opened is False and "did not open within" in result.error


def test_virtual_names_are_recognised_and_real_cameras_are_not():
    for name in ("OBS Virtual Camera", "Dummy video device (0x0000)", "Snap Camera", "XSplit VCam",
                 "ManyCam Virtual Webcam", "NVIDIA Broadcast", "v4l2loopback-000"):
        assert virtual_camera_reason((name,)), name
    for name in ("HD Pro Webcam C920", "Integrated Camera: Integrated C", "Razer Kiyo", "FaceTime HD Camera"):
        assert virtual_camera_reason((name,)) is None, name


def test_sub_command_registers_its_handler():
    parser = argparse.ArgumentParser()
    cameras.add_parser(parser.add_subparsers())
    args = parser.parse_args(["cameras", "--no-open"])
    assert args.handler is cameras.run and args.no_open is True


def test_only_unusable_devices_say_so_and_examples_avoid_virtual_cameras(tmp_path):
    roots = device_tree(tmp_path)
    out = io.StringIO()
    cameras.list_cameras_command(roots=roots, capture_factory=FakeFactory({}), out=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "No cameras found (none of the /dev/video* devices could be opened)."
    assert sum("not usable:" in line for line in lines) == 4
    # A real webcam numbered after the loopback device is still the one suggested.
    real = tmp_path / "sys" / "devices" / "pci0000:00" / "usb2" / "video4"
    real.mkdir(parents=True)
    (real / "name").write_text("Razer Kiyo\n")
    (roots.sysfs / "video4").symlink_to(real)
    (roots.dev / "video4").touch()
    out = io.StringIO()
    cameras.list_cameras_command(roots=roots, capture_factory=FakeFactory({2: (((640, 480),), True),
                                                                          4: (((640, 480),), True)}), out=out)
    assert out.getvalue().splitlines()[-1] == (
        f'Use any of these as --source, e.g. --source 4 or --source {roots.dev / "video4"} or --source "Razer Kiyo"'
    )
