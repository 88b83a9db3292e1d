"""``vtdriver cameras``: the cameras this machine can open, how to name them in ``--source``,
and which of them are virtual cameras (a stream's own output, never a webcam).

On Linux each /dev/videoN is listed with its driver name and its stable /dev/v4l/by-id names;
elsewhere OpenCV exposes no names, so indices are probed from 0 until one fails to open.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TextIO

from vtdriver.sources.camera import CaptureFactory, open_cv_capture
from vtdriver.sources.camera_names import CameraNode, CameraRoots, camera_nodes
from vtdriver.sources.camera_probe import ProbeResult, probe_camera

# Without device names (Windows, macOS) cameras are numbered contiguously from 0; ten covers
# any desk, and probing stops at the first index that does not open.
MAX_UNNAMED_INDICES = 10


@dataclass(frozen=True)
class CameraListing:
    node: CameraNode
    probe: ProbeResult | None  # None when --no-open


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "cameras",
        help="list the cameras vtdriver can open, with names and resolutions",
        description="List cameras: index, device path, name and resolutions. Any of the index, "
        "the path, a /dev/v4l/by-id name or part of the name works as --source. Virtual cameras "
        "(OBS Virtual Camera, v4l2loopback, ...) are flagged.",
    )
    parser.add_argument(
        "--no-open",
        action="store_true",
        help="only list device names, without opening the cameras (no resolutions; Linux only)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return list_cameras_command(probe=not getattr(args, "no_open", False))


def gather(roots: CameraRoots, capture_factory: CaptureFactory, probe: bool) -> list[CameraListing]:
    if roots.is_linux:
        nodes = camera_nodes(roots)
        return [
            CameraListing(node, probe_camera(node.path if node.index is None else node.index, capture_factory)
                          if probe else None)
            for node in nodes
        ]
    listings = []
    for index in range(MAX_UNNAMED_INDICES):
        result = probe_camera(index, capture_factory)
        if not result.opened:
            break
        listings.append(CameraListing(CameraNode(index=index, path=str(index), name=""), result))
    return listings


def _resolutions(probe: ProbeResult | None) -> str:
    if probe is None:
        return "(not opened)"
    if not probe.resolutions:
        return "(size unknown)"
    sizes = " ".join(f"{w}x{h}" for w, h in probe.resolutions)
    if probe.default_size:
        sizes += f" (default {probe.default_size[0]}x{probe.default_size[1]})"
    return sizes


def _usable(listing: CameraListing) -> bool:
    return listing.probe is None or listing.probe.opened


def _why_unusable(listing: CameraListing) -> str:
    node, probe = listing.node, listing.probe
    if node.node_index:
        return "a metadata/extra node of a camera, not a picture source"
    return probe.error if probe and probe.error else "could not be opened"


def print_listing(listings: list[CameraListing], roots: CameraRoots, out: TextIO) -> None:
    usable = [item for item in listings if _usable(item)]
    if not usable:
        if not roots.is_linux:
            where = "no camera index opened"
        else:
            where = "none of the /dev/video* devices could be opened" if listings else "no /dev/video* devices"
        print(f"No cameras found ({where}).", file=out)
        if roots.is_linux:
            print("Is the camera plugged in, and may your user open it (the 'video' group)?", file=out)
        for item in listings:
            print(f"  not usable: {item.node.path} {item.node.name or ''}: {_why_unusable(item)}".rstrip(), file=out)
        return
    rows = [("index", "device", "name", "resolutions")]
    for item in usable:
        node = item.node
        index = "-" if node.index is None else str(node.index)
        label = node.name or (node.by_id[0] if node.by_id else "(no name)")
        rows.append((index, node.path, label, _resolutions(item.probe)))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for number, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3], file=out)
        if number == 0:
            continue
        item = usable[number - 1]
        for link in item.node.by_id:
            print(f"{'':{widths[0]}}  by-id: {roots.by_id / link}", file=out)
        if item.probe is not None and item.probe.opened and not item.probe.delivers_frames:
            print(f"{'':{widths[0]}}  note: opens but delivers no picture (in use by another program?)", file=out)
        if item.node.virtual:
            print(f"{'':{widths[0]}}  VIRTUAL CAMERA ({item.node.virtual}): probably a stream's own output, "
                  "not a webcam; don't use it as vtdriver's source", file=out)
    for item in listings:
        if not _usable(item):
            print(f"not usable: {item.node.path} {item.node.name}".rstrip() + f": {_why_unusable(item)}", file=out)
    example = next((item.node for item in usable if not item.node.virtual), usable[0].node)
    forms = [str(example.index)] if example.index is not None else []
    if roots.is_linux:
        forms.append(example.path)
        if example.name:
            forms.append(f'"{example.name}"')
    print(f"Use any of these as --source, e.g. --source {' or --source '.join(forms)}", file=out)


def list_cameras_command(
    *,
    probe: bool = True,
    roots: CameraRoots = CameraRoots(),
    capture_factory: CaptureFactory = open_cv_capture,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    print_listing(gather(roots, capture_factory, probe or not roots.is_linux), roots, out)
    return 0
