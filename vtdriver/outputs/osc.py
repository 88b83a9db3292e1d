"""A plain OSC output: arbitrary (address, args) messages, e.g. VRChat avatar parameters
(``/avatar/parameters/<name>`` on port 9000) and vtdriver's raw gesture events.

One message per datagram, never bundles. VRChat's docs only ever describe single messages,
its OSC library (OscCore) gained bundle support only in 2023 (vrchat/OscCore PR #4), and other
popular receivers (Sonic Pi, some node/Arduino libraries) ignore bundles entirely; a handful
of parameter messages per frame costs nothing extra as separate datagrams.

Two kinds of traffic:
- ``send_frame``: per-frame state (parameters); subject to the rate limit and address mask.
- ``send_events``: edge events (gesture enter/exit); neither rate limited nor masked, because
  a dropped "exit" would leave the receiver stuck in a gesture (gesture events are switched
  off as a whole with ``send_gesture_events``).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from vtdriver.frame import GestureEvent
from vtdriver.outputs.base import RateLimitedOutput
from vtdriver.outputs.osc_wire import CachedMessageEncoder
from vtdriver.outputs.udp import UdpSender

DEFAULT_OSC_TARGET = "127.0.0.1:9000"  # VRChat's default OSC input port (docs.vrchat.com OSC Overview)
GESTURE_ADDRESS = "/vtdriver/gesture"

OscMessage = tuple[str, Sequence[Any]]


def gesture_event_messages(events: Iterable[GestureEvent]) -> list[OscMessage]:
    """``/vtdriver/gesture (s hand, s gesture, i 1|0)``: 1 when a gesture starts or is held,
    0 when it ends."""
    return [(GESTURE_ADDRESS, (event.hand, event.gesture, 0 if event.kind == "exit" else 1)) for event in events]


class OscOutput(RateLimitedOutput):
    """Sends OSC messages, one per datagram, to one receiver. Never raises for network trouble;
    raises ``TypeError``/``ValueError`` for a message that cannot be encoded (a programming or
    mapping-file error)."""

    def __init__(
        self,
        sender: UdpSender,
        *,
        address_mask: Collection[str] | None = None,
        max_rate_hz: float = 0.0,
        send_gesture_events: bool = True,
    ) -> None:
        super().__init__(sender, max_rate_hz)
        self._mask = None if address_mask is None else frozenset(address_mask)
        self._send_gesture_events = send_gesture_events
        self._encoder = CachedMessageEncoder()

    def _send_messages(self, messages: Iterable[OscMessage], mask: frozenset[str] | None) -> None:
        for address, args in messages:
            if mask is not None and address not in mask:
                self._messages_masked += 1
                continue
            self._sender.send(self._encoder.encode(address, args))

    def send_frame(self, messages: Iterable[OscMessage], t: float) -> bool:
        """Per-frame state messages; returns False when the rate limit skipped the frame."""
        if not self._admit(t):
            return False
        self._send_messages(messages, self._mask)
        return True

    def send_events(self, messages: Iterable[OscMessage]) -> None:
        """Edge events: sent immediately, whatever the rate limit and address mask."""
        self._send_messages(messages, None)

    def send_gestures(self, events: Iterable[GestureEvent]) -> None:
        if self._send_gesture_events:
            self.send_events(gesture_event_messages(events))
