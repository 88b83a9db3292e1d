"""OSC 1.0 wire encoding, byte-identical to python-osc's ``OscMessageBuilder`` /
``OscBundleBuilder`` for the argument types vtdriver sends.

Type inference follows python-osc so the two can be swapped freely:
``str`` -> ``s``, ``bytes`` -> ``b``, ``True``/``False`` -> ``T``/``F``, ``int`` -> ``i``
(``h`` when ``int.bit_length() > 31``, exactly python-osc's rule), ``float`` -> ``f``,
``None`` -> ``N``.

Two deliberate differences, both on input python-osc would reject or pass through badly:
- numpy scalars are accepted (``np.floating`` -> ``f``, ``np.integer`` -> ``i``/``h``,
  ``np.bool_`` -> ``T``/``F``); python-osc refuses ``np.float32`` outright.
- a float that is NaN, +-inf, or too large for float32 is sent as ``0.0``: receivers such as
  EVMC4U apply values straight to transforms, and one NaN poisons an avatar until restart.
  python-osc would send the NaN (or raise on float32 overflow).

Arrays, MIDI tuples and RGBA are not supported (vtdriver never sends them); they raise.
"""
from __future__ import annotations

import math
import struct
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

BUNDLE_TAG = b"#bundle\x00"
# OSC 1.0 reserves the time tag 0x0000000000000001 for "immediately"; python-osc writes exactly
# this for ``IMMEDIATELY`` (pythonosc.parsing.ntp.IMMEDIATELY = struct.pack(">Q", 1)).
IMMEDIATE_TIMETAG = struct.pack(">Q", 1)
BUNDLE_HEADER = BUNDLE_TAG + IMMEDIATE_TIMETAG
# Each bundle element is preceded by its int32 byte size.
ELEMENT_SIZE_BYTES = 4

_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_FLOAT32 = struct.Struct(">f")


def osc_string(text: str) -> bytes:
    """UTF-8 bytes, NUL-terminated and padded to a multiple of 4 (always at least one NUL)."""
    raw = text.encode("utf-8")
    return raw + b"\x00" * (4 - len(raw) % 4)


def osc_blob(data: bytes) -> bytes:
    if not data:
        raise ValueError("OSC blob arguments cannot be empty (python-osc refuses them too)")
    return _INT32.pack(len(data)) + data + b"\x00" * (-len(data) % 4)


def finite_float32_bytes(value: Any) -> bytes:
    """Big-endian float32 of ``value``; NaN, inf and float32 overflow become 0.0."""
    number = float(value)
    if not math.isfinite(number):
        return _FLOAT32.pack(0.0)
    try:
        return _FLOAT32.pack(number)
    except OverflowError:
        return _FLOAT32.pack(0.0)


def _encode_int(value: int) -> tuple[str, bytes]:
    if value.bit_length() > 31:
        try:
            return "h", _INT64.pack(value)
        except struct.error as error:
            raise ValueError(f"OSC integer argument {value} does not fit in 64 bits") from error
    return "i", _INT32.pack(value)


def encode_argument(value: Any) -> tuple[str, bytes]:
    """(type tag, payload bytes) for one argument, following python-osc's type inference."""
    # bool first: it is a subclass of int.
    if value is True or value is False or isinstance(value, np.bool_):
        return ("T" if value else "F"), b""
    if isinstance(value, str):
        return "s", osc_string(value)
    if isinstance(value, bytes):
        return "b", osc_blob(value)
    if isinstance(value, (int, np.integer)):
        return _encode_int(int(value))
    if isinstance(value, (float, np.floating)):
        return "f", finite_float32_bytes(value)
    if value is None:
        return "N", b""
    raise TypeError(f"unsupported OSC argument type {type(value).__name__}: {value!r}")


def check_address(address: str) -> None:
    if not isinstance(address, str) or not address.startswith("/"):
        raise ValueError(f"OSC address must be a string starting with '/', got {address!r}")


def encode_message(address: str, args: Sequence[Any] = ()) -> bytes:
    """One OSC message, byte-identical to ``OscMessageBuilder(address)`` + ``add_arg`` per
    argument + ``build().dgram`` (apart from the sanitising described in the module doc)."""
    check_address(address)
    tags, payload = _encode_arguments(args)
    return osc_string(address) + osc_string(tags) + payload


def _encode_arguments(args: Sequence[Any]) -> tuple[str, bytes]:
    """(type-tag string with its leading comma, the packed arguments)."""
    tags = [","]
    payloads = []
    for value in args:
        tag, payload = encode_argument(value)
        tags.append(tag)
        payloads.append(payload)
    return "".join(tags), b"".join(payloads)


def encode_bundle(messages: Sequence[bytes]) -> bytes:
    """An OSC bundle with the "immediately" time tag around already encoded messages,
    byte-identical to ``OscBundleBuilder(IMMEDIATELY)``."""
    parts = [BUNDLE_HEADER]
    for message in messages:
        parts.append(_INT32.pack(len(message)))
        parts.append(message)
    return b"".join(parts)


class CachedMessageEncoder:
    """``encode_message`` with the address + type-tag prefix cached per (address, tags), for
    outputs that send the same few addresses every frame. The cache is bounded (least recently
    used entries are dropped) so memory does not grow with run time."""

    def __init__(self, max_cached_prefixes: int = 512) -> None:
        if max_cached_prefixes < 1:
            raise ValueError("max_cached_prefixes must be at least 1")
        self._max_cached = max_cached_prefixes
        self._prefixes: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def encode(self, address: str, args: Sequence[Any] = ()) -> bytes:
        tags, payload = _encode_arguments(args)
        key = (address, tags)
        prefix = self._prefixes.get(key)
        if prefix is None:
            check_address(address)
            prefix = osc_string(address) + osc_string(key[1])
            self._prefixes[key] = prefix
            if len(self._prefixes) > self._max_cached:
                self._prefixes.popitem(last=False)
        else:
            self._prefixes.move_to_end(key)
        return prefix + payload
