"""HoldThenEase.update_shared: the same values as update, without update's copies."""
import math

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import quat
from vtdriver.loss_easing import HoldThenEase
from vtdriver.solvers.body import _slerp_floats

TURN = tuple(quat.from_axis_angle(np.array([0.0, 1.0, 0.0]), np.pi / 2).tolist())
OTHER = tuple(quat.from_axis_angle(np.array([1.0, 0.0, 0.0]), 0.3).tolist())


def _loss():
    return HoldThenEase(0.2, 0.5, blend_in_seconds=0.3, rest={"Arm": quat.IDENTITY}, mix_floats=_slerp_floats)


def _script():
    """Never tracked, tracked (blending in, then steady), lost (held, easing, at rest), back."""
    t = 0.0
    for tracked, frames in ((None, 5), (TURN, 20), (None, 40), (OTHER, 20)):
        for _ in range(frames):
            t += 1 / 30
            yield (None if tracked is None else {"Arm": tracked}), t


def test_update_shared_gives_update_values():
    copying, shared = _loss(), _loss()
    for values, t in _script():
        expected = copying.update(None if values is None else dict(values), t)
        assert shared.update_shared(values, t) == expected
        assert shared.easing == copying.easing


def test_update_shared_hands_back_the_steady_values_themselves():
    loss = _loss()
    for values, t in _script():
        if values is not None:
            out = loss.update_shared(values, t)
    assert not loss.easing and out is values


def test_update_keeps_its_state_from_the_caller_dicts():
    loss = _loss()
    loss.update({"Arm": TURN}, 1.0)
    given = {"Arm": TURN}
    shown = loss.update(given, 1.5)  # blended in: the tracked value
    assert shown == {"Arm": TURN}
    given["Arm"] = OTHER
    shown["Arm"] = OTHER
    # Lost: holds what was shown, not what the caller wrote into either dict afterwards.
    assert loss.update(None, 1.6)["Arm"] == TURN


def test_easing_rest_to_rest_is_the_identity_to_the_bit():
    """The body solver's upper-body-only legs and feet rest as the constant identity instead
    of running their losses: slerp from rest to rest at any weight, and the identity twist on
    the resting shank, are the identity with positive zeros."""
    for w in np.linspace(0.0, 1.0, 10001).tolist():
        q = _slerp_floats(fr.IDENTITY, fr.IDENTITY, w)
        assert q == fr.IDENTITY and all(math.copysign(1.0, c) == 1.0 for c in q)
    q = fr.unit_or_identity(fr.multiply(fr.IDENTITY, fr.IDENTITY))
    assert q == fr.IDENTITY and all(math.copysign(1.0, c) == 1.0 for c in q)
