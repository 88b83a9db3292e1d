"""Encoding one VMC frame into OSC bundles, fast.

A VMC frame has the same shape every frame (same bones, same blendshape names, same OK
arguments) and only its floats change. So the first frame of a given shape builds a byte
template of all its datagrams with every address, type tag, name and int already in place,
plus the byte positions of every float slot. Every later frame is one float64 -> big-endian
float32 conversion and one fancy-index store into the template: no per-message Python work.

Message order (VMC protocol, sh-akira/VirtualMotionCaptureProtocol docs/marionette-spec):
Root/Pos, Bone/Pos..., Blend/Val..., Blend/Apply, OK, T. Messages are packed greedily into
bundles of at most ``max_datagram_bytes``; Apply, OK and T always travel together in the last
datagram so Apply follows every Val even if the receiver handles datagrams one by one.

The bytes are identical to building the same messages with python-osc's
``OscMessageBuilder`` (floats as ``f``, ints as ``i``) and bundling them with
``OscBundleBuilder(IMMEDIATELY)``, except that non-finite floats are sent as 0.0.
"""
from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from vtdriver.outputs.osc_wire import BUNDLE_HEADER, ELEMENT_SIZE_BYTES, osc_string

ROOT_ADDRESS = "/VMC/Ext/Root/Pos"
BONE_ADDRESS = "/VMC/Ext/Bone/Pos"
BLEND_VALUE_ADDRESS = "/VMC/Ext/Blend/Val"
BLEND_APPLY_ADDRESS = "/VMC/Ext/Blend/Apply"
OK_ADDRESS = "/VMC/Ext/OK"
TIME_ADDRESS = "/VMC/Ext/T"
ROOT_NAME = "root"  # the spec fixes the Root/Pos name to "root"

# Ethernet MTU 1500 minus the IPv4 (20) and UDP (8) headers: a bundle this size is never
# IP-fragmented on a LAN, so losing one packet loses part of one frame, not a whole frame.
DEFAULT_MAX_DATAGRAM_BYTES = 1472
# The VMC protocol's bundle-size limit; above it we would be fragmenting on Ethernet anyway.
MAX_DATAGRAM_BYTES_LIMIT = 1500
_MIN_DATAGRAM_BYTES = 256  # room for the largest single VMC message with a long bone name

# Doubles at or above this round to inf in float32 (halfway between FLT_MAX = 2**128 - 2**104
# and 2**128; IEEE round-half-to-even goes up here), which struct.pack(">f") also refuses.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103
_FLOAT32_OVERFLOW_SQUARED = FLOAT32_OVERFLOW**2

_TRANSFORM_FLOATS = 7  # px, py, pz, qx, qy, qz, qw
_INT32 = struct.Struct(">i")
_INT31_MAX = 2**31 - 1  # python-osc sends ints with bit_length() > 31 as int64
_MAX_CACHED_LAYOUTS = 8
_IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
_IDENTITY.flags.writeable = False


def _message_prefix(address: str, tags: str, strings: Sequence[str] = ()) -> bytes:
    return osc_string(address) + osc_string(tags) + b"".join(osc_string(s) for s in strings)


def _ok_message(ok_args: tuple[int, ...]) -> bytes:
    return _message_prefix(OK_ADDRESS, "," + "i" * len(ok_args)) + b"".join(
        _INT32.pack(value) for value in ok_args
    )


