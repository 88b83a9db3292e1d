"""Synthetic bodies for tests: random anatomically plausible local rotations pushed through a
forward-kinematics model of the humanoid rest skeleton to MediaPipe-style landmarks (pose
world, pose image, hand image), so the body solver's output can be compared with the truth.

The FK model is the humanoid rest skeleton plus the landmark points MediaPipe reports and the
solver reads (face, hand and foot points) placed in their bones' frames. Ranges are in degrees,
roughly active joint ranges from anatomy tables, on the right side; the left side is its mirror
image. The spine bends evenly over its three bones: its curvature between the hip and shoulder
points is invisible to MediaPipe, so the solver assumes the same.
"""
from __future__ import annotations

import numpy as np

from vtdriver import coords, humanoid, quat
from vtdriver.frame import Landmarks
from vtdriver.solvers import body_pose as bp
from vtdriver.solvers.bone_frames import partial_rotation
from vtdriver.solvers.hand_frame import POSE_HAND_POINTS, pose_hand_points_at_rest

X, Y, Z = np.eye(3)
IMAGE_SIZE = (1280, 720)
PIXELS_PER_METRE = 300.0

# Points in the Head bone's frame (metres): eyes where humanoid puts the eye bones, the mouth
# corners straight below them, ears at the sides. Left = -X.
_HEAD_POINTS = {
    0: (0.0, 0.03, 0.11),  # nose
    2: (-0.032, 0.07, 0.08),  # left eye
    5: (0.032, 0.07, 0.08),
    1: (-0.02, 0.07, 0.085), 3: (-0.045, 0.07, 0.075),
    4: (0.02, 0.07, 0.085), 6: (0.045, 0.07, 0.075),
    7: (-0.075, 0.05, 0.0),  # left ear
    8: (0.075, 0.05, 0.0),
    9: (-0.025, 0.0, 0.08),  # mouth left
    10: (0.025, 0.0, 0.08),
}
# Heel and toe tip in the Foot bone's frame: level, the toe tip in front (flat rest foot).
_HEEL = np.array([0.0, -0.07, -0.05])
_TOE_TIP = np.array([0.0, -0.07, 0.16])


def _rot(axis, degrees):
    return quat.from_axis_angle(np.asarray(axis, float), np.radians(degrees))


def _chain(*qs):
    out = quat.IDENTITY
    for q in qs:
        out = quat.multiply(out, q)
    return out


def _u(rng, lo, hi):
    return rng.uniform(lo, hi)


def random_locals(rng: np.random.Generator, full_body: bool = True) -> dict[str, np.ndarray]:
    """Local rotations of a random plausible pose (right side sampled, left mirrored)."""
    local = {}
    if full_body:
        local["Hips"] = _chain(_rot(Y, _u(rng, -40, 40)), _rot(X, _u(rng, -15, 15)), _rot(Z, _u(rng, -10, 10)))
    torso = _chain(_rot(Y, _u(rng, -35, 35)), _rot(X, _u(rng, -10, 35)), _rot(Z, _u(rng, -20, 20)))
    for name in bp.SPINE_BONES:
        local[name] = partial_rotation(torso, 1.0 / 3.0)
    head = _chain(_rot(Y, _u(rng, -60, 60)), _rot(X, _u(rng, -35, 35)), _rot(Z, _u(rng, -25, 25)))
    local["Neck"] = partial_rotation(head, rng.uniform(0.3, 0.7))
    local["Head"] = quat.multiply(quat.conjugate(local["Neck"]), head)
    for side in ("Right", "Left"):
        arm = {
            "UpperArm": _chain(_rot(Y, _u(rng, -100, 30)), _rot(Z, _u(rng, -80, 80)), _rot(X, _u(rng, -60, 60))),
            # Elbow hinge (forward bend is -Y for the right arm) then forearm pronation.
            "LowerArm": _chain(_rot(Y, _u(rng, -145, 0)), _rot(X, _u(rng, -70, 70))),
            "Hand": _chain(_rot(Z, _u(rng, -60, 60)), _rot(Y, _u(rng, -25, 25))),
        }
        leg = {
            "UpperLeg": _chain(_rot(X, _u(rng, -100, 20)), _rot(Z, _u(rng, -10, 35)), _rot(Y, _u(rng, -30, 30))),
            "LowerLeg": _chain(_rot(X, _u(rng, 0, 130)), _rot(Y, _u(rng, -10, 10))),
            "Foot": _chain(_rot(X, _u(rng, -30, 30)), _rot(Z, _u(rng, -15, 15))),
        }
        bones = {**arm, **leg} if full_body else arm
        for bone, q in bones.items():
            local[f"{side}{bone}"] = q if side == "Right" else coords.mirror_rotation(q)
    return local


def t_pose_locals() -> dict[str, np.ndarray]:
    return {}


_BODY = tuple(n for n in humanoid.BONE_NAMES if not any(f in n for f in humanoid.FINGERS))


