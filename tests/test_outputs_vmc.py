"""VmcOutput against real receivers on 127.0.0.1: a plain UDP socket decoded with python-osc,
a python-osc server, and liblo's oscdump."""
from __future__ import annotations

import math
import queue
import shutil
import socket
import subprocess
import threading
import time

import numpy as np
import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage
from pythonosc.osc_server import ThreadingOSCUDPServer

from vtdriver import humanoid, quat
from vtdriver.frame import AvatarFrame
from vtdriver.outputs.udp import UdpSender
from vtdriver.outputs.vmc import VmcOutput

BLENDSHAPES = [(f"shape{i:02d}", i / 60) for i in range(60)] + [("Blink_L", 1.0), ("あ", 0.5)]


def make_frame(t: float, rng: np.random.Generator, tracked: bool = True) -> AvatarFrame:
    rotations = quat.normalize(rng.normal(size=(len(humanoid.BONE_NAMES), 4)))
    return AvatarFrame(
        t=t,
        bones={name: rotations[i] for i, name in enumerate(humanoid.BONE_NAMES)},
        root_position=np.array([0.1, 0.0, -0.2]),
        tracking={"pose": tracked, "face": tracked},
    )


def receiver_socket() -> socket.socket:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.5)
    return receiver


def drain(receiver: socket.socket) -> list[bytes]:
    datagrams = []
    while True:
        try:
            datagrams.append(receiver.recv(65536))
        except (TimeoutError, socket.timeout):
            return datagrams
        receiver.settimeout(0.1)


def decoded(datagrams: list[bytes]) -> list:
    return [message for datagram in datagrams for message in OscBundle(datagram)]


@pytest.fixture
def receiver():
    sock = receiver_socket()
    yield sock
    sock.close()


def output_to(receiver: socket.socket, **options) -> VmcOutput:
    return VmcOutput(UdpSender("127.0.0.1", receiver.getsockname()[1]), **options)


def test_a_frame_arrives_in_vmc_order_with_float_arguments_and_small_datagrams(receiver):
    rng = np.random.default_rng(1)
    output = output_to(receiver)
    frame = make_frame(12.5, rng)
    output.send(frame, BLENDSHAPES)
    datagrams = drain(receiver)
    assert datagrams and all(len(d) <= 1472 for d in datagrams)
    messages = decoded(datagrams)
    addresses = [m.address for m in messages]
    n_bones = len(humanoid.BONE_NAMES)
    assert addresses == (
        ["/VMC/Ext/Root/Pos"] + ["/VMC/Ext/Bone/Pos"] * n_bones + ["/VMC/Ext/Blend/Val"] * len(BLENDSHAPES)
        + ["/VMC/Ext/Blend/Apply", "/VMC/Ext/OK", "/VMC/Ext/T"]
    )
    for message in messages:
        assert all(math.isfinite(p) for p in message.params if isinstance(p, float))
        tags = message.dgram[message.dgram.index(b",") :].split(b"\x00")[0]
        expected_tags = {"/VMC/Ext/Root/Pos": b",sfffffff", "/VMC/Ext/Bone/Pos": b",sfffffff",
                         "/VMC/Ext/Blend/Val": b",sf", "/VMC/Ext/Blend/Apply": b",",
                         "/VMC/Ext/OK": b",iiii", "/VMC/Ext/T": b",f"}[message.address]
        assert tags == expected_tags
    root = messages[0].params
    assert root[0] == "root" and np.allclose(root[1:], [0.1, 0.0, -0.2, 0, 0, 0, 1], atol=1e-7)
    bones = {m.params[0]: np.array(m.params[1:]) for m in messages if m.address == "/VMC/Ext/Bone/Pos"}
    for name in humanoid.BONE_NAMES:
        assert np.allclose(bones[name][:3], humanoid.REST_OFFSET[name], atol=1e-7)
        assert np.allclose(bones[name][3:], frame.bones[name], atol=1e-7)
    assert [m.params for m in messages if m.address == "/VMC/Ext/Blend/Val"] == [
        [name, pytest.approx(value, abs=1e-7)] for name, value in BLENDSHAPES
    ]
    assert messages[-2].params == [1, 3, 0, 1]
    assert messages[-1].params == [0.0]
    stats = output.stats()
    assert (stats.frames_sent, stats.datagrams_sent, stats.send_errors) == (1, len(datagrams), 0)
    assert stats.bytes_sent == sum(map(len, datagrams))
    output.close()


