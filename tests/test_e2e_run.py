"""End to end: the `vtdriver run` command, as a user starts it, streams to real UDP receivers on
127.0.0.1 (a python-osc decoder; liblo's oscdump where installed). Every datagram is decoded and
checked against the VMC protocol: addresses, type tags, per-frame order, size, finite numbers,
and every blendshape of the active mapping file in every frame, zeros included."""
from __future__ import annotations

import itertools
import math
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import REPO_ROOT, shared_path
from tests.vmc_capture import (
    APPLY,
    BONE,
    OK,
    ROOT,
    TIME,
    VAL,
    UdpReceiver,
    cli_environment,
    datagram_messages,
    mapping_keys,
    parse_vmc_stream,
    run_cli,
)
from vtdriver import humanoid

FRAMES = 40  # ~1.3 s of a 30 fps clip: enough for tracking to settle, cheap in CI
VIDEO = "video/webcam_thumbs_up.mp4"
MAPPING = REPO_ROOT / "mappings" / "vseeface.toml"  # the shipped config's active VMC mapping
# /VMC/Ext/OK: loaded = 1, calibration state 3 (calibrated), calibration mode 0 (normal).
OK_PREFIX = (1, 3, 0)


def _run_and_capture(source: str, frames: int = FRAMES):
    with UdpReceiver() as receiver:
        result = run_cli("run", "--source", source, "--no-realtime", "--frames", str(frames),
                         "--vmc-target", receiver.target)
        # The run has exited: everything it sent is already in the socket buffer.
        time.sleep(0.2)
        datagrams = receiver.close()
    assert result.returncode == 0, result.stderr
    return result, datagrams


def _check_stream(datagrams, frames: int):
    vmc_frames, _ = parse_vmc_stream(datagrams)
    # --frames N tracked frames, then the rest frame every run ends with (avatar left at rest).
    assert len(vmc_frames) == frames + 1
    keys = mapping_keys(MAPPING)
    times = []
    for number, frame in enumerate(vmc_frames):
        assert frame.root is not None and frame.root[0] == "root", number
        assert frame.bone_order and set(frame.bone_order) <= set(humanoid.BONE_NAMES), number
        for name, values in frame.bones.items():
            # Quaternion (x, y, z, w) after the position: unit length.
            assert math.isclose(sum(v * v for v in values[3:]), 1.0, abs_tol=1e-5), (number, name)
        assert frame.blend_order == keys, number  # every key of the mapping, in file order
        assert all(0.0 <= w <= 1.0 for w in frame.blends.values()), number
        assert frame.applied and frame.ok[:3] == OK_PREFIX, number
        times.append(frame.t)
    assert times[0] == 0.0
    assert all(b >= a for a, b in itertools.pairwise(times)), times
    return vmc_frames


def test_demo_source_streams_a_well_formed_vmc_stream():
    result, datagrams = _run_and_capture("demo")
    frames = _check_stream(datagrams, FRAMES)
    assert all(frame.ok[3] == 1 for frame in frames[:-1])  # the demo performer is always tracked
    assert frames[-1].ok[3] == 0  # the closing rest frame reports tracking lost
    # The demo's fingers and face move: real solver output, not a rest-pose stream.
    assert {"LeftIndexProximal", "RightThumbDistal", "Head", "LeftEye"} <= set(frames[0].bone_order)
    assert any(w > 0.05 for frame in frames for w in frame.blends.values())
    # /VMC/Ext/T counts media seconds at the demo's 30 fps even when run as fast as possible.
    assert frames[FRAMES - 1].t == pytest.approx((FRAMES - 1) / 30, abs=1e-4)
    assert f"{FRAMES} frames sent" in result.stderr
    # Apply, OK and T travel in one datagram, so Apply follows every Val of its frame even for
    # a receiver that handles datagrams one at a time.
    for datagram in datagrams:
        addresses = [m.address for m in datagram_messages(datagram)]
        if TIME in addresses:
            assert addresses[-3:] == [APPLY, OK, TIME]


def test_real_clip_streams_a_well_formed_vmc_stream():
    video = shared_path(VIDEO)
    _, datagrams = _run_and_capture(str(video))
    frames = _check_stream(datagrams, FRAMES)
    tracked = [frame for frame in frames[:-1] if frame.ok[3] == 1]
    assert len(tracked) >= FRAMES * 0.9  # head and shoulders are in view from the first frame
    # The face is found: the webcam clip gives live, non-zero expression weights somewhere.
    assert any(w > 0.0 for frame in tracked for w in frame.blends.values())
    assert {"Hips", "Spine", "Neck", "Head", "LeftUpperArm", "RightUpperArm"} <= set(frames[0].bone_order)


# --- how a run ends -----------------------------------------------------------------------------