def fk(local: dict[str, np.ndarray]):
    """World positions and rotations of the body bones (the test's own FK model: the humanoid
    rest offsets, each bone placed by its parent's world rotation)."""
    pos, rot = {}, {}
    for name in _BODY:
        parent = humanoid.PARENT[name]
        own = local.get(name, quat.IDENTITY)
        if parent is None:
            pos[name], rot[name] = humanoid.REST_OFFSET[name], own
        else:
            pos[name] = pos[parent] + quat.rotate(rot[parent], humanoid.REST_OFFSET[name])
            rot[name] = quat.multiply(rot[parent], own)
    return pos, rot


def landmarks_unity(local: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """33 pose points and the 21-point hands (Unity axes, metres) of a pose."""
    pos, rot = fk(local)
    pose = np.zeros((33, 3))
    for side in ("left", "right"):
        s = side.capitalize()
        pose[bp.SHOULDER[side]] = pos[f"{s}UpperArm"]
        pose[bp.ELBOW[side]] = pos[f"{s}LowerArm"]
        pose[bp.WRIST[side]] = pos[f"{s}Hand"]
        pose[bp.HIP[side]] = pos[f"{s}UpperLeg"]
        pose[bp.KNEE[side]] = pos[f"{s}LowerLeg"]
        pose[bp.ANKLE[side]] = pos[f"{s}Foot"]
        pose[bp.HEEL[side]] = pos[f"{s}Foot"] + quat.rotate(rot[f"{s}Foot"], _HEEL)
        pose[bp.FOOT_INDEX[side]] = pos[f"{s}Foot"] + quat.rotate(rot[f"{s}Foot"], _TOE_TIP)
        for key, offset in pose_hand_points_at_rest(side).items():
            pose[POSE_HAND_POINTS[side][key]] = pos[f"{s}Hand"] + quat.rotate(rot[f"{s}Hand"], offset)
    for index, offset in _HEAD_POINTS.items():
        pose[index] = pos["Head"] + quat.rotate(rot["Head"], np.array(offset))
    hands = {}
    for side in ("left", "right"):
        s = side.capitalize()
        # Straight fingers at rest relative to the palm: the knuckles are what the hand frame
        # reads; the joints along each finger only need to be plausible.
        rest = np.zeros((21, 3))
        for f, finger in enumerate(humanoid.FINGERS):
            root = humanoid.REST_OFFSET[f"{s}{finger}Proximal"]
            along = quat.normalize(humanoid.REST_OFFSET[f"{s}{finger}Intermediate"])
            rest[1 + 4 * f: 5 + 4 * f] = root + along * (0.03 * np.arange(4))[:, None]
        hands[side] = pos[f"{s}Hand"] + quat.rotate(rot[f"{s}Hand"], rest)
    return pose, hands


def make_landmarks(local: dict[str, np.ndarray], t: float = 0.0, with_hands: bool = True, visibility: float = 0.99) -> Landmarks:
    pose, hands = landmarks_unity(local)
    hip_centre = 0.5 * (pose[bp.HIP["left"]] + pose[bp.HIP["right"]])
    world = np.column_stack((coords.unity_to_world(pose - hip_centre), np.full(33, visibility)))
    # The image: the body in front of the camera at a fixed scale, centred in the frame.
    centre_px = coords.image_to_unity(np.array([0.5, 0.5, 0.0]), IMAGE_SIZE)
    to_image = lambda p: coords.unity_to_image((p - hip_centre) * PIXELS_PER_METRE + centre_px, IMAGE_SIZE)
    image = np.column_stack((to_image(pose), np.full(33, visibility)))
    hand_parts = {f"{side}_hand": to_image(hands[side]) for side in hands} if with_hands else {}
    return Landmarks(t=t, image_size=IMAGE_SIZE, pose=image, pose_world=world, **hand_parts)


def limb_directions(local: dict[str, np.ndarray], positions=None) -> dict[str, np.ndarray]:
    """The directions the issue compares: arms, legs, spine, shoulder line, hip line."""
    pos = fk(local)[0] if positions is None else positions
    out = {}
    for s in ("Left", "Right"):
        out[f"{s}UpperArm"] = pos[f"{s}LowerArm"] - pos[f"{s}UpperArm"]
        out[f"{s}LowerArm"] = pos[f"{s}Hand"] - pos[f"{s}LowerArm"]
        out[f"{s}UpperLeg"] = pos[f"{s}LowerLeg"] - pos[f"{s}UpperLeg"]
        out[f"{s}LowerLeg"] = pos[f"{s}Foot"] - pos[f"{s}LowerLeg"]
    hip_centre = 0.5 * (pos["LeftUpperLeg"] + pos["RightUpperLeg"])
    shoulder_centre = 0.5 * (pos["LeftUpperArm"] + pos["RightUpperArm"])
    out["spine"] = shoulder_centre - hip_centre
    out["shoulder_line"] = pos["RightUpperArm"] - pos["LeftUpperArm"]
    out["hip_line"] = pos["RightUpperLeg"] - pos["LeftUpperLeg"]
    return out
