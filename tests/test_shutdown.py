"""Clean shutdown on SIGINT and SIGTERM, in a subprocess streaming to a real UDP receiver:
capture stops, the camera is released, and a final rest frame (tracking status 0, every bone
at identity) reaches the receiver within 1 s of the signal; the process exits within 1 s too."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT
from tests.reliability_support import UdpReceiver, vmc_frames, vmc_output, write_config

WITHIN_S = 1.0


def _start(args, config):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, *args, "--config", str(config)], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop_and_measure(process, receiver, sig):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        frames = vmc_frames(receiver.datagrams())
        if sum(1 for f in frames if f.tracking == 1) >= 10:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read()
    signalled = time.monotonic()
    process.send_signal(sig)
    out, err = process.communicate(timeout=10)
    exited = time.monotonic()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    frames = vmc_frames(receiver.datagrams())
    rest = frames[-1]
    assert rest.tracking == 0 and rest.max_rest_angle_deg() < 1e-3 and len(rest.bones) >= 50
    assert rest.arrived - signalled < WITHIN_S, rest.arrived - signalled
    assert exited - signalled < WITHIN_S + 0.2, exited - signalled  # + the wait's own polling
    return out, signalled


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_releases_the_camera_and_sends_a_rest_frame_within_1s(sig, tmp_path):
    with UdpReceiver() as receiver:
        config = write_config(tmp_path, [vmc_output(receiver.target)])
        process = _start(["-m", "tests.fake_camera_run"], config)
        out, signalled = _stop_and_measure(process, receiver, sig)
    releases = [float(line.split()[1]) for line in out.splitlines() if line.startswith("released ")]
    assert releases, out
    assert all(signalled <= t < signalled + WITHIN_S for t in releases)


def test_sigterm_on_the_plain_command(tmp_path):
    with UdpReceiver() as receiver:
        config = write_config(tmp_path, [vmc_output(receiver.target)])
        process = _start(["-m", "vtdriver.cli", "run", "--source", "demo"], config)
        _stop_and_measure(process, receiver, signal.SIGTERM)
