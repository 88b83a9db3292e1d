"""The plain-float rotation helpers agree with the array code they stand in for."""
import numpy as np
import pytest

from vtdriver import float_rotation as fr
from vtdriver import humanoid, quat
from vtdriver.solvers import bone_frames
from vtdriver.solvers.limb import solve_limb


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _close(a, b, tol=1e-12):
    return np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)).max() <= tol


def test_products_and_rotations_match_quat(rng):
    for _ in range(500):
        a, b = quat.normalize(rng.normal(size=(2, 4)))
        v = rng.normal(size=3)
        assert _close(fr.multiply(tuple(a), tuple(b)), quat.multiply(a, b))
        assert fr.relative(tuple(a), tuple(b)) == fr.multiply(fr.conjugate(tuple(a)), tuple(b))
        assert _close(fr.rotate(tuple(a), tuple(v)), quat.rotate(a, v))
        assert _close(fr.cross(tuple(v), tuple(b[:3])), np.cross(v, b[:3]))


def test_frame_rotation_and_shortest_arc_match_the_array_code(rng):
    for _ in range(500):
        p, s, rp, rs = rng.normal(size=(4, 3))
        axes = tuple(int(i) for i in rng.choice(3, 2, replace=False))
        expected = bone_frames.frame_rotation(p, s, rp, rs, *axes)
        got = fr.frame_rotation(tuple(p), tuple(s), tuple(rp), tuple(rs), *axes)
        assert min(np.abs(np.array(got) - expected).max(), np.abs(np.array(got) + expected).max()) < 1e-12
        a, b = quat.normalize(rng.normal(size=(2, 3)))
        assert _close(fr.shortest_arc(tuple(a), tuple(b)), quat.from_two_vectors(a, b))


def test_limb_twist_split_matches_the_array_code_and_recomposes(rng):
    # solve_limb splits the end bone's rotation relative to the lower bone into twist and swing
    # on floats; bone_frames.twist_then_swing is the array code it stands in for.
    bones = ("RightUpperArm", "RightLowerArm", "RightHand")
    rest_lower = tuple(quat.normalize(humanoid.REST_OFFSET["RightHand"]).tolist())
    for _ in range(300):
        root, middle, end = rng.normal(size=(3, 3))
        parent, hand = quat.normalize(rng.normal(size=(2, 4)))
        limb = solve_limb(root.tolist(), middle.tolist(), end.tolist(), bones, (0.0, 0.0, 1.0), tuple(parent.tolist()), tuple(hand.tolist()))
        relative = quat.multiply(quat.conjugate(np.array(limb.lower_untwisted)), hand)
        expected_twist, expected_swing = bone_frames.twist_then_swing(relative, np.array(rest_lower))
        assert _close(limb.twist, expected_twist) and _close(limb.end_local, expected_swing)
        assert _close(quat.multiply(np.array(limb.twist), np.array(limb.end_local)), relative, 1e-12)


def test_degenerate_input_is_reported_not_guessed():
    zero = (0.0, 0.0, 0.0)
    assert fr.unit(zero) is None
    assert fr.unit((float("nan"), 0.0, 1.0)) is None
    assert fr.shortest_arc((1.0, 0.0, 0.0), (-1.0, 0.0, 0.0)) is None
    assert fr.frame_rotation((1.0, 0.0, 0.0), (2.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), 0, 1) is None


def test_limb_handles_straight_reversed_and_degenerate_arms():
    shoulder = (0.0, 0.0, 0.0)
    identity = fr.IDENTITY
    bones = ("RightUpperArm", "RightLowerArm", "RightHand")
    flexion = (0.0, 0.0, 1.0)
    straight = solve_limb(shoulder, (0.3, 0.0, 0.0), (0.6, 0.0, 0.0), bones, flexion, identity, None)
    assert _close(straight.upper, identity, 1e-12) and _close(straight.lower_untwisted, identity, 1e-12)
    # Forearm folded exactly back onto the upper arm: the half-turn swing goes through the
    # array code's fallback axis, and the result is still a finite unit rotation.
    folded = solve_limb(shoulder, (0.3, 0.0, 0.0), (0.0, 0.0, 0.0), bones, flexion, identity, identity)
    for q in (folded.upper, folded.lower_untwisted, folded.twist, folded.end_local):
        assert np.all(np.isfinite(q)) and abs(np.linalg.norm(q) - 1.0) < 1e-12
    assert solve_limb(shoulder, shoulder, np.array([0.6, 0, 0]), bones, flexion, identity, None) is None


