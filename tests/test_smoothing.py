import numpy as np
import pytest
from scipy.signal import savgol_coeffs

from vtdriver import quat
from vtdriver.loss_easing import HoldThenEase, lerp
from vtdriver.smoothing import (
    FitWeightCache,
    LandmarkSmoother,
    SavitzkyGolayStream,
    SmoothingSettings,
    savgol_weights,
)

FPS = 30.0


def _run(stream, samples, times):
    return [stream.update(s, t) for s, t in zip(samples, times)]


@pytest.mark.parametrize("window,polyorder,lag", [(9, 1, 0), (9, 2, 0), (7, 2, 2), (5, 0, 0), (11, 3, 1)])
def test_uniform_weights_equal_scipy_savgol_coeffs(window, polyorder, lag):
    times = np.arange(window) / FPS + 12.3
    ours = savgol_weights(times, polyorder, window - 1 - lag)
    ref = savgol_coeffs(window, polyorder, pos=window - 1 - lag, use="dot")
    assert np.allclose(ours, ref, atol=1e-10)


@pytest.mark.parametrize("polyorder", [1, 2, 3])
def test_constant_velocity_is_tracked_with_zero_lag(polyorder):
    stream = SavitzkyGolayStream(SmoothingSettings(window=9, polyorder=polyorder))
    velocity = np.array([[0.3, -0.1, 0.05]] * 33)
    times = np.arange(60) / FPS
    out = _run(stream, [velocity * t + 1.0 for t in times], times)
    for o, t in zip(out, times):
        assert np.allclose(o, velocity * t + 1.0, atol=1e-9)


def test_lag_frames_evaluates_the_fit_that_many_frames_back():
    stream = SavitzkyGolayStream(SmoothingSettings(window=9, polyorder=1, lag_frames=2))
    times = np.arange(40) / FPS
    out = _run(stream, [np.array([2.0 * t]) for t in times], times)
    assert np.allclose(out[-1], 2.0 * times[-3])


def test_non_uniform_timestamps_still_track_a_line_exactly():
    rng = np.random.default_rng(4)
    # Jittery intervals plus two dropped frames: a fit on frame indices would bend the line.
    dt = rng.uniform(0.5, 1.5, size=50) / FPS
    dt[[10, 30]] *= 3
    times = np.cumsum(dt)
    stream = SavitzkyGolayStream(SmoothingSettings(window=9, polyorder=2))
    out = _run(stream, [np.array([5.0 * t, -t]) for t in times], times)
    assert np.allclose(out[-1], [5.0 * times[-1], -times[-1]], atol=1e-9)


def test_noise_is_reduced_on_a_still_signal():
    rng = np.random.default_rng(0)
    noise = rng.normal(scale=0.01, size=(300, 33, 3))
    stream = SavitzkyGolayStream(SmoothingSettings(window=9, polyorder=1))
    out = np.array(_run(stream, list(noise), np.arange(300) / FPS))
    raw_jitter = np.abs(np.diff(noise, axis=0)).mean()
    smooth_jitter = np.abs(np.diff(out[20:], axis=0)).mean()
    assert smooth_jitter < 0.5 * raw_jitter


def test_gap_longer_than_max_gap_resets_instead_of_smearing():
    stream = SavitzkyGolayStream(SmoothingSettings(window=9, polyorder=1, max_gap_seconds=0.2))
    times = list(np.arange(20) / FPS)
    _run(stream, [np.array([0.0])] * 20, times)
    after_gap = stream.update(np.array([1.0]), times[-1] + 0.5)
    assert after_gap[0] == 1.0  # no memory of the value before the gap
    assert len(stream) == 1


def test_drop_out_resets_and_returns_none():
    smoother = LandmarkSmoother(SmoothingSettings(window=5, polyorder=1))
    for i in range(10):
        smoother.smooth(np.zeros((21, 3)), i / FPS)
    assert smoother.smooth(None, 10 / FPS) is None
    back = smoother.smooth(np.ones((21, 3)), 11 / FPS)
    assert np.all(back == 1.0)


def test_time_going_backwards_and_shape_change_reset():
    stream = SavitzkyGolayStream(SmoothingSettings(window=5, polyorder=1))
    _run(stream, [np.zeros(3)] * 5, np.arange(5) / FPS)
    assert np.all(stream.update(np.ones(3), 0.0) == 1.0)
    assert np.all(stream.update(np.full(4, 2.0), 0.1) == 2.0)


