"""Which tracked hand is the subject's left and which is the right.

Holistic labels hands by the subject's own side, and almost always gets it right, but a hand
crossing the body or a confused pose can swap them for a few frames. A swap sends the left
fingers to the right hand and flips both wrists, so it is worth checking every frame:

1. Continuity first: a hand that was in view in the previous frame keeps its side. It is found
   again by its wrist, which moves much less than the distance between the two hands between
   frames. This is what "a hand that stays in view never changes side" means.
2. A hand that has just appeared is checked against the pose wrists (pose landmark 15 is the
   subject's left wrist, 16 the right): the hands are swapped when the swapped pairing is
   clearly closer.
3. With neither, the tracker's labels stand.

Holistic also puts *both* hand models on one physical hand now and then (seen on
``webcam_thumbs_up.mp4``: one raised hand, "left" and "right" landmarks a fraction of a palm
apart). Two hands that overlap are one hand: the one that continues a hand from the last frame
is kept, else the one nearer its own pose wrist.

Works in the subject's terms only (window mode); mirror mode swaps sides later, on the solved
frame (``coords.apply_mirror``).
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from vtdriver import coords
from vtdriver import float_rotation as fr
from vtdriver.frame import Landmarks
from vtdriver.numeric import all_finite

POSE_LEFT_WRIST, POSE_RIGHT_WRIST = 15, 16
POSE_LEFT_SHOULDER, POSE_RIGHT_SHOULDER = 11, 12
HAND_WRIST, HAND_MIDDLE_MCP = 0, 9
SIDES = ("left", "right")
_HAND_PARTS = {"left": "left_hand", "right": "right_hand"}
# The finite hand parts for each set of measured sides, in any order: looked up every frame.
_FINITE_PARTS = {
    sides: frozenset(_HAND_PARTS[side] for side in sides)
    for sides in ((), ("left",), ("right",), ("left", "right"), ("right", "left"))
}
# A hand moving at ~2 m/s travels ~7 cm per frame at 30 fps, under one palm length (~10 cm);
# two palm lengths leave room for a dropped frame.
_CONTINUITY_PALMS = 2.0
# Pose landmarks with visibility below this are guesses (MediaPipe's own drawing threshold).
_VISIBLE = 0.5
# Two distinct hands cannot be closer than about a palm length centre to centre (they would
# interpenetrate); Holistic's duplicates on webcam_thumbs_up.mp4 sit at 0.01-0.3, rarely 0.9.
_DUPLICATE_PALMS = 0.75


class _Hand:
    """One tracked hand of the raw frame, measured once for every check below (they ask for
    its wrist up to four times a frame)."""

    __slots__ = ("landmarks", "wrist", "palm", "centre")

    def __init__(self, landmarks: np.ndarray, wrist: fr.Vec, knuckle: fr.Vec, centre: list | None):
        self.landmarks = landmarks  # as the tracker gave them; returned unchanged
        self.wrist = wrist  # Unity axes, pixels
        self.palm = math.dist(knuckle, wrist)  # wrist to middle knuckle
        self.centre = centre  # mean of the 21 points (only measured when both hands are in view)


# The only points of a hand the checks read (besides the centre of all of them).
_PALM_POINTS = np.array([HAND_WRIST, HAND_MIDDLE_MCP])


def _measure(left: np.ndarray | None, right: np.ndarray | None, size: tuple[int, int]) -> dict[str, _Hand]:
    """The tracked hands whose landmarks are all finite, measured. Two hands of one shape (the
    usual frame) go through one finiteness check, one conversion and one sum. The centre is
    what ndarray.mean(axis=0) computes (its sum, divided by the count): a sum over the points'
    axis adds them in order, one hand or two stacked. Only the wrists and knuckles become
    Python floats; a lone hand converts only those two points (the same product per value)."""
    if left is not None and right is not None and left.shape == right.shape and left.ndim == 2:
        both = np.concatenate((left, right))
        if all_finite(both):
            count = len(left)
            unity = coords.image_to_unity(both, size).reshape(2, count, 3)
            # The division on Python floats: the same quotient as numpy's, without an array call
            # (written out: a comprehension per hand cost more than its three divisions).
            (lx, ly, lz), (rx, ry, rz) = np.add.reduce(unity, 1).tolist()
            left_centre, right_centre = [lx / count, ly / count, lz / count], [rx / count, ry / count, rz / count]
            (left_wrist, left_knuckle), (right_wrist, right_knuckle) = unity.take(_PALM_POINTS, 1).tolist()
            return {
                "left": _Hand(left, left_wrist, left_knuckle, left_centre),
                "right": _Hand(right, right_wrist, right_knuckle, right_centre),
            }
    finite = [(side, lm) for side, lm in (("left", left), ("right", right)) if lm is not None and all_finite(lm)]
    if len(finite) == 1:
        (side, landmarks), = finite
        return {side: _Hand(landmarks, *coords.image_to_unity(landmarks.take(_PALM_POINTS, 0), size).tolist(), None)}
    hands = {}
    for side, landmarks in finite:
        unity = coords.image_to_unity(landmarks, size)
        centre = (np.add.reduce(unity, 0) / len(unity)).tolist()
        hands[side] = _Hand(landmarks, *unity.take(_PALM_POINTS, 0).tolist(), centre)
    return hands


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


def _plane_distance(a, b) -> float:
    # MediaPipe's pose z is depth from the hip centre, a hand's z depth from its own wrist: a
    # hand wrist and a pose wrist share only x and y (a raised hand can sit 0.7 widths "behind"
    # its own pose wrist in z while exactly on it in the picture).
    dx, dy = a[0] - b[0], a[1] - b[1]
    return math.sqrt(dx * dx + dy * dy)


# Pose wrists and shoulders, the only pose points the checks use.
_POSE_POINTS = np.array([POSE_LEFT_WRIST, POSE_RIGHT_WRIST, POSE_LEFT_SHOULDER, POSE_RIGHT_SHOULDER])


class HandednessCheck:
    """Corrects left/right hand swaps frame by frame. One per landmark stream.

    Works on plain floats after one conversion per hand: every quantity here is a point or a
    distance, and this runs on every frame before anything else."""

    def __init__(self, margin: float = 0.25, max_distance: float = 0.6, max_gap_s: float = 0.25):
        self._margin = margin
        self._max_distance = max_distance
        self._max_gap_s = max_gap_s
        # side -> (wrist in Unity pixels, time) where each side's hand was last seen
        self._previous: dict[str, tuple[fr.Vec, float]] = {}
        self.swaps = 0  # how many frames were corrected, for diagnostics
        self.duplicates = 0  # frames where both hand models sat on one hand
        # The landmarks the last ``correct`` returned and their hand parts it found all finite.
        self._checked: tuple[Landmarks | None, frozenset[str]] = (None, frozenset())

    def reset(self) -> None:
        self._previous = {}

    def correct(self, lm: Landmarks) -> Landmarks:
        hands = _measure(lm.left_hand, lm.right_hand, lm.image_size)
        duplicate = self._duplicate(hands, lm)
        if duplicate is not None:
            self.duplicates += 1
            del hands[duplicate]
        swap = self._decide(hands, lm)
        if swap:
            self.swaps += 1
            hands = {_other(side): hand for side, hand in hands.items()}
        self._remember(hands, lm.t)
        if swap or duplicate is not None:
            lm = replace(lm, **{f"{side}_hand": hands[side].landmarks if side in hands else None for side in SIDES})
        self._checked = (lm, _FINITE_PARTS[tuple(hands)])
        return lm

    def finite_parts(self, lm: Landmarks) -> frozenset[str]:
        """The hand parts ("left_hand", "right_hand") of ``lm`` already found all finite, if
        ``lm`` is what the last ``correct`` returned (else none): the next stage need not check
        them again."""
        checked, parts = self._checked
        return parts if checked is lm else frozenset()

    def _duplicate(self, hands: dict[str, _Hand], lm: Landmarks) -> str | None:
        """The side to drop when both hands are one hand, else None."""
        if len(hands) < 2:
            return None
        left, right = hands["left"], hands["right"]
        palm = (left.palm + right.palm) / 2
        gap = math.dist(left.centre, right.centre)
        if not palm > 0 or gap >= _DUPLICATE_PALMS * palm:
            return None
        for side in SIDES:
            if self._continuity({side: hands[side]}, lm.t) is False:
                return _other(side)
        return self._farther_from_pose(hands, lm) or "left"

    def _farther_from_pose(self, hands: dict[str, _Hand], lm: Landmarks) -> str | None:
        pose = lm.pose
        if pose is None or pose.shape[0] <= POSE_RIGHT_WRIST:
            return None
        pose_wrists = dict(zip(SIDES, coords.image_to_unity(pose[_POSE_POINTS[:2]], lm.image_size).tolist()))
        distance = {side: _plane_distance(hands[side].wrist, pose_wrists[side]) for side in SIDES}
        return max(distance, key=distance.get)

    def _decide(self, hands: dict[str, _Hand], lm: Landmarks) -> bool:
        if not hands:
            return False
        by_continuity = self._continuity(hands, lm.t)
        if by_continuity is not None:
            return by_continuity
        by_pose = self._pose(hands, lm)
        return bool(by_pose)

    def _continuity(self, hands: dict[str, _Hand], t: float) -> bool | None:
        """Swap (True), keep (False), or no opinion (None) from where the hands were last frame."""
        recent = [(s, w) for s, (w, seen) in self._previous.items() if 0 <= t - seen <= self._max_gap_s]
        if not recent:
            return None
        votes = set()
        for side, hand in hands.items():
            # The first of the nearest, as min() picks it.
            nearest = None
            for s, w in recent:
                distance = math.dist(hand.wrist, w)
                if nearest is None or distance < nearest_distance:
                    nearest, nearest_distance = s, distance
            if hand.palm <= 0 or nearest_distance > _CONTINUITY_PALMS * hand.palm:
                continue  # this hand has just come into view
            votes.add(nearest != side)
        return votes.pop() if len(votes) == 1 else None

    def _pose(self, hands: dict[str, _Hand], lm: Landmarks) -> bool | None:
        pose = lm.pose
        if pose is None or pose.shape[0] <= POSE_RIGHT_WRIST:
            return None
        if pose.shape[1] > 3 and (pose[POSE_LEFT_WRIST, 3] < _VISIBLE or pose[POSE_RIGHT_WRIST, 3] < _VISIBLE):
            return None
        left_wrist, right_wrist, left_shoulder, right_shoulder = coords.image_to_unity(
            pose[_POSE_POINTS], lm.image_size
        ).tolist()
        pose_wrist = {"left": left_wrist, "right": right_wrist}
        if len(hands) == 2:
            straight = sum(_plane_distance(hands[s].wrist, pose_wrist[s]) for s in SIDES)
            swapped = sum(_plane_distance(hands[s].wrist, pose_wrist[_other(s)]) for s in SIDES)
            return swapped < (1.0 - self._margin) * straight
        (side, hand), = hands.items()
        shoulders = _plane_distance(left_shoulder, right_shoulder)
        own = _plane_distance(hand.wrist, pose_wrist[side])
        across = _plane_distance(hand.wrist, pose_wrist[_other(side)])
        far_from_own = own > self._max_distance * shoulders
        return far_from_own and across < (1.0 - self._margin) * own

    def _remember(self, hands: dict[str, _Hand], t: float) -> None:
        for side, hand in hands.items():
            self._previous[side] = (hand.wrist, t)

