"""The VMC protocol output (Performer -> Marionette, e.g. VSeeFace, EVMC4U, VNyan).

Per frame it sends, in this order (VMC spec, sh-akira/VirtualMotionCaptureProtocol):
``/VMC/Ext/Root/Pos``, ``/VMC/Ext/Bone/Pos`` for every bone in the frame, ``/VMC/Ext/Blend/Val``
for every mapped blendshape, ``/VMC/Ext/Blend/Apply``, ``/VMC/Ext/OK``, ``/VMC/Ext/T``.

- Bone positions are the rest local offsets from ``humanoid.REST_OFFSET`` (the spec sends a
  local position with every rotation; receivers that retarget ignore it or use their own).
- All numbers are floats on the wire (EVMC4U throws on a wrong-typed argument) and finite.
- ``/VMC/Ext/T`` is seconds since the first frame, from frame time, so a replay of a
  recording produces byte-identical datagrams to the live run.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np

from vtdriver import humanoid
from vtdriver.frame import AvatarFrame
from vtdriver.outputs.base import RateLimitedOutput
from vtdriver.outputs.osc_wire import CachedMessageEncoder
from vtdriver.outputs.udp import UdpSender
from vtdriver.outputs.vmc_wire import DEFAULT_MAX_DATAGRAM_BYTES, VmcFrameEncoder
from vtdriver.rows import BoneRotations, stack_rows

DEFAULT_VMC_TARGET = "127.0.0.1:39539"  # the spec's default Marionette port
_IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
_IDENTITY.flags.writeable = False  # the root rotation of every frame: the encoder stores it once
_ZERO_POSITION = np.zeros(3)
_NO_VALUES = np.zeros(0)
# A quaternion whose largest component is below this has no usable direction (a unit
# quaternion's largest component is at least 0.5).
_DEGENERATE_QUATERNION = 1e-6
# /VMC/Ext/OK arguments after "loaded": calibration state 3 = Calibrated (we have nothing to
# calibrate on the receiver's side), calibration mode 0 = normal (not an MR mode).
_LOADED = 1
_CALIBRATED = 3
_NORMAL_MODE = 0
# The two OK argument tuples, by tracking status; always these objects, so the encoder knows
# them again without checking their values.
_OK_ARGS = ((_LOADED, _CALIBRATED, _NORMAL_MODE, 0), (_LOADED, _CALIBRATED, _NORMAL_MODE, 1))


# A row whose squared length reaches this has a component of at least _DEGENERATE_QUATERNION
# (the squared length is at most 4 x the largest component squared).
_PLAIN_SQUARED_LENGTH = 4 * _DEGENERATE_QUATERNION**2


def _safe_rotations(rotations: np.ndarray) -> np.ndarray:
    """Rows that are non-finite or (near) zero become identity: a zero quaternion would be
    sent as an invalid rotation and collapse the bone in the receiver."""
    # The usual frame, all finite and unit, is cleared by one sum of squares per row.
    squared = np.add.reduce(rotations * rotations, axis=1)
    if math.isfinite(np.add.reduce(squared)) and np.minimum.reduce(squared, initial=math.inf) >= _PLAIN_SQUARED_LENGTH:
        return rotations
    magnitudes = np.abs(rotations).max(axis=1)  # NaN propagates, so NaN rows fail the test
    bad = ~(magnitudes >= _DEGENERATE_QUATERNION) | np.isinf(magnitudes)
    if not bad.any():
        return rotations
    fixed = rotations.copy()
    fixed[bad] = _IDENTITY
    return fixed


class VmcOutput(RateLimitedOutput):
    """Sends ``AvatarFrame``s to one VMC receiver. Never raises for network trouble."""

    def __init__(
        self,
        sender: UdpSender,
        *,
        bone_mask: Collection[str] | None = None,
        send_blendshapes: bool = True,
        max_rate_hz: float = 0.0,
        max_datagram_bytes: int = DEFAULT_MAX_DATAGRAM_BYTES,
    ) -> None:
        super().__init__(sender, max_rate_hz)
        self._bone_mask = None if bone_mask is None else frozenset(bone_mask)
        self._send_blendshapes = send_blendshapes
        self._encoder = VmcFrameEncoder(max_datagram_bytes)
        self._message_encoder = CachedMessageEncoder()
        self._first_t: float | None = None
        self._names: tuple[str, ...] = ()
        self._positions = np.zeros((0, 3))

    def _names_and_positions(self, names: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
        """The bone names as the same tuple object while they stay the same, and their rest
        positions (read-only, rebuilt only when the names change): the encoder then knows the
        frame's shape and positions by identity."""
        if names != self._names:
            positions = np.array(
                [humanoid.REST_OFFSET.get(name, _ZERO_POSITION) for name in names], dtype=np.float64
            ).reshape(len(names), 3)
            positions.flags.writeable = False
            self._names, self._positions = names, positions
        return self._names, self._positions

    def encode(self, frame: AvatarFrame, blendshapes: Sequence[tuple[str, float]]) -> list[bytes]:
        """The datagrams for one frame (no rate limit, nothing sent). Fixes the time origin at
        the first frame encoded."""
        return self.encode_values(frame, *_names_and_values(blendshapes))

    def encode_values(
        self,
        frame: AvatarFrame,
        blend_names: tuple[str, ...],
        blend_values: np.ndarray,
    ) -> list[bytes]:
        """``encode`` with the blendshapes as names and a float array of their values (what
        ``BlendshapeMapping.values`` gives), so nothing is zipped and unzipped per frame."""
        return [view.tobytes() for view in self._fill(frame, blend_names, blend_values)]

    def _fill(
        self,
        frame: AvatarFrame,
        blend_names: tuple[str, ...],
        blend_values: np.ndarray,
    ) -> tuple[memoryview, ...]:
        """``encode_values`` as views of the encoder's buffer, valid until the next frame."""
        if self._first_t is None:
            self._first_t = frame.t
        bones = frame.bones
        mask = self._bone_mask
        if type(bones) is BoneRotations and mask is None:
            # The pipeline's checked array (finite and unit, read-only): _safe_rotations would
            # pass it as is.
            names, rotations = bones.names, bones.array
        else:
            names = tuple(bones) if mask is None else tuple(name for name in bones if name in mask)
            rotations = _safe_rotations(stack_rows([bones[name] for name in names], 4))
        if not self._send_blendshapes:
            blend_names, blend_values = (), _NO_VALUES
        names, positions = self._names_and_positions(names)
        root_position = _ZERO_POSITION if frame.root_position is None else frame.root_position
        return self._encoder.fill_arrays(
            names,
            positions,
            rotations,
            blend_names,
            blend_values,
            _OK_ARGS[1 if frame.any_tracked else 0],
            frame.t - self._first_t,
            root_position,
            _IDENTITY,
        )

    def send(self, frame: AvatarFrame, blendshapes: Sequence[tuple[str, float]]) -> bool:
        """Sends one frame unless the rate limit skips it; returns whether it was sent."""
        return self.send_values(frame, *_names_and_values(blendshapes))

    def send_values(
        self,
        frame: AvatarFrame,
        blend_names: tuple[str, ...],
        blend_values: np.ndarray,
    ) -> bool:
        """``send`` with the arguments of ``encode_values``."""
        if not self._admit(frame.t):
            return False
        # The views go to the kernel before anything encodes again.
        self._sender.send_many(self._fill(frame, blend_names, blend_values))
        return True

    def send_messages(self, messages: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Extra plain OSC messages (e.g. gesture actions) on this output's socket, one per
        datagram, never rate limited. VMC receivers ignore addresses they do not know."""
        for address, args in messages:
            self._sender.send(self._message_encoder.encode(address, args))


def _names_and_values(blendshapes: Sequence[tuple[str, float]]) -> tuple[tuple[str, ...], np.ndarray]:
    """(name, value) pairs as ``encode_values`` takes them."""
    return tuple(name for name, _ in blendshapes), np.array([value for _, value in blendshapes], dtype=np.float64)
