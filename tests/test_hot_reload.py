"""Hot reload: a mapping edited while `vtdriver run` streams takes effect within 1 s, and a broken
edit keeps the running mapping and prints one line."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pythonosc.osc_bundle import OscBundle

from tests.conftest import REPO_ROOT


class BlendNameWatcher:
    """A real VMC receiver on 127.0.0.1 that records when each blendshape name first arrives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.first_seen: dict[str, float] = {}
        self.last_seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            if not data.startswith(b"#bundle"):
                continue
            now = time.monotonic()
            for message in OscBundle(data):
                if message.address == "/VMC/Ext/Blend/Val":
                    name = message.params[0]
                    self.first_seen.setdefault(name, now)
                    self.last_seen[name] = now

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _wait_for(predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "mappings", tmp_path / "mappings")
    shutil.copy(REPO_ROOT / "config.toml", tmp_path / "config.toml")
    return tmp_path


def test_mapping_edit_applies_within_a_second_and_a_broken_edit_keeps_the_old(workdir: Path):
    receiver = BlendNameWatcher()
    mapping = workdir / "mappings" / "vseeface.toml"
    original = mapping.read_text()
    assert 'A = { from = "aa"' in original
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vtdriver.cli", "run", "--config", str(workdir / "config.toml"),
         "--source", "demo", "--duration", "12", "--vmc-target", f"127.0.0.1:{receiver.port}"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=workdir,
    )
    try:
        assert _wait_for(lambda: "A" in receiver.first_seen, 8), "the stream never started"
        edited_at = time.monotonic()
        mapping.write_text(original.replace('A = { from = "aa"', 'Mouth_A = { from = "aa"'))
        assert _wait_for(lambda: "Mouth_A" in receiver.first_seen, 3), "the edit was not applied"
        delay = receiver.first_seen["Mouth_A"] - edited_at
        print(f"hot reload: mapping edit reached the receiver after {delay:.2f} s")
        assert delay <= 1.0, f"edit took {delay:.2f} s to reach the receiver"

        mapping.write_text("[blendshapes\nbroken = ")
        broken_at = time.monotonic()
        time.sleep(1.5)
        assert receiver.last_seen["Mouth_A"] > broken_at + 0.5, "the running mapping stopped after a broken edit"
        assert "A" not in receiver.last_seen or receiver.last_seen["A"] < broken_at
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        receiver.close()
    reload_errors = [line for line in err.splitlines() if "config not reloaded" in line]
    assert len(reload_errors) == 1, err
    assert "vseeface.toml" in reload_errors[0] and "Traceback" not in err