def test_spine_fit_step_matches_numpy_least_squares(rng):
    from vtdriver.solvers import spine_fit

    for _ in range(500):
        n = int(rng.choice([2, 3]))
        jacobian, r = rng.normal(size=(6, n)), rng.normal(size=6)
        got = spine_fit._least_squares_step([list(c) for c in jacobian.T], list(r))
        expected = np.linalg.lstsq(jacobian, -r, rcond=1e-9)[0]
        assert _close(got, expected, 1e-10 * max(1.0, np.abs(expected).max()))
    # Rank-deficient: the minimum-norm answer numpy gives, not a blow-up.
    rank_one = np.ones((6, 3))
    got = spine_fit._least_squares_step([list(c) for c in rank_one.T], [1.0] * 6)
    assert _close(got, np.linalg.lstsq(rank_one, -np.ones(6), rcond=1e-9)[0], 1e-12)


def test_upper_body_fit_jacobian_matches_central_differences(rng, monkeypatch):
    """The upper-body fit's closed-form Jacobian (chest x axis and the fractional turns of the
    spine chain) against central differences of its own residuals, including rotation vectors
    small enough for the series branches."""
    from vtdriver.solvers import spine_fit

    seen = {}
    real = spine_fit.gauss_newton

    def capture(residuals, start, linearized=None):
        seen["residuals"], seen["linearized"] = residuals, linearized
        return real(residuals, start, linearized)

    monkeypatch.setattr(spine_fit, "gauss_newton", capture)
    for trial in range(100):
        chest0 = tuple(quat.normalize(rng.normal(size=4)).tolist())
        up = tuple(quat.normalize(rng.normal(size=3)).tolist())
        spine_fit.fit_upper_body(chest0, tuple(rng.normal(size=3).tolist()), up)
        assert seen["linearized"] is not None
        p = (rng.normal(size=3) * (0.5 if trial % 2 else 1e-5)).tolist()
        r, columns = seen["linearized"](p)
        assert r == seen["residuals"](p)
        h = 1e-6
        for j in range(3):
            plus, minus = list(p), list(p)
            plus[j] += h
            minus[j] -= h
            central = (np.array(seen["residuals"](plus)) - np.array(seen["residuals"](minus))) / (2 * h)
            assert _close(columns[j], central, 1e-8)


def test_upper_body_fit_recovers_an_exact_pose_and_stops_close_to_a_tight_fit(rng, monkeypatch):
    """An exact pose (chain and shoulder line both reachable) is found to 1e-6: the fit
    converges quadratically there, so the last step (below 1e-3 rad) leaves about its square.
    On poses no rotation fits exactly (landmark noise of 0.1 on unit directions), the stop
    lands within 1e-3 of a fit run to 1e-12."""
    from vtdriver.solvers import body_pose, spine_fit
    from vtdriver.solvers.bone_frames import frame_rotation_of

    for _ in range(50):
        # A chest leaning by up to ~25 degrees about a random axis, hips at rest.
        true_chest = fr.unit(tuple((rng.normal(size=3) * 0.25).tolist()))
        chest = tuple(quat.normalize(np.append(np.array(true_chest) * np.sin(0.2), np.cos(0.2))).tolist())
        up = fr.unit(spine_fit._chain_vector(chest))
        shoulder_line = fr.rotate(chest, (1.0, 0.0, 0.0))
        chest0 = frame_rotation_of(shoulder_line, up, body_pose._ACROSS_UP)
        got = spine_fit.fit_upper_body(chest0, shoulder_line, up)
        assert min(_max_abs_diff(got, chest), _max_abs_diff(got, [-x for x in chest])) < 1e-6

    noisy = []
    for _ in range(50):
        up = fr.unit(tuple((np.array([0.0, 1.0, 0.0]) + rng.normal(size=3) * 0.1).tolist()))
        shoulder_line = tuple((np.array([1.0, 0.0, 0.0]) + rng.normal(size=3) * 0.1).tolist())
        chest0 = frame_rotation_of(shoulder_line, up, body_pose._ACROSS_UP)
        noisy.append((chest0, shoulder_line, up))
    loose = [spine_fit.fit_upper_body(*pose) for pose in noisy]
    monkeypatch.setattr(spine_fit, "_CONVERGED_STEP", 1e-12)
    monkeypatch.setattr(spine_fit, "_MAX_ITERATIONS", 50)
    tight = [spine_fit.fit_upper_body(*pose) for pose in noisy]
    worst = max(min(_max_abs_diff(a, b), _max_abs_diff(a, [-x for x in b])) for a, b in zip(loose, tight))
    assert 0.0 < worst < 1e-3


def _max_abs_diff(a, b) -> float:
    return float(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)).max())
