"""Sending datagrams without ever crashing or blocking, and the loopback-only policy.

Tracking data is personal (it is the user's face and body), so outputs send to loopback only
unless the user explicitly allows a remote target.

The sender uses a connected, non-blocking UDP socket:
- connected, so Linux reports ICMP "port unreachable" (nobody listening, receiver restarting)
  as ``ConnectionRefusedError`` on a later send instead of silently; we count it and carry on;
- non-blocking, so a full socket buffer (EAGAIN) or kernel memory pressure (ENOBUFS) drops
  that datagram instead of stalling the frame loop. Nothing is queued: a late pose is useless.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass

from vtdriver.errors import UserError

_LOCALHOST_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


class TargetError(UserError, ValueError):
    """A target string or host that cannot be used; the message is meant for the user (a
    UserError: a bad --vmc-target is one line and exit 2, not a traceback)."""


def parse_target(text: str) -> tuple[str, int]:
    """"HOST:PORT" or "[IPv6]:PORT" -> (host, port)."""
    if not isinstance(text, str) or not text.strip():
        raise TargetError("target is empty; expected HOST:PORT, e.g. 127.0.0.1:39539")
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise TargetError(f"target {text!r}: missing ']' after the IPv6 address")
        if not rest.startswith(":"):
            raise TargetError(f"target {text!r}: missing port; expected [IPv6]:PORT, e.g. [::1]:39539")
        port_text = rest[1:]
    else:
        if text.count(":") > 1:
            raise TargetError(f"target {text!r}: put an IPv6 address in brackets, e.g. [::1]:39539")
        host, colon, port_text = text.partition(":")
        if not colon:
            raise TargetError(f"target {text!r}: missing port; expected HOST:PORT, e.g. 127.0.0.1:39539")
    if not host:
        raise TargetError(f"target {text!r}: missing host; expected HOST:PORT")
    if not port_text.isdigit():
        raise TargetError(f"target {text!r}: port {port_text!r} is not a number")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise TargetError(f"target {text!r}: port {port} is outside 1..65535")
    return host, port


def _resolve(host: str, port: int) -> list[tuple[int, tuple]]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetError(f"cannot resolve host {host!r}: {error}") from error
    return [(family, address) for family, _, _, _, address in infos]


def is_loopback_host(host: str) -> bool:
    """True for loopback literals and for names that resolve only to loopback addresses."""
    try:
        return _is_loopback_address(host)
    except ValueError:
        pass
    if host.lower() in _LOCALHOST_NAMES:
        return True
    addresses = [address[0] for _, address in _resolve(host, 1)]
    return bool(addresses) and all(_is_loopback_address(a) for a in addresses)


def _is_loopback_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%")[0])
    # Python 3.11 does not call ::ffff:127.0.0.1 loopback; the kernel delivers it locally.
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def check_target(host: str, port: int, allow_remote: bool) -> str | None:
    """Enforce the loopback-only policy. Returns None for loopback, a warning for an allowed
    remote target, and raises ``TargetError`` for a remote target that was not allowed."""
    if not 1 <= int(port) <= 65535:
        raise TargetError(f"port {port} is outside 1..65535")
    if is_loopback_host(host):
        return None
    if not allow_remote:
        raise TargetError(
            f"refusing to send tracking data to non-loopback host {host}:{port}; your face and "
            "body motion would leave this computer. Set allow_remote = true for this output "
            "to allow it."
        )
    return f"sending tracking data to remote host {host}:{port} (allow_remote = true)"


@dataclass(frozen=True)
class SendStats:
    datagrams_sent: int
    bytes_sent: int
    send_errors: int
    last_error: str | None


class UdpSender:
    """Fire-and-forget datagrams to one host:port. ``send`` never raises for network trouble
    and never blocks; failures are counted. The host is resolved once, at construction
    (``TargetError`` if it cannot be)."""

    def __init__(self, host: str, port: int) -> None:
        # Prefer IPv4: "localhost" may resolve to ::1 first, while VMC receivers (Unity apps)
        # commonly listen on IPv4 only.
        resolved = sorted(_resolve(host, port), key=lambda entry: entry[0] != socket.AF_INET)
        self._family, self._address = resolved[0]
        self._socket: socket.socket | None = None
        self._datagrams_sent = 0
        self._bytes_sent = 0
        self._send_errors = 0
        self._last_error: str | None = None
        # Timing for the frame loop: total time spent inside the kernel's send, and the
        # perf_counter_ns stamp right after the latest datagram was handed over (end-to-end
        # latency ends there). Two clock reads per datagram, ~0.1 us.
        self.busy_ns = 0
        self.last_sent_ns = 0

    @property
    def address(self) -> tuple:
        return self._address

    def _open(self) -> socket.socket | None:
        if self._socket is not None:
            return self._socket
        try:
            sock = socket.socket(self._family, socket.SOCK_DGRAM)
        except OSError as error:
            self._record_error(error)
            return None
        try:
            sock.setblocking(False)
            sock.connect(self._address)
        except OSError as error:
            # e.g. ENETUNREACH while a network interface is down: retry on the next send.
            sock.close()
            self._record_error(error)
            return None
        self._socket = sock
        return sock

    def _record_error(self, error: OSError) -> None:
        self._send_errors += 1
        self._last_error = f"{type(error).__name__}: {error}"

    def send(self, datagram: bytes | memoryview) -> bool:
        """True if the kernel accepted the datagram (which says nothing about delivery)."""
        sock = self._open()
        if sock is None:
            return False
        start = time.perf_counter_ns()
        try:
            sent = sock.send(datagram)
        except OSError as error:
            # ConnectionRefusedError (ICMP port unreachable from an earlier datagram),
            # BlockingIOError (EAGAIN), ENOBUFS, EMSGSIZE, ENETUNREACH...: drop and count.
            self.busy_ns += time.perf_counter_ns() - start
            self._record_error(error)
            return False
        self.last_sent_ns = time.perf_counter_ns()
        self.busy_ns += self.last_sent_ns - start
        self._datagrams_sent += 1
        self._bytes_sent += sent
        return True

    def send_many(self, datagrams: Iterable[bytes | memoryview]) -> int:
        """Sends each datagram (an error on one does not stop the rest); returns how many
        the kernel accepted."""
        return sum(1 for datagram in datagrams if self.send(datagram))

    def stats(self) -> SendStats:
        return SendStats(self._datagrams_sent, self._bytes_sent, self._send_errors, self._last_error)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> UdpSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_sender(target: str, allow_remote: bool) -> tuple[UdpSender, str | None]:
    """Parse "HOST:PORT", apply the loopback policy, and open a sender.
    Returns (sender, warning or None)."""
    host, port = parse_target(target)
    warning = check_target(host, port, allow_remote)
    return UdpSender(host, port), warning
