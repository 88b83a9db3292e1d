"""What the VMC and plain-OSC outputs share: one UDP sender, a frame-time rate limit, and the
counters the status line and --stats-json report."""
from __future__ import annotations

from dataclasses import dataclass

from vtdriver.outputs.rate_limit import FrameRateLimiter
from vtdriver.outputs.udp import UdpSender


@dataclass(frozen=True)
class OutputStats:
    frames_sent: int
    frames_skipped: int  # dropped by the rate limit
    datagrams_sent: int
    bytes_sent: int
    send_errors: int
    last_error: str | None
    messages_masked: int = 0  # plain OSC: per-frame messages an address mask held back


class RateLimitedOutput:
    def __init__(self, sender: UdpSender, max_rate_hz: float) -> None:
        self._sender = sender
        self._limiter = FrameRateLimiter(max_rate_hz)
        self._frames_sent = 0
        self._frames_skipped = 0
        self._messages_masked = 0

    def _admit(self, t: float) -> bool:
        """Whether the frame at time ``t`` goes out; a refused frame is counted as skipped."""
        if self._limiter.admit(t):
            self._frames_sent += 1
            return True
        self._frames_skipped += 1
        return False

    def stats(self) -> OutputStats:
        sent = self._sender.stats()
        return OutputStats(
            self._frames_sent,
            self._frames_skipped,
            sent.datagrams_sent,
            sent.bytes_sent,
            sent.send_errors,
            sent.last_error,
            self._messages_masked,
        )

    @property
    def sender(self) -> UdpSender:
        return self._sender

    def close(self) -> None:
        self._sender.close()