def test_visibility_passes_through_and_input_is_not_mutated():
    smoother = LandmarkSmoother(SmoothingSettings(window=5, polyorder=1))
    rng = np.random.default_rng(1)
    last = None
    for i in range(10):
        points = rng.uniform(size=(33, 4))
        before = points.copy()
        out = smoother.smooth(points, i / FPS)
        assert np.array_equal(points, before)
        assert out is not points
        assert np.array_equal(out[:, 3], points[:, 3])
        last = out
    assert not np.allclose(last[:, :3], points[:, :3])  # it did smooth the coordinates


def test_nan_entries_borrow_history_and_never_leak():
    stream = SavitzkyGolayStream(SmoothingSettings(window=5, polyorder=1))
    assert stream.update(np.array([np.nan, 1.0]), 0.0) is None
    stream.update(np.array([1.0, 1.0]), 0.1)
    out = stream.update(np.array([np.nan, np.inf]), 0.2)
    assert np.all(np.isfinite(out))
    assert stream.update(np.array([1.0]), np.nan) is None


@pytest.mark.parametrize(
    "kwargs,key",
    [
        ({"window": 8}, "window"),
        ({"window": 5, "polyorder": 5}, "polyorder"),
        ({"window": 5, "lag_frames": 5}, "lag_frames"),
        ({"max_gap_seconds": 0.0}, "max_gap_seconds"),
        ({"window": 5.0}, "window"),
        ({"polyorder": -1}, "polyorder"),
    ],
)
def test_settings_validation_names_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        SmoothingSettings(**kwargs)


def test_window_one_is_a_pass_through():
    stream = SavitzkyGolayStream(SmoothingSettings(window=1, polyorder=0))
    x = np.random.default_rng(2).normal(size=(10, 5))
    out = _run(stream, list(x), np.arange(10) / FPS)
    assert np.allclose(np.array(out), x)


# --- HoldThenEase -----------------------------------------------------------------------------

TURN = quat.from_axis_angle(np.array([0.0, 1.0, 0.0]), np.pi / 2)


def _angle_deg(a, b):
    return float(np.degrees(quat.angle_between(a, b)))


def test_hold_then_ease_to_rest_without_snapping():
    loss = HoldThenEase(hold_seconds=0.5, ease_seconds=1.0, blend_in_seconds=0.0, rest={"Arm": quat.IDENTITY})
    loss.update({"Arm": TURN}, 0.0)
    times = np.arange(1, 120) / 40.0
    outs = [loss.update(None, t)["Arm"] for t in times]
    held = [o for o, t in zip(outs, times) if t <= 0.5]
    assert all(_angle_deg(o, TURN) < 1e-6 for o in held)
    assert _angle_deg(outs[-1], quat.IDENTITY) < 1e-6
    steps = [_angle_deg(a, b) for a, b in zip(outs, outs[1:])]
    assert max(steps) < 90.0 * 1.5 / 40.0  # smoothstep peaks at 1.5x the mean speed


def test_blend_back_in_when_tracking_returns():
    loss = HoldThenEase(hold_seconds=0.1, ease_seconds=0.5, rest={"Arm": quat.IDENTITY})
    loss.update({"Arm": TURN}, 0.0)
    for t in np.arange(1, 60) / 30.0:
        shown = loss.update(None, t)["Arm"]
    assert _angle_deg(shown, quat.IDENTITY) < 1e-6
    first = loss.update({"Arm": TURN}, 2.0)["Arm"]
    assert _angle_deg(first, quat.IDENTITY) < 1e-6  # starts from what was shown, no jump
    mid = loss.update({"Arm": TURN}, 2.25)["Arm"]
    assert 10.0 < _angle_deg(mid, quat.IDENTITY) < 80.0
    assert _angle_deg(loss.update({"Arm": TURN}, 2.6)["Arm"], TURN) < 1e-6
    assert not loss.easing


