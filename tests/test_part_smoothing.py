"""PartSmoothers against one LandmarkSmoother per part: same resets, repairs and pass-through,
values bit for bit."""
import numpy as np
import pytest

from vtdriver.part_smoothing import PartSmoothers
from vtdriver.smoothing import LandmarkSmoother, SmoothingSettings

SHAPES = {"pose": (33, 4), "pose_world": (33, 4), "face": (478, 3), "left_hand": (21, 3), "right_hand": (21, 3)}


def _frames(seed: int, count: int):
    rng = np.random.default_rng(seed)
    t = 0.0
    for _ in range(count):
        roll = rng.random()
        t += 1 / 30 if roll > 0.05 else (0.5 if roll > 0.03 else (-0.01 if roll > 0.02 else 1e-3 * rng.random()))
        frame_t = float("nan") if rng.random() < 0.005 else t
        parts = {}
        for part, shape in SHAPES.items():
            if rng.random() < 0.1:
                parts[part] = None
                continue
            if part == "face" and rng.random() < 0.02:
                shape = (468, 3)
            if part == "left_hand" and rng.random() < 0.03:
                shape = (21, 4)
            points = rng.random(shape)
            if rng.random() < 0.05:
                points[rng.integers(shape[0]), rng.integers(shape[1])] = rng.choice([np.nan, np.inf, -np.inf])
            points.flags.writeable = False
            parts[part] = points
        yield parts, frame_t


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("groups", ["one", "two"])
def test_matches_one_smoother_per_part(seed, groups):
    a = SmoothingSettings(window=5, polyorder=1)
    b = SmoothingSettings(window=7, polyorder=2, lag_frames=1, max_gap_seconds=0.2) if groups == "two" else a
    settings = {part: (b if part == "face" else a) for part in SHAPES}
    combined = PartSmoothers(settings)
    single = {part: LandmarkSmoother(s) for part, s in settings.items()}
    for parts, t in _frames(seed, 600):
        before = {part: None if p is None else p.copy() for part, p in parts.items()}
        got = combined.smooth(parts, t)
        for part, points in parts.items():
            want = single[part].smooth(points, t)
            assert (got[part] is None) == (want is None), part
            if want is not None:
                assert got[part].shape == want.shape
                np.testing.assert_array_equal(got[part], want)
            if points is not None:
                np.testing.assert_array_equal(points, before[part])  # inputs untouched


def test_reset_restarts_every_part():
    settings = SmoothingSettings(window=5, polyorder=1)
    combined = PartSmoothers({"a": settings, "b": settings})
    for i in range(6):
        combined.smooth({"a": np.full((2, 3), float(i)), "b": np.full((2, 3), 2.0 * i)}, i / 30)
    combined.reset()
    out = combined.smooth({"a": np.full((2, 3), 100.0), "b": None}, 7 / 30)
    np.testing.assert_array_equal(out["a"], np.full((2, 3), 100.0))
    assert out["b"] is None
