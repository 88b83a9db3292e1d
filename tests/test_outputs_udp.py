"""The UDP sender never raises or blocks; the loopback policy and target parsing are strict."""
from __future__ import annotations

import errno
import socket
import time

import pytest

from vtdriver.outputs.udp import TargetError, UdpSender, check_target, open_sender, parse_target


def bind_receiver(host: str = "127.0.0.1", port: int = 0, family: int = socket.AF_INET) -> socket.socket:
    receiver = socket.socket(family, socket.SOCK_DGRAM)
    receiver.bind((host, port))
    receiver.settimeout(2.0)
    return receiver


def free_udp_port() -> int:
    with bind_receiver() as probe:
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1:39539", ("127.0.0.1", 39539)), ("localhost:9000", ("localhost", 9000)),
     ("[::1]:39539", ("::1", 39539)), (" 10.0.0.2:1 ", ("10.0.0.2", 1))],
)
def test_parse_target_accepts(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("127.0.0.1", "missing port"), ("127.0.0.1:", "not a number"), ("127.0.0.1:abc", "not a number"),
     ("127.0.0.1:0", "outside 1..65535"), ("127.0.0.1:70000", "outside 1..65535"), (":9000", "missing host"),
     ("::1:9000", "brackets"), ("[::1]", "missing port"), ("[::1:9000", "missing ']'"), ("", "empty"),
     ("127.0.0.1:-5", "not a number")],
)
def test_parse_target_rejects_with_a_clear_message(text, message):
    with pytest.raises(TargetError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_target(text)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "::1", "localhost", "::ffff:127.0.0.1"])
def test_loopback_targets_pass_silently(host):
    assert check_target(host, 39539, allow_remote=False) is None


@pytest.mark.parametrize("host", ["192.0.2.10", "10.0.0.1", "2001:db8::1", "0.0.0.0"])
def test_remote_targets_need_allow_remote(host):
    with pytest.raises(TargetError, match="allow_remote"):
        check_target(host, 39539, allow_remote=False)
    warning = check_target(host, 39539, allow_remote=True)
    assert host in warning and "remote" in warning


def test_open_sender_applies_the_policy():
    with pytest.raises(TargetError):
        open_sender("192.0.2.10:39539", allow_remote=False)
    sender, warning = open_sender("127.0.0.1:39539", allow_remote=False)
    sender.close()
    assert warning is None


def test_localhost_prefers_ipv4():
    with bind_receiver() as receiver, UdpSender("localhost", receiver.getsockname()[1]) as sender:
        assert sender.address[0] == "127.0.0.1"
        assert sender.send(b"hi") and receiver.recv(8) == b"hi"


def test_sending_with_nobody_listening_counts_errors_and_never_raises():
    sender = UdpSender("127.0.0.1", free_udp_port())
    attempts = 20
    accepted = sum(sender.send(b"x" * 16) for _ in range(attempts))
    stats = sender.stats()
    sender.close()
    # Linux reports the ICMP port-unreachable of one datagram on the next send.
    assert stats.send_errors >= 1
    assert "ConnectionRefused" in stats.last_error
    assert stats.datagrams_sent == accepted and accepted + stats.send_errors == attempts


def test_receiver_that_restarts_gets_datagrams_again():
    receiver = bind_receiver()
    port = receiver.getsockname()[1]
    with UdpSender("127.0.0.1", port) as sender:
        assert sender.send(b"first")
        assert receiver.recv(64) == b"first"
        receiver.close()

        for _ in range(5):
            sender.send(b"lost")
        errors_while_down = sender.stats().send_errors
        assert errors_while_down >= 1

        receiver = bind_receiver(port=port)
        sent_before = sender.stats().datagrams_sent
        # The first send after a restart may still report the refusal of an earlier datagram.
        for _ in range(3):
            sender.send(b"again")
        assert receiver.recv(64) == b"again"
        assert sender.stats().datagrams_sent > sent_before
        receiver.close()


def test_oversized_datagram_is_counted_not_raised():
    with bind_receiver() as receiver, UdpSender("127.0.0.1", receiver.getsockname()[1]) as sender:
        assert not sender.send(b"x" * 70_000)
        assert sender.stats().send_errors == 1
        assert sender.send_many([b"a", b"b"]) == 2
        assert {receiver.recv(8), receiver.recv(8)} == {b"a", b"b"}
        stats = sender.stats()
        assert (stats.datagrams_sent, stats.bytes_sent) == (2, 2)


class _FailingSocket:
    """Stands in for a socket whose kernel buffers are exhausted."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        self.closed = False

    def send(self, _data: bytes) -> int:
        raise self.error

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    "error", [BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), OSError(errno.ENOBUFS, "No buffer space")]
)
def test_full_buffers_drop_the_datagram_and_sending_continues(error):
    with bind_receiver() as receiver:
        sender = UdpSender("127.0.0.1", receiver.getsockname()[1])
        real_socket = sender._open()
        sender._socket = _FailingSocket(error)
        assert sender.send_many([b"1", b"2", b"3"]) == 0
        assert sender.stats().send_errors == 3
        sender._socket = real_socket
        assert sender.send(b"ok")
        assert receiver.recv(8) == b"ok"
        sender.close()


def test_ipv6_loopback_target():
    try:
        receiver = bind_receiver("::1", family=socket.AF_INET6)
    except OSError:
        pytest.skip("IPv6 loopback is not available on this machine")
    with receiver:
        sender, warning = open_sender(f"[::1]:{receiver.getsockname()[1]}", allow_remote=False)
        assert warning is None
        assert sender.send(b"v6")
        assert receiver.recv(8) == b"v6"
        sender.close()


def test_send_many_takes_views_and_an_error_midway_does_not_stop_the_rest():
    with bind_receiver() as receiver, UdpSender("127.0.0.1", receiver.getsockname()[1]) as sender:
        buffer = memoryview(b"abcdef")
        before = time.perf_counter_ns()
        assert sender.send_many([buffer[:2], b"x" * 70_000, buffer[2:]]) == 2
        assert {receiver.recv(8), receiver.recv(8)} == {b"ab", b"cdef"}
        stats = sender.stats()
        assert (stats.datagrams_sent, stats.bytes_sent, stats.send_errors) == (2, 6, 1)
        assert before <= sender.last_sent_ns <= time.perf_counter_ns()
        assert sender.busy_ns > 0