def test_hold_then_ease_linear_mix_for_weights():
    loss = HoldThenEase(0.0, 1.0, blend_in_seconds=0.0, default_rest=np.array(0.0), mix=lerp)
    loss.update({"jawOpen": np.array(1.0)}, 0.0)
    assert float(loss.update(None, 0.1)["jawOpen"]) == pytest.approx(1.0)  # loss starts here
    assert float(loss.update(None, 0.6)["jawOpen"]) == pytest.approx(0.5)
    assert float(loss.update(None, 1.1)["jawOpen"]) == pytest.approx(0.0)


def test_hold_then_ease_never_tracked_gives_rest():
    loss = HoldThenEase(0.2, 0.3, rest={"Hips": quat.IDENTITY})
    assert np.allclose(loss.update(None, 0.0)["Hips"], quat.IDENTITY)


def test_fit_weights_are_reused_on_steady_times_and_refitted_on_jitter():
    cache = FitWeightCache(polyorder=1, lag_frames=0)
    first = cache.weights(list(12.0 + np.arange(9) / FPS))
    # Later frames of a steady stream: the same offsets up to float rounding, the same array.
    assert cache.weights(list(12.5 + np.arange(9) / FPS)) is first
    jittered = list(12.5 + np.arange(9) / FPS)
    jittered[4] += 1e-4
    refitted = cache.weights(jittered)
    assert refitted is not first
    assert np.allclose(refitted, savgol_weights(np.array(jittered), 1, 8), rtol=0, atol=1e-12)


@pytest.mark.parametrize("window,polyorder,lag", [(9, 1, 0), (7, 2, 2), (5, 1, 1), (1, 0, 0)])
def test_stream_equals_a_direct_fit_of_its_recent_samples(window, polyorder, lag):
    """The ring buffer, its weight layouts and the weight cache against a plain least-squares
    fit of the samples since the last restart, through jitter, repeats, gaps and a NaN entry."""
    rng = np.random.default_rng(window + polyorder + lag)
    settings = SmoothingSettings(window=window, polyorder=polyorder, lag_frames=lag, max_gap_seconds=0.2)
    stream = SavitzkyGolayStream(settings)
    t, kept = 0.0, []
    for k in range(200):
        t += 0.5 if k % 37 == 36 else (1.0 + (0.3 * rng.normal() if k % 3 == 0 else 0.0)) / FPS
        sample = rng.normal(size=(4, 3))
        if k % 29 == 5:
            sample[1, 2] = np.nan
        out = stream.update(sample, t)
        if kept and t - kept[-1][0] > settings.max_gap_seconds:
            kept = []
        if np.isnan(sample).any():
            sample = np.where(np.isnan(sample), kept[-1][1], sample)
        kept = (kept + [(t, sample)])[-window:]
        times = np.array([time for time, _ in kept])
        weights = savgol_weights(times, polyorder, max(len(kept) - 1 - lag, 0))
        expected = np.tensordot(weights, np.array([s for _, s in kept]), axes=1)
        assert np.allclose(out, expected, rtol=0, atol=1e-9), k


def test_four_column_points_smooth_xyz_like_a_stream_and_keep_visibility_bits():
    settings = SmoothingSettings(window=5, polyorder=1)
    smoother, stream = LandmarkSmoother(settings), SavitzkyGolayStream(settings)
    rng = np.random.default_rng(7)
    for i in range(12):
        points = rng.uniform(size=(33, 4))
        points[4, 3] = np.nan  # a NaN visibility is passed through, not a drop-out
        if i == 6:
            points[2, 1] = np.nan  # a NaN coordinate borrows from the history, as a stream's does
        out = smoother.smooth(points, i / FPS)
        expected = stream.update(points[:, :3], i / FPS)
        assert np.array_equal(out[:, :3], expected)
        assert np.array_equal(out[:, 3], points[:, 3], equal_nan=True)


def test_finite_hand_off_skips_the_check_and_gives_the_same_values():
    settings = SmoothingSettings(window=5, polyorder=1)
    checked, trusted = LandmarkSmoother(settings), LandmarkSmoother(settings)
    samples = np.random.default_rng(8).uniform(size=(8, 21, 3))
    got = [trusted.smooth(points, i / FPS, finite=True) for i, points in enumerate(samples)]
    want = [checked.smooth(points, i / FPS) for i, points in enumerate(samples)]
    assert all(map(np.array_equal, got, want))
