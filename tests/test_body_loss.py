"""Visibility, tracking loss and degenerate input for the body solver."""
import math
from dataclasses import replace

import numpy as np
import pytest

from tests import body_synth as synth
from vtdriver import quat
from vtdriver.frame import Landmarks
from vtdriver.solvers import body_pose as bp
from vtdriver.solvers.body import BodySettings, BodySolver

FPS = 30.0
ARM_UP = {
    "RightUpperArm": quat.from_axis_angle(np.array([0.0, 0.0, 1.0]), np.radians(70)),
    "LeftUpperArm": quat.from_axis_angle(np.array([0.0, 1.0, 0.0]), np.radians(40)),
    "RightLowerArm": quat.from_axis_angle(np.array([0.0, 1.0, 0.0]), np.radians(-90)),
}


def _deg(a, b):
    return float(np.degrees(quat.angle_between(a, b)))


def _max_step(frames, name):
    return max(_deg(a.bones[name], b.bones[name]) for a, b in zip(frames, frames[1:]))


def _hide(lm, indices):
    world = np.array(lm.pose_world)
    world[list(indices), 3] = 0.0
    return replace(lm, pose_world=world)


def test_settings_validation():
    with pytest.raises(ValueError, match="visibility_threshold"):
        BodySettings(visibility_threshold=1.5)
    with pytest.raises(ValueError, match="hold_seconds"):
        BodySettings(hold_seconds=-1.0)


def test_first_detection_blends_in_and_nothing_snaps():
    solver = BodySolver(BodySettings(blend_in_seconds=0.3))
    frames = [solver.solve(synth.make_landmarks(ARM_UP, t=i / FPS)) for i in range(30)]
    assert _deg(frames[0].bones["RightUpperArm"], quat.IDENTITY) < 1e-6
    assert _deg(frames[-1].bones["RightUpperArm"], ARM_UP["RightUpperArm"]) < 1e-6
    assert _max_step(frames, "RightUpperArm") < 70.0 * 1.5 / (0.3 * FPS) + 1e-6


def test_lost_body_holds_then_eases_to_rest_then_blends_back():
    settings = BodySettings(hold_seconds=0.5, ease_seconds=1.0, blend_in_seconds=0.3)
    solver = BodySolver(settings)
    tracked = synth.make_landmarks(ARM_UP)
    frames = [solver.solve(replace(tracked, t=i / FPS)) for i in range(30)]
    lost_from = 30
    for i in range(lost_from, lost_from + 90):
        frames.append(solver.solve(Landmarks(t=i / FPS, image_size=synth.IMAGE_SIZE)))
    held = frames[lost_from + int(0.4 * FPS)]
    assert not held.tracked
    assert _deg(held.bones["RightUpperArm"], ARM_UP["RightUpperArm"]) < 1e-6
    rested = frames[lost_from + int(1.6 * FPS)]
    assert all(_deg(q, quat.IDENTITY) < 1e-6 for q in rested.bones.values())
    for i in range(lost_from + 90, lost_from + 120):
        frames.append(solver.solve(replace(tracked, t=i / FPS)))
    assert _deg(frames[-1].bones["RightUpperArm"], ARM_UP["RightUpperArm"]) < 1e-6
    # The fastest change is the 0.3 s blend-in: smoothstep peaks at 1.5x the mean speed.
    assert _max_step(frames, "RightUpperArm") < 70.0 * 1.5 / (0.3 * FPS) + 0.1
    assert _max_step(frames, "RightLowerArm") < 90.0 * 1.5 / (0.3 * FPS) + 0.1


def test_invisible_arm_is_not_driven_by_noise_and_eases_to_rest():
    solver = BodySolver(BodySettings(hold_seconds=0.2, ease_seconds=0.5))
    base = synth.make_landmarks(ARM_UP)
    for i in range(20):
        solver.solve(replace(base, t=i / FPS))
    rng = np.random.default_rng(0)
    right_arm = (bp.ELBOW["right"], bp.WRIST["right"], 16, 18, 20, 22)
    last = None
    for i in range(20, 60):
        noisy = np.array(base.pose_world)
        noisy[list(right_arm), :3] += rng.normal(scale=0.3, size=(len(right_arm), 3))
        last = solver.solve(_hide(replace(base, pose_world=noisy, right_hand=None, t=i / FPS), right_arm))
    assert last.tracked and not last.parts["right_arm"]
    assert _deg(last.bones["RightUpperArm"], quat.IDENTITY) < 1e-6
    assert _deg(last.bones["LeftUpperArm"], ARM_UP["LeftUpperArm"]) < 1e-6


