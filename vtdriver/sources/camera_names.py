"""Finding a camera from what the user typed: an index, a device path, or a name.

Names come from what Linux exposes: the driver's product name in
/sys/class/video4linux/videoN/name, and the stable symlinks in /dev/v4l/by-id (which include
the USB vendor and model). Other systems expose no names to OpenCV, so there only indices
work.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from vtdriver.sources.base import SourceError


@dataclass(frozen=True)
class CameraDevice:
    name: str  # human-readable product name, or the by-id link name
    path: str  # /dev/videoN


@dataclass(frozen=True)
class CameraRoots:
    """Where to look; tests point these at a temporary tree."""

    dev: Path = Path("/dev")
    sysfs: Path = Path("/sys/class/video4linux")
    by_id: Path = Path("/dev/v4l/by-id")
    is_linux: bool = sys.platform.startswith("linux")


def list_cameras(roots: CameraRoots = CameraRoots()) -> list[CameraDevice]:
    """Every named video device, sysfs names first, then by-id links. Unreadable entries are
    ignored: listing must never fail just because one device is odd."""
    devices: list[CameraDevice] = []
    if roots.sysfs.is_dir():
        for entry in sorted(roots.sysfs.iterdir()):
            try:
                name = (entry / "name").read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                continue
            devices.append(CameraDevice(name=name, path=str(roots.dev / entry.name)))
    if roots.by_id.is_dir():
        for link in sorted(roots.by_id.iterdir()):
            try:
                target = link.resolve(strict=True)
            except OSError:
                continue
            devices.append(CameraDevice(name=link.name, path=str(target)))
    return devices


def resolve_camera(spec: str, roots: CameraRoots = CameraRoots()) -> int | str | None:
    """The OpenCV capture target for ``spec``: an int index or a device path. None when the
    spec does not look like a camera at all (the caller then tries files). Raises
    SourceError for a camera spec that names no present camera."""
    if spec.isdigit():
        index = int(spec)
        device = roots.dev / f"video{index}"
        if roots.is_linux and roots.dev.is_dir() and not device.exists():
            raise SourceError(f"no camera at index {index} ({device} does not exist)")
        return index
    if spec.startswith(str(roots.dev) + "/"):
        if not Path(spec).exists():
            raise SourceError(f"camera device not found: {spec}")
        return str(Path(spec).resolve())
    return _match_name(spec, list_cameras(roots))


def _match_name(spec: str, devices: list[CameraDevice]) -> str | None:
    wanted = spec.casefold()
    exact = {d.path for d in devices if d.name.casefold() == wanted}
    partial = {d.path for d in devices if wanted in d.name.casefold()}
    for matches in (exact, partial):
        if len(matches) == 1:
            return next(iter(matches))
        if len(matches) > 1:
            choices = ", ".join(sorted(matches))
            raise SourceError(f"camera name {spec!r} matches several devices ({choices}); use a device path")
    return None


# Product names of programs that *create* a camera from a video stream. Picking one as the
# source would feed vtdriver its own (or OBS's) output. Matched case-insensitively as
# substrings of the device name or its /dev/v4l/by-id link names.
VIRTUAL_CAMERA_MARKERS: tuple[tuple[str, str], ...] = (
    ("obs virtual", "OBS Virtual Camera"),
    ("obs cam", "OBS Virtual Camera"),
    ("v4l2loopback", "v4l2loopback"),
    ("v4l2 loopback", "v4l2loopback"),
    ("dummy video device", "v4l2loopback"),  # v4l2loopback's default card label
    ("snap camera", "Snap Camera"),
    ("xsplit", "XSplit VCam"),
    ("manycam", "ManyCam"),
    ("nvidia broadcast", "NVIDIA Broadcast"),
    ("streamlabs", "Streamlabs virtual webcam"),
    ("vmix", "vMix virtual camera"),
    ("e2esoft", "e2eSoft VCam"),
    ("logi capture", "Logi Capture virtual camera"),
    ("virtual cam", "a virtual camera"),
    ("virtual webcam", "a virtual camera"),
)


@dataclass(frozen=True)
class CameraNode:
    """One /dev/videoN with everything known about it without opening it."""

    index: int | None  # N of /dev/videoN (OpenCV's camera index on Linux), None if unnumbered
    path: str
    name: str  # the driver's product name from sysfs, "" when unknown
    by_id: tuple[str, ...] = ()  # /dev/v4l/by-id link names pointing at this node
    node_index: int | None = None  # sysfs "index": 0 = a device's main node, >0 = metadata etc.
    virtual: str | None = None  # why it looks like a virtual camera, or None


def virtual_camera_reason(names: tuple[str, ...], sysfs_entry: Path | None = None) -> str | None:
    """Why a device looks virtual: a known virtual-camera product in its names, or (Linux) a
    sysfs node with no hardware behind it. v4l2loopback (what OBS uses on Linux) registers
    its nodes under /sys/devices/virtual, while USB and PCI cameras sit under their bus."""
    folded = " ".join(names).casefold()
    for marker, product in VIRTUAL_CAMERA_MARKERS:
        if marker in folded:
            return product
    if sysfs_entry is not None:
        try:
            real = sysfs_entry.resolve(strict=True)
        except OSError:
            return None
        if "virtual" in real.parts and "devices" in real.parts:
            return "virtual video device, no hardware behind it"
    return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def camera_nodes(roots: CameraRoots = CameraRoots()) -> list[CameraNode]:
    """Every /dev/videoN, in index order, with its sysfs name, by-id links and a virtual flag.
    Listing never fails because of one odd entry."""
    by_path: dict[str, list[str]] = {}
    if roots.by_id.is_dir():
        for link in sorted(roots.by_id.iterdir()):
            try:
                by_path.setdefault(str(link.resolve(strict=True)), []).append(link.name)
            except OSError:
                continue
    entries: dict[str, Path | None] = {}
    if roots.sysfs.is_dir():
        entries.update((entry.name, entry) for entry in roots.sysfs.iterdir() if entry.name.startswith("video"))
    if roots.dev.is_dir():
        for device in roots.dev.glob("video*"):
            entries.setdefault(device.name, None)
    nodes = []
    for node_name, entry in entries.items():
        suffix = node_name.removeprefix("video")
        path = str(roots.dev / node_name)
        name = ""
        if entry is not None:
            try:
                name = (entry / "name").read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                name = ""
        links = tuple(by_path.get(str(Path(path).resolve()), ()))
        nodes.append(CameraNode(
            index=int(suffix) if suffix.isdigit() else None,
            path=path,
            name=name,
            by_id=links,
            node_index=_read_int(entry / "index") if entry is not None else None,
            virtual=virtual_camera_reason((name, *links), entry),
        ))
    return sorted(nodes, key=lambda n: (n.index is None, n.index or 0, n.path))
