"""Output name mappings (mappings/*.toml) and the Neck/Head split of the head rotation."""
from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO_ROOT
from vtdriver import quat
from vtdriver.config.errors import ConfigError
from vtdriver.mapping import BlendshapeMapping, MappingError
from vtdriver.solvers.face import _quaternion
from vtdriver.solvers.face_blendshapes import ARKIT_NAMES
from vtdriver.solvers.face_vrm import VRM_NAMES
from vtdriver.solvers.head import split_head_rotation

MAPPINGS = REPO_ROOT / "mappings"
ALL_INTERNAL = ARKIT_NAMES + VRM_NAMES


@pytest.mark.parametrize("name,count", [("vseeface", 17), ("vrm1", 18), ("arkit_pascal", 52), ("arkit_camel", 52)])
def test_shipped_mappings_load_and_cover_their_set(name, count):
    mapping = BlendshapeMapping.load(MAPPINGS / f"{name}.toml")
    assert len(mapping.names) == count == len(set(mapping.names))
    out = mapping.apply({})
    assert [n for n, _ in out] == list(mapping.names) and all(v == 0.0 for _, v in out)


def test_vseeface_names_and_sides():
    mapping = BlendshapeMapping.load(MAPPINGS / "vseeface.toml")
    out = dict(mapping.apply({"aa": 0.7, "blinkLeft": 0.9, "happy": 0.4, "sad": 0.2, "relaxed": 0.1}))
    assert out["A"] == 0.7 and out["Blink_L"] == 0.9 and out["Blink_R"] == 0.0
    assert out["Joy"] == 0.4 and out["Sorrow"] == 0.2 and out["Fun"] == 0.1
    pascal = dict(BlendshapeMapping.load(MAPPINGS / "arkit_pascal.toml").apply({"eyeBlinkLeft": 0.5}))
    assert pascal["EyeBlinkLeft"] == 0.5 and pascal["EyeBlinkRight"] == 0.0


def test_rename_and_scale_without_code(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[blendshapes]\nMouthOpen = { from = "jawOpen", scale = 2.0 }\nWink = "blinkLeft"\n')
    out = BlendshapeMapping.load(path).apply({"jawOpen": 0.3, "blinkLeft": 0.25})
    assert out == [("MouthOpen", 0.6), ("Wink", 0.25)]
    # Scaled past 1, or garbage in: clipped and finite out.
    assert BlendshapeMapping.load(path).apply({"jawOpen": 0.9, "blinkLeft": float("nan")}) == [("MouthOpen", 1.0), ("Wink", 0.0)]


@given(st.dictionaries(st.sampled_from(ALL_INTERNAL), st.floats(allow_nan=True, allow_infinity=True), max_size=20))
@settings(max_examples=50, deadline=None)
def test_apply_always_finite_in_range_and_complete(values):
    mapping = BlendshapeMapping.load(MAPPINGS / "arkit_camel.toml")
    out = mapping.apply(values)
    assert len(out) == 52
    assert all(np.isfinite(v) and 0.0 <= v <= 1.0 for _, v in out)


@pytest.mark.parametrize(
    "content,key,line,message",
    [
        ('[blendshapes]\nA = { from = "aa" }\nB = { from = "eyeblinkleft" }\n', "blendshapes.B", 3, "eyeBlinkLeft"),
        ('[blendshapes]\nA = { from = "aa", scale = -1 }\n', "blendshapes.A", 2, "scale"),
        ('[blendshapes]\nA = { from = "aa", gain = 2 }\n', "blendshapes.A", 2, "gain"),
        ('[blendshapes]\nA = { scale = 1 }\n', "blendshapes.A", 2, "from"),
        ('[blendshapes]\nA = 3\n', "blendshapes.A", 2, "expected"),
        ("[mapping]\nname = 'x'\n", "blendshapes", None, "missing"),
        ('[shapes]\nA = "aa"\n', "shapes", None, "unknown"),
    ],
)
def test_mapping_errors_name_file_key_and_line(tmp_path, content, key, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(MappingError) as info:
        BlendshapeMapping.load(path)
    err = info.value
    assert err.key == key and err.line == line and message in err.message
    assert str(path) in err.one_line() and "\n" not in err.one_line()


def test_unreadable_mapping_files(tmp_path):
    with pytest.raises(ConfigError, match="absent.toml: file not found"):
        BlendshapeMapping.load(tmp_path / "absent.toml")
    bad = tmp_path / "broken.toml"
    bad.write_text("[blendshapes\n")
    with pytest.raises(ConfigError, match=r"broken.toml:1: invalid TOML"):
        BlendshapeMapping.load(bad)


def _random_quats(rng, n):
    return quat.normalize(rng.normal(size=(n, 4)))


def test_split_recomposes_the_head_and_shares_the_turn():
    rng = np.random.default_rng(4)
    for chest, head in zip(_random_quats(rng, 50), _random_quats(rng, 50)):
        for share in (0.0, 0.3, 0.5, 1.0):
            parts = split_head_rotation(chest, head, share)
            world = quat.multiply(quat.multiply(chest, parts["Neck"]), parts["Head"])
            assert quat.angle_between(world, head) < 1e-6
            relative = quat.angle_between(chest, head)
            assert quat.angle_between(quat.IDENTITY, parts["Neck"]) == pytest.approx(share * relative, abs=1e-6)


def test_split_takes_the_body_chest_and_the_face_head_as_floats_or_as_arrays():
    # The pipeline hands BodyResult.world_rotation's and FaceResult.head_world's float tuples
    # over as they are.
    rng = np.random.default_rng(5)
    for chest, head in zip(_random_quats(rng, 20), _random_quats(rng, 20)):
        from_floats = split_head_rotation(tuple(chest.tolist()), tuple(head.tolist()), 0.4)
        assert from_floats.array.tobytes() == split_head_rotation(chest, head, 0.4).array.tobytes()


def test_face_head_world_is_quat_from_matrix_as_floats():
    rng = np.random.default_rng(6)
    for q in _random_quats(rng, 20):
        rows = quat.to_matrix(q).tolist()
        head_world = _quaternion(rows)
        assert type(head_world) is tuple and all(type(value) is float for value in head_world)
        assert np.array(head_world).tobytes() == quat.from_matrix(np.array(rows)).tobytes()
    nan_rows = [[float("nan")] * 3 for _ in range(3)]
    assert np.array(_quaternion(nan_rows)).tobytes() == quat.from_matrix(np.array(nan_rows)).tobytes()


def test_split_of_a_yaw_puts_the_share_on_the_neck():
    head = quat.from_axis_angle(np.array([0.0, 1.0, 0.0]), np.deg2rad(40.0))
    parts = split_head_rotation(quat.IDENTITY, head, 0.25)
    assert np.rad2deg(quat.angle_between(quat.IDENTITY, parts["Neck"])) == pytest.approx(10.0)
    assert np.rad2deg(quat.angle_between(quat.IDENTITY, parts["Head"])) == pytest.approx(30.0)
    degenerate = split_head_rotation(np.zeros(4), np.full(4, np.nan), float("nan"))
    assert all(np.all(np.isfinite(q)) for q in degenerate.values())
