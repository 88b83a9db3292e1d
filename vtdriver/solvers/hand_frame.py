"""World rotation of the Hand bone, from 21 hand landmarks or from the pose's hand points.

Rest (identity) is the VRM T-pose hand (``humanoid``): fingers along the arm (-X for the left
hand, +X for the right), palm facing down, so the thumb side of the palm faces forward (+Z).
The frame is: fingers = wrist -> middle-finger knuckle (kept exactly), thumb side = pinky
knuckle -> index knuckle (fixes the roll). Points must already be in Unity axes
(``coords.image_to_unity`` / ``coords.world_to_unity``); any uniform scale is fine.

Both functions return None when the points do not define a frame (non-finite, coincident or
collinear), so callers can hold or rest instead of showing a made-up roll.
"""
from __future__ import annotations

import math

import numpy as np

from vtdriver import coords, humanoid, quat
from vtdriver import float_rotation as fr
from vtdriver.frame import Landmarks
from vtdriver.solvers.bone_frames import (
    MIN_LENGTH,
)

# MediaPipe hand landmark indices.
WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP = 0, 5, 9, 17
# MediaPipe pose landmark indices of the hand points, per side.
POSE_HAND_POINTS = {
    "left": {"wrist": 15, "pinky": 17, "index": 19, "thumb": 21},
    "right": {"wrist": 16, "pinky": 18, "index": 20, "thumb": 22},
}
# Below this sine between the finger and thumb-side directions the palm is edge-on to itself
# (collinear knuckles): the roll is undefined. sin(2 deg) ~ 0.035.
_MIN_SINE = float(np.sin(np.radians(2.0)))


def _rest_knuckles(side: str) -> dict[str, np.ndarray]:
    """Rest positions relative to the wrist of the knuckles the frames use (humanoid skeleton)."""
    prefix = side.capitalize()
    return {
        "wrist": np.zeros(3),
        "index": humanoid.REST_OFFSET[f"{prefix}IndexProximal"],
        "middle": humanoid.REST_OFFSET[f"{prefix}MiddleProximal"],
        "pinky": humanoid.REST_OFFSET[f"{prefix}LittleProximal"],
        "thumb": humanoid.REST_OFFSET[f"{prefix}ThumbProximal"],
    }


def _pose_directions(wrist: fr.Vec, index: fr.Vec, pinky: fr.Vec, thumb: fr.Vec) -> tuple[fr.Vec, fr.Vec]:
    """Fingers = wrist -> between the index and pinky points. Thumb side = the sum of the unit
    parts across the fingers of index - pinky and thumb - wrist: the pose's hand points are
    coarse, two cues are steadier than one. A zero thumb side when neither cue is usable."""
    fingers = fr.sub(tuple(0.5 * (i + p) for i, p in zip(index, pinky)), wrist)  # type: ignore[arg-type]
    across = (0.0, 0.0, 0.0)
    f = fr.unit(fingers) if _is_direction(fingers) else None
    if f is None:
        return fingers, across
    for cue in (fr.perpendicular(fr.sub(index, pinky), f), fr.perpendicular(fr.sub(thumb, wrist), f)):
        unit = fr.unit(cue) if _is_direction(cue) else None
        if unit is not None:
            across = (across[0] + unit[0], across[1] + unit[1], across[2] + unit[2])
    return fingers, across


def _is_direction(v: fr.Vec) -> bool:
    return MIN_LENGTH < fr.length(v) < math.inf


def _rest_pose_directions(side: str) -> tuple[fr.Vec, fr.Vec]:
    rest = {k: tuple(v.tolist()) for k, v in _rest_knuckles(side).items()}
    return _pose_directions(rest["wrist"], rest["index"], rest["pinky"], rest["thumb"])


def _rest_frame_rows(side: str) -> tuple[fr.Vec, fr.Vec, fr.Vec]:
    """Rows of the rest hand's frame (columns: fingers, palm normal, thumb side), the same
    basis ``bone_frames.frame_rotation`` builds for the rest directions."""
    rest = _rest_knuckles(side)
    frame = quat.basis(rest["middle"] - rest["wrist"], rest["index"] - rest["pinky"], 0, 2)
    return tuple(tuple(row) for row in frame.tolist())


