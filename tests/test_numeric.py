import numpy as np
import pytest

from vtdriver.numeric import all_finite


@pytest.mark.parametrize("shape", [(0,), (1,), (5,), (33, 3), (478, 3), (2, 3, 4)])
def test_all_finite_matches_numpy_for_bad_and_huge_values(shape):
    rng = np.random.default_rng(sum(shape))
    for bad in (None, np.nan, np.inf, -np.inf, 1e200, -1e300):
        x = rng.normal(size=shape)
        if bad is not None and x.size:
            x.flat[rng.integers(x.size)] = bad
        assert all_finite(x) == bool(np.isfinite(x).all())
        view = x[..., ::2]  # non-contiguous input
        assert all_finite(view) == bool(np.isfinite(view).all())
