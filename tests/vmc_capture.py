"""Helpers for end-to-end tests: a real UDP receiver on 127.0.0.1 that keeps every datagram
the `vtdriver` command sends, a subprocess runner for the CLI, and a strict VMC stream checker
built on python-osc's decoder (independent of vtdriver's own wire encoder)."""
from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from tests.conftest import REPO_ROOT

# The VMC spec's datagram limit (sh-akira/VirtualMotionCaptureProtocol).
MAX_DATAGRAM_BYTES = 1500
# Large enough that a --no-realtime run never overflows the kernel buffer before the reader
# thread drains it; the kernel may cap it, the reader thread keeps up regardless.
RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024
# A subprocess that has not finished by then is hung: the tests fail instead of waiting forever.
CLI_TIMEOUT_S = 180.0

ROOT = "/VMC/Ext/Root/Pos"
BONE = "/VMC/Ext/Bone/Pos"
VAL = "/VMC/Ext/Blend/Val"
APPLY = "/VMC/Ext/Blend/Apply"
OK = "/VMC/Ext/OK"
TIME = "/VMC/Ext/T"
TYPE_TAGS = {ROOT: "sfffffff", BONE: "sfffffff", VAL: "sf", APPLY: "", OK: "iiii", TIME: "f"}


class UdpReceiver:
    """Binds an ephemeral loopback port and collects raw datagrams on a thread."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self._datagrams: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self._socket.getsockname()[1]}"

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._socket.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._datagrams.append(data)

    def count(self) -> int:
        with self._lock:
            return len(self._datagrams)

    def close(self) -> list[bytes]:
        """Stops after draining what already arrived; returns every datagram in arrival order."""
        self._stop.set()
        self._thread.join(timeout=5.0)
        self._socket.close()
        with self._lock:
            return list(self._datagrams)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        if not self._stop.is_set():
            self.close()


def cli_environment() -> dict[str, str]:
    """The environment for a ``python -m vtdriver.cli`` subprocess: the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(*args: str, cwd: Path | None = None, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
    """``python -m vtdriver.cli ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "vtdriver.cli", *args],
        cwd=str(cwd or REPO_ROOT),
        env=cli_environment(),
        capture_output=True,
        check=False,  # callers assert on the exit status themselves
        text=True,
        timeout=timeout,
    )


def datagram_messages(datagram: bytes) -> list[OscMessage]:
    """The messages of one datagram as python-osc decodes them (a bundle or a lone message)."""
    if OscBundle.dgram_is_bundle(datagram):
        out = []
        for content in OscBundle(datagram):
            out.extend([content] if isinstance(content, OscMessage) else datagram_messages(content.dgram))
        return out
    return [OscMessage(datagram)]


def type_tags(message: OscMessage) -> str:
    # python-osc keeps the raw datagram; its type-tag string follows the padded address.
    raw = message.dgram
    start = raw.index(b",", len(message.address))
    return raw[start + 1 : raw.index(b"\x00", start)].decode("ascii")


@dataclass
class VmcFrame:
    root: tuple | None = None
    bones: dict[str, tuple[float, ...]] = field(default_factory=dict)
    bone_order: list[str] = field(default_factory=list)
    blends: dict[str, float] = field(default_factory=dict)
    blend_order: list[str] = field(default_factory=list)
    applied: bool = False
    ok: tuple[int, ...] | None = None
    t: float | None = None


class VmcStreamError(AssertionError):
    pass


def parse_vmc_stream(datagrams: list[bytes]) -> tuple[list[VmcFrame], list[OscMessage]]:
    """Checks every datagram (size, addresses, type tags, finite numbers, per-frame order
    Root, Bones, Vals, Apply, OK, T) and returns the frames plus any non-VMC messages (gesture
    events travel on the same socket). Raises VmcStreamError naming the first violation."""
    frames: list[VmcFrame] = []
    extra: list[OscMessage] = []
    current = VmcFrame()
    stage = -1  # last seen: 0 root, 1 bones, 2 vals, 3 apply, 4 ok; T closes the frame
    for number, datagram in enumerate(datagrams):
        if len(datagram) > MAX_DATAGRAM_BYTES:
            raise VmcStreamError(f"datagram {number} is {len(datagram)} bytes > {MAX_DATAGRAM_BYTES}")
        for message in datagram_messages(datagram):
            address = message.address
            if not address.startswith("/VMC/Ext/"):
                extra.append(message)
                continue
            where = f"datagram {number}, frame {len(frames)}, {address}"
            if address not in TYPE_TAGS:
                raise VmcStreamError(f"{where}: unexpected VMC address")
            if type_tags(message) != TYPE_TAGS[address]:
                raise VmcStreamError(f"{where}: type tags {type_tags(message)!r}, expected {TYPE_TAGS[address]!r}")
            numbers = [p for p in message.params if isinstance(p, (int, float))]
            if not all(math.isfinite(p) for p in numbers):
                raise VmcStreamError(f"{where}: non-finite argument {message.params}")
            order = {ROOT: 0, BONE: 1, VAL: 2, APPLY: 3, OK: 4, TIME: 5}[address]
            if order < stage or (order == stage and address in (ROOT, APPLY, OK)):
                raise VmcStreamError(f"{where}: out of order")
            stage = order
            if address == ROOT:
                current.root = tuple(message.params)
            elif address == BONE:
                name = message.params[0]
                if name in current.bones:
                    raise VmcStreamError(f"{where}: bone {name} sent twice")
                current.bones[name] = tuple(message.params[1:])
                current.bone_order.append(name)
            elif address == VAL:
                current.blends[message.params[0]] = message.params[1]
                current.blend_order.append(message.params[0])
            elif address == APPLY:
                current.applied = True
            elif address == OK:
                current.ok = tuple(message.params)
            else:
                if current.blends and not current.applied:
                    raise VmcStreamError(f"{where}: frame has Blend/Val but no Blend/Apply")
                if current.ok is None:
                    raise VmcStreamError(f"{where}: frame has no /VMC/Ext/OK before T")
                current.t = message.params[0]
                frames.append(current)
                current = VmcFrame()
                stage = -1
    if stage != -1:
        raise VmcStreamError(f"stream ends inside a frame (last stage {stage})")
    return frames, extra


def frame_datagrams(datagrams: list[bytes]) -> list[list[bytes]]:
    """Datagrams grouped per VMC frame (a frame ends with the datagram holding /VMC/Ext/T);
    datagrams without VMC messages (gesture events) are left out."""
    frames, current = [], []
    for datagram in datagrams:
        addresses = [m.address for m in datagram_messages(datagram)]
        if not any(a.startswith("/VMC/Ext/") for a in addresses):
            continue
        current.append(datagram)
        if TIME in addresses:
            frames.append(current)
            current = []
    return frames


def mapping_keys(path: Path) -> list[str]:
    """Receiver-side blendshape names of a mapping file, in file order."""
    import tomllib

    with open(path, "rb") as handle:
        return list(tomllib.load(handle)["blendshapes"])
