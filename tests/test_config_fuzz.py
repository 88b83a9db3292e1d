"""Fuzzing config.toml and the mapping files it names (blendshape mappings, OSC parameter
mappings, gestures, actions) with hypothesis-generated TOML documents and values. Every
document is either accepted (exit 0) or rejected with exit 2 and exactly one line on stderr
naming the file and the key at fault; never a traceback.

Documents are generated schema-aware (the real section and key names, values near the
documented ranges, mixed with arbitrary TOML values of any type) so that most of them get past
the first check and reach the deeper validators."""
from __future__ import annotations

import shutil
import tomllib
import typing
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO_ROOT
from tests.toml_text import dumps
from vtdriver.cli import main
from vtdriver.config.errors import printable
from vtdriver.config.loader import load_config
from vtdriver.config.registry import SECTIONS, SMOOTHING_PARTS, SmoothingSettings
from vtdriver.config.sections import OutputSettings
from vtdriver.errors import UserError

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MAPPING_FILES = ("vseeface.toml", "vrm1.toml", "arkit_camel.toml", "vrchat.toml", "gestures.toml", "actions.toml")

keys = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=16),
    st.datetimes(),
    st.dates(),
    st.times(),
)
toml_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=6
)
PLAUSIBLE_STRINGS = (
    "", "*", "auto", "on", "off", "vmc", "osc", "0", "demo", "Hips", "Head", "LeftHand", "jawOpen",
    "127.0.0.1:39539", "localhost:9000", "[::1]:39539", "192.0.2.1:39539", "127.0.0.1", "host:99999",
    "mappings/vseeface.toml", "mappings/vrchat.toml", "mappings/gestures.toml", "mappings/actions.toml",
    "mappings/missing.toml", "mappings", "/dev/null",
)


def _plausible(annotation, meta: dict) -> st.SearchStrategy:
    """Values a user might really type for a setting: its type, near its limits."""
    if meta.get("choices"):
        return st.sampled_from(list(meta["choices"])) | st.sampled_from(PLAUSIBLE_STRINGS)
    base = typing.get_origin(annotation) or annotation
    low, high = meta.get("min"), meta.get("max")
    if base is bool:
        return st.booleans()
    if base is int:
        lo = int(low) - 2 if low is not None else -5
        hi = int(high) + 2 if high is not None else lo + 1000
        return st.integers(lo, hi)
    if base is float:
        lo = float(low) - 1 if low is not None else -10.0
        hi = float(high) + 1 if high is not None else lo + 1000.0
        return st.floats(lo, hi) | st.sampled_from([float("nan"), float("inf"), 0.0, -0.0])
    if base is str:
        return st.sampled_from(PLAUSIBLE_STRINGS)
    if base in (list, tuple):
        return st.lists(st.sampled_from(PLAUSIBLE_STRINGS) | st.floats(-2, 2), max_size=4)
    if base is dict:
        return st.dictionaries(st.sampled_from(("eyes", "gaze", "brows", "mouth", "cheeks_nose", "x")),
                               st.integers(-1, 9) | st.floats(-1, 9), max_size=5)
    return toml_values


@st.composite
def settings_table(draw, cls) -> dict:
    hints = typing.get_type_hints(cls)
    table = {}
    for f in fields(cls):
        if draw(st.integers(0, 3)) == 0:  # each key present a quarter of the time
            if draw(st.integers(0, 4)) == 0:
                table[f.name] = draw(toml_values)
            else:
                table[f.name] = draw(_plausible(hints[f.name], dict(f.metadata)))
    if draw(st.integers(0, 9)) == 0:
        table[draw(keys)] = draw(toml_values)
    return table


@st.composite
def config_documents(draw) -> dict:
    document: dict = {}
    for name, cls in SECTIONS.items():
        if draw(st.integers(0, 2)) == 0:
            document[name] = draw(settings_table(cls)) if draw(st.integers(0, 9)) else draw(toml_values)
    if draw(st.integers(0, 3)) == 0:
        document["smoothing"] = {part: draw(settings_table(SmoothingSettings))
                                 for part in draw(st.lists(st.sampled_from(SMOOTHING_PARTS + ("feet",)), max_size=3))}
    if draw(st.integers(0, 1)) == 0:
        document["outputs"] = draw(st.lists(settings_table(OutputSettings), max_size=3))
    if draw(st.integers(0, 14)) == 0:
        document[draw(keys)] = draw(toml_values)
    return document


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "mappings", tmp_path / "mappings")
    return tmp_path


