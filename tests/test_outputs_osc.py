"""The plain OSC output (VRChat-style parameters, gesture events) and the frame-time rate
limiter both outputs share."""
from __future__ import annotations

import socket

import pytest
from pythonosc.osc_message import OscMessage

from vtdriver.frame import GestureEvent
from vtdriver.outputs.osc import GESTURE_ADDRESS, OscOutput, gesture_event_messages
from vtdriver.outputs.rate_limit import FrameRateLimiter
from vtdriver.outputs.udp import UdpSender


@pytest.fixture
def receiver():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)
    yield sock
    sock.close()


def received_messages(receiver: socket.socket) -> list[OscMessage]:
    messages = []
    while True:
        try:
            datagram = receiver.recv(65536)
        except (TimeoutError, socket.timeout):
            return messages
        receiver.settimeout(0.1)
        # One message per datagram: never a bundle.
        assert OscMessage.dgram_is_message(datagram)
        messages.append(OscMessage(datagram))


def output_to(receiver: socket.socket, **options) -> OscOutput:
    return OscOutput(UdpSender("127.0.0.1", receiver.getsockname()[1]), **options)


def type_tags(message: OscMessage) -> bytes:
    return message.dgram[message.dgram.index(b",") :].split(b"\x00")[0]


def test_parameters_arrive_one_message_per_datagram_with_python_osc_types(receiver):
    output = output_to(receiver)
    output.send_frame(
        [("/avatar/parameters/MouthOpen", [0.5]), ("/avatar/parameters/Gesture", [3]),
         ("/avatar/parameters/Blinking", [True]), ("/avatar/parameters/Bad", [float("nan")])],
        t=0.0,
    )
    messages = received_messages(receiver)
    assert [(m.address, m.params, type_tags(m)) for m in messages] == [
        ("/avatar/parameters/MouthOpen", [0.5], b",f"),
        ("/avatar/parameters/Gesture", [3], b",i"),
        ("/avatar/parameters/Blinking", [True], b",T"),
        ("/avatar/parameters/Bad", [0.0], b",f"),
    ]
    stats = output.stats()
    assert (stats.frames_sent, stats.datagrams_sent, stats.send_errors) == (1, 4, 0)
    output.close()


def test_gesture_events_bypass_rate_limit_and_mask(receiver):
    output = output_to(receiver, max_rate_hz=10, address_mask={"/avatar/parameters/A"})
    assert output.send_frame([("/avatar/parameters/A", [1.0]), ("/avatar/parameters/B", [2.0])], t=0.0)
    assert not output.send_frame([("/avatar/parameters/A", [1.5])], t=0.01)
    output.send_gestures(
        [GestureEvent("left", "thumbs_up", "enter", 0.01), GestureEvent("right", "fist", "exit", 0.01)]
    )
    messages = received_messages(receiver)
    assert [(m.address, m.params) for m in messages] == [
        ("/avatar/parameters/A", [1.0]),
        (GESTURE_ADDRESS, ["left", "thumbs_up", 1]),
        (GESTURE_ADDRESS, ["right", "fist", 0]),
    ]
    assert type_tags(messages[1]) == b",ssi"
    stats = output.stats()
    assert (stats.frames_sent, stats.frames_skipped, stats.messages_masked) == (1, 1, 1)
    output.close()


def test_gesture_events_can_be_switched_off(receiver):
    output = output_to(receiver, send_gesture_events=False)
    output.send_gestures([GestureEvent("left", "open", "enter", 0.0)])
    assert received_messages(receiver) == []
    output.close()


def test_gesture_event_messages_hold_counts_as_on():
    events = [GestureEvent("both", "heart", "hold", 1.0)]
    assert gesture_event_messages(events) == [(GESTURE_ADDRESS, ("both", "heart", 1))]


def test_no_receiver_is_not_an_error_for_the_caller():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = OscOutput(UdpSender("127.0.0.1", port))
    for i in range(10):
        output.send_frame([("/avatar/parameters/A", [float(i)])], t=i / 30)
    assert output.stats().send_errors >= 1
    output.close()


def test_bad_messages_raise_at_the_caller(receiver):
    output = output_to(receiver)
    with pytest.raises(ValueError):
        output.send_events([("no/slash", [1])])
    with pytest.raises(TypeError):
        output.send_events([("/x", [[1, 2]])])
    output.close()


def test_rate_limiter_caps_the_long_run_rate_under_jitter():
    limiter = FrameRateLimiter(30)
    # A 60 fps source with +-2 ms timestamp jitter, 10 seconds.
    jitter = [(-1) ** i * 0.002 for i in range(600)]
    admitted = sum(limiter.admit(i / 60 + jitter[i]) for i in range(600))
    assert 295 <= admitted <= 301


def test_rate_limiter_keeps_every_frame_of_a_source_at_the_cap():
    limiter = FrameRateLimiter(30)
    jitter = [0.003, -0.003, 0.0, 0.002, -0.002]
    assert all(limiter.admit(i / 30 + jitter[i % 5]) for i in range(300))


def test_rate_limiter_restarts_when_time_goes_backwards_or_jumps():
    limiter = FrameRateLimiter(10)
    assert limiter.admit(100.0)
    assert not limiter.admit(100.05)
    assert limiter.admit(3.0)  # a replay restarted: no silence until t catches up with 100
    assert not limiter.admit(3.02)
    assert limiter.admit(50.0)  # a long gap: the next frame goes out at once
    assert FrameRateLimiter(0).admit(0.0) and FrameRateLimiter(0).admit(0.0)
    with pytest.raises(ValueError):
        FrameRateLimiter(-1)
