"""Body solver: MediaPipe pose (plus hands when tracked) -> humanoid bone rotations.

``BodySolver.solve(landmarks)`` returns LOCAL rotations in the VMC convention (relative to the
parent, Unity axes, identity = VRM T-pose) and the matching WORLD rotations of every body bone
(the face solver turns a head orientation into Neck/Head locals with them). The geometry lives
in ``body_pose`` (pure functions); this module adds visibility, upper-body mode and tracking
loss: every part (torso, head, each arm, hand, leg, foot, the root) holds its last value for
``hold_seconds`` when lost, eases to rest over ``ease_seconds``, and blends back in over
``blend_in_seconds`` when found again. Nothing snaps, not even the first detection.

Window mode only: mirror mode is ``coords.apply_mirror`` on the finished AvatarFrame.
"""
from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from vtdriver import coords, humanoid, quat
from vtdriver import float_rotation as fr
from vtdriver.frame import Landmarks
from vtdriver.loss_easing import HoldThenEase, lerp
from vtdriver.numeric import all_finite
from vtdriver.rows import BoneRotations
from vtdriver.settings import setting
from vtdriver.solvers import body_pose as bp
from vtdriver.solvers.hand_frame import (
    POSE_HAND_POINTS,
    HandFrame,
    hand_frames,
    hand_world_rotation_from_pose,
)
from vtdriver.solvers.limb import limb_rest_frame, solve_limb

# The bones this solver drives (eyes, jaw, toes and fingers belong to other solvers).
BODY_BONES: tuple[str, ...] = tuple(
    name for name in humanoid.BONE_NAMES
    if not any(finger in name for finger in humanoid.FINGERS) and not name.endswith(("Eye", "Jaw", "Toes"))
)
_TWIST = "twist"  # key of a limb's lower-bone twist inside a hand / foot part
_POSE_HAND_INDICES = {side: tuple(POSE_HAND_POINTS[side].values()) for side in POSE_HAND_POINTS}
_LOWER = {f"{s}{end}": f"{s}{lower}" for s in ("Left", "Right") for end, lower in (("Hand", "LowerArm"), ("Foot", "LowerLeg"))}


@dataclass(frozen=True)
class BodySettings:
    """TOML section [body]."""

    upper_body_only: bool = setting(True, "keep the hips and legs at rest (seated streamers); the spine carries the torso")
    visibility_threshold: float = setting(0.5, "pose landmarks below this visibility do not drive bones", min=0, max=1)
    hold_seconds: float = setting(0.5, "a lost part holds its last pose this long", min=0)
    ease_seconds: float = setting(1.0, "then eases to the rest pose over this long", min=0)
    blend_in_seconds: float = setting(0.3, "a part found again blends from what was shown over this long", min=0)
    root_motion: bool = setting(False, "move the avatar's root with the streamer's position in the image")

    def __post_init__(self) -> None:
        for key in ("visibility_threshold", "hold_seconds", "ease_seconds", "blend_in_seconds"):
            value = getattr(self, key)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{key} must be a finite number >= 0, got {value!r}")
        if self.visibility_threshold > 1:
            raise ValueError(f"visibility_threshold must be in [0, 1], got {self.visibility_threshold}")