# Constant per side, so each frame builds only the observed frame.
_REST_FRAME_ROWS = {side: _rest_frame_rows(side) for side in ("left", "right")}
_FRAME_POINTS = np.array([WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP])
_POSE_HAND_INDICES = {
    side: [POSE_HAND_POINTS[side][k] for k in ("wrist", "pinky", "index", "thumb")] for side in ("left", "right")
}
_REST_POSE_DIRECTIONS = {side: _rest_pose_directions(side) for side in ("left", "right")}


def hand_world_rotation(points_unity: np.ndarray, side: str) -> np.ndarray | None:
    """Hand bone world rotation (x, y, z, w) from 21 hand landmarks in Unity axes, or None.
    Identity for the humanoid's rest hand (its knuckles as placed in ``humanoid``).

    ``bone_frames.frame_rotation`` of (wrist -> middle knuckle, pinky -> index knuckle) on
    plain floats: it runs for every tracked hand of every frame, and on four points numpy's
    per-call cost is all there is."""
    points = np.asarray(points_unity, dtype=float)
    if points.shape != (21, 3):
        return None
    rotation = _world_rotation(*points[_FRAME_POINTS].tolist(), side)
    return None if rotation is None else np.array(rotation)


def _world_rotation(wrist: fr.Vec, index: fr.Vec, middle: fr.Vec, pinky: fr.Vec, side: str) -> fr.Quat | None:
    rows = _world_rows(wrist, index, middle, pinky, side)
    return None if rows is None else fr.from_rows(rows)


def _world_rows(
    wrist: fr.Vec, index: fr.Vec, middle: fr.Vec, pinky: fr.Vec, side: str
) -> tuple[fr.Vec, fr.Vec, fr.Vec] | None:
    """The rows of the Hand's world rotation matrix, or None (``_world_rotation``). Written out
    on the coordinates (it runs for both hands of every frame): the float_rotation helpers'
    operations in their order."""
    # A non-finite point makes its difference (and so its length) non-finite: no frame.
    wx, wy, wz = wrist
    fx, fy, fz = middle[0] - wx, middle[1] - wy, middle[2] - wz
    ax, ay, az = index[0] - pinky[0], index[1] - pinky[1], index[2] - pinky[2]
    fingers_length = math.sqrt(fx * fx + fy * fy + fz * fz)
    across_length = math.sqrt(ax * ax + ay * ay + az * az)
    if not (MIN_LENGTH < fingers_length < math.inf and MIN_LENGTH < across_length < math.inf):
        return None
    p0, p1, p2 = fx / fingers_length, fy / fingers_length, fz / fingers_length
    u0, u1, u2 = ax / across_length, ay / across_length, az / across_length
    s0, s1, s2 = p1 * u2 - p2 * u1, p2 * u0 - p0 * u2, p0 * u1 - p1 * u0
    if math.sqrt(s0 * s0 + s1 * s1 + s2 * s2) < _MIN_SINE:
        return None
    # quat.basis(fingers, across, 0, 2): the thumb side made perpendicular to the fingers
    # (long enough after the sine check), the palm normal completing a proper rotation.
    along = ax * p0 + ay * p1 + az * p2
    t0, t1, t2 = ax - along * p0, ay - along * p1, az - along * p2
    thumb_length = math.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
    t0, t1, t2 = t0 / thumb_length, t1 / thumb_length, t2 / thumb_length
    n0, n1, n2 = t1 * p2 - t2 * p1, t2 * p0 - t0 * p2, t0 * p1 - t1 * p0
    # current @ rest^T: row i of the current frame (primary, normal, thumb side) dotted with
    # each rest row.
    (a0, a1, a2), (b0, b1, b2), (c0, c1, c2) = _REST_FRAME_ROWS[side]
    return (
        (p0 * a0 + n0 * a1 + t0 * a2, p0 * b0 + n0 * b1 + t0 * b2, p0 * c0 + n0 * c1 + t0 * c2),
        (p1 * a0 + n1 * a1 + t1 * a2, p1 * b0 + n1 * b1 + t1 * b2, p1 * c0 + n1 * c1 + t1 * c2),
        (p2 * a0 + n2 * a1 + t2 * a2, p2 * b0 + n2 * b1 + t2 * b2, p2 * c0 + n2 * c1 + t2 * c2),
    )


