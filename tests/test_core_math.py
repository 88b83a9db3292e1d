import numpy as np

from vtdriver import coords, humanoid, quat
from vtdriver.frame import AvatarFrame, GestureEvent


def _random_quats(n, seed=0):
    return quat.normalize(np.random.default_rng(seed).normal(size=(n, 4)))


def test_matrix_round_trip():
    q = _random_quats(200)
    back = quat.from_matrix(quat.to_matrix(q))
    assert np.all(np.degrees(quat.angle_between(q, back)) < 1e-6)


def test_rotate_matches_matrix():
    q = _random_quats(50, 1)
    v = np.random.default_rng(2).normal(size=(50, 3))
    assert np.allclose(quat.rotate(q, v), np.einsum("nij,nj->ni", quat.to_matrix(q), v))


def test_from_two_vectors_including_opposite():
    a = np.array([[1.0, 0, 0], [0, 1.0, 0], [0.3, -0.2, 0.9]])
    b = np.array([[-1.0, 0, 0], [0, 0, 1.0], [0.3, -0.2, 0.9]])
    q = quat.from_two_vectors(a, b)
    assert np.allclose(quat.rotate(q, quat.normalize(a)), quat.normalize(b), atol=1e-9)


def test_basis_is_proper_rotation():
    m = quat.basis(np.array([0.2, 1.0, 0.1]), np.array([0.0, 0.1, 1.0]), 1, 2)
    assert np.allclose(m.T @ m, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(m), 1.0)


def test_normalize_never_returns_nan():
    out = quat.normalize(np.array([[0.0, 0, 0, 0], [np.nan, 1, 0, 0]]))
    assert np.all(np.isfinite(out))


def test_window_mode_puts_subject_right_on_unity_plus_x():
    # MediaPipe: the subject's right wrist is image-left (negative x in world landmarks).
    right_wrist_mp = np.array([[-0.6, -0.3, -0.1]])
    unity = coords.world_to_unity(right_wrist_mp)
    assert unity[0, 0] > 0 and unity[0, 1] > 0 and unity[0, 2] > 0
    assert np.allclose(coords.unity_to_world(unity), right_wrist_mp)


def test_image_conversion_round_trip_and_isotropy():
    pts = np.array([[0.25, 0.5, -0.1], [0.75, 0.5, -0.1]])
    u = coords.image_to_unity(pts, (1280, 720))
    assert np.isclose(abs(u[1, 0] - u[0, 0]), 640)
    assert np.allclose(coords.unity_to_image(u, (1280, 720)), pts)


def test_mirror_is_an_involution_and_swaps_sides():
    q = _random_quats(1, 3)[0]
    frame = AvatarFrame(
        t=0.0,
        bones={"LeftUpperArm": q, "Head": q},
        root_position=np.array([0.1, 1.0, 0.2]),
        blendshapes={"eyeBlinkLeft": 0.9, "eyeBlinkRight": 0.1, "jawOpen": 0.3},
        gestures={"left": "fist", "right": None},
        events=[GestureEvent("left", "fist", "enter", 0.0)],
    )
    m = coords.mirror_avatar_frame(frame)
    assert set(m.bones) == {"RightUpperArm", "Head"}
    assert m.blendshapes == {"eyeBlinkRight": 0.9, "eyeBlinkLeft": 0.1, "jawOpen": 0.3}
    assert m.gestures == {"right": "fist", "left": None}
    assert m.events[0].hand == "right"
    assert np.allclose(m.root_position, [-0.1, 1.0, 0.2])
    back = coords.mirror_avatar_frame(m)
    assert np.allclose(back.bones["LeftUpperArm"], q)
    assert frame.bones["LeftUpperArm"] is q  # the input frame is untouched


def test_mirror_rotation_equals_reflected_matrix():
    q = _random_quats(20, 4)
    s = np.diag([-1.0, 1.0, 1.0])
    expected = s @ quat.to_matrix(q) @ s
    assert np.allclose(quat.to_matrix(coords.mirror_rotation(q)), expected)


def test_skeleton_rest_pose_fk():
    positions, rotations = humanoid.forward_kinematics({})
    assert positions["LeftHand"][0] < positions["LeftUpperArm"][0] < 0  # left arm along -X
    assert positions["RightHand"][0] > 0
    assert positions["Head"][1] > positions["Hips"][1] > positions["LeftFoot"][1]
    assert len(humanoid.BONE_NAMES) == 55


def test_world_to_local_inverts_fk():
    rng = np.random.default_rng(5)
    local = {name: quat.normalize(rng.normal(size=4)) for name in humanoid.BONE_NAMES}
    _, world = humanoid.forward_kinematics(local)
    back = humanoid.world_to_local(world)
    for name in humanoid.BONE_NAMES:
        assert np.degrees(quat.angle_between(local[name], back[name])) < 1e-6