class _FrameLayout:
    """The byte template and float-slot positions for one frame shape."""

    def __init__(
        self,
        has_root: bool,
        bone_names: tuple[str, ...],
        blend_names: tuple[str, ...],
        ok_args: tuple[int, ...],
        max_datagram_bytes: int,
    ) -> None:
        # (message prefix, number of float32 slots after it), in message order.
        body: list[tuple[bytes, int]] = []
        if has_root:
            body.append((_message_prefix(ROOT_ADDRESS, ",sfffffff", (ROOT_NAME,)), _TRANSFORM_FLOATS))
        body.extend((_message_prefix(BONE_ADDRESS, ",sfffffff", (n,)), _TRANSFORM_FLOATS) for n in bone_names)
        body.extend((_message_prefix(BLEND_VALUE_ADDRESS, ",sf", (n,)), 1) for n in blend_names)
        tail: list[tuple[bytes, int]] = []
        if blend_names:
            tail.append((_message_prefix(BLEND_APPLY_ADDRESS, ","), 0))
        tail.append((_ok_message(ok_args), 0))
        tail.append((_message_prefix(TIME_ADDRESS, ",f"), 1))

        units = [[message] for message in body] + [tail]
        datagrams = _pack_units(units, max_datagram_bytes)

        template = bytearray()
        float_offsets: list[int] = []
        self.bounds: list[tuple[int, int]] = []
        for datagram in datagrams:
            start = len(template)
            template += BUNDLE_HEADER
            for prefix, n_floats in datagram:
                template += _INT32.pack(len(prefix) + 4 * n_floats)
                template += prefix
                float_offsets.extend(range(len(template), len(template) + 4 * n_floats))
                template += bytes(4 * n_floats)
            self.bounds.append((start, len(template)))

        self.buffer = np.frombuffer(template, dtype=np.uint8).copy()
        # Every OSC element is a multiple of 4 bytes long, so each float slot is one aligned
        # big-endian float32 word of the buffer: a frame's values go in with one indexed
        # store, which also does the float64 -> float32 conversion.
        self.words = self.buffer.view(">f4")
        slots = np.asarray(float_offsets[::4], dtype=np.intp) // 4
        n_root = _TRANSFORM_FLOATS if has_root else 0
        n_bones = len(bone_names)
        # The bone positions are the rest offsets, the same every frame: they are stored once
        # (set_positions) and the per-frame store covers only the values that move.
        bone_slots = slots[n_root : n_root + _TRANSFORM_FLOATS * n_bones].reshape(n_bones, _TRANSFORM_FLOATS)
        self.position_slots = bone_slots[:, :3].ravel()
        self.float_slots = np.concatenate((slots[:n_root], bone_slots[:, 3:].ravel(), slots[n_root + bone_slots.size :]))
        self.values = np.zeros(self.float_slots.size, dtype=np.float64)
        self.root_values = self.values[:n_root]
        self.rotation_values = self.values[n_root : n_root + 4 * n_bones].reshape(n_bones, 4)
        self.blend_values = self.values[n_root + 4 * n_bones : n_root + 4 * n_bones + len(blend_names)]
        self._positions_from: np.ndarray | None = None
        self._root_rotation_from: np.ndarray | None = None
        whole = memoryview(self.buffer)
        self.datagram_views = tuple(whole[start:end] for start, end in self.bounds)

    def set_positions(self, positions: np.ndarray) -> None:
        """Stores the bone positions (N, 3). The read-only array that owns its data stored
        last time is skipped: it cannot have changed (a read-only view could: its base may
        be writeable)."""
        if positions is self._positions_from and not positions.flags.writeable:
            return
        values = np.empty((self.position_slots.size // 3, 3))
        values[...] = positions
        values = values.ravel()
        _zero_unsendable(values)
        self.words[self.position_slots] = values
        self._positions_from = positions if _unchanging(positions) else None

    def set_root_rotation(self, rotation: np.ndarray) -> None:
        """Stores the root rotation into ``values``, which keep it from frame to frame: skipped
        for the unchanging array stored last time, as ``set_positions``."""
        if rotation is self._root_rotation_from and not rotation.flags.writeable:
            return
        self.root_values[3:] = rotation
        self._root_rotation_from = rotation if _unchanging(rotation) else None

    def fill(self) -> None:
        """Stores ``values`` into the datagrams."""
        _zero_unsendable(self.values)
        self.words[self.float_slots] = self.values


def _unchanging(values: object) -> bool:
    """A read-only array that owns its data: nothing can change it (a read-only view could
    change through a writeable base)."""
    return isinstance(values, np.ndarray) and not values.flags.writeable and values.flags.owndata


def _zero_unsendable(values: np.ndarray) -> None:
    """Anything that would not be a finite float32 is sent as 0.0; zeroed before the
    conversion, so it never overflows. The usual frame is cleared by one sum of squares:
    below FLOAT32_OVERFLOW**2 (a double) every value is below FLOAT32_OVERFLOW, and a NaN, an
    infinity or a double overflow all fail the comparison."""
    if not values.dot(values) < _FLOAT32_OVERFLOW_SQUARED:
        np.copyto(values, 0.0, where=~(np.abs(values) < FLOAT32_OVERFLOW))


def _unit_bytes(unit: list[tuple[bytes, int]]) -> int:
    return sum(ELEMENT_SIZE_BYTES + len(prefix) + 4 * n_floats for prefix, n_floats in unit)


def _pack_units(units: list[list[tuple[bytes, int]]], max_datagram_bytes: int) -> list[list[tuple[bytes, int]]]:
    """Greedy, order-preserving packing of message units into bundles."""
    datagrams: list[list[tuple[bytes, int]]] = [[]]
    used = len(BUNDLE_HEADER)
    for unit in units:
        size = _unit_bytes(unit)
        if len(BUNDLE_HEADER) + size > max_datagram_bytes:
            raise ValueError(
                f"a VMC message group of {size} bytes cannot fit a {max_datagram_bytes}-byte "
                "datagram (is a bone or blendshape name absurdly long?)"
            )
        if used + size > max_datagram_bytes:
            datagrams.append([])
            used = len(BUNDLE_HEADER)
        datagrams[-1].extend(unit)
        used += size
    return datagrams


def _check_ok_args(ok_args: Sequence[Any]) -> tuple[int, ...]:
    if all(type(value) is int and -_INT31_MAX <= value <= _INT31_MAX for value in ok_args):
        return tuple(ok_args)
    checked = []
    for value in ok_args:
        # A bool would go out as T/F, which EVMC4U rejects: the spec says int.
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"VMC OK arguments must be ints, got {ok_args!r}")
        # Past 31 bits python-osc (and so our byte-identity) would switch to int64 'h'.
        if int(value).bit_length() > 31:
            raise ValueError(f"VMC OK arguments must be 32-bit ints, got {ok_args!r}")
        checked.append(int(value))
    return tuple(checked)


class VmcFrameEncoder:
    """Encodes VMC frames into OSC bundle datagrams, reusing per-shape templates.

    Holds at most a few frame shapes (least recently used is dropped), so memory stays flat
    however long it runs.
    """

    def __init__(self, max_datagram_bytes: int = DEFAULT_MAX_DATAGRAM_BYTES) -> None:
        if not _MIN_DATAGRAM_BYTES <= max_datagram_bytes <= MAX_DATAGRAM_BYTES_LIMIT:
            raise ValueError(
                f"max_datagram_bytes must be in [{_MIN_DATAGRAM_BYTES}, {MAX_DATAGRAM_BYTES_LIMIT}],"
                f" got {max_datagram_bytes}"
            )
        self._max_datagram_bytes = max_datagram_bytes
        self._layouts: OrderedDict[tuple, _FrameLayout] = OrderedDict()
        # (has_root, bone names, blend names, OK arguments, layout) of the last frame.
        self._last: tuple | None = None

    @property
    def max_datagram_bytes(self) -> int:
        return self._max_datagram_bytes

    def _layout(self, has_root: bool, bone_names: tuple, blend_names: tuple, ok_args: tuple) -> _FrameLayout:
        last = self._last
        # The same name tuples and OK arguments as the last frame (the usual case: VmcOutput
        # passes the same objects while the shape stays) need no key hash and no checks:
        # tuples cannot have changed, and these OK arguments were checked when first seen.
        if (
            last is not None
            and has_root is last[0]
            and bone_names is last[1]
            and blend_names is last[2]
            and ok_args is last[3]
        ):
            return last[4]
        key = (has_root, tuple(bone_names), tuple(blend_names), _check_ok_args(ok_args))
        layout = self._layouts.get(key)
        if layout is None:
            layout = _FrameLayout(*key, self._max_datagram_bytes)
            self._layouts[key] = layout
            if len(self._layouts) > _MAX_CACHED_LAYOUTS:
                self._layouts.popitem(last=False)
        else:
            self._layouts.move_to_end(key)
        self._last = (has_root, *key[1:], layout)
        return layout

    def encode_arrays(self, *args: Any, **kwargs: Any) -> list[bytes]:
        """The datagrams of ``fill_arrays`` (same arguments), as bytes of their own."""
        return [view.tobytes() for view in self.fill_arrays(*args, **kwargs)]

    def fill_arrays(
        self,
        bone_names: tuple[str, ...],
        bone_positions: np.ndarray,
        bone_rotations: np.ndarray,
        blend_names: tuple[str, ...],
        blend_values: np.ndarray,
        ok_args: tuple[int, ...],
        t: float,
        root_position: np.ndarray | None = None,
        root_rotation: np.ndarray | None = None,
    ) -> tuple[memoryview, ...]:
        """The array form: positions (N, 3), rotations (N, 4) as x, y, z, w, blend values (M,).
        Root/Pos is sent only when ``root_position`` is given (rotation defaults to identity).
        The caller's arrays are only read. Returns the datagrams as views of this encoder's
        own buffer, valid until its next encode (for a sender that hands them to the kernel
        at once; ``encode_arrays`` copies them out)."""
        has_root = root_position is not None
        layout = self._layout(has_root, bone_names, blend_names, ok_args)
        if has_root:
            layout.root_values[:3] = root_position
            layout.set_root_rotation(_IDENTITY if root_rotation is None else root_rotation)
        if len(bone_names):
            layout.set_positions(bone_positions)
            layout.rotation_values[...] = bone_rotations
        if len(blend_names):
            layout.blend_values[:] = blend_values
        layout.values[-1] = t
        layout.fill()
        return layout.datagram_views

    def encode(
        self,
        bones: Sequence[tuple[str, Any, Any]],
        blendshapes: Sequence[tuple[str, float]],
        ok_args: tuple[int, ...],
        t: float,
        root: tuple[Any, Any] | None = None,
    ) -> list[bytes]:
        """The list form: ``bones`` = [(HumanBodyBones name, position xyz, rotation xyzw)],
        ``blendshapes`` = [(output name, value)], ``root`` = (position, rotation) or None."""
        names = tuple(bone[0] for bone in bones)
        positions = np.array([bone[1] for bone in bones], dtype=np.float64).reshape(len(bones), 3)
        rotations = np.array([bone[2] for bone in bones], dtype=np.float64).reshape(len(bones), 4)
        blend_names = tuple(name for name, _ in blendshapes)
        blend_values = np.array([value for _, value in blendshapes], dtype=np.float64)
        root_position, root_rotation = (None, None) if root is None else root
        return self.encode_arrays(
            names, positions, rotations, blend_names, blend_values, ok_args, t, root_position, root_rotation
        )