def test_legs_out_of_frame_ease_to_rest_in_full_body_mode():
    legs = {"LeftUpperLeg": quat.from_axis_angle(np.array([1.0, 0.0, 0.0]), np.radians(-60))}
    pose = {**ARM_UP, **legs}
    solver = BodySolver(BodySettings(upper_body_only=False, hold_seconds=0.2, ease_seconds=0.5, blend_in_seconds=0.0))
    base = synth.make_landmarks(pose)
    first = solver.solve(base)
    assert _deg(first.bones["LeftUpperLeg"], legs["LeftUpperLeg"]) < 1e-6
    leg_points = [bp.KNEE[s] for s in bp.SIDES] + [bp.ANKLE[s] for s in bp.SIDES] + [29, 30, 31, 32]
    frames = [solver.solve(_hide(replace(base, t=i / FPS), leg_points)) for i in range(1, 40)]
    assert frames[-1].tracked
    assert _deg(frames[-1].bones["LeftUpperLeg"], quat.IDENTITY) < 1e-6
    assert _deg(frames[-1].bones["RightUpperArm"], ARM_UP["RightUpperArm"]) < 1e-6
    assert _max_step(frames, "LeftUpperLeg") < 60.0 * 1.5 / (0.5 * FPS) + 1e-6


def test_root_motion_follows_the_body_in_the_image():
    solver = BodySolver(BodySettings(root_motion=True, blend_in_seconds=0.0))
    lm = synth.make_landmarks(ARM_UP)
    centred = solver.solve(lm).root_position
    image = np.array(lm.pose)
    image[:, 0] -= 0.1  # the streamer moves towards image-left: their right, Unity +X
    moved = solver.solve(replace(lm, pose=image, t=1 / FPS)).root_position
    shift_m = 0.1 * synth.IMAGE_SIZE[0] / synth.PIXELS_PER_METRE
    assert moved[0] - centred[0] == pytest.approx(shift_m, rel=1e-6)
    assert BodySolver().solve(lm).root_position is None


def _degenerate_inputs():
    rng = np.random.default_rng(1)
    good = synth.make_landmarks(synth.random_locals(rng))
    world = np.array(good.pose_world)
    collinear = world.copy()
    collinear[:, :3] = np.outer(np.linspace(-1, 1, 33), [0.3, 0.5, 0.1])
    zero_limbs = world.copy()
    zero_limbs[[13, 14, 15, 16, 25, 26, 27, 28], :3] = zero_limbs[[11, 12, 11, 12, 23, 24, 23, 24], :3]
    nan_some = world.copy()
    nan_some[[0, 11, 14, 25], :3] = np.nan
    inf_all = np.full_like(world, np.inf)
    equal = np.ones_like(world)
    return {
        "all equal": replace(good, pose_world=equal, pose=np.ones_like(good.pose)),
        "all zero": replace(good, pose_world=np.zeros_like(world)),
        "collinear": replace(good, pose_world=collinear),
        "zero-length limbs": replace(good, pose_world=zero_limbs),
        "nan in input": replace(good, pose_world=nan_some),
        "inf everywhere": replace(good, pose_world=inf_all, pose=inf_all, left_hand=np.full((21, 3), np.nan)),
        "degenerate hands": replace(good, left_hand=np.zeros((21, 3)), right_hand=np.ones((21, 3))),
        "random garbage": replace(good, pose_world=rng.normal(size=(33, 4)) * 1e6, pose=rng.normal(size=(33, 4))),
    }


