"""One frame of landmarks -> one AvatarFrame: handedness check, landmark smoothing, the body,
face and hand solvers, gesture actions, and mirror mode, in that order.

Adding a solver is a local change: give it a ``solve(landmarks)`` and merge its result in
``AvatarPipeline.process``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from vtdriver import coords, humanoid, quat
from vtdriver.bone_join import BoneJoin
from vtdriver.config.loader import Config
from vtdriver.frame import AvatarFrame, GestureEvent, Landmarks
from vtdriver.gestures.action_file import load_actions
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.gestures.stage import HandsStage
from vtdriver.mapping import INTERNAL_NAMES
from vtdriver.smoothing import LandmarkSmoother
from vtdriver.solvers.body import BodySolver
from vtdriver.solvers.face import FaceSolver
from vtdriver.solvers.hand_frame import hand_frames
from vtdriver.solvers.head import split_head_rotation
from vtdriver.timing import StageTimer

# Landmark parts and the smoothing settings that apply to each. The image-space pose is only
# read by root motion (the body solver works on pose_world, the preview draws the tracker's own
# landmarks), so it is smoothed only when root motion is on: a filter whose output nobody
# reads is a sixth of the smoothing stage.
_SMOOTHED_PARTS = (
    ("pose_world", "body"),
    ("face", "face"),
    ("left_hand", "hands"),
    ("right_hand", "hands"),
)
_ROOT_MOTION_PART = ("pose", "body")


def _smoothed_parts(config: Config) -> tuple[tuple[str, str], ...]:
    return (_ROOT_MOTION_PART, *_SMOOTHED_PARTS) if config.body.root_motion else _SMOOTHED_PARTS


@dataclass
class PipelineOutput:
    frame: AvatarFrame
    # (output name, OSC address, args) messages produced by gesture actions this frame.
    messages: list[tuple[str, str, tuple]] = field(default_factory=list)
    # Each hand's gesture as classified on this frame alone, before the enter/exit debounce.
    observed_gestures: dict[str, str | None] = field(default_factory=dict)
    # The landmarks the solvers saw: hands in their checked sides, smoothed (the image-space
    # pose only with root motion on, the one setting that reads it).
    landmarks: Landmarks | None = None


def output_names(config: Config) -> list[str]:
    return [o.label for o in config.outputs if o.enabled]


class AvatarPipeline:
    def __init__(self, config: Config, face_profile=None):
        self._config: Config | None = None
        self._face_profile = face_profile
        self._held: dict[str, str | None] = {}
        self._bone_join = BoneJoin()
        self.apply_config(config)

    def apply_config(self, config: Config) -> None:
        """Take on a (re)loaded config. Stages whose settings did not change keep their state
        (filters, face auto-calibration); the others start afresh. The gesture patterns and
        actions are always reloaded, since their files may have changed on disk."""
        # The files first: if one fails to load, nothing has changed yet.
        gesture_set = load_gesture_set(config.resolve(config.gestures.gestures_file))
        actions = load_actions(
            config.resolve(config.gestures.actions_file), gesture_set, output_names(config), INTERNAL_NAMES
        )
        old = self._config
        # Filters keep their history while the smoothing settings stay; turning root motion on
        # or off only adds or drops the image-space pose's.
        kept = self._smoothers if old is not None and old.smoothing == config.smoothing else {}
        self._smoothers = {
            part: kept[part] if part in kept else LandmarkSmoother(config.smoothing[group])
            for part, group in _smoothed_parts(config)
        }
        if old is None or old.body != config.body:
            self._body = BodySolver(config.body)
        if old is None or old.face != config.face:
            self._face = FaceSolver(config.face, self._face_profile)
        self._actions = actions
        self._hands = HandsStage(config.hands, gesture_set, self._actions, config.gestures)
        self._mirror = config.avatar.mirror
        self._neck_share = config.face.neck_share
        self._config = config

    @property
    def mirror(self) -> bool:
        return self._mirror

    def set_mirror(self, mirror: bool) -> None:
        self._mirror = mirror

    def set_face_profile(self, profile) -> None:
        """A face calibration made while running (preview key c) replaces the face solver."""
        self._face_profile = profile
        self._face = FaceSolver(self._config.face, profile)

    def _smooth(self, lm: Landmarks) -> Landmarks:
        """Handedness first, then each part's smoother: a swapped frame must not mix the two
        hands' filter histories. Hands the check found finite are not checked again."""
        lm = self._hands.correct_handedness(lm)
        finite = self._hands.handedness.finite_parts(lm)
        t = lm.t
        return lm.with_parts(
            {part: smoother.smooth(getattr(lm, part), t, part in finite) for part, smoother in self._smoothers.items()}
        )

    def process(self, lm: Landmarks, timer: StageTimer) -> PipelineOutput:
        with timer.stage("smoothing"):
            lm = self._smooth(lm)
        with timer.stage("body"):
            # Both hands' Unity points and Hand bone frames, once for the body and the hands.
            hand_input = hand_frames(lm)
            body = self._body.solve(lm, hand_input)
        with timer.stage("face"):
            face = self._face.solve(lm)
        with timer.stage("hands"):
            hands = self._hands.process(lm, handedness_checked=True, hands=hand_input)

        with timer.stage("mapping"):
            frame, messages = self._frame(lm, body, face, hands)
        observed = coords.mirror_sides(hands.observed, self._mirror)
        return PipelineOutput(frame=frame, messages=list(messages), observed_gestures=observed, landmarks=lm)

    def _frame(self, lm: Landmarks, body, face, hands) -> tuple[AvatarFrame, list]:
        """The solvers' results merged into one checked (and mirrored) frame, with the
        gesture actions applied: the pipeline's "mapping" stage."""
        blocks = [body.bones]
        if face.head_world is not None:
            chest = body.world_rotation("UpperChest")
            blocks.append(split_head_rotation(chest, face.head_world, self._neck_share))
        blocks += (face.eye_bones, hands.bones)
        frame = AvatarFrame(
            t=lm.t,
            bones=self._bone_join.join(blocks),
            root_position=body.root_position,
            blendshapes=_unit_weights(face.blendshapes),
            gestures=dict(hands.gestures),
            events=list(hands.events),
            tracking={
                "pose": body.tracked,
                "face": face.tracked,
                "left_hand": hands.tracked.get("left", False),
                "right_hand": hands.tracked.get("right", False),
            },
            index=lm.index,
            capture_ns=lm.capture_ns,
        )
        frame = coords.apply_mirror(frame, self._mirror)
        # Actions run on the mirrored frame, so "right" in actions.toml is always the
        # avatar's right hand.
        overrides, messages = self._actions.update(frame.events, frame.gestures, frame.t, base=frame.blendshapes)
        for name, weight in overrides.items():
            frame.blendshapes[name] = _unit(weight)
        self._held = dict(frame.gestures)
        return frame, messages

    def rest_output(self, t: float) -> PipelineOutput:
        """The last frame of a run: every bone at rest, no expression, tracking lost, and an
        exit event for any gesture still held, so no receiver is left mid-gesture."""
        events = [GestureEvent(hand, gesture, "exit", t) for hand, gesture in self._held.items() if gesture]
        self._held = {}
        frame = AvatarFrame(
            t=t,
            bones={name: quat.IDENTITY.copy() for name in humanoid.BONE_NAMES},
            gestures={"left": None, "right": None},
            events=events,
            tracking={"pose": False, "face": False, "left_hand": False, "right_hand": False},
        )
        return PipelineOutput(frame=frame)


def _unit_weights(weights: dict[str, float]) -> dict[str, float]:
    """``_unit`` of every weight, as a new dict (gesture actions write into the frame's).

    The face solver's weights are plain floats in [0, 1] already (tests/test_face_stream.py
    holds it to that): such a table is checked by a few passes in C and copied, which costs a
    tenth of rebuilding it value by value. A NaN makes the sum NaN, which fails the first
    comparison; an infinity fails a bound."""
    values = weights.values()
    if values and set(map(type, values)) == _FLOAT_ONLY:
        total = sum(values)
        if total == total and min(values) >= 0.0 and max(values) <= 1.0:
            return dict(weights)
    # Anything else, value by value: a comprehension beats the numpy calls an array version
    # needs for ~70 values (and gives the same values: NaN and both infinities 0.0, -0.0 as 0.0).
    inf = math.inf
    return {
        name: (w if w <= 1.0 else (1.0 if w < inf else 0.0)) if w > 0.0 else 0.0
        for name, w in zip(weights, map(float, weights.values()))
    }


_FLOAT_ONLY = frozenset((float,))


def _unit(weight: float) -> float:
    w = float(weight)
    return min(max(w, 0.0), 1.0) if math.isfinite(w) else 0.0
