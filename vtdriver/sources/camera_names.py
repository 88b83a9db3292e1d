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
