"""Shared helpers for the reliability, privacy and shutdown tests: a real UDP receiver on
127.0.0.1, VMC datagram decoding with python-osc (an independent decoder, not ours), a fake
tracker that turns any frame into demo-performer landmarks, and configs whose outputs point at
test receivers."""
from __future__ import annotations

import math
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pythonosc.osc_packet import OscPacket

from tests.conftest import REPO_ROOT
from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.sources.demo import DemoScene

MAPPINGS = REPO_ROOT / "mappings"
# Loopback UDP delivers in order and only drops when the receive buffer overflows; a large
# buffer keeps a briefly descheduled receiver thread from losing datagrams.
_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


class UdpReceiver:
    """Binds 127.0.0.1 (a given or free port) and records every datagram with its arrival
    time (time.monotonic) on a background thread. ``close`` then ``reopen`` on the same port
    plays a receiver program restarting."""

    def __init__(self, port: int = 0):
        self._lock = threading.Lock()
        self._received: list[tuple[float, bytes]] = []
        self.port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.reopen()

    def reopen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER_BYTES)
        sock.bind(("127.0.0.1", self.port))
        sock.settimeout(0.05)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(target=self._loop, args=(sock,), daemon=True)
        self._thread.start()

    def _loop(self, sock: socket.socket) -> None:
        while self._sock is sock:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._received.append((time.monotonic(), data))

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def datagrams(self) -> list[tuple[float, bytes]]:
        with self._lock:
            return list(self._received)

    def count(self) -> int:
        with self._lock:
            return len(self._received)

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.count() >= count

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if self._thread is not None:
            self._thread.join(1.0)
        if sock is not None:
            sock.close()

    def __enter__(self) -> "UdpReceiver":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def free_udp_port() -> int:
    """A loopback port nobody listens on (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def decode(datagram: bytes) -> list[tuple[str, list]]:
    """(address, args) of every message in an OSC datagram (bundle or message)."""
    return [(timed.message.address, list(timed.message.params)) for timed in OscPacket(datagram).messages]


@dataclass
class VmcFrame:
    """The messages of one VMC frame as a receiver sees them (a frame ends with /VMC/Ext/T)."""

    arrived: float = 0.0
    root: list | None = None
    bones: dict[str, list] = field(default_factory=dict)
    blends: dict[str, float] = field(default_factory=dict)
    ok: list | None = None
    time: float | None = None
    other: list[tuple[str, list]] = field(default_factory=list)

    @property
    def tracking(self) -> int | None:
        """The /VMC/Ext/OK tracking status (1 = tracked, 0 = lost), None if not sent."""
        return None if self.ok is None or len(self.ok) < 4 else int(self.ok[3])

    def max_rest_angle_deg(self) -> float:
        """Largest rotation of any bone away from identity (the VRM T-pose rest)."""
        if not self.bones:
            return 0.0
        w = np.abs(np.array([args[7] for args in self.bones.values()], dtype=float))
        return float(np.degrees(2.0 * np.arccos(np.clip(w.min(), 0.0, 1.0))))


def vmc_frames(datagrams: list[tuple[float, bytes]]) -> list[VmcFrame]:
    frames: list[VmcFrame] = []
    current = VmcFrame()
    for arrived, datagram in datagrams:
        for address, args in decode(datagram):
            if address == "/VMC/Ext/Root/Pos":
                current.root = args
            elif address == "/VMC/Ext/Bone/Pos":
                current.bones[args[0]] = args
            elif address == "/VMC/Ext/Blend/Val":
                current.blends[args[0]] = args[1]
            elif address == "/VMC/Ext/OK":
                current.ok = args
            elif address == "/VMC/Ext/T":
                current.time, current.arrived = args[0], arrived
                frames.append(current)
                current = VmcFrame()
            elif address != "/VMC/Ext/Blend/Apply":
                current.other.append((address, args))
    return frames


def assert_wire_values_sane(frames: list[VmcFrame]) -> None:
    """Every float finite, every blendshape weight in [0, 1], every quaternion unit length
    (float32 on the wire, hence the tolerance)."""
    for frame in frames:
        for args in ([frame.root] if frame.root else []) + list(frame.bones.values()):
            numbers = [a for a in args if isinstance(a, float)]
            assert all(math.isfinite(a) for a in numbers), args
        for args in frame.bones.values():
            assert abs(math.sqrt(sum(a * a for a in args[4:8])) - 1.0) < 1e-4, args
        for name, value in frame.blends.items():
            assert math.isfinite(value) and 0.0 <= value <= 1.0, (name, value)
        assert frame.time is not None and math.isfinite(frame.time)


class DemoTracker:
    """A stand-in for HolisticTracker where MediaPipe is not the point: any frame becomes the
    demo performer's landmarks at the frame's time (relative to the first frame). Records the
    shape and dtype of every image it was given."""

    def __init__(self, image_size: tuple[int, int] = (640, 480)):
        self._scene = DemoScene(0, image_size)
        self._first_t: float | None = None
        self.seen: list[tuple[tuple[int, ...], np.dtype]] = []
        self.closed = False

    def process(self, frame: CapturedFrame) -> Landmarks:
        if self._first_t is None:
            self._first_t = frame.t
        self.seen.append((frame.image.shape, frame.image.dtype))
        demo = self._scene.landmarks(frame.t - self._first_t, index=frame.index, capture_ns=frame.capture_ns)
        # Keep the frame's own clock so the run's timeline is the source's.
        return replace(demo, t=frame.t)

    def close(self) -> None:
        self.closed = True


def write_config(folder: Path, outputs: list[dict], extra: str = "") -> Path:
    """A config.toml in ``folder`` whose mapping paths point into the repository, with the
    given [[outputs]] tables (dicts of TOML-ready literal strings) and extra TOML text."""
    lines = [
        "[gestures]",
        f'gestures_file = "{MAPPINGS / "gestures.toml"}"',
        f'actions_file = "{MAPPINGS / "actions.toml"}"',
        extra,
    ]
    for output in outputs:
        lines.append("[[outputs]]")
        lines += [f"{key} = {value}" for key, value in output.items()]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def vmc_output(target: str) -> dict:
    return {"kind": '"vmc"', "target": f'"{target}"', "mapping": f'"{MAPPINGS / "vseeface.toml"}"'}


def osc_output(target: str) -> dict:
    return {"kind": '"osc"', "target": f'"{target}"', "mapping": f'"{MAPPINGS / "vrchat.toml"}"'}