@dataclass
class BodyResult:
    # Local rotations, VMC convention: one read-only (n, 4) array with its bone names, so the
    # pipeline joins the solvers' bones without a dict entry per bone.
    bones: BoneRotations
    root_position: np.ndarray | None
    tracked: bool  # the torso was solved from this frame's landmarks
    # The parts solved this frame (any container of part names) and every part's name: the
    # per-part flags are made from them when read (only tests and tools read them).
    solved_parts: Container[str] = ()
    part_names: tuple[str, ...] = ()
    # The same local rotations as float tuples, when the solver made them (it makes ``bones``
    # from them): world_rotation multiplies these instead of converting rows back.
    local_floats: dict[str, fr.Quat] | None = field(default=None, repr=False)

    @cached_property
    def parts(self) -> dict[str, bool]:
        """Per part: solved this frame."""
        return {part: part in self.solved_parts for part in self.part_names}

    @cached_property
    def world(self) -> dict[str, np.ndarray]:
        """World rotations of the same bones. Computed on first use: the live pipeline only
        needs the UpperChest's (``world_rotation``), and the whole skeleton costs more."""
        return world_rotations(self.bones)

    def world_rotation(self, name: str) -> fr.Quat:
        """One bone's world rotation, the product of its chain's local rotations, as floats:
        its reader (``head.split_head_rotation``) works on floats."""
        local = self.local_floats
        if local is None:
            local = {bone: tuple(row.tolist()) for bone, row in self.bones.items()}
        rotation = local.get(name, fr.IDENTITY)
        parent = humanoid.PARENT[name]
        while parent is not None:
            rotation = fr.multiply(local.get(parent, fr.IDENTITY), rotation)
            parent = humanoid.PARENT[parent]
        return rotation


def _part_names() -> dict[str, tuple[str, ...]]:
    parts = {
        "torso": ("Hips", *bp.SPINE_BONES, "LeftShoulder", "RightShoulder"),
        "head": ("Neck", "Head"),
    }
    for side in bp.SIDES:
        s = side.capitalize()
        parts[f"{side}_arm"] = (f"{s}UpperArm", f"{s}LowerArm")
        parts[f"{side}_hand"] = (_TWIST, f"{s}Hand")
        parts[f"{side}_leg"] = (f"{s}UpperLeg", f"{s}LowerLeg")
        parts[f"{side}_foot"] = (_TWIST, f"{s}Foot")
    return parts


def _local(parent_world: fr.Quat, child_world: fr.Quat) -> fr.Quat:
    """parent^-1 * child as a unit quaternion (identity if it is zero or not finite, as
    quat.normalize). The solver works on floats and makes arrays once, at the end: a numpy
    call on one quaternion costs more than the arithmetic."""
    # fr.unit_or_identity inline (nine a frame): the same division.
    x, y, z, w = fr.relative(parent_world, child_world)
    size = math.sqrt(x * x + y * y + z * z + w * w)
    if 1e-9 <= size < math.inf:
        return (x / size, y / size, z / size, w / size)
    return fr.IDENTITY


def _half_of(q: fr.Quat) -> fr.Quat:
    """``bone_frames.partial_rotation(q, 0.5)`` on floats (quat.slerp from the identity)."""
    return fr.slerp(fr.IDENTITY, fr.unit_or_identity(q), 0.5)


