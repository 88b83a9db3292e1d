"""The face solver's table-driven pieces behave like the per-item code they replaced: a grouped
weight filter like one Savitzky-Golay stream per group, features and blendshapes computed by
one matrix product still keep a non-finite input to the values that read it, and the
lazily rotated head pose gives the same features as the full mesh."""
from __future__ import annotations

import numpy as np
import pytest

from tests.face_synth import golden_face, landmarks
from vtdriver.smoothing import SavitzkyGolayStream, SmoothingSettings
from vtdriver.solvers import face_indices as fi
from vtdriver.solvers import face_priors as pr
from vtdriver.solvers.face_blendshapes import (
    WEIGHT_NAMES,
    BlendshapeModel,
    FeatureRanges,
    arkit_weights,
)
from vtdriver.solvers.face_calibration import RunningCalibration
from vtdriver.solvers.face_features import (
    FEATURE_INDEX,
    NUM_FEATURES,
    compute_features,
)
from vtdriver.solvers.face_geometry import head_pose
from vtdriver.solvers.face_measure import FaceMeasurer, measure_face
from vtdriver.solvers.face_smoothing import GroupedWeightSmoother


def _times(rng: np.random.Generator, count: int) -> list[float]:
    """30 fps with jitter, a dropped frame, a gap that restarts the filters and a step back."""
    steps = rng.uniform(0.8, 1.2, size=count) / 30.0
    steps[[20, 21]] = [2.0 / 30.0, 0.5]  # a dropped frame, then a gap above max_gap_seconds
    steps[60] = 1e-7  # jitter far above the weight-reuse tolerance
    times = list(np.cumsum(steps))
    times[90] = times[89] - 0.01  # backwards
    times[91:100] = [times[90] + (k + 1) / 30.0 for k in range(9)]  # steady again
    return times


@pytest.mark.parametrize("lag", [0, 1])  # all groups unlagged share one list of time offsets
def test_grouped_smoother_equals_one_stream_per_group(lag):
    rng = np.random.default_rng(3)
    groups = [SmoothingSettings(window=w, polyorder=min(1, w - 1)) for w in (3, 5, 7, 1, 5)]
    groups[1] = SmoothingSettings(window=5, polyorder=1, lag_frames=lag)
    columns = [groups[j % len(groups)] for j in range(12)]
    grouped = GroupedWeightSmoother(columns)
    streams = [SavitzkyGolayStream(s) for s in groups]
    times = _times(rng, 120)
    for k, t in enumerate(times):
        sample = rng.uniform(0.0, 1.0, size=len(columns))
        if k == 40:
            t = float("nan")  # an unusable time restarts every group
        out = grouped.update(sample, t)
        expected = [stream.update(sample[[j for j, s in enumerate(columns) if s == group]], t)
                    for stream, group in zip(streams, groups)]
        if k == 40:
            assert out is None and all(e is None for e in expected)
            continue
        for group, values in zip(groups, expected):
            mine = out[[j for j, s in enumerate(columns) if s == group]]
            assert np.allclose(mine, values, rtol=0, atol=1e-12), (k, group.window)


def test_grouped_smoother_needs_one_time_line():
    with pytest.raises(ValueError, match="max_gap_seconds"):
        GroupedWeightSmoother([SmoothingSettings(window=3), SmoothingSettings(window=5, max_gap_seconds=1.0)])


def test_non_finite_landmark_spoils_only_the_features_that_read_it():
    pose = head_pose(golden_face(), (820, 1024))
    clean = compute_features(pose.local)
    spoiled = pose.local.copy()
    spoiled[fi.CHIN, 1] = np.nan
    with np.errstate(invalid="ignore"):
        features = compute_features(spoiled)
    readers = [FEATURE_INDEX[name] for name in ("jaw_drop",)]
    others = np.setdiff1d(np.arange(len(clean)), readers)
    assert np.all(features[readers] == 0.0)
    assert np.allclose(features[others], clean[others], rtol=0, atol=1e-15)