def test_time_counts_from_the_first_frame_and_tracking_loss_is_reported(receiver):
    rng = np.random.default_rng(2)
    output = output_to(receiver)
    output.send(make_frame(100.0, rng), [])
    output.send(make_frame(100.75, rng, tracked=False), [])
    messages = decoded(drain(receiver))
    times = [m.params[0] for m in messages if m.address == "/VMC/Ext/T"]
    oks = [m.params for m in messages if m.address == "/VMC/Ext/OK"]
    assert times == [0.0, 0.75]
    assert oks == [[1, 3, 0, 1], [1, 3, 0, 0]]
    # Without blendshapes there is nothing to apply.
    assert "/VMC/Ext/Blend/Apply" not in [m.address for m in messages]
    output.close()


def test_degenerate_values_are_never_sent(receiver):
    output = output_to(receiver)
    frame = AvatarFrame(
        t=0.0,
        bones={"Head": np.array([np.nan, 0, 0, 1.0]), "Neck": np.zeros(4), "Spine": np.array([0, 0, 0, 1.0])},
        root_position=np.array([np.inf, 1.0, np.nan]),
        tracking={"face": True},
    )
    output.send(frame, [("aa", float("nan"))])
    assert np.isnan(frame.bones["Head"][0]) and np.isinf(frame.root_position[0])  # caller's arrays untouched
    messages = decoded(drain(receiver))
    bones = {m.params[0]: m.params[4:] for m in messages if m.address == "/VMC/Ext/Bone/Pos"}
    assert bones == {"Head": [0.0, 0.0, 0.0, 1.0], "Neck": [0.0, 0.0, 0.0, 1.0], "Spine": [0.0, 0.0, 0.0, 1.0]}
    assert messages[0].params[1:4] == [0.0, 1.0, 0.0]
    assert [m.params for m in messages if m.address == "/VMC/Ext/Blend/Val"] == [["aa", 0.0]]
    output.close()


