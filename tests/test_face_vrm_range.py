"""preset_values has no final clamp: it relies on every preset of weights in [0, 1] lying in
[0, 1] already. This checks that over random weights and every all-0/all-1 corner pattern."""
import math
import random

from vtdriver.solvers.face_vrm import INPUT_NAMES, PRESET_ORDER, preset_values


def _check(inputs, emotions):
    values = preset_values(tuple(inputs), emotions)
    assert len(values) == len(PRESET_ORDER)
    for name, value in zip(PRESET_ORDER, values):
        assert 0.0 <= value <= 1.0, (name, value, inputs)
        assert math.copysign(1.0, value) == 1.0, (name, "is -0.0", inputs)


def test_presets_of_unit_weights_stay_in_unit_range():
    rng = random.Random(7)
    for _ in range(3000):
        pool = (0.0, 1.0, rng.random(), rng.random())
        inputs = [rng.choice(pool) for _ in INPUT_NAMES]
        _check(inputs, emotions=rng.random() < 0.8)
    for bit in range(len(INPUT_NAMES)):
        for base in (0.0, 1.0):
            inputs = [base] * len(INPUT_NAMES)
            inputs[bit] = 1.0 - base
            _check(inputs, emotions=True)
