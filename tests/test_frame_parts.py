"""Landmarks.with_parts, the per-frame dataclasses.replace of the pipeline's smoothing."""
import dataclasses

import numpy as np
import pytest

from vtdriver.frame import Landmarks


def test_with_parts_equals_dataclasses_replace_and_leaves_the_original():
    lm = Landmarks(t=1.5, image_size=(640, 480), pose=np.zeros((33, 4)), face=np.ones((478, 3)), index=7, capture_ns=9)
    parts = {"pose": np.full((33, 4), 2.0), "face": None, "left_hand": np.ones((21, 3))}
    got = lm.with_parts(parts)
    want = dataclasses.replace(lm, **parts)
    assert type(got) is Landmarks and got is not lm
    for field in dataclasses.fields(Landmarks):
        assert getattr(got, field.name) is getattr(want, field.name)
    assert lm.pose is not parts["pose"] and lm.face is not None and lm.left_hand is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.t = 2.0


def test_with_parts_refuses_what_is_not_a_part():
    with pytest.raises(ValueError):
        Landmarks(t=0.0, image_size=(1, 1)).with_parts({"t": 3.0})
