"""The privacy promise, each part checked on the real command in a subprocess:
- `run` opens no listening socket (only connected UDP senders);
- outputs to a non-loopback address are refused unless allow_remote = true, which warns
  (checked on config loading only: nothing is ever sent to a non-loopback address here);
- `run` writes no file anywhere under its working directory, HOME, XDG and temp dirs; only
  `record`, `snapshot` and `calibrate` write, and only the file they were told to;
- no image data appears in the console output of a run on a real video."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, shared_path
from tests.reliability_support import UdpReceiver, osc_output, vmc_output, write_config
from vtdriver.cli import main

VTDRIVER = [sys.executable, "-m", "vtdriver.cli"]
DOC_ADDRESS = "192.0.2.1"  # TEST-NET-1 (RFC 5737): documentation only, never routed


def _sandbox(root: Path) -> dict[str, str]:
    """Environment whose every conventional place to write (HOME, XDG dirs, temp dirs,
    matplotlib's config) lies under ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MPLCONFIGDIR"))}
    places = {
        "HOME": "home", "XDG_CONFIG_HOME": "xdg/config", "XDG_CACHE_HOME": "xdg/cache",
        "XDG_DATA_HOME": "xdg/data", "XDG_STATE_HOME": "xdg/state", "XDG_RUNTIME_DIR": "xdg/runtime",
        "TMPDIR": "tmp", "TEMP": "tmp", "TMP": "tmp", "MPLCONFIGDIR": "mpl",
    }
    for name, relative in places.items():
        (root / relative).mkdir(parents=True, exist_ok=True)
        env[name] = str(root / relative)
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def _tree(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every file (size, mtime) and directory (None) under ``root``. A directory's own mtime
    is left out: libraries create and delete scratch files in TMPDIR (ctypes.util.find_library
    runs the C compiler there), which leaves nothing behind."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else None
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def sandbox(tmp_path):
    root = tmp_path / "sandbox"
    env = _sandbox(root)
    (root / "cwd").mkdir()
    return root, env


def _run(args, root, env, timeout=120):
    return subprocess.run(VTDRIVER + args, cwd=root / "cwd", env=env, capture_output=True, text=True, timeout=timeout)


# --- no listening socket -------------------------------------------------------------------

def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:["):-1])
    return inodes


def _sockets(pid: int) -> list[tuple[str, str, str, str]]:
    """(protocol, local, remote, state) of every inet/unix socket the process holds."""
    inodes = _socket_inodes(pid)
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        lines = Path(f"/proc/{pid}/net/{proto}").read_text().splitlines()[1:]
        for line in lines:
            cols = line.split()
            if cols[9] in inodes:
                found.append((proto, cols[1], cols[2], cols[3]))
    for line in Path(f"/proc/{pid}/net/unix").read_text().splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 7 and cols[6] in inodes:
            found.append(("unix", cols[3], "", cols[5]))  # flags, state
    return found


def _listening(sock: tuple[str, str, str, str]) -> bool:
    proto, local, remote, state = sock
    if proto.startswith("tcp"):
        return state == "0A"  # TCP_LISTEN
    if proto.startswith("udp"):
        # A UDP socket that is not connected receives from anyone who finds its port.
        return set(remote.split(":")[0]) == {"0"} and remote.endswith(":0000")
    return int(local, 16) & 0x10000 != 0  # __SO_ACCEPTCON: a listening unix socket


@pytest.mark.parametrize("source_spec", ["demo", "image"])
def test_run_opens_no_listening_socket(source_spec, sandbox):
    root, env = sandbox
    spec = "demo" if source_spec == "demo" else str(shared_path("images/COCO_val2014_000000000241.jpg"))
    with UdpReceiver() as vmc, UdpReceiver() as osc:
        config = write_config(root, [vmc_output(vmc.target), osc_output(osc.target)])
        process = subprocess.Popen(VTDRIVER + ["run", "--config", str(config), "--source", spec, "--duration", "6"],
                                   cwd=root / "cwd", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen: set[tuple[str, str, str, str]] = set()
        try:
            while process.poll() is None:
                try:
                    seen.update(_sockets(process.pid))
                except OSError:
                    break  # exited between poll and read
                time.sleep(0.1)
        finally:
            process.wait(60)
        assert process.returncode == 0, process.stderr.read()
        assert vmc.count() > 0 and osc.count() > 0  # it really streamed while we looked
    udp = [s for s in seen if s[0].startswith("udp")]
    assert len({s[1] for s in udp}) >= 2  # the two senders were seen...
    assert not [s for s in seen if _listening(s)], seen  # ...and nothing listens


# --- non-loopback targets -------------------------------------------------------------------

def _remote_config(folder: Path, allow: bool) -> Path:
    output = vmc_output(f"{DOC_ADDRESS}:39539")
    if allow:
        output["allow_remote"] = "true"
    return write_config(folder, [output])


def test_remote_target_is_refused_without_allow_remote(tmp_path, capsys):
    path = _remote_config(tmp_path, allow=False)
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "[outputs] target" in err and "allow_remote" in err and DOC_ADDRESS in err
    # run refuses at the same place, before any socket or source is opened.
    assert main(["run", "--config", str(path), "--source", "demo", "--frames", "1"]) == 2
    assert "allow_remote" in capsys.readouterr().err


def test_remote_vmc_target_on_the_command_line_is_refused(tmp_path, capsys):
    """--vmc-target bypasses the config's target: the policy must still hold. The source is a
    missing file, so even a broken policy could not stream anything."""
    path = write_config(tmp_path, [vmc_output("127.0.0.1:39539")])
    status = main(["run", "--config", str(path), "--source", str(tmp_path / "missing.mp4"),
                   "--vmc-target", f"{DOC_ADDRESS}:39539"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.splitlines()) == 1 and "allow_remote" in err, err


def test_allow_remote_is_accepted_with_a_warning(tmp_path, capsys):
    path = _remote_config(tmp_path, allow=True)
    assert main(["check-config", "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert f"{DOC_ADDRESS}:39539" in out
    assert err.startswith("vtdriver: warning: ") and DOC_ADDRESS in err and "allow_remote" in err


# --- files ----------------------------------------------------------------------------------

def _run_leaves_no_files(root: Path, env: dict, args: list[str]) -> dict:
    shutil.copytree(REPO_ROOT / "mappings", root / "cwd" / "mappings")
    shutil.copy(REPO_ROOT / "config.toml", root / "cwd" / "config.toml")  # ./config.toml is used
    before = _tree(root)
    result = _run(args, root, env)
    assert result.returncode == 0, result.stderr
    after = _tree(root)
    return {name: value for name, value in after.items() if before.get(name, "absent") != value}


def test_run_writes_no_files(sandbox):
    root, env = sandbox
    assert _run_leaves_no_files(root, env, ["run", "--source", "demo", "--frames", "30", "--no-realtime"]) == {}


def test_run_with_the_real_tracker_writes_no_files(sandbox):
    # MediaPipe's import would pull in matplotlib, which creates ~/.config/matplotlib and a font
    # cache; vtdriver.mediapipe_import keeps it out.
    root, env = sandbox
    image = shared_path("images/COCO_val2014_000000000241.jpg")
    assert _run_leaves_no_files(root, env, ["run", "--source", str(image), "--frames", "3"]) == {}


def test_only_record_snapshot_and_calibrate_write_and_only_where_told(sandbox):
    root, env = sandbox
    out = root / "cwd" / "out"
    out.mkdir()
    image = shared_path("images/COCO_val2014_000000000241.jpg")
    before = set(_tree(root))
    commands = [
        (["record", "--source", "demo", "--frames", "10", "--no-realtime", "--out", str(out / "take.jsonl")], "take.jsonl"),
        (["snapshot", str(image), "--json", str(out / "shot.json")], "shot.json"),
        (["calibrate", "--source", "demo", "--no-realtime", "--seconds", "1", "--out", str(out / "me.toml")], "me.toml"),
    ]
    for args, name in commands:
        result = _run(args, root, env)
        assert result.returncode == 0, result.stderr
    written = set(_tree(root)) - before
    assert written == {"cwd/out/take.jsonl", "cwd/out/shot.json", "cwd/out/me.toml"}


# --- logs -----------------------------------------------------------------------------------

# Signs of image data in text: long base64 or hex runs, numpy array dumps, long lists of numbers.
_IMAGE_DATA = [
    re.compile(r"[A-Za-z0-9+/=]{64,}"),
    re.compile(r"(?:[0-9a-fA-F]{2}){32,}"),
    re.compile(r"array\("),
    re.compile(r"(?:\d+[ ,]+){24,}"),
]


def test_no_image_data_in_the_logs_of_a_real_video_run(sandbox):
    root, env = sandbox
    config = write_config(root, [vmc_output("127.0.0.1:39539")], "[status]\ninterval_seconds = 0.1\n")
    video = shared_path("video/webcam_thumbs_up.mp4")
    result = _run(["run", "--config", str(config), "--source", str(video), "--frames", "40", "--no-realtime"], root, env)
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    assert "fps" in text and "frames sent" in text  # the status lines and summary were written
    # A few status lines, never anything frame-sized (one 1280x720 frame is 2.7 MB).
    assert len(text) < 8000, len(text)
    for pattern in _IMAGE_DATA:
        assert not pattern.search(text), (pattern.pattern, pattern.search(text).group(0)[:80])
