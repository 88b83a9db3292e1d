"""Forward-kinematics round trip: random plausible poses -> MediaPipe-style landmarks -> body
solver -> FK on the solved rotations -> compare limb directions with the truth."""
import numpy as np
import pytest

from tests import body_synth as synth
from vtdriver import coords, humanoid, quat
from vtdriver.frame import AvatarFrame
from vtdriver.solvers.body import BodySettings, BodySolver

POSES = 500
INSTANT = dict(hold_seconds=0.0, ease_seconds=0.0, blend_in_seconds=0.0)
LIMBS = (
    "LeftUpperArm", "RightUpperArm", "LeftLowerArm", "RightLowerArm",
    "LeftUpperLeg", "RightUpperLeg", "LeftLowerLeg", "RightLowerLeg",
    "spine", "shoulder_line", "hip_line",
)


def _solve_once(local, **settings):
    return BodySolver(BodySettings(**{**INSTANT, **settings})).solve(synth.make_landmarks(local))


def _angle_deg(a, b):
    return float(np.degrees(quat.angle_between(a, b)))


@pytest.fixture(scope="module")
def round_trip():
    rng = np.random.default_rng(2024)
    errors = {name: [] for name in LIMBS}
    end_errors = {name: [] for name in ("LeftHand", "RightHand", "LeftFoot", "RightFoot", "Head")}
    solver = BodySolver(BodySettings(upper_body_only=False, **INSTANT))
    for i in range(POSES):
        local = synth.random_locals(rng)
        # One solver over a stream with gaps > hold: every frame is solved from its own landmarks.
        result = solver.solve(synth.make_landmarks(local, t=float(i)))
        truth, got = synth.limb_directions(local), synth.limb_directions(result.bones)
        for name in LIMBS:
            errors[name].append(np.degrees(quat.vector_angle(truth[name], got[name])))
        _, true_world = synth.fk(local)
        for name in end_errors:
            end_errors[name].append(_angle_deg(true_world[name], result.world[name]))
    return {k: np.array(v) for k, v in errors.items()}, {k: np.array(v) for k, v in end_errors.items()}


def test_fk_round_trip_limb_directions(round_trip):
    errors, _ = round_trip
    pooled = np.concatenate(list(errors.values()))
    assert len(pooled) == POSES * len(LIMBS)
    print(f"\nFK round trip over {POSES} poses: median {np.median(pooled):.2e} deg, p95 {np.percentile(pooled, 95):.2e} deg")
    for name, e in errors.items():
        print(f"  {name:14s} median {np.median(e):.2e}  p95 {np.percentile(e, 95):.2e}  max {e.max():.2e}")
        assert np.median(e) <= 1.0 and np.percentile(e, 95) <= 3.0, name


def test_fk_round_trip_end_orientations(round_trip):
    # Hands, feet and head orientations are fully defined by their landmarks: exact.
    _, end_errors = round_trip
    for name, e in end_errors.items():
        assert np.percentile(e, 95) < 0.01, (name, np.percentile(e, 95))


def test_world_rotations_are_consistent_with_local(round_trip):
    local = synth.random_locals(np.random.default_rng(9))
    result = _solve_once(local, upper_body_only=False)
    _, fk_world = humanoid.forward_kinematics(result.bones)
    for name, q in result.world.items():
        assert _angle_deg(q, fk_world[name]) < 1e-6, name
        # One bone's world rotation on floats (what the pipeline reads) is the same product.
        assert np.allclose(result.world_rotation(name), q, rtol=0.0, atol=1e-12), name


@pytest.mark.parametrize("upper_body_only", [True, False])
def test_t_pose_gives_identity(upper_body_only):
    result = _solve_once(synth.t_pose_locals(), upper_body_only=upper_body_only)
    assert result.tracked
    expected = {"Hips", "Spine", "Chest", "UpperChest", "Neck", "Head", "LeftUpperArm", "RightHand"}
    assert expected <= set(result.bones)
    for name, q in result.bones.items():
        assert _angle_deg(q, quat.IDENTITY) <= 1.0, name


def test_upper_body_mode_keeps_hips_and_legs_at_rest_but_leans_the_spine():
    rng = np.random.default_rng(3)
    for _ in range(20):
        local = synth.random_locals(rng)
        result = _solve_once(local, upper_body_only=True)
        for name in ("Hips", "LeftUpperLeg", "RightLowerLeg", "LeftFoot"):
            assert _angle_deg(result.bones[name], quat.IDENTITY) < 1e-9, name
        # The torso still faces where the landmarks say. With the hips pinned the spine cannot
        # match both the spine direction and the shoulder line of a pose whose pelvis moved:
        # a least-squares compromise of a few degrees; the arms stay exact.
        truth, got = synth.limb_directions(local), synth.limb_directions(result.bones)
        for name, tolerance in (("shoulder_line", 5.0), ("spine", 5.0), ("LeftUpperArm", 1e-6), ("RightLowerArm", 1e-6)):
            assert np.degrees(quat.vector_angle(truth[name], got[name])) < tolerance, name


def test_right_arm_drives_the_right_arm_in_window_mode():
    # Raise only the subject's right arm (Unity +X side) up: only RightUpperArm moves.
    raise_right = {"RightUpperArm": quat.from_axis_angle(np.array([0.0, 0.0, 1.0]), np.pi / 3)}
    result = _solve_once(raise_right)
    assert _angle_deg(result.bones["RightUpperArm"], raise_right["RightUpperArm"]) < 1e-6
    assert _angle_deg(result.bones["LeftUpperArm"], quat.IDENTITY) < 1e-6
    direction = quat.rotate(result.world["RightUpperArm"], humanoid.REST_OFFSET["RightLowerArm"])
    assert direction[0] > 0 and direction[1] > 0  # out to the right and up


def test_mirrored_pose_with_mirror_true_gives_exactly_the_mirrored_rotations():
    rng = np.random.default_rng(17)
    for _ in range(30):
        local = synth.random_locals(rng)
        mirrored_local = {coords.swap_side(k): coords.mirror_rotation(q) for k, q in local.items()}
        original = _solve_once(local, upper_body_only=False)
        mirrored = _solve_once(mirrored_local, upper_body_only=False)
        shown = coords.apply_mirror(AvatarFrame(t=0.0, bones=mirrored.bones), mirror=True)
        assert set(shown.bones) == set(original.bones)
        for name, q in original.bones.items():
            assert _angle_deg(shown.bones[name], q) < 1e-6, name
