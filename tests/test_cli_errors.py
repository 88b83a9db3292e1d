"""User mistakes on the command line end in one clear line and exit status 2, never in a
traceback and never in a hang (issue 2): a camera that is not there, a missing or unreadable
video, a file that is not a recording, bad --frames/--duration values, an output folder that
does not exist, a malformed --vmc-target.

Commands that open a source run in parallel subprocesses (each mostly waits on Python
start-up), each bounded by a timeout so a hang fails the test instead of stalling the suite."""
from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.vmc_capture import run_cli
from vtdriver import cli

EXIT_USAGE = 2
# Opening a missing camera or a broken file must fail fast: far below this.
HANG_TIMEOUT_S = 60.0
def _vtdriver_lines(stderr: str) -> list[str]:
    # Every line counts, FFmpeg's own diagnostics included: the CLI silences them.
    return [line for line in stderr.splitlines() if line.strip()]


def _files(tmp: Path) -> dict[str, Path]:
    corrupt = tmp / "corrupt.mp4"
    corrupt.write_bytes(b"this is not a video\n" * 50)
    empty = tmp / "empty.mp4"
    empty.write_bytes(b"")
    not_recording = tmp / "notes.jsonl"
    not_recording.write_text('{"hello": 1}\n')
    return {"corrupt": corrupt, "empty": empty, "not_recording": not_recording, "dir": tmp}


# (case id, arguments with {placeholders}, text the one line must contain)
SOURCE_CASES = [
    ("camera index", ["run", "--source", "7"], "camera"),
    ("camera device", ["run", "--source", "/dev/video9"], "/dev/video9"),
    ("missing video", ["run", "--source", "{tmp}/missing.mp4"], "not found"),
    ("corrupt video", ["run", "--source", "{corrupt}"], "corrupt.mp4"),
    ("empty video", ["run", "--source", "{empty}"], "empty.mp4"),
    ("directory", ["run", "--source", "{dir}"], "directory"),
    ("missing replay", ["run", "--source", "replay:{tmp}/missing.jsonl"], "missing.jsonl"),
    ("not a recording", ["run", "--source", "replay:{not_recording}"], "not a vtdriver recording"),
    ("record from missing camera", ["record", "--source", "7", "--out", "{tmp}/rec.jsonl"], "camera"),
    ("record to missing folder", ["record", "--source", "demo", "--out", "{tmp}/no/such/rec.jsonl"], "does not exist"),
    ("snapshot missing image", ["snapshot", "{tmp}/missing.jpg", "--json", "{tmp}/out.json"], "missing.jpg"),
    ("snapshot unreadable image", ["snapshot", "{corrupt}", "--json", "{tmp}/out.json"], "corrupt.mp4"),
    ("snapshot json to missing folder", ["snapshot", "{portrait}", "--json", "{tmp}/no/out.json"], "does not exist"),
    ("calibrate to missing folder", ["calibrate", "--source", "demo", "--out", "{tmp}/no/p.toml"], "does not exist"),
    ("calibrate from missing video", ["calibrate", "--source", "{tmp}/missing.mp4", "--out", "{tmp}/p.toml"], "not found"),
    ("malformed vmc target", ["run", "--source", "demo", "--vmc-target", "nonsense"], "HOST:PORT"),
]
# argparse rejects these before anything opens: usage text, then "error: argument OPTION: ...".
ARGUMENT_CASES = [
    ("frames zero", ["run", "--source", "demo", "--frames", "0"], "--frames"),
    ("frames negative", ["run", "--source", "demo", "--frames", "-5"], "--frames"),
    ("frames not a number", ["run", "--source", "demo", "--frames", "ten"], "--frames"),
    ("frames fractional", ["record", "--source", "demo", "--out", "{tmp}/r.jsonl", "--frames", "2.5"], "--frames"),
    ("duration zero", ["run", "--source", "demo", "--duration", "0"], "--duration"),
    ("duration negative", ["run", "--source", "demo", "--duration", "-1"], "--duration"),
    ("duration nan", ["run", "--source", "demo", "--duration", "nan"], "--duration"),
    ("duration inf", ["run", "--source", "demo", "--duration", "inf"], "--duration"),
    ("duration text", ["run", "--source", "demo", "--duration", "soon"], "--duration"),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    for device in ("/dev/video7", "/dev/video9"):
        if Path(device).exists():
            pytest.skip(f"{device} exists on this machine; the tests never open a real camera")
    tmp = tmp_path_factory.mktemp("cli_errors")
    values = {"tmp": str(tmp), "portrait": str(shared_path("images/portrait.jpg"))}
    values.update({key: str(path) for key, path in _files(tmp).items()})
    def run(case):
        name, args, _ = case
        try:
            return name, run_cli(*(a.format(**values) for a in args), timeout=HANG_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return name, None

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, SOURCE_CASES)), tmp


@pytest.mark.parametrize("name,args,expected", SOURCE_CASES, ids=[c[0] for c in SOURCE_CASES])
def test_bad_source_or_target_gives_one_line_and_exit_2(outcomes, name, args, expected):
    results, _ = outcomes
    result = results[name]
    assert result is not None, f"{name}: still running after {HANG_TIMEOUT_S} s (a hang)"
    lines = _vtdriver_lines(result.stderr)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("vtdriver: "), result.stderr
    assert expected in lines[0], lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("name,args,option", ARGUMENT_CASES, ids=[c[0] for c in ARGUMENT_CASES])
def test_bad_run_bounds_are_refused_naming_the_option(tmp_path, capsys, name, args, option):
    # In-process: argparse refuses before anything is opened, so nothing can hang here.
    with pytest.raises(SystemExit) as stopped:
        cli.main([a.format(tmp=tmp_path) for a in args])
    assert stopped.value.code == EXIT_USAGE
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"error: argument {option}" in last, last
    assert not any(tmp_path.iterdir())


def test_failed_commands_leave_no_files_behind(outcomes):
    _, tmp = outcomes
    # Nothing was recorded, snapshotted or calibrated by a command that refused to start.
    leftovers = {p.name for p in tmp.rglob("*")} - {"corrupt.mp4", "empty.mp4", "notes.jsonl"}
    assert leftovers == set()
