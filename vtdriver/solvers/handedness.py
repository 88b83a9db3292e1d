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

from dataclasses import replace

import numpy as np

from vtdriver import coords
from vtdriver.frame import Landmarks

POSE_LEFT_WRIST, POSE_RIGHT_WRIST = 15, 16
POSE_LEFT_SHOULDER, POSE_RIGHT_SHOULDER = 11, 12
HAND_WRIST, HAND_MIDDLE_MCP = 0, 9
SIDES = ("left", "right")
# A hand moving at ~2 m/s travels ~7 cm per frame at 30 fps, under one palm length (~10 cm);
# two palm lengths leave room for a dropped frame.
_CONTINUITY_PALMS = 2.0
# Pose landmarks with visibility below this are guesses (MediaPipe's own drawing threshold).
_VISIBLE = 0.5
# Two distinct hands cannot be closer than about a palm length centre to centre (they would
# interpenetrate); Holistic's duplicates on webcam_thumbs_up.mp4 sit at 0.01-0.3, rarely 0.9.
_DUPLICATE_PALMS = 0.75


def _image_plane(points: np.ndarray) -> np.ndarray:
    # MediaPipe's pose z is depth from the hip centre, a hand's z depth from its own wrist: a
    # hand wrist and a pose wrist share only x and y (a raised hand can sit 0.7 widths "behind"
    # its own pose wrist in z while exactly on it in the picture).
    return points[..., :2]


_WRIST_AND_MIDDLE_MCP = np.array([HAND_WRIST, HAND_MIDDLE_MCP])


def _wrist_and_palm(hand: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, float]:
    # Only the two points it needs: this runs several times per frame for each hand.
    wrist, middle = coords.image_to_unity(np.asarray(hand)[_WRIST_AND_MIDDLE_MCP], size)
    return wrist, float(np.linalg.norm(middle - wrist))


class HandednessCheck:
    """Corrects left/right hand swaps frame by frame. One per landmark stream."""

    def __init__(self, margin: float = 0.25, max_distance: float = 0.6, max_gap_s: float = 0.25):
        self._margin = margin
        self._max_distance = max_distance
        self._max_gap_s = max_gap_s
        # side -> (wrist in Unity pixels, time) where each side's hand was last seen
        self._previous: dict[str, tuple[np.ndarray, float]] = {}
        self.swaps = 0  # how many frames were corrected, for diagnostics
        self.duplicates = 0  # frames where both hand models sat on one hand

    def reset(self) -> None:
        self._previous = {}

    def correct(self, lm: Landmarks) -> Landmarks:
        hands = {side: lm.part(f"{side}_hand") for side in SIDES}
        hands = {side: h for side, h in hands.items() if h is not None and np.all(np.isfinite(h))}
        duplicate = self._duplicate(hands, lm)
        if duplicate is not None:
            self.duplicates += 1
            hands = {side: h for side, h in hands.items() if side != duplicate}
        swap = self._decide(hands, lm)
        if swap:
            self.swaps += 1
            hands = {("right" if side == "left" else "left"): h for side, h in hands.items()}
        self._remember(hands, lm)
        if not swap and duplicate is None:
            return lm
        return replace(lm, left_hand=hands.get("left"), right_hand=hands.get("right"))

    def _duplicate(self, hands: dict[str, np.ndarray], lm: Landmarks) -> str | None:
        """The side to drop when both hands are one hand, else None."""
        if len(hands) < 2:
            return None
        points = {side: coords.image_to_unity(h, lm.image_size) for side, h in hands.items()}
        palm = np.mean([np.linalg.norm(p[HAND_MIDDLE_MCP] - p[HAND_WRIST]) for p in points.values()])
        gap = np.linalg.norm(points["left"].mean(axis=0) - points["right"].mean(axis=0))
        if not palm > 0 or gap >= _DUPLICATE_PALMS * palm:
            return None
        for side in SIDES:
            if self._continuity({side: hands[side]}, lm) is False:
                return "right" if side == "left" else "left"
        return self._farther_from_pose(points, lm) or "left"

    def _farther_from_pose(self, points: dict[str, np.ndarray], lm: Landmarks) -> str | None:
        pose = lm.pose
        if pose is None or pose.shape[0] <= POSE_RIGHT_WRIST:
            return None
        pose_points = coords.image_to_unity(pose, lm.image_size)
        index = {"left": POSE_LEFT_WRIST, "right": POSE_RIGHT_WRIST}
        distance = {s: np.linalg.norm(_image_plane(points[s][HAND_WRIST] - pose_points[index[s]])) for s in SIDES}
        return max(distance, key=distance.get)

    def _decide(self, hands: dict[str, np.ndarray], lm: Landmarks) -> bool:
        if not hands:
            return False
        by_continuity = self._continuity(hands, lm)
        if by_continuity is not None:
            return by_continuity
        by_pose = self._pose(hands, lm)
        return bool(by_pose)

    def _continuity(self, hands: dict[str, np.ndarray], lm: Landmarks) -> bool | None:
        """Swap (True), keep (False), or no opinion (None) from where the hands were last frame."""
        recent = {s: w for s, (w, t) in self._previous.items() if 0 <= lm.t - t <= self._max_gap_s}
        if not recent:
            return None
        votes = set()
        for side, hand in hands.items():
            wrist, palm = _wrist_and_palm(hand, lm.image_size)
            distances = {s: float(np.linalg.norm(wrist - w)) for s, w in recent.items()}
            nearest = min(distances, key=distances.get)
            if palm <= 0 or distances[nearest] > _CONTINUITY_PALMS * palm:
                continue  # this hand has just come into view
            votes.add(nearest != side)
        return votes.pop() if len(votes) == 1 else None

    def _pose(self, hands: dict[str, np.ndarray], lm: Landmarks) -> bool | None:
        pose = lm.pose
        if pose is None or pose.shape[0] <= POSE_RIGHT_WRIST:
            return None
        if pose.shape[1] > 3 and np.any(pose[[POSE_LEFT_WRIST, POSE_RIGHT_WRIST], 3] < _VISIBLE):
            return None
        points = _image_plane(coords.image_to_unity(pose, lm.image_size))
        pose_wrist = {"left": points[POSE_LEFT_WRIST], "right": points[POSE_RIGHT_WRIST]}
        wrists = {side: _image_plane(_wrist_and_palm(h, lm.image_size)[0]) for side, h in hands.items()}
        if len(wrists) == 2:
            straight = sum(np.linalg.norm(wrists[s] - pose_wrist[s]) for s in SIDES)
            swapped = sum(np.linalg.norm(wrists[s] - pose_wrist[o]) for s, o in zip(SIDES, SIDES[::-1]))
            return bool(swapped < (1.0 - self._margin) * straight)
        (side, wrist), = wrists.items()
        other = "right" if side == "left" else "left"
        shoulders = float(np.linalg.norm(points[POSE_LEFT_SHOULDER] - points[POSE_RIGHT_SHOULDER]))
        own = float(np.linalg.norm(wrist - pose_wrist[side]))
        across = float(np.linalg.norm(wrist - pose_wrist[other]))
        far_from_own = own > self._max_distance * shoulders
        return bool(far_from_own and across < (1.0 - self._margin) * own)

    def _remember(self, hands: dict[str, np.ndarray], lm: Landmarks) -> None:
        for side, hand in hands.items():
            self._previous[side] = (_wrist_and_palm(hand, lm.image_size)[0], lm.t)