def test_duration_bounds_a_realtime_demo_run_like_the_readme_command():
    # The README's command is `vtdriver run --source demo --duration 20`; a shorter duration
    # shows the same: paced at the demo's 30 fps, it ends on its own.
    seconds = 1.5
    with UdpReceiver() as receiver:
        result = run_cli("run", "--source", "demo", "--duration", str(seconds), "--vmc-target", receiver.target)
        time.sleep(0.2)
        datagrams = receiver.close()
    assert result.returncode == 0, result.stderr
    frames, _ = parse_vmc_stream(datagrams)
    # Paced to the wall clock: about 30 frames a second, never more (a loaded machine may
    # deliver fewer), and the stream's own clock never runs ahead of the duration.
    assert 10 <= len(frames) - 1 <= seconds * 30 + 2
    assert frames[-2].t <= seconds + 0.1


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_an_unbounded_run_cleanly(signal_number):
    with UdpReceiver() as receiver:
        process = subprocess.Popen(
            [sys.executable, "-m", "vtdriver.cli", "run", "--source", "demo", "--vmc-target", receiver.target],
            cwd=str(REPO_ROOT), env=cli_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            deadline = time.monotonic() + 60.0
            while receiver.count() < 20 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)  # streaming has started
            assert process.poll() is None, process.communicate()[1]
            process.send_signal(signal_number)
            _, stderr = process.communicate(timeout=10.0)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        time.sleep(0.2)
        datagrams = receiver.close()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "frames sent" in stderr
    frames, _ = parse_vmc_stream(datagrams)  # no half-sent frame at the end
    assert frames[-1].ok[3] == 0  # the closing rest frame: tracking lost, avatar at rest
    assert all(values[3:] == (0.0, 0.0, 0.0, 1.0) for values in frames[-1].bones.values())


# --- liblo's oscdump as an independent decoder ------------------------------------------------


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_oscdump(port: int):
    process = subprocess.Popen(["oscdump", "-L", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    # oscdump prints nothing when ready: probe until a probe message is echoed.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            probe.sendto(b"/probe\x00\x00,\x00\x00\x00", ("127.0.0.1", port))
            try:
                if "/probe" in lines.get(timeout=0.1):
                    return process, reader, lines
            except queue.Empty:
                continue
    process.kill()
    pytest.fail(f"oscdump did not start listening on port {port}")


def test_liblo_oscdump_decodes_every_message_of_a_demo_run():
    if shutil.which("oscdump") is None:
        pytest.skip("oscdump not on PATH (Debian package liblo-tools)")
    frames = 10
    port = _free_udp_port()
    process, reader, lines = _start_oscdump(port)
    try:
        result = run_cli("run", "--source", "demo", "--no-realtime", "--frames", str(frames),
                         "--vmc-target", f"127.0.0.1:{port}")
        assert result.returncode == 0, result.stderr
        collected = []
        t_seen = 0
        while t_seen < frames + 1:
            line = lines.get(timeout=5.0).rstrip("\n")
            if "/probe" in line:
                continue
            collected.append(line)
            t_seen += " /VMC/Ext/T " in f" {line} "
    finally:
        process.terminate()
        process.wait(timeout=5)
        reader.join(timeout=5)
        process.stdout.close()
        process.stderr.close()
    # "<timetag> <address> <types> <args...>" per message inside a bundle.
    parts = [line.split(" ", 3) for line in collected]
    expected_tags = {ROOT: "sfffffff", BONE: "sfffffff", VAL: "sf", APPLY: "", OK: "iiii", TIME: "f"}
    keys = mapping_keys(MAPPING)
    frame_vals: list[str] = []
    for p in parts:
        address = p[1]
        assert address in expected_tags, p
        assert (p[2] if len(p) > 2 else "") == expected_tags[address], p
        if address == VAL:
            frame_vals.append(p[3].split()[0].strip('"'))
        if address == APPLY:
            assert frame_vals == keys
        if address == TIME:
            frame_vals = []
    joined = " ".join(collected).lower()
    assert "nan" not in joined and "inf" not in joined
    addresses = [p[1] for p in parts]
    assert addresses.count(TIME) == frames + 1 and addresses.count(APPLY) == frames + 1
    assert addresses[0] == ROOT and addresses[-3:] == [APPLY, OK, TIME]


# --- the checker itself must be able to fail ----------------------------------------------------


def _bundle(*messages) -> bytes:
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    bundle = OscBundleBuilder(IMMEDIATELY)
    for address, args in messages:
        builder = OscMessageBuilder(address)
        for value, kind in args:
            builder.add_arg(value, kind)
        bundle.add_content(builder.build())
    return bundle.build().dgram


def _valid_frame(bone_value=(0.0, "f"), blend=True, t=0.0):
    transform = [("Hips", "s")] + [(0.0, "f")] * 6 + [bone_value]
    messages = [(ROOT, [("root", "s")] + [(0.0, "f")] * 6 + [(1.0, "f")]), (BONE, transform)]
    if blend:
        messages += [(VAL, [("A", "s"), (0.5, "f")]), (APPLY, [])]
    return messages + [(OK, [(1, "i"), (3, "i"), (0, "i"), (1, "i")]), (TIME, [(t, "f")])]


@pytest.mark.parametrize(
    "datagrams,problem",
    [
        ([_bundle(*_valid_frame(bone_value=(1, "i")))], "type tags"),
        ([_bundle(*_valid_frame(bone_value=(float("nan"), "f")))], "non-finite"),
        ([_bundle(*[m for m in _valid_frame() if m[0] != APPLY])], "but no Blend/Apply"),
        ([_bundle(*_valid_frame()[:3]), _bundle(*_valid_frame()[1:])], "out of order"),
        ([_bundle(*_valid_frame()[:-1])], "ends inside a frame"),
        ([_bundle(*_valid_frame(), *[(VAL, [("x" * 40, "s"), (0.0, "f")])] * 40)], "bytes >"),
    ],
    ids=["int bone float", "nan", "no apply", "root after bone", "truncated", "oversize"],
)
def test_the_stream_checker_rejects_broken_streams(datagrams, problem):
    from tests.vmc_capture import VmcStreamError

    parse_vmc_stream([_bundle(*_valid_frame())])  # the well-formed frame passes
    with pytest.raises(VmcStreamError, match=problem):
        parse_vmc_stream(datagrams)
