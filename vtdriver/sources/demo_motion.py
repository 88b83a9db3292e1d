"""What the demo performer does over time: a looping 24-second routine (talk, wave, thumbs up,
victory, open palm, smile and talk) on top of continuous breathing, head turns, blinking and
glances. Everything is a pure function of (seed, t): the seed varies phases and blink times.

Body poses are set as humanoid local rotations (Unity frame, identity = T-pose); the arms are
designed as directions in the chest's frame (+X the performer's right, +Y up, +Z towards the
camera) and converted to local rotations here.

The gestures are acted the way the recogniser expects a streamer to mean them: the hand is
raised first and the sign is in place, still and clearly seen, when its segment starts; it is
dropped by closing the hand as the arm starts back. tests/test_sources_demo_gestures.py holds
the resulting event list.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtdriver import coords, quat
from vtdriver.sources.demo_hands import HAND_SHAPES, finger_rotations

LOOP_S = 24.0
# Transitions between routine segments take this long, about a natural arm move.
BLEND_S = 0.6
# Forming or dropping a hand sign: a quick finger movement takes about 0.2 s.
HAND_BLEND_S = 0.2


@dataclass(frozen=True)
class ArmPose:
    """Directions in the chest frame for the performer's RIGHT arm; the left arm mirrors x."""

    upper: tuple[float, float, float]
    fore: tuple[float, float, float]
    fingers: tuple[float, float, float]
    palm: tuple[float, float, float]  # direction the palm faces
    # The arm holds a gesture up to the camera. It moves during the BLEND_S before its segment
    # starts, so the gesture is in place, still, at the start: a streamer raises the hand and
    # then shows the sign, and the recogniser lets only a still hand start a gesture.
    presents: bool = False


ARM_POSES = {
    "relaxed": ArmPose(upper=(0.22, -0.97, 0.05), fore=(0.12, -0.85, 0.5), fingers=(0.1, -0.8, 0.55),
                       palm=(-1.0, 0.0, 0.1)),
    "wave": ArmPose(upper=(0.85, -0.35, 0.3), fore=(0.15, 1.0, 0.15), fingers=(0.1, 1.0, 0.1), palm=(0.0, 0.0, 1.0)),
    "show": ArmPose(upper=(0.3, -0.85, 0.45), fore=(-0.35, 0.55, 0.75), fingers=(-0.1, 1.0, 0.1), palm=(0.0, 0.1, 1.0),
                    presents=True),
    # The fist across the chest, thumb up, its back turned about 45 deg towards the camera as
    # streamers show a thumbs up; held with the palm square to the midline the camera would
    # see it edge-on, where the fingers hide one another and the recogniser does not trust them.
    "thumb": ArmPose(upper=(0.3, -0.85, 0.45), fore=(-0.6, 0.3, 0.75), fingers=(-0.7, 0.0, 0.7),
                     palm=(-0.7, 0.0, -0.7), presents=True),
}


@dataclass(frozen=True)
class Segment:
    name: str
    start: float
    right_arm: str
    left_arm: str
    right_hand: str
    left_hand: str
    talk: float
    smile: float


ROUTINE = (
    Segment("talk", 0.0, "relaxed", "relaxed", "relaxed", "relaxed", talk=1.0, smile=0.2),
    Segment("wave", 6.0, "wave", "relaxed", "open", "relaxed", talk=0.0, smile=0.6),
    Segment("thumbs_up", 11.0, "relaxed", "thumb", "relaxed", "thumbs_up", talk=0.0, smile=0.3),
    Segment("victory", 14.0, "relaxed", "show", "relaxed", "victory", talk=0.0, smile=0.4),
    Segment("open_palm", 17.0, "relaxed", "show", "relaxed", "open", talk=0.3, smile=0.1),
    Segment("smile_talk", 20.0, "relaxed", "relaxed", "relaxed", "relaxed", talk=1.0, smile=0.8),
)


def _arm_move_starts(side: str) -> np.ndarray:
    """Loop time at which each segment's move of this arm begins."""
    return np.array(
        [s.start - (BLEND_S if ARM_POSES[getattr(s, f"{side}_arm")].presents else 0.0) for s in ROUTINE]
    )