@pytest.mark.parametrize("name", list(_degenerate_inputs()))
@pytest.mark.parametrize("upper_body_only", [True, False])
def test_degenerate_input_never_gives_nan(name, upper_body_only):
    lm = _degenerate_inputs()[name]
    solver = BodySolver(BodySettings(upper_body_only=upper_body_only, root_motion=True))
    for i in range(3):
        result = solver.solve(replace(lm, t=i / FPS))
        for bones in (result.bones, result.world):
            for bone, q in bones.items():
                assert q.shape == (4,) and np.all(np.isfinite(q)), (name, bone)
                assert abs(np.linalg.norm(q) - 1.0) < 1e-9
        assert result.root_position is None or np.all(np.isfinite(result.root_position))


def test_solver_does_not_mutate_its_input():
    lm = synth.make_landmarks(synth.random_locals(np.random.default_rng(4)))
    before = {k: np.array(getattr(lm, k)) for k in ("pose", "pose_world", "left_hand", "right_hand")}
    BodySolver(BodySettings(root_motion=True)).solve(lm)
    for k, v in before.items():
        assert np.array_equal(getattr(lm, k), v)


@pytest.mark.parametrize("threshold, arm_driven", [(0.0, True), (0.5, False)])
def test_unknown_visibility_counts_as_zero(threshold, arm_driven):
    # A NaN visibility is "not seen": a threshold of 0 accepts it, any higher one rejects it.
    base = synth.make_landmarks(ARM_UP, with_hands=False)
    world = np.array(base.pose_world)
    world[[bp.ELBOW["right"], bp.WRIST["right"]], 3] = np.nan
    parts = BodySolver(BodySettings(visibility_threshold=threshold)).solve_parts(replace(base, pose_world=world))
    assert "torso" in parts and ("right_arm" in parts) == arm_driven and "left_arm" in parts


@pytest.mark.parametrize("threshold", [0.0, 0.5])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_point_drops_its_part_at_any_threshold(threshold, bad):
    # Visible but not finite: the point is unusable however low the threshold.
    base = synth.make_landmarks(ARM_UP, with_hands=False)
    world = np.array(base.pose_world)
    world[bp.ELBOW["right"], 1] = bad
    solver = BodySolver(BodySettings(visibility_threshold=threshold))
    pose = solver._pose_input(replace(base, pose_world=world), None)
    assert pose.ok == pose.usable.tolist()
    assert not pose.ok[bp.ELBOW["right"]] and pose.ok.count(False) == 1
    parts = solver.solve_parts(replace(base, pose_world=world))
    assert "torso" in parts and "right_arm" not in parts and "left_arm" in parts


def test_upper_body_only_legs_rest_at_the_identity_with_positive_zeros():
    solver = BodySolver(BodySettings(upper_body_only=True))
    legs = [f"{s}{bone}" for s in ("Left", "Right") for bone in ("UpperLeg", "LowerLeg", "Foot")]
    for i in range(60):  # through the legs' whole hold and ease
        result = solver.solve(synth.make_landmarks(ARM_UP, t=i / FPS))
        for name in legs:
            assert result.bones[name].tolist() == [0.0, 0.0, 0.0, 1.0]
            assert not np.signbit(result.bones[name]).any()
            assert result.local_floats[name] == (0.0, 0.0, 0.0, 1.0)
        assert not any(result.parts[f"{s}_{p}"] for s in ("left", "right") for p in ("leg", "foot"))
        assert result.parts["torso"]


def test_unit_arrays_turn_a_non_finite_or_zero_bone_into_the_identity():
    from vtdriver.solvers.body import BODY_BONES, _unit_arrays

    half = math.sqrt(0.5)
    rotations = {name: (half, 0.0, 0.0, half) for name in BODY_BONES}
    rotations["Spine"] = (math.nan, 0.0, 0.0, 1.0)
    rotations["Chest"] = (0.0, 0.0, 0.0, 0.0)
    bones, floats = _unit_arrays(rotations)
    assert bones["Spine"].tolist() == [0.0, 0.0, 0.0, 1.0] and floats["Spine"] == (0.0, 0.0, 0.0, 1.0)
    assert bones["Chest"].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert np.allclose(bones["Hips"], (half, 0.0, 0.0, half))
    # Unit bones pass as they are, and the float dict is the caller's own.
    unit = {name: (half, 0.0, 0.0, half) for name in BODY_BONES}
    bones, floats = _unit_arrays(unit)
    assert floats is unit and bones.names is BODY_BONES