class BodySolver:
    def __init__(self, settings: BodySettings | None = None):
        self.settings = settings or BodySettings()
        s = self.settings
        self._parts = _part_names()
        self._part_order = tuple(self._parts)
        self._loss = {
            part: HoldThenEase(
                s.hold_seconds,
                s.ease_seconds,
                blend_in_seconds=s.blend_in_seconds,
                rest={name: quat.IDENTITY for name in names},
                mix_floats=_slerp_floats,
            )
            for part, names in self._parts.items()
        }
        # A hand (foot) part's twist turns the forearm (shank) its arm (leg) part set before it.
        twisted = {part: (names[1], _LOWER[names[1]]) for part, names in self._parts.items() if names[0] == _TWIST}
        # The parts that can be solved, in order, each with its loss and, for a hand (foot),
        # the bones its twist goes to. With upper_body_only the legs and feet never are: their
        # losses ease from rest to rest, which is the identity to the bit (slerp of two
        # identities and its normalisation, then the identity twist times the rest shank), so
        # their bones are that constant and their losses are not run.
        never = {part for part in self._parts if part.endswith(("_leg", "_foot"))} if s.upper_body_only else set()
        self._steps = tuple((part, self._loss[part], twisted.get(part)) for part in self._parts if part not in never)
        self._resting = {name: fr.IDENTITY for part in never for name in self._parts[part] if name != _TWIST}
        self._root_loss = HoldThenEase(
            s.hold_seconds,
            s.ease_seconds,
            blend_in_seconds=s.blend_in_seconds,
            rest={"root": humanoid.REST_OFFSET["Hips"]},
            mix=lerp,
        )

    def solve(self, lm: Landmarks, hands: dict[str, HandFrame | None] | None = None) -> BodyResult:
        """``hands``: ``hand_frame.hand_frames(lm)`` when the caller already has it (the
        pipeline shares it with the hands stage), else computed here."""
        solved = self.solve_parts(lm, hands)
        t = lm.t
        # Every value is a float tuple: solved ones are, and the losses finish theirs so.
        rotations: dict[str, fr.Quat] = self._resting.copy()
        for part, loss, twisted in self._steps:
            # solve_parts made the part's dict for this call alone; shown is only read.
            shown = loss.update_shared(solved.get(part), t)
            if twisted is not None:  # after its arm (leg): the parts are in that order
                end, lower = twisted
                rotations[lower] = fr.unit_or_identity(fr.multiply(rotations[lower], shown[_TWIST]))
                rotations[end] = shown[end]
            else:
                rotations.update(shown)
        bones, local_floats = _unit_arrays(rotations)
        root = None
        if self.settings.root_motion:
            anchor = self._root_position(lm)
            root = self._root_loss.update(None if anchor is None else {"root": anchor}, lm.t)["root"]
        return BodyResult(
            bones=bones,
            root_position=root,
            tracked="torso" in solved,
            solved_parts=solved,
            part_names=self._part_order,
            local_floats=local_floats,
        )

    def solve_parts(self, lm: Landmarks, hands: dict[str, HandFrame | None] | None = None) -> dict[str, dict[str, np.ndarray]]:
        """This frame's local rotations per part, for the parts the landmarks define (stateless)."""
        pose = self._pose_input(lm, hands)
        if pose is None:
            return {}
        return solve_parts(pose, self.settings.upper_body_only)

    def _pose_input(self, lm: Landmarks, hands: dict[str, HandFrame | None] | None) -> bp.PoseInput | None:
        if lm.pose_world is None:
            return None
        raw = np.asarray(lm.pose_world, dtype=float)
        if raw.shape[0] < 33:
            return None
        points = coords.world_to_unity(raw)
        visibility = raw[:, 3] if raw.shape[1] > 3 else np.ones(len(raw))
        threshold = self.settings.visibility_threshold
        usable = visibility >= threshold
        if threshold <= 0.0:  # an unknown (NaN) visibility counts as 0, which such a threshold accepts
            usable |= np.isnan(visibility)
        # Smoothed points are finite (the smoother fills gaps from its history), so the one
        # product of all_finite usually settles it; only otherwise are the rows checked.
        if not all_finite(points):
            # logical_and.reduce is what .all(axis=1) calls, without its Python wrapper.
            usable &= np.logical_and.reduce(np.isfinite(points), axis=1)
        if hands is None:
            hands = hand_frames(lm)
        ok = usable.tolist()
        hand_world: dict[str, fr.Quat | None] = {}
        for side in bp.SIDES:
            hand = None if hands[side] is None else hands[side].world
            if hand is None and all(ok[i] for i in _POSE_HAND_INDICES[side]):
                hand = hand_world_rotation_from_pose(points, side)
            hand_world[side] = hand
        return bp.PoseInput(points, usable, hand_world, points.tolist(), ok)

    def _root_position(self, lm: Landmarks) -> np.ndarray | None:
        """Root (Hips) position from where the body sits in the image: the anchor's offset from
        the image centre, in metres by the ratio of the shoulder width in pose_world to its
        width in the image. Depth is not estimated (z stays at rest)."""
        if lm.pose is None or lm.pose_world is None:
            return None
        shoulders = [bp.SHOULDER["left"], bp.SHOULDER["right"]]
        anchor_ids = shoulders if self.settings.upper_body_only else [bp.HIP["left"], bp.HIP["right"]]
        image = coords.image_to_unity(lm.pose, lm.image_size)
        world = coords.world_to_unity(lm.pose_world)
        used = shoulders + anchor_ids
        if not (np.all(np.isfinite(image[used])) and np.all(np.isfinite(world[shoulders]))):
            return None
        width_px = np.linalg.norm(np.diff(image[shoulders, :2], axis=0))
        width_m = np.linalg.norm(np.diff(world[shoulders], axis=0))
        centre = coords.image_to_unity(np.array([0.5, 0.5, 0.0]), lm.image_size)
        offset = (image[anchor_ids].mean(axis=0) - centre) * (width_m / width_px if width_px > 1e-6 else 0.0)
        root = humanoid.REST_OFFSET["Hips"] + np.array([offset[0], offset[1], 0.0])
        return root if np.all(np.isfinite(root)) else None