def _check(config_path: Path, capsys, blamed: Path | tuple[Path, ...]) -> int:
    """Runs check-config in-process; returns its exit status after checking the contract."""
    capsys.readouterr()
    status = main(["check-config", "--config", str(config_path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    assert status in (0, 2)
    if status == 0:
        assert out.strip().endswith(")") and ": ok (outputs:" in out
        assert all(line.startswith("vtdriver: warning: ") for line in err.splitlines())
        return status
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    blamed = blamed if isinstance(blamed, tuple) else (blamed,)
    assert lines[0].startswith(tuple(f"vtdriver: {path}" for path in blamed)), (lines[0], blamed)
    # The same error, as an object: it names the key at fault, not just the file.
    with pytest.raises(UserError) as caught:
        load_config(config_path)
    assert getattr(caught.value, "key", ""), lines[0]
    assert "".join(printable(caught.value.key).split()) + ":" in "".join(lines[0].split())
    return status


@FUZZ
@given(document=config_documents())
def test_fuzzed_config_is_accepted_or_rejected_in_one_line(document, config_dir, capsys):
    path = config_dir / "config.toml"
    path.write_text(dumps(document), encoding="utf-8")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == document or _has_nan(document)
    # A config may point an output at a mapping of the wrong kind: then the mapping file's
    # key is the one named.
    mappings = tuple(sorted((config_dir / "mappings").glob("*.toml")))
    _check(path, capsys, (path, *mappings))


def _has_nan(value) -> bool:
    if isinstance(value, float):
        return value != value
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


def _mutate(draw, document: dict) -> dict:
    """A copy of ``document`` with one value replaced (by any TOML value), one key removed, or
    one unknown key added, somewhere in its tree."""
    document = tomllib.loads(dumps(document))  # a deep copy in TOML's own types
    node = document
    while True:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        containers = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
        if not containers or draw(st.integers(0, 2)) == 0:
            break
        _, node = draw(st.sampled_from(containers))
    action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
    if isinstance(node, dict):
        if action == "add" or not node:
            node[draw(keys)] = draw(toml_values)
        else:
            key = draw(st.sampled_from(sorted(node)))
            if action == "remove":
                del node[key]
            else:
                node[key] = draw(toml_values | st.sampled_from(PLAUSIBLE_STRINGS))
    else:
        index = draw(st.integers(0, len(node) - 1))
        if action == "remove":
            del node[index]
        else:
            node[index] = draw(toml_values)
    return document


def _config_for(config_dir: Path, mapping: str) -> Path:
    text = (
        '[gestures]\ngestures_file = "mappings/gestures.toml"\nactions_file = "mappings/actions.toml"\n'
        '[[outputs]]\nkind = "vmc"\ntarget = "127.0.0.1:39539"\nmapping = "mappings/vseeface.toml"\n'
    )
    if mapping == "vrm1.toml" or mapping == "arkit_camel.toml":
        text = text.replace("vseeface.toml", mapping)
    if mapping == "vrchat.toml":
        text += '[[outputs]]\nkind = "osc"\ntarget = "127.0.0.1:9000"\nmapping = "mappings/vrchat.toml"\n'
    path = config_dir / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@FUZZ
@given(name=st.sampled_from(MAPPING_FILES), data=st.data())
def test_fuzzed_mapping_files_are_accepted_or_rejected_in_one_line(name, data, config_dir, capsys):
    # One fixture directory serves every example: start each from the shipped files.
    shutil.copytree(REPO_ROOT / "mappings", config_dir / "mappings", dirs_exist_ok=True)
    original = tomllib.loads((REPO_ROOT / "mappings" / name).read_text(encoding="utf-8"))
    mutated = _mutate(data.draw, original)
    target = config_dir / "mappings" / name
    target.write_text(dumps(mutated), encoding="utf-8")
    config = _config_for(config_dir, name)
    # actions.toml names gestures.toml's gestures: a gesture removed or renamed there leaves a
    # dangling reference in actions.toml, and that file (line and action) is the one to name.
    dependent = (config_dir / "mappings" / "actions.toml",) if name == "gestures.toml" else ()
    _check(config, capsys, (target, *dependent))


@FUZZ
@given(text=st.text(st.sampled_from("[]=\"'.#\n ,{}ab1_-:"), max_size=80))
def test_arbitrary_text_is_a_one_line_error_not_a_traceback(text, config_dir, capsys):
    """Syntax-level garbage: rejected with one line naming the file (and the line), since a
    broken document has no key to name."""
    path = config_dir / "config.toml"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    status = main(["check-config", "--config", str(path)])
    out, err = capsys.readouterr()
    assert status in (0, 2) and "Traceback" not in err
    if status == 2:
        assert len(err.splitlines()) == 1 and err.startswith(f"vtdriver: {path}")
