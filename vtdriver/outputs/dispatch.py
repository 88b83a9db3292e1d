"""Every configured ``[[outputs]]`` table as one object the frame loop sends to.

Per output: its own name mapping (VRM0, VRM1, ARKit, VRChat parameters), its masks and its
rate limit. Gesture-action messages are routed to the output they name.
"""
from __future__ import annotations

import dataclasses
import operator
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from vtdriver.config.loader import Config
from vtdriver.config.sections import OutputSettings
from vtdriver.frame import AvatarFrame
from vtdriver.mapping import BlendshapeMapping
from vtdriver.outputs.osc import OscOutput
from vtdriver.outputs.osc_params import OscParameterMapping
from vtdriver.outputs.udp import open_sender
from vtdriver.outputs.vmc import VmcOutput


@dataclass(frozen=True)
class SendTiming:
    """Where one frame's output time went. ``encode_ns`` is everything but the kernel sends
    (per-output name mapping, masks, OSC/VMC encoding); ``last_datagram_ns`` is the
    perf_counter_ns stamp after this frame's last datagram was handed to the kernel, or, when
    none was (every output rate-limited, or every send refused), after the outputs were done
    with the frame."""

    encode_ns: int
    send_ns: int
    last_datagram_ns: int


_BUSY_NS = operator.attrgetter("busy_ns")
_LAST_SENT_NS = operator.attrgetter("last_sent_ns")


def _mask(names: list[str]) -> frozenset[str] | None:
    return None if "*" in names else frozenset(names)


@dataclass
class _Vmc:
    settings: OutputSettings
    output: VmcOutput
    mapping: BlendshapeMapping
    blend_mask: frozenset[str] | None

    def __post_init__(self) -> None:
        # The mapped names and which of them the mask keeps are fixed per output: worked out
        # once here, so a frame only computes the values and picks them by index.
        names = self.mapping.names
        keep = [i for i, name in enumerate(names) if self.blend_mask is None or name in self.blend_mask]
        self._blend_names = tuple(names[i] for i in keep)
        self._blend_index = None if len(keep) == len(names) else np.array(keep, dtype=np.intp)

    def send(self, frame: AvatarFrame) -> None:
        values = self.mapping.values(frame.blendshapes)
        if self._blend_index is not None:
            values = values[self._blend_index]
        self.output.send_values(frame, self._blend_names, values)

    def send_messages(self, messages) -> None:
        # VMC receivers ignore addresses they do not know; action messages addressed to a VMC
        # output go out on its socket as plain OSC.
        self.output.send_messages(messages)


@dataclass
class _Osc:
    settings: OutputSettings
    output: OscOutput
    mapping: OscParameterMapping

    def send(self, frame: AvatarFrame) -> None:
        self.output.send_frame(self.mapping.frame_messages(frame, self.settings), frame.t)
        if self.settings.gestures:
            self.output.send_events(self.mapping.gesture_messages(frame))
            self.output.send_gestures(frame.events)

    def send_messages(self, messages) -> None:
        self.output.send_events(messages)


class OutputSet:
    def __init__(self, outputs: list, log: Callable[[str], None] | None = None):
        self._outputs = outputs
        self._by_name = {o.settings.label: o for o in outputs}
        self._senders = [o.output.sender for o in outputs]
        self._log = log or (lambda line: print(line, file=sys.stderr))

    @classmethod
    def from_config(cls, config: Config, target_override: str | None = None) -> "OutputSet":
        outputs = []
        for settings in config.outputs:
            if not settings.enabled:
                continue
            path = config.resolve(settings.mapping)
            target = settings.target
            if target_override and settings.kind == "vmc":
                target = target_override
            sender, _ = open_sender(target, settings.allow_remote)
            if settings.kind == "vmc":
                output = VmcOutput(
                    sender,
                    bone_mask=_mask(settings.bones),
                    send_blendshapes=bool(settings.blendshapes),
                    max_rate_hz=settings.rate_limit_hz,
                )
                outputs.append(_Vmc(settings, output, BlendshapeMapping.load(path), _mask(settings.blendshapes)))
            else:
                output = OscOutput(sender, max_rate_hz=settings.rate_limit_hz)
                outputs.append(_Osc(settings, output, OscParameterMapping.load(path)))
        return cls(outputs)

    def take_over(self, other: "OutputSet") -> None:
        """Hot reload: send through ``other``'s outputs from now on and close the old ones.
        Anyone holding this OutputSet keeps a valid reference."""
        old = self._outputs
        self._outputs, self._by_name, self._senders = other._outputs, other._by_name, other._senders
        other._outputs, other._by_name, other._senders = [], {}, []
        for output in old:
            output.output.close()

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def send(self, result) -> SendTiming:
        start = time.perf_counter_ns()
        senders = self._senders
        busy_before = sum(map(_BUSY_NS, senders))
        frame = result.frame
        for output in self._outputs:
            output.send(frame)
        for name, address, args in result.messages:
            target = self._by_name.get(name)
            if target is not None and target.settings.gestures:
                target.send_messages([(address, args)])
        end = time.perf_counter_ns()
        send_ns = sum(map(_BUSY_NS, senders)) - busy_before
        last = max(map(_LAST_SENT_NS, senders), default=0)
        return SendTiming(end - start - send_ns, send_ns, last if last >= start else end)

    def totals(self) -> tuple[int, int]:
        sent = errors = 0
        for output in self._outputs:
            stats = output.output.stats()
            sent += stats.datagrams_sent
            errors += stats.send_errors
        return sent, errors

    def stats(self) -> dict[str, dict]:
        return {o.settings.label: dataclasses.asdict(o.output.stats()) for o in self._outputs}

    def close(self) -> None:
        for output in self._outputs:
            output.output.close()