def solve_parts(pose: bp.PoseInput, upper_body_only: bool) -> dict[str, dict[str, fr.Quat]]:
    """Local rotations per part for the parts this pose defines; a part it does not define is
    absent (the torso's absence drops everything, as limbs are relative to it)."""
    torso = bp.solve_torso(pose, upper_body_only)
    if torso is None:
        return {}
    hips = torso["Hips"]
    parts: dict[str, dict[str, fr.Quat]] = {
        "torso": {
            "Hips": hips,
            "Spine": _local(hips, torso["Spine"]),
            "Chest": _local(torso["Spine"], torso["Chest"]),
            "UpperChest": _local(torso["Chest"], torso["UpperChest"]),
            "LeftShoulder": fr.IDENTITY,
            "RightShoulder": fr.IDENTITY,
        }
    }
    head = bp.solve_head(pose)
    if head is not None:
        neck = _half_of(_local(torso["UpperChest"], head))  # neck and head share the turn
        parts["head"] = {"Neck": neck, "Head": _local(fr.multiply(torso["UpperChest"], neck), head)}
    p, ok = pose.rows, pose.ok
    for side, (arm, leg) in _LIMBS.items():
        chain, bones, part_names, rest = arm
        if ok[chain[0]] and ok[chain[1]] and ok[chain[2]]:
            parent = torso[_SHOULDER_BONE[side]]
            limb = solve_limb(p[chain[0]], p[chain[1]], p[chain[2]], bones, _ELBOW_FLEXION_REST, parent, pose.hand_world[side], rest)
            _add_limb(parts, limb, parent, *part_names, *bones)
        chain, bones, part_names, rest = leg
        if not upper_body_only and ok[chain[0]] and ok[chain[1]] and ok[chain[2]]:
            foot = bp.solve_foot(pose, side)
            limb = solve_limb(p[chain[0]], p[chain[1]], p[chain[2]], bones, _KNEE_FLEXION_REST, hips, foot, rest)
            _add_limb(parts, limb, hips, *part_names, *bones)
    return parts


_ELBOW_FLEXION_REST = tuple(bp.ELBOW_FLEXION_REST.tolist())
_KNEE_FLEXION_REST = tuple(bp.KNEE_FLEXION_REST.tolist())
# Per side, built once: each limb's landmark chain, its bones (upper, lower, end), its two part
# names (limb, end) and the upper bone's rest frame.
_SHOULDER_BONE = {side: f"{side.capitalize()}Shoulder" for side in bp.SIDES}
_LIMBS = {
    side: (
        ((bp.SHOULDER[side], bp.ELBOW[side], bp.WRIST[side]), (f"{s}UpperArm", f"{s}LowerArm", f"{s}Hand"),
         (f"{side}_arm", f"{side}_hand"), limb_rest_frame(f"{s}LowerArm", _ELBOW_FLEXION_REST)),
        ((bp.HIP[side], bp.KNEE[side], bp.ANKLE[side]), (f"{s}UpperLeg", f"{s}LowerLeg", f"{s}Foot"),
         (f"{side}_leg", f"{side}_foot"), limb_rest_frame(f"{s}LowerLeg", _KNEE_FLEXION_REST)),
    )
    for side, s in zip(bp.SIDES, ("Left", "Right"))
}