def hand_world_rotation_from_pose(pose_unity: np.ndarray, side: str) -> fr.Quat | None:
    """Fallback from the pose's wrist, pinky, index and thumb points (33 points, Unity axes),
    read as the wrist and the knuckles of those fingers, as (x, y, z, w) floats; or None. On
    plain floats, like ``hand_world_rotation``: a lost hand takes this path every frame, and
    its one reader, the body's limb solver, takes the floats as they are."""
    pose = np.asarray(pose_unity, dtype=float)
    if pose.ndim != 2 or pose.shape[0] < 33 or pose.shape[1] < 3:
        return None
    wrist, pinky, index, thumb = pose[_POSE_HAND_INDICES[side], :3].tolist()
    if not all(math.isfinite(x) for point in (wrist, pinky, index, thumb) for x in point):
        return None
    fingers, across = _pose_directions(wrist, index, pinky, thumb)
    if not (_is_direction(fingers) and _is_direction(across)):
        return None
    if fr.length(fr.cross(fr.unit(fingers), fr.unit(across))) < _MIN_SINE:  # type: ignore[arg-type]
        return None
    return fr.frame_rotation(fingers, across, *_REST_POSE_DIRECTIONS[side], 0, 2)


def pose_hand_points_at_rest(side: str) -> dict[str, np.ndarray]:
    """Where this module assumes the pose's hand points sit on the rest hand, relative to the
    wrist (for synthetic performers and tests)."""
    rest = _rest_knuckles(side)
    return {k: rest[k] for k in ("index", "pinky", "thumb")}


class HandFrame:
    """One tracked hand of a frame: its 21 landmarks in Unity axes (image pixels) and its Hand
    bone world rotation (x, y, z, w floats; None when the landmarks define no frame). ``rows``
    are the same points as Python lists (``points.tolist()``), for the float solvers that read
    them (Hand frame, fingers, gestures): one conversion per hand and frame for all of them;
    None when the creator did not provide them. ``world_rows``: the rows of ``world``'s matrix
    as the frame was built (``world`` is made from them), so the finger solver need not turn
    the quaternion back into a matrix; None when not provided.

    A plain slotted class, read-only by convention: two are built every frame, and a frozen
    dataclass's __init__ (object.__setattr__ per field) cost five times as much. ``world`` stays
    the float tuple it is built as: its one reader (the body's limb solver) takes tuples as they
    are, where an array went back to floats there."""

    __slots__ = ("points", "world", "rows", "world_rows")

    def __init__(
        self,
        points: np.ndarray,
        world: fr.Quat | None,
        rows: list[list[float]] | None = None,
        world_rows: tuple[fr.Vec, fr.Vec, fr.Vec] | None = None,
    ):
        self.points = points
        self.world = world
        self.rows = rows
        self.world_rows = world_rows


def hand_frames(lm: Landmarks) -> dict[str, HandFrame | None]:
    """Both hands of a frame in the form the body solver (Hand bones) and the hands stage
    (fingers, gestures) both need, computed once per frame for both of them. Two hands of 21
    points (the usual frame) go through one conversion and one ``tolist``: the product is
    elementwise, so each hand's values are the ones its own conversion gives, and a numpy
    call costs more than the 63 extra products."""
    left, right = lm.left_hand, lm.right_hand
    if left is not None and right is not None and left.shape == right.shape == (21, 3):
        points = coords.image_to_unity(np.concatenate((left, right)), lm.image_size)
        rows = points.tolist()
        return {"left": _hand_frame(points[:21], rows[:21], "left"), "right": _hand_frame(points[21:], rows[21:], "right")}
    frames: dict[str, HandFrame | None] = {}
    for side, hand in (("left", left), ("right", right)):
        if hand is None:
            frames[side] = None
            continue
        points = coords.image_to_unity(hand, lm.image_size)
        frames[side] = _hand_frame(points, points.tolist() if points.shape == (21, 3) else None, side)
    return frames


def _hand_frame(points: np.ndarray, rows: list[list[float]] | None, side: str) -> HandFrame:
    matrix = None if rows is None else _world_rows(rows[WRIST], rows[INDEX_MCP], rows[MIDDLE_MCP], rows[PINKY_MCP], side)
    world = None if matrix is None else fr.from_rows(matrix)
    return HandFrame(points, world, rows, matrix)
