"""The fast OSC / VMC encoders against python-osc's builders, byte for byte."""
from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from vtdriver import humanoid
from vtdriver.outputs.osc_wire import CachedMessageEncoder, encode_bundle, encode_message
from vtdriver.outputs.vmc_wire import VmcFrameEncoder

FLT_MAX = float(np.finfo(np.float32).max)


def pythonosc_message(address: str, args) -> bytes:
    builder = OscMessageBuilder(address)
    for value in args:
        builder.add_arg(value)
    return builder.build().dgram


def pythonosc_bundle(messages: list[bytes]) -> bytes:
    builder = OscBundleBuilder(IMMEDIATELY)
    for dgram in messages:
        builder.add_content(OscMessage(dgram))
    return builder.build().dgram


def sanitized(value: float) -> float:
    """What our encoder promises to send for a float: itself, or 0.0 if not float32-finite."""
    if not math.isfinite(value):
        return 0.0
    try:
        struct.pack(">f", value)
    except OverflowError:
        return 0.0
    return float(value)


def random_float(rng: np.random.Generator) -> float:
    kind = rng.integers(0, 6)
    if kind == 0:
        return float(rng.normal())
    if kind == 1:
        return float(rng.uniform(-FLT_MAX, FLT_MAX))
    if kind == 2:
        return float(rng.choice([0.0, -0.0, 1e-40, -1e-45, FLT_MAX, -FLT_MAX]))
    if kind == 3:
        return float(rng.normal() * 10.0 ** rng.integers(-30, 30))
    if kind == 4:
        return float(rng.choice([math.nan, math.inf, -math.inf, 1e39, -3.5e38]))
    return float(rng.uniform(0, 1))


def random_name(rng: np.random.Generator) -> str:
    alphabet = "abcXYZ_09éあ"
    return "".join(rng.choice(list(alphabet), size=int(rng.integers(0, 24))))


def random_frame(rng: np.random.Generator):
    n_bones = int(rng.integers(0, len(humanoid.BONE_NAMES) + 1))
    names = list(rng.permutation(humanoid.BONE_NAMES)[:n_bones])
    bones = [(str(n), [random_float(rng) for _ in range(3)], [random_float(rng) for _ in range(4)]) for n in names]
    blends = [(random_name(rng), random_float(rng)) for _ in range(int(rng.integers(0, 70)))]
    root = None
    if rng.random() < 0.7:
        root = ([random_float(rng) for _ in range(3)], [random_float(rng) for _ in range(4)])
    ok_args = tuple(int(v) for v in rng.integers(-(2**31) + 1, 2**31 - 1, size=int(rng.integers(1, 5))))
    return bones, blends, ok_args, random_float(rng), root


def reference_messages(bones, blends, ok_args, t, root) -> list[bytes]:
    """The frame's messages built one by one with python-osc, in VMC order."""
    messages = []
    if root is not None:
        messages.append(pythonosc_message("/VMC/Ext/Root/Pos", ["root", *map(sanitized, [*root[0], *root[1]])]))
    for name, position, rotation in bones:
        messages.append(pythonosc_message("/VMC/Ext/Bone/Pos", [name, *map(sanitized, [*position, *rotation])]))
    for name, value in blends:
        messages.append(pythonosc_message("/VMC/Ext/Blend/Val", [name, sanitized(value)]))
    if blends:
        messages.append(pythonosc_message("/VMC/Ext/Blend/Apply", []))
    messages.append(pythonosc_message("/VMC/Ext/OK", list(ok_args)))
    messages.append(pythonosc_message("/VMC/Ext/T", [sanitized(t)]))
    return messages


def test_vmc_frames_are_byte_identical_to_pythonosc_over_random_frames():
    rng = np.random.default_rng(20240611)
    encoders = {size: VmcFrameEncoder(size) for size in (256, 700, 1472, 1500)}
    for _ in range(300):
        bones, blends, ok_args, t, root = random_frame(rng)
        size = int(rng.choice(list(encoders)))
        datagrams = encoders[size].encode(bones, blends, ok_args, t, root)
        expected = reference_messages(bones, blends, ok_args, t, root)

        received = []
        for datagram in datagrams:
            assert len(datagram) <= size
            bundle = OscBundle(datagram)
            assert bundle.timestamp == IMMEDIATELY
            contents = [message.dgram for message in bundle]
            # Re-bundling python-osc's own messages with python-osc must give our bytes.
            assert datagram == pythonosc_bundle(contents)
            received.extend(contents)
        assert received == expected
        # Apply, OK and T travel together at the end of the last datagram.
        last = [OscMessage(d).address for d in (m.dgram for m in OscBundle(datagrams[-1]))]
        assert last[-1] == "/VMC/Ext/T" and last[-2] == "/VMC/Ext/OK"
        if blends:
            assert last[-3] == "/VMC/Ext/Blend/Apply"