def test_bone_mask_blendshape_switch_and_missing_root(receiver):
    output = output_to(receiver, bone_mask={"Head", "Neck"}, send_blendshapes=False)
    frame = make_frame(0.0, np.random.default_rng(3))
    frame.root_position = None
    output.send(frame, BLENDSHAPES)
    messages = decoded(drain(receiver))
    assert [m.params[0] for m in messages if m.address == "/VMC/Ext/Bone/Pos"] == ["Neck", "Head"]
    assert not any(m.address.startswith("/VMC/Ext/Blend") for m in messages)
    assert messages[0].params == ["root", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    output.close()


def test_rate_limit_skips_frames_and_counts_them(receiver):
    # One small datagram per frame, so the receiver's socket buffer cannot overflow.
    output = output_to(receiver, max_rate_hz=30, bone_mask={"Head"})
    rng = np.random.default_rng(4)
    sent = [output.send(make_frame(i / 60, rng), []) for i in range(60)]
    assert sum(sent) == 30 and sent[:4] == [True, False, True, False]
    stats = output.stats()
    assert (stats.frames_sent, stats.frames_skipped) == (30, 30)
    assert len([m for m in decoded(drain(receiver)) if m.address == "/VMC/Ext/T"]) == 30
    output.close()


def test_extra_messages_go_out_unbundled_on_the_vmc_socket(receiver):
    output = output_to(receiver, max_rate_hz=1)
    output.send(make_frame(0.0, np.random.default_rng(9)), [])
    drain(receiver)
    output.send_messages([("/vtdriver/gesture", ("left", "peace", 1)), ("/VMC/Thru/x", (0.5,))])
    datagrams = drain(receiver)
    assert [OscMessage(d).params for d in datagrams] == [["left", "peace", 1], [0.5]]
    output.close()


def test_a_replay_of_the_same_frames_is_byte_identical():
    frames = [make_frame(5.0 + i / 30, np.random.default_rng(i)) for i in range(5)]
    live = VmcOutput(UdpSender("127.0.0.1", 9))
    replay = VmcOutput(UdpSender("127.0.0.1", 9))
    for frame in frames:
        assert live.encode(frame, BLENDSHAPES) == replay.encode(frame, BLENDSHAPES)
    live.close()
    replay.close()


def test_the_pipelines_checked_bones_encode_as_the_same_frame_as_a_dict():
    """The pipeline hands its BoneRotations over, whose array the encoder takes as it is; a
    plain dict of the same rows (and a bone mask, which reads rows by name) give the same
    bytes."""
    from dataclasses import replace

    from vtdriver.bone_join import BoneJoin

    rng = np.random.default_rng(11)
    for mask in (None, {"Head", "Neck", "LeftHand"}):
        frame = make_frame(1.0, rng)
        checked = replace(frame, bones=BoneJoin().join([frame.bones]))
        fast, plain = VmcOutput(UdpSender("127.0.0.1", 9), bone_mask=mask), VmcOutput(UdpSender("127.0.0.1", 9), bone_mask=mask)
        for t in (1.0, 1.1):
            frame, checked = replace(frame, t=t), replace(checked, t=t)
            assert fast.encode(checked, BLENDSHAPES) == plain.encode(frame, BLENDSHAPES)
        fast.close()
        plain.close()


def test_receiver_closing_and_reopening_only_moves_counters():
    receiver = receiver_socket()
    port = receiver.getsockname()[1]
    output = output_to(receiver)
    rng = np.random.default_rng(5)
    output.send(make_frame(0.0, rng), BLENDSHAPES)
    assert drain(receiver)
    receiver.close()
    for i in range(1, 4):
        output.send(make_frame(i / 30, rng), BLENDSHAPES)
    assert output.stats().send_errors >= 1
    reopened = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    reopened.bind(("127.0.0.1", port))
    reopened.settimeout(0.5)
    for i in range(4, 7):
        output.send(make_frame(i / 30, rng), BLENDSHAPES)
    times = [m.params[0] for m in decoded(drain(reopened)) if m.address == "/VMC/Ext/T"]
    assert times and times[-1] == pytest.approx(6 / 30)
    assert output.stats().frames_sent == 7
    reopened.close()
    output.close()


def test_a_python_osc_server_dispatches_every_message():
    received: queue.Queue = queue.Queue()
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(lambda address, *args: received.put((address, args)))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        output = VmcOutput(UdpSender("127.0.0.1", server.server_address[1]))
        output.send(make_frame(0.0, np.random.default_rng(6)), BLENDSHAPES)
        expected = 1 + len(humanoid.BONE_NAMES) + len(BLENDSHAPES) + 3
        messages = [received.get(timeout=2.0) for _ in range(expected)]
        output.close()
    finally:
        server.shutdown()
        server.server_close()
    counts = {}
    for address, _ in messages:
        counts[address] = counts.get(address, 0) + 1
    assert counts["/VMC/Ext/Bone/Pos"] == len(humanoid.BONE_NAMES)
    assert counts["/VMC/Ext/Blend/Val"] == len(BLENDSHAPES)
    assert counts["/VMC/Ext/OK"] == counts["/VMC/Ext/T"] == counts["/VMC/Ext/Blend/Apply"] == 1


def _oscdump_lines(port: int, send) -> list[str]:
    process = subprocess.Popen(["oscdump", "-L", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    try:
        # oscdump says nothing when it is ready, so probe until a probe comes back.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        deadline = time.monotonic() + 5.0
        ready = False
        while not ready and time.monotonic() < deadline:
            try:
                probe.sendto(b"/probe\x00\x00,\x00\x00\x00", ("127.0.0.1", port))
            except OSError:
                pass
            try:
                ready = "/probe" in lines.get(timeout=0.1)
            except queue.Empty:
                pass
        probe.close()
        if not ready:
            pytest.fail(f"oscdump did not start listening on port {port}: {process.stderr.read() if process.poll() is not None else ''}")
        send()
        collected = []
        while not collected or "/VMC/Ext/T" not in collected[-1]:
            line = lines.get(timeout=3.0)
            if "/probe" not in line:
                collected.append(line.rstrip("\n"))
        return collected
    finally:
        process.terminate()
        process.wait(timeout=5)
        reader.join(timeout=5)
        process.stdout.close()
        process.stderr.close()


def test_liblo_oscdump_parses_the_frame():
    if shutil.which("oscdump") is None:
        pytest.skip("oscdump not on PATH (install Debian package liblo-tools)")
    with receiver_socket() as probe_port:
        port = probe_port.getsockname()[1]
    output = VmcOutput(UdpSender("127.0.0.1", port))
    frame = make_frame(3.0, np.random.default_rng(8))
    lines = _oscdump_lines(port, lambda: output.send(frame, BLENDSHAPES))
    output.close()
    # oscdump prints "<timetag> <address> <types> <args...>" for messages inside bundles.
    parts = [line.split(" ", 3) for line in lines]
    assert [p[1] for p in parts][0] == "/VMC/Ext/Root/Pos"
    bones = [p for p in parts if p[1] == "/VMC/Ext/Bone/Pos"]
    assert len(bones) == len(humanoid.BONE_NAMES) and all(p[2] == "sfffffff" for p in bones)
    assert bones[0][3].split()[0] == '"Hips"'
    vals = [p for p in parts if p[1] == "/VMC/Ext/Blend/Val"]
    assert len(vals) == len(BLENDSHAPES) and all(p[2] == "sf" for p in vals)
    tail = [p[1] for p in parts[-3:]]
    assert tail == ["/VMC/Ext/Blend/Apply", "/VMC/Ext/OK", "/VMC/Ext/T"]
    assert parts[-2][2:] == ["iiii", "1 3 0 1"]
    assert not any("nan" in line.lower() or "inf" in line.lower() for line in lines)


