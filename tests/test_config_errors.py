"""A corpus of malformed configs: each one is rejected with exit status 2 and one line on stderr
that names the file and the key, and never a traceback."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from vtdriver.cli import main

GOOD_OUTPUT = '[[outputs]]\nkind = "vmc"\ntarget = "127.0.0.1:39539"\nmapping = "mappings/vseeface.toml"\n'

# (case id, config text, text the error line must contain)
CORPUS = [
    ("bad_toml", "[avatar\nmirror = true\n", "invalid TOML"),
    ("duplicate_key", "[avatar]\nmirror = true\nmirror = false\n", "invalid TOML"),
    ("wrong_type_bool", '[avatar]\nmirror = "yes"\n', "[avatar] mirror: must be true or false"),
    ("unknown_key", "[avatar]\nmirorr = true\n", "[avatar] mirorr: unknown key"),
    ("unknown_section", "[avtar]\nmirror = true\n", "avtar: unknown section"),
    ("out_of_range", "[status]\ninterval_seconds = -1\n", "[status] interval_seconds: must be at least 0"),
    ("wrong_type_number", '[status]\ninterval_seconds = "often"\n', "interval_seconds: must be a number"),
    ("missing_mapping", GOOD_OUTPUT.replace("vseeface.toml", "nope.toml"), "mapping: file not found"),
    ("target_without_port", GOOD_OUTPUT.replace("127.0.0.1:39539", "127.0.0.1"), "target"),
    ("target_bad_port", GOOD_OUTPUT.replace("39539", "99999"), "target"),
    ("target_not_a_number", GOOD_OUTPUT.replace("39539", "vmc"), "target"),
    ("remote_without_opt_in", GOOD_OUTPUT.replace("127.0.0.1", "192.168.1.20"), "allow_remote"),
    ("bad_kind", GOOD_OUTPUT.replace('"vmc"', '"midi"'), "[outputs] kind: must be one of"),
    ("outputs_not_array", '[outputs]\nkind = "vmc"\n', "outputs: must be written as [[outputs]]"),
    ("duplicate_output_names", GOOD_OUTPUT + GOOD_OUTPUT, "name: two outputs are called 'vmc'"),
    ("bones_not_list", GOOD_OUTPUT + 'bones = "all"\n', "bones: must be a list"),
    ("unknown_bone", GOOD_OUTPUT + 'bones = ["Head", "Tail"]\n', "[outputs] bones: unknown HumanBodyBones names ['Tail']"),
    ("rate_limit_type", GOOD_OUTPUT + 'rate_limit_hz = "fast"\n', "rate_limit_hz: must be a number"),
    ("smoothing_even_window", "[smoothing.body]\nwindow = 4\n", "[smoothing.body] window"),
    ("smoothing_polyorder", "[smoothing.body]\nwindow = 5\npolyorder = 5\n", "[smoothing.body] polyorder"),
    ("smoothing_unknown_part", "[smoothing.feet]\nwindow = 5\n", "[smoothing] feet: unknown part"),
    ("model_complexity_not_bundled", "[tracker]\nmodel_complexity = 2\n", "[tracker] model_complexity"),
    ("nan_value", "[status]\ninterval_seconds = nan\n", "interval_seconds: must be a finite number"),
]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "mappings", tmp_path / "mappings")
    return tmp_path


@pytest.mark.parametrize("case,text,expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_config_is_one_line_exit_2(case, text, expected, config_dir, capsys):
    path = config_dir / "config.toml"
    path.write_text(text)
    status = main(["check-config", "--config", str(path)])
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in err


def test_error_line_points_at_the_offending_line(config_dir, capsys):
    path = config_dir / "config.toml"
    path.write_text("# comment\n[avatar]\nmirror = false\n\n[status]\ninterval_seconds = -5\n")
    assert main(["check-config", "--config", str(path)]) == 2
    assert f"{path}:6:" in capsys.readouterr().err


def test_not_utf8(config_dir, capsys):
    path = config_dir / "config.toml"
    path.write_bytes(b"[avatar]\nmirror = \xff\n")
    assert main(["check-config", "--config", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_missing_config_file(tmp_path, capsys):
    assert main(["check-config", "--config", str(tmp_path / "absent.toml")]) == 2
    assert "absent.toml: file not found" in capsys.readouterr().err


def test_shipped_config_is_valid(capsys):
    assert main(["check-config", "--config", str(REPO_ROOT / "config.toml")]) == 0
    assert "ok" in capsys.readouterr().out


def test_check_config_subprocess_has_no_traceback(config_dir):
    path = config_dir / "config.toml"
    path.write_text("[avatar]\nmirror = 3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "vtdriver.cli", "check-config", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "[avatar] mirror: must be true or false" in proc.stderr
    assert "Traceback" not in proc.stderr