def test_vmc_bundles_are_filled_greedily():
    rng = np.random.default_rng(7)
    bones = [(n, rng.normal(size=3), rng.normal(size=4)) for n in humanoid.BONE_NAMES]
    blends = [(f"shape{i}", float(i) / 60) for i in range(60)]
    datagrams = VmcFrameEncoder(1472).encode(bones, blends, (1, 3, 0, 1), 0.5, (np.zeros(3), (0, 0, 0, 1)))
    for current, following in zip(datagrams, datagrams[1:]):
        first_next = next(iter(OscBundle(following)))
        assert len(current) + 4 + first_next.size > 1472
    assert sum(OscBundle(d).num_contents for d in datagrams) == 1 + 55 + 60 + 3


def test_vmc_non_finite_values_go_out_as_zero_and_floats_stay_floats():
    bones = [("Hips", [math.nan, 1.0, math.inf], [0.0, 0.0, 0.0, -math.inf]), ("Spine", [1, 2, 3], [0, 0, 0, 1])]
    datagrams = VmcFrameEncoder().encode(bones, [("aa", math.nan), ("ih", 1)], (1, 3, 0, 1), math.inf)
    messages = [m for d in datagrams for m in OscBundle(d)]
    by_address = {}
    for message in messages:
        by_address.setdefault(message.address, []).append(message)
    hips, spine = by_address["/VMC/Ext/Bone/Pos"]
    assert hips.params == ["Hips", 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # Python ints in positions must still be 'f' on the wire (EVMC4U drops int arguments).
    assert spine.dgram[20:32] == b",sfffffff\x00\x00\x00"
    assert spine.params == ["Spine", 1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 1.0]
    assert [m.params for m in by_address["/VMC/Ext/Blend/Val"]] == [["aa", 0.0], ["ih", 1.0]]
    assert by_address["/VMC/Ext/T"][0].params == [0.0]
    assert by_address["/VMC/Ext/OK"][0].params == [1, 3, 0, 1]


def test_vmc_encoder_reuses_layouts_without_stale_values():
    encoder = VmcFrameEncoder()
    first = encoder.encode([("Head", [0, 0, 0], [0, 0, 0, 1])], [("aa", 0.25)], (1,), 1.0)
    other = encoder.encode([("Neck", [1, 1, 1], [0, 1, 0, 0])], [], (1, 3), 2.0)
    again = encoder.encode([("Head", [0, 0, 0], [0, 0, 0, 1])], [("aa", 0.25)], (1,), 1.0)
    assert first == again and first != other
    changed = encoder.encode([("Head", [0, 0, 0], [0, 0, 0, 1])], [("aa", 0.5)], (1,), 1.0)
    assert [m.params for m in OscBundle(changed[0])][0] == ["Head", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert [m.params for m in OscBundle(changed[0])][1] == ["aa", 0.5]


def test_vmc_encoder_memory_does_not_grow_with_changing_frame_shapes():
    encoder = VmcFrameEncoder()
    for i in range(50):
        encoder.encode([(f"Bone{i}", [0, 0, 0], [0, 0, 0, 1])], [], (1,), float(i))
    assert len(encoder._layouts) <= 8


@pytest.mark.parametrize("ok_args", [(True,), (1.0,), (2**31,), (-(2**31),)])
def test_vmc_ok_arguments_must_be_plain_32_bit_ints(ok_args):
    with pytest.raises(ValueError):
        VmcFrameEncoder().encode([], [], ok_args, 0.0)


def test_vmc_encoder_rejects_a_message_that_cannot_fit_a_datagram():
    with pytest.raises(ValueError, match="cannot fit"):
        VmcFrameEncoder(256).encode([], [("x" * 300, 1.0)], (1,), 0.0)
    with pytest.raises(ValueError):
        VmcFrameEncoder(1501)


GENERIC_CASES = [
    ("/avatar/parameters/Blink", [0.25]),
    ("/avatar/parameters/Gesture", [3]),
    ("/a", [True, False, None, "", "abcd", "héllo", b"\x01\x02\x03", b"\x00" * 4]),
    ("/ints", [0, -1, 2**31 - 1, -(2**31), 2**40, -(2**63)]),
    ("/vtdriver/gesture", ["left", "thumbs_up", 1]),
    ("/empty", []),
    ("/floats", [1.5e-45, -0.0, FLT_MAX, 123456.789]),
]


@pytest.mark.parametrize(("address", "args"), GENERIC_CASES)
def test_generic_messages_match_pythonosc(address, args):
    expected = pythonosc_message(address, args)
    assert encode_message(address, args) == expected
    encoder = CachedMessageEncoder(max_cached_prefixes=2)
    assert encoder.encode(address, args) == expected
    assert encoder.encode(address, args) == expected  # from the cache


def test_generic_random_messages_match_pythonosc_and_bundles_too():
    rng = np.random.default_rng(99)
    encoder = CachedMessageEncoder(max_cached_prefixes=4)
    for _ in range(300):
        args = []
        for _ in range(int(rng.integers(0, 8))):
            kind = rng.integers(0, 5)
            if kind == 0:
                args.append(sanitized(random_float(rng)))
            elif kind == 1:
                args.append(int(rng.integers(-(2**62), 2**62)) >> int(rng.integers(0, 62)))
            elif kind == 2:
                args.append(random_name(rng))
            elif kind == 3:
                args.append(bool(rng.integers(0, 2)))
            else:
                args.append(None)
        address = "/" + random_name(rng)
        expected = pythonosc_message(address, args)
        assert encode_message(address, args) == expected
        assert encoder.encode(address, args) == expected
    messages = [encode_message(a, b) for a, b in GENERIC_CASES]
    assert encode_bundle(messages) == pythonosc_bundle(messages)


def test_generic_numpy_scalars_and_non_finite_floats_are_sanitised():
    dgram = encode_message("/x", [np.float32(0.5), np.float64(np.nan), np.int64(7), np.bool_(True), math.inf, 1e39])
    assert dgram == pythonosc_message("/x", [0.5, 0.0, 7, True, 0.0, 0.0])


@pytest.mark.parametrize(
    ("address", "args", "error"),
    [("", [], ValueError), ("noslash", [], ValueError), ("/x", [[1, 2]], TypeError), ("/x", [b""], ValueError),
     ("/x", [2**64], ValueError), ("/x", [object()], TypeError)],
)
def test_generic_bad_input_raises_clearly(address, args, error):
    with pytest.raises(error):
        encode_message(address, args)
    with pytest.raises(error):
        CachedMessageEncoder().encode(address, args)


def test_vmc_positions_and_shape_reused_only_when_they_cannot_have_changed():
    """The encoder skips storing a read-only positions array it stored last time, and knows a
    frame's shape by the identity of its name tuples: a writeable array, or a read-only view
    of one, changed between frames must still be sent as it is now."""
    names = ("Hips", "Spine")
    rotations = np.array([[0.0, 0.0, 0.0, 1.0], [0.1, 0.2, 0.3, 0.9]])
    blend_names, blend_values = ("A",), np.array([0.5])
    ok_args = (1, 3, 0, 1)

    def reference(positions):
        bones = [(n, p, r) for n, p, r in zip(names, positions.tolist(), rotations.tolist())]
        return VmcFrameEncoder().encode(bones, list(zip(blend_names, blend_values.tolist())), ok_args, 0.5)

    encoder = VmcFrameEncoder()
    writeable = np.array([[0.0, 1.0, 0.0], [0.0, 0.1, 0.0]])
    base = writeable.copy()
    view = base[:]
    view.flags.writeable = False
    owner = writeable.copy()
    owner.flags.writeable = False
    for positions, change in ((writeable, writeable), (view, base), (owner, None)):
        for _ in range(2):
            got = encoder.encode_arrays(names, positions, rotations, blend_names, blend_values, ok_args, 0.5)
            assert got == reference(positions)
            if change is not None:
                change[1, 1] += 0.25


def test_vmc_root_rotation_changed_in_place_is_sent_as_it_is_now():
    encoder = VmcFrameEncoder()
    rotation = np.array([0.0, 0.0, 0.0, 1.0])
    for value in (0.25, 0.5):
        rotation[0] = value
        root = ([0.0, 1.0, 0.0], rotation.tolist())
        want = VmcFrameEncoder().encode([], [], (1,), 0.0, root)
        assert encoder.encode_arrays((), np.zeros((0, 3)), np.zeros((0, 4)), (), np.zeros(0), (1,), 0.0,
                                     np.array([0.0, 1.0, 0.0]), rotation) == want