_ARM_STARTS = {side: _arm_move_starts(side) for side in ("right", "left")}

# Waving: wrist side-to-side about 1.6 Hz, a typical friendly wave.
WAVE_HZ = 1.6
# Blinks: 0.08 s closing, 0.04 s shut, 0.13 s opening (a blink lasts 100-400 ms), one every
# 2-5 s (adults blink roughly 15-20 times a minute).
BLINK_CLOSE_S, BLINK_SHUT_S, BLINK_OPEN_S = 0.08, 0.04, 0.13
BLINK_INTERVAL_S = (2.0, 5.0)
BLINK_SCHEDULE_S = 60.0  # blink times repeat with this period
WINK_AT_S, WINK_HOLD_S = 22.0, 0.35  # one left-eye wink per loop


@dataclass(frozen=True)
class Expression:
    blink_left: float  # 0 open .. 1 shut, the subject's own eyes
    blink_right: float
    jaw_open: float  # 0 .. 1
    smile: float  # 0 .. 1
    pucker: float  # 0 .. 1, narrows the mouth ("ou")
    brow_raise: float  # 0 .. 1
    gaze: tuple[float, float]  # iris shift, fraction of the eye's half width (x towards +X), height


def _smoothstep(x: np.ndarray | float) -> np.ndarray | float:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _minimum_jerk(x: np.ndarray | float) -> np.ndarray | float:
    # Reaching movements follow the minimum-jerk profile (Flash & Hogan 1985). It also starts and
    # stops with zero acceleration: a smoothstep's sudden stop makes the landmark smoother
    # overshoot, and the overshoot reads as a hand still moving after it has arrived.
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (10.0 + x * (6.0 * x - 15.0))


def _mirror(v: tuple[float, float, float]) -> np.ndarray:
    # The arm designs are for the right arm; the left arm is their reflection across the
    # performer's own midline, the same sagittal reflection coords uses for mirror mode.
    return coords.mirror_position(v)


def _hand_basis(side: str, fingers: np.ndarray, palm: np.ndarray) -> np.ndarray:
    """World rotation taking the rest hand (fingers along +-X, palm facing -Y) to the given
    finger and palm directions."""
    along = fingers if side == "right" else -fingers
    return quat.from_matrix(quat.basis(along, -palm, 0, 1))


def _arm_locals(side: str, pose: ArmPose, t: float) -> dict[str, np.ndarray]:
    prefix = side.capitalize()
    flip = (lambda v: np.array(v, float)) if side == "right" else _mirror
    rest = np.array([1.0, 0.0, 0.0]) if side == "right" else np.array([-1.0, 0.0, 0.0])
    fore = flip(pose.fore)
    fingers = flip(pose.fingers)
    if pose is ARM_POSES["wave"]:
        swing = 0.45 * np.sin(2.0 * np.pi * WAVE_HZ * t)
        fore = fore + np.array([swing, 0.0, 0.0]) * (1.0 if side == "right" else -1.0)
        fingers = fingers + np.array([1.4 * swing, 0.0, 0.0]) * (1.0 if side == "right" else -1.0)
    upper_world = quat.from_two_vectors(rest, flip(pose.upper))
    fore_world = quat.from_two_vectors(rest, fore)
    hand_world = _hand_basis(side, quat.normalize(fingers), quat.normalize(flip(pose.palm)))
    return {
        f"{prefix}UpperArm": upper_world,
        f"{prefix}LowerArm": quat.multiply(quat.conjugate(upper_world), fore_world),
        f"{prefix}Hand": quat.multiply(quat.conjugate(fore_world), hand_world),
    }


