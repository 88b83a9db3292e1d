"""BoneJoin: the solvers' bone blocks joined into one checked array, in dict.update order."""
import numpy as np

from vtdriver.bone_join import BoneJoin
from vtdriver.rows import BoneRotations


def _unit_rows(count: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, 4))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _merged(blocks) -> dict:
    merged: dict = {}
    for block in blocks:
        merged.update({name: np.array(block[name]) for name in block})
    return merged


def test_blocks_join_in_dict_update_order_with_overrides_in_place():
    body = BoneRotations(("Hips", "Spine", "Neck", "Head", "LeftUpperArm"), _unit_rows(5, 1))
    head = BoneRotations(("Neck", "Head"), _unit_rows(2, 2))
    eyes = {"LeftEye": _unit_rows(1, 3)[0], "RightEye": _unit_rows(1, 4)[0]}
    fingers = BoneRotations(("LeftThumbProximal", "LeftThumbIntermediate"), _unit_rows(2, 5))
    blocks = [body, head, eyes, {}, fingers]
    joined = BoneJoin().join(blocks)
    expected = _merged(blocks)
    assert joined.names == tuple(expected)
    for name, row in expected.items():
        assert np.array_equal(joined[name], row), name
    assert np.array_equal(joined["Neck"], head["Neck"]) and not np.array_equal(joined["Neck"], body["Neck"])


def test_the_layout_follows_a_change_of_blocks_and_back():
    join = BoneJoin()
    body = BoneRotations(("Hips", "Neck", "Head"), _unit_rows(3, 6))
    fingers = BoneRotations(("RightIndexProximal",), _unit_rows(1, 7))
    head = {"Head": _unit_rows(1, 8)[0], "Jaw": _unit_rows(1, 9)[0]}
    for blocks in ([body, fingers], [body, head, fingers], [body], [body, fingers], [fingers, body]):
        joined = join.join(blocks)
        expected = _merged(blocks)
        assert joined.names == tuple(expected)
        assert np.array_equal(joined.array, np.array(list(expected.values())))


def test_unit_rows_pass_unchanged_and_the_rest_are_repaired_without_touching_the_blocks():
    unit = np.array([0.1, 0.2, 0.3, 0.0])
    unit[3] = np.sqrt(1.0 - unit[:3] @ unit[:3])
    bones = {"Hips": unit.copy(), "Spine": np.array([0.0, 0.0, 0.0, 2.0]), "Chest": np.array([np.nan, 0.0, 0.0, 1.0]),
             "Neck": np.zeros(4), "Head": np.array([np.inf, 0.0, 0.0, 1.0])}
    given = {name: q.copy() for name, q in bones.items()}
    checked = BoneJoin().join([bones])
    assert np.array_equal(checked["Hips"], unit)  # unit already: kept to the bit, not normalised again
    for name in ("Spine", "Chest", "Neck", "Head"):
        assert np.array_equal(checked[name], [0.0, 0.0, 0.0, 1.0]), name
    for name, q in bones.items():  # the caller's arrays are only read
        assert np.array_equal(q, given[name], equal_nan=True), name
    assert checked.names == tuple(bones)
    assert not checked.array.flags.writeable
    assert np.all(np.abs(np.einsum("ij,ij->i", checked.array, checked.array) - 1.0) <= 1e-12)


def test_a_unit_frame_passes_to_the_bit_into_a_new_array():
    rows = _unit_rows(40, 3)
    block = BoneRotations(tuple(f"bone{i}" for i in range(40)), rows.copy())
    checked = BoneJoin().join([block])
    assert np.array_equal(checked.array, rows)
    assert not np.shares_memory(checked.array, block.array)
    assert BoneJoin().join([]).array.shape == (0, 4)
    assert BoneJoin().join([{}, {}]).names == ()
