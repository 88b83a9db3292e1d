"""rows.stack_rows equals np.array(rows, dtype=float).reshape(n, width) for every kind of row;
BoneRotations reads like a read-only dict."""
import numpy as np
import pytest

from vtdriver.rows import BoneRotations, stack_rows

_R = np.random.default_rng(0).normal(size=(6, 4))


@pytest.mark.parametrize(
    "rows",
    [
        [r.copy() for r in _R],  # the usual: float64 rows of 4
        [r.astype(np.float32) for r in _R],  # 16 bytes a row
        [np.arange(8, dtype=np.float32) for _ in range(3)],  # 32 bytes a row, 8 values
        [r.astype(">f8") for r in _R],  # big-endian
        [list(r) for r in _R],  # lists
        [tuple(map(float, r)) for r in _R],
        [r.reshape(2, 2).copy() for r in _R],  # 32 bytes, not flat
        [r.reshape(2, 2).T for r in _R],  # not C-contiguous
        list(np.random.default_rng(2).normal(size=(4, 6))[:, ::-1][:, :4]),  # strided views
        [r.astype(np.int64) for r in (_R * 10)],
        [np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]), np.array([])],  # right total, wrong rows
        [_R[0].copy(), [1.0, 2.0, 3.0, 4.0]],
    ],
)
def test_same_as_np_array(rows):
    width = 4
    try:
        want = np.array(rows, dtype=float).reshape(len(rows), width)
    except ValueError:
        with pytest.raises(ValueError):
            stack_rows(rows, width)
        return
    got = stack_rows(rows, width)
    assert got.dtype == np.float64 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_new_array():
    rows = [r.copy() for r in _R]
    got = stack_rows(rows, 4)
    assert not any(np.shares_memory(got, r) for r in rows)


def test_bone_rotations_read_like_a_read_only_dict():
    array = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]])
    bones = BoneRotations(("Hips", "Spine"), array)
    assert list(bones) == ["Hips", "Spine"] and len(bones) == 2
    assert "Spine" in bones and "Chest" not in bones
    assert np.array_equal(bones["Spine"], [0.0, 1.0, 0.0, 0.0])
    assert dict(bones).keys() == {"Hips", "Spine"}
    with pytest.raises(KeyError):
        bones["Chest"]
    with pytest.raises(ValueError):
        bones["Hips"][3] = 0.5  # rows are views of the read-only array
    with pytest.raises(TypeError):
        bones["Hips"] = np.zeros(4)  # type: ignore[index]
    with pytest.raises(ValueError, match="2 bone names for rotations of shape"):
        BoneRotations(("Hips", "Spine"), np.zeros((3, 4)))