def _hand_shape(side: str, current: Segment, previous: Segment, since: float) -> np.ndarray:
    """The (5, 4) hand shape ``since`` seconds after the arm began moving from ``previous``'s
    pose into ``current``'s."""
    before = HAND_SHAPES[getattr(previous, f"{side}_hand")]
    after = HAND_SHAPES[getattr(current, f"{side}_hand")]
    if ARM_POSES[getattr(current, f"{side}_arm")].presents:
        # The sign forms as the hand arrives: shown on the way, it would be seen turning edge-on.
        w = _minimum_jerk((since - (BLEND_S - HAND_BLEND_S)) / HAND_BLEND_S)
        return before + w * (after - before)
    if ARM_POSES[getattr(previous, f"{side}_arm")].presents:
        # A sign is dropped by closing the hand as the arm starts back, then the hand relaxes on
        # the way down. Closing ends the sign clearly; a hand that merely relaxes bends its
        # fingers only halfway, which the recogniser reads as ambiguous (it could be on its way
        # to either side), so the sign would outlast the segment by ``ambiguous_exit_ms``.
        closing = _minimum_jerk(since / HAND_BLEND_S)
        relaxing = _minimum_jerk((since - HAND_BLEND_S) / (BLEND_S - HAND_BLEND_S))
        closed = before + closing * (HAND_SHAPES["closed"] - before)
        return closed + relaxing * (after - closed)
    w = _minimum_jerk(since / HAND_BLEND_S)
    return before + w * (after - before)