@pytest.mark.parametrize("points", [478, 468])
def test_measured_features_equal_the_full_mesh_features(points):
    # The solver (FaceMeasurer) and calibration (measure_face) read only the rows they need;
    # they must give what the whole head pose gives.
    face, size = golden_face()[:points], (820, 1024)
    pose = head_pose(face, size)
    for rows, features in (measure_face(face, size), FaceMeasurer().measure(face, size)):
        # The solver folds the origin and the image scale into its products: rounding differs.
        assert np.allclose(features, compute_features(pose.local), rtol=0, atol=1e-14)
        assert np.allclose(rows, pose.rotation, rtol=0, atol=1e-15)
        if points == 468:
            assert np.all(np.array(features)[[FEATURE_INDEX[n] for n in ("iris_x_r", "iris_x_l", "iris_y_r", "iris_y_l")]] == 0)


def test_head_pose_keeps_its_own_points():
    face = golden_face()
    pose = head_pose(face, (820, 1024))
    before = pose.local.copy()
    assert not pose.local.flags.writeable
    face[:] = 0.0  # the caller reuses its array; the pose's (lazy) local does not change
    assert np.array_equal(head_pose(golden_face(), (820, 1024)).local, before)


def test_non_finite_feature_spoils_only_the_weights_that_use_it():
    neutral = pr.neutral_prior()
    features = neutral + np.random.default_rng(1).normal(scale=0.03, size=neutral.shape)
    clean = arkit_weights(features, neutral)
    spoiled = features.copy()
    spoiled[FEATURE_INDEX["jaw_x"]] = np.inf
    with np.errstate(invalid="ignore"):
        weights = arkit_weights(spoiled, neutral)
    assert list(weights) == list(WEIGHT_NAMES)
    assert weights["jawLeft"] == weights["jawRight"] == 0.0
    assert all(weights[name] == pytest.approx(clean[name], abs=1e-15) for name in clean if not name.startswith("jaw"))


def test_blendshape_model_weights_stay_in_unit_range_for_any_ranges():
    rng = np.random.default_rng(2)
    neutral = pr.neutral_prior()
    model = BlendshapeModel(FeatureRanges(jaw=0.3, lip_gap=0.2, closed_upper_lid_r=0.05, closed_upper_lid_l=0.06))
    for _ in range(200):
        features = neutral + rng.normal(scale=0.3, size=neutral.shape)
        weights = model.weights(features, neutral, rng.uniform(0.5, 1.0, size=neutral.shape))
        assert weights.shape == (len(WEIGHT_NAMES),)
        assert np.all((weights >= 0.0) & (weights <= 1.0))


def test_running_calibration_values_are_read_only_and_move_with_samples():
    calibration = RunningCalibration(pr.neutral_prior(), sample_every=2, warmup=2)
    frame = compute_features(head_pose(golden_face(), (820, 1024)).local)
    assert not calibration.neutral.flags.writeable and not calibration.range_scale.flags.writeable
    start = calibration.neutral
    for _ in range(4):
        calibration.update(frame)
    assert calibration.samples == 2
    assert np.allclose(calibration.neutral, frame)  # warm: the median of identical samples
    assert not np.allclose(start, frame)


def test_running_calibration_median_is_numpys_over_a_wrapping_window():
    # A window of 7 samples (odd) then 8 (even), filled and overwritten several times over,
    # with repeated values and signed zeros: the kept sorted columns must give np.median of
    # exactly the samples the ring holds, and the neutral the prior blended towards it.
    rng = np.random.default_rng(3)
    for history in (7, 8):
        base = pr.neutral_prior()
        calibration = RunningCalibration(base, history=history, sample_every=3, warmup=4)
        held = []
        for frame in range(90):
            features = rng.normal(size=NUM_FEATURES).round(1)  # ties between samples
            features[:3] = (0.0, -0.0, rng.choice((0.0, -0.0)))
            calibration.update(features.tolist(), finite=True)
            if frame % 3 == 0:
                held = (held + [features])[-history:]
            median = np.median(np.array(held), axis=0)
            confidence = min(len(held) / 4, 1.0)
            assert calibration.samples == len(held)
            assert np.array_equal(calibration.neutral, base + confidence * (median - base))


def test_solver_output_keys_and_order_are_stable():
    from vtdriver.solvers.face import FaceSolver

    solver = FaceSolver()
    tracked = solver.solve(landmarks(golden_face())).blendshapes
    lost = solver.solve(landmarks(None, t=0.1)).blendshapes
    assert set(tracked) == set(lost)
    assert list(tracked)[: len(WEIGHT_NAMES)] == list(WEIGHT_NAMES)
