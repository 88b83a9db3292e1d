"""The pipeline's last guard on blendshape weights: every value a plain float in [0, 1]."""
import math

import numpy as np

from vtdriver.pipeline import _unit_weights


def test_a_clean_table_is_copied_as_it_is():
    weights = {"jawOpen": 0.25, "eyeBlinkLeft": 1.0, "aa": 0.0, "happy": 0.5}
    checked = _unit_weights(weights)
    assert checked == weights and checked is not weights
    checked["aa"] = 1.0  # the frame's dict is written by gesture actions; the solver's is not
    assert weights["aa"] == 0.0


def test_bad_values_are_repaired_one_by_one():
    # Not finite: 0.0 (no value to trust); out of range: the nearest bound.
    weights = {"a": math.nan, "b": math.inf, "c": -math.inf, "d": -0.5, "e": 2.0, "f": -0.0, "g": 0.5}
    checked = _unit_weights(weights)
    assert checked == {"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": 1.0, "f": 0.0, "g": 0.5}
    assert math.copysign(1.0, checked["f"]) == 1.0
    assert all(type(w) is float for w in checked.values())


def test_values_of_other_types_become_plain_floats():
    # In range, but numpy scalars and ints are not what OSC encoders take as floats.
    for odd in (np.float64(0.5), np.float32(0.5), 1, True):
        checked = _unit_weights({"x": 0.25, "y": odd})
        assert all(type(w) is float for w in checked.values()), odd
        assert checked == {"x": 0.25, "y": float(odd)}


def test_an_empty_table_stays_empty():
    assert _unit_weights({}) == {}


def test_a_lone_nan_among_good_values_is_caught():
    # min() and max() step over a NaN (every comparison with it is false); the sum does not.
    for table in ({"x": 0.5, "y": math.nan}, {"y": math.nan, "x": 0.5}):
        assert _unit_weights(table) == {"x": 0.5, "y": 0.0}