class DemoPerformer:
    """The routine for one seed. Immutable after construction; ``body`` and ``expression``
    are pure functions of t."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self._phases = rng.uniform(0.0, 2.0 * np.pi, size=12)
        gaps = rng.uniform(*BLINK_INTERVAL_S, size=int(BLINK_SCHEDULE_S / BLINK_INTERVAL_S[0]) + 1)
        starts = np.cumsum(gaps)
        self.blink_starts = starts[starts < BLINK_SCHEDULE_S - 1.0]

    # --- routine ---------------------------------------------------------------------------
    @staticmethod
    def segment_at(t: float) -> tuple[Segment, Segment, float]:
        """(current segment, previous segment, blend weight of the current one)."""
        local = t % LOOP_S
        index = max(i for i, s in enumerate(ROUTINE) if s.start <= local)
        weight = float(_smoothstep((local - ROUTINE[index].start) / BLEND_S))
        return ROUTINE[index], ROUTINE[index - 1], weight

    @staticmethod
    def arm_at(side: str, t: float) -> tuple[Segment, Segment, float]:
        """``segment_at`` for one arm and its hand ("left" / "right"): the segment whose pose the
        arm holds or is moving into, the one before, and the time since the move began. A
        presenting arm moves before its segment starts (``ArmPose.presents``)."""
        since = (t % LOOP_S - _ARM_STARTS[side]) % LOOP_S  # time since each segment's arm move began
        index = int(np.argmin(since))
        return ROUTINE[index], ROUTINE[index - 1], float(since[index])

    # --- body ------------------------------------------------------------------------------
    def body(self, t: float) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(local rotations of every animated bone, root position) at time t."""
        p = self._phases
        locals_: dict[str, np.ndarray] = {}
        for side in ("right", "left"):
            current, previous, since = self.arm_at(side, t)
            arm_now, arm_before = getattr(current, f"{side}_arm"), getattr(previous, f"{side}_arm")
            now = _arm_locals(side, ARM_POSES[arm_now], t)
            w = float(_minimum_jerk(since / BLEND_S))
            if w < 1.0 and arm_before != arm_now:
                before = _arm_locals(side, ARM_POSES[arm_before], t)
                now = {name: quat.slerp(before[name], now[name], w) for name in now}
            locals_.update(now)
            locals_.update(finger_rotations(side, _hand_shape(side, current, previous, since)))
        # Breathing at 15 breaths a minute: the chest rocks and the shoulders rise slightly.
        breath = np.sin(2.0 * np.pi * t / 4.0 + p[0])
        x, y, z = np.eye(3)
        locals_["Spine"] = quat.from_axis_angle(x, np.radians(0.6 * breath))
        locals_["Chest"] = quat.from_axis_angle(x, np.radians(-1.2 * breath))
        locals_["LeftShoulder"] = quat.from_axis_angle(z, np.radians(-1.5 * breath))
        locals_["RightShoulder"] = quat.from_axis_angle(z, np.radians(1.5 * breath))
        sway = np.sin(2.0 * np.pi * 0.13 * t + p[1])
        locals_["Hips"] = quat.from_axis_angle(y, np.radians(3.0 * sway))
        yaw, pitch, roll = self.head_angles(t)
        for bone, share in (("Neck", 0.4), ("Head", 0.6)):
            turn = quat.multiply(quat.from_axis_angle(y, share * yaw), quat.from_axis_angle(x, share * pitch))
            locals_[bone] = quat.multiply(turn, quat.from_axis_angle(z, share * roll))
        root = np.array([0.01 * sway, 0.95, 0.0])
        return locals_, root

    def head_angles(self, t: float) -> tuple[float, float, float]:
        """(yaw, pitch, roll) of the whole head in radians: slow looks around plus small nods
        while talking."""
        p = self._phases
        current, previous, w = self.segment_at(t)
        talk = (1.0 - w) * previous.talk + w * current.talk
        yaw = 18.0 * np.sin(2.0 * np.pi * t / 7.3 + p[2]) + 6.0 * np.sin(2.0 * np.pi * t / 2.9 + p[3])
        pitch = 6.0 * np.sin(2.0 * np.pi * t / 5.1 + p[4]) + talk * 3.0 * np.sin(2.0 * np.pi * 1.1 * t + p[5])
        roll = 4.0 * np.sin(2.0 * np.pi * t / 6.7 + p[6])
        return float(np.radians(yaw)), float(np.radians(pitch)), float(np.radians(roll))

    # --- face ------------------------------------------------------------------------------
    def blink(self, t: float) -> float:
        """Eye closure from the blink schedule, 0 .. 1."""
        since = (t % BLINK_SCHEDULE_S) - self.blink_starts
        closing = _smoothstep(since / BLINK_CLOSE_S)
        opening = _smoothstep((since - BLINK_CLOSE_S - BLINK_SHUT_S) / BLINK_OPEN_S)
        active = (since >= 0.0) & (since < BLINK_CLOSE_S + BLINK_SHUT_S + BLINK_OPEN_S)
        return float(np.max(np.where(active, closing - opening, 0.0), initial=0.0))

    def expression(self, t: float) -> Expression:
        p = self._phases
        current, previous, w = self.segment_at(t)
        talk = (1.0 - w) * previous.talk + w * current.talk
        smile = (1.0 - w) * previous.smile + w * current.smile
        # Syllables at ~4.3 Hz (speech runs at 4-5 syllables a second), phrases at ~0.7 Hz.
        syllable = 0.5 + 0.5 * np.sin(2.0 * np.pi * 4.3 * t + p[7])
        phrase = 0.5 + 0.5 * np.sin(2.0 * np.pi * 0.7 * t + p[8])
        jaw = talk * 0.7 * syllable * (0.4 + 0.6 * phrase)
        pucker = talk * 0.5 * (0.5 + 0.5 * np.sin(2.0 * np.pi * 1.9 * t + p[9]))
        local = t % LOOP_S
        # Brows go up on the greeting and at the first gesture.
        brow = max(_bump(local, 6.0, 1.2), _bump(local, 11.0, 1.0))
        wink = _bump(local, WINK_AT_S, WINK_HOLD_S, edge=0.1)
        blink = self.blink(t)
        yaw, pitch, _ = self.head_angles(t)
        # The eyes lead head turns a little (gaze shifts precede head movement).
        gaze_x = float(np.clip(0.35 * np.sin(2.0 * np.pi * t / 3.7 + p[10]) + 0.3 * np.sin(yaw), -0.6, 0.6))
        gaze_y = float(np.clip(0.25 * np.sin(2.0 * np.pi * t / 4.9 + p[11]) - 0.2 * np.sin(pitch), -0.4, 0.4))
        return Expression(
            blink_left=float(max(blink, wink)),
            blink_right=float(blink),
            jaw_open=float(jaw),
            smile=float(smile),
            pucker=float(pucker),
            brow_raise=float(brow),
            gaze=(gaze_x, gaze_y),
        )


def _bump(t: float, start: float, hold: float, edge: float = 0.25) -> float:
    """0 -> 1 over ``edge`` from ``start``, held ``hold`` seconds, back to 0 over ``edge``."""
    rise = _smoothstep((t - start) / edge)
    fall = _smoothstep((t - start - edge - hold) / edge)
    return float(rise - fall)