def _add_limb(parts, limb, parent, limb_part, end_part, upper, lower, end) -> None:
    if limb is None:
        return
    parts[limb_part] = {upper: _local(parent, limb.upper), lower: _local(limb.upper, limb.lower_untwisted)}
    if limb.twist is not None:
        parts[end_part] = {_TWIST: limb.twist, end: limb.end_local}


def _slerp_floats(a: fr.Quat, b: fr.Quat, w: float) -> fr.Quat:
    """``quat.slerp`` (which normalises both ends first) on float tuples, for the losses."""
    return fr.slerp(fr.unit_or_identity(a), fr.unit_or_identity(b), w)


def _unit_arrays(rotations: dict[str, fr.Quat]) -> tuple[BoneRotations, dict[str, fr.Quat]]:
    """The body bones as one array of unit quaternions. Every value is unit already (each
    product, slerp and frame ends in a normalisation); this is the last guard, so that nothing
    zero or non-finite leaves the solver: then every bone is normalised, and such a bone
    becomes the identity. The check is one dot product of the packed parts: a NaN or infinite
    part makes it NaN or infinite and a zero quaternion puts it 1 below the bone count, which
    fails the comparison. (Only lengths off 1 that cancel exactly would pass, and no step here
    makes a finite non-unit value; rounding is ~1e-16 a bone.) Also returns the same values as
    float tuples."""
    # Every part's loss hands back all of its bones, lost or not, so this is BODY_BONES itself
    # on every frame: the constant tuple, whose identity lets the pipeline reuse its layout.
    names = BODY_BONES if len(rotations) == len(BODY_BONES) else tuple(name for name in BODY_BONES if name in rotations)
    values = list(map(rotations.__getitem__, names))
    floats = rotations if names is BODY_BONES else None  # every bone once: the dict holds just these values
    # The flat floats packed as doubles and read in place: a quarter cheaper than np.fromiter,
    # which converts them one by one, and a third of np.array's walk over a list of tuples.
    pack = _PACK_BODY if names is BODY_BONES else struct.Struct(f"{4 * len(names)}d").pack
    stacked = np.frombuffer(pack(*itertools.chain.from_iterable(values)))
    if not abs(stacked.dot(stacked) - len(values)) < 1e-6:
        values = [fr.unit_or_identity(q) for q in values]
        stacked = np.frombuffer(pack(*itertools.chain.from_iterable(values)))
        floats = None
    return BoneRotations(names, stacked.reshape(-1, 4)), floats if floats is not None else dict(zip(names, values))


_PACK_BODY = struct.Struct(f"{4 * len(BODY_BONES)}d").pack


def _depth_levels() -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """BODY_BONES grouped by depth below the root: (bone indices, parent indices) per level,
    so forward kinematics takes one stacked product per level instead of one per bone. A
    root's parent index points at an extra identity row."""
    index = {name: i for i, name in enumerate(BODY_BONES)}
    depth: dict[str, int] = {}
    for name in BODY_BONES:  # parents come first in BODY_BONES
        parent = humanoid.PARENT[name]
        depth[name] = 0 if parent is None else depth[parent] + 1
    levels = []
    for d in range(max(depth.values()) + 1):
        names = [n for n in BODY_BONES if depth[n] == d]
        parents = [index[humanoid.PARENT[n]] if humanoid.PARENT[n] is not None else len(BODY_BONES) for n in names]
        levels.append((np.array([index[n] for n in names]), np.array(parents)))
    return tuple(levels)


_LEVELS = _depth_levels()
_BODY_INDEX = {name: i for i, name in enumerate(BODY_BONES)}


def world_rotations(local: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """World rotations of the bones in ``local`` (missing ancestors at rest)."""
    own = np.array([local.get(name, quat.IDENTITY) for name in BODY_BONES], dtype=float)
    world = np.empty((len(BODY_BONES) + 1, 4))
    world[-1] = quat.IDENTITY  # the parent of the root
    for bones, parents in _LEVELS:
        world[bones] = quat.multiply(world[parents], own[bones])  # products of unit quaternions stay unit
    return {name: world[_BODY_INDEX[name]] for name in local}
