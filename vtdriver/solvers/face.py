"""The face solver: 478 face landmarks -> ARKit 52 + VRM 1.0 weights, head and eye rotations.

Per frame: head pose (face_geometry) -> head-local features (face_features) -> calibration
(running neutral/range and/or a loaded profile) -> ARKit weights (face_blendshapes) ->
wink handling -> held gaze (face_gaze) -> per-group smoothing (face_smoothing) -> VRM presets
(face_vrm).
Names: ARKit camelCase + VRM 1.0 presets; "Left" = the subject's own left (window mode).
"""
from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import quat
from vtdriver.frame import Landmarks
from vtdriver.rows import BoneRotations
from vtdriver.settings import setting
from vtdriver.smoothing import SmoothingSettings
from vtdriver.solvers import face_priors as pr
from vtdriver.solvers.face_blendshapes import (
    ARKIT_NAMES,
    LOOK_NAMES,
    MIN_SCALE,
    WEIGHT_NAMES,
    BlendshapeModel,
    FeatureRanges,
    look_values,
)
from vtdriver.solvers.face_calibration import ADAPTIVE_INDEX, RunningCalibration
from vtdriver.solvers.face_features import NUM_FEATURES
from vtdriver.solvers.face_gaze import GazeTracker, eye_rotation_values, eye_visibility_of
from vtdriver.solvers.face_measure import FaceMeasurer
from vtdriver.solvers.face_profile import CalibrationProfile
from vtdriver.solvers.face_smoothing import GroupedWeightSmoother
from vtdriver.solvers.face_vrm import INPUT_NAMES, PRESET_ORDER, VRM_NAMES, preset_values

# Smoothing groups: which ARKit weights each group's filter carries.
SMOOTHING_GROUPS = ("eyes", "gaze", "brows", "mouth", "cheeks_nose")


def _group_of(name: str) -> str:
    if name.startswith("eyeLook"):
        return "gaze"
    if name.startswith("eye"):
        return "eyes"
    if name.startswith("brow"):
        return "brows"
    if name.startswith(("cheek", "nose")):
        return "cheeks_nose"
    return "mouth"


# The solver keeps all 52 ARKit weights as one list/array in this order: the blendshape
# model's, then the eyeLook group from the held gaze. Its output dict lists them in the same
# order, and one GroupedWeightSmoother filters them, each with its group's window.
_TRACKED_NAMES = WEIGHT_NAMES + LOOK_NAMES
_SLOT = {name: i for i, name in enumerate(_TRACKED_NAMES)}
_BLINK_RIGHT, _BLINK_LEFT = _SLOT["eyeBlinkRight"], _SLOT["eyeBlinkLeft"]
# The output dict: the tracked weights, then the VRM presets (read from the smoothed list).
_OUTPUT_NAMES = _TRACKED_NAMES + PRESET_ORDER
# Each frame's dict is a copy of this one with its values replaced: copying a table of the
# same keys and overwriting is cheaper than inserting ~70 keys into a dict that keeps growing.
_OUTPUT_TEMPLATE = dict.fromkeys(_OUTPUT_NAMES, 0.0)
# What ndarray.clip(min, max) calls (numpy < 2, as pyproject pins), without its Python wrapper.
_CLIP = np.core.umath.clip
_ADAPTIVE = np.array(ADAPTIVE_INDEX)
_VRM_INPUTS = itemgetter(*(_SLOT[name] for name in INPUT_NAMES))
# Packing the feature floats with struct and viewing the bytes costs about a third of
# np.fromiter's per-item conversion.
_PACK_FEATURES = struct.Struct(f"{NUM_FEATURES}d").pack
# Both eyes turn alike: their two rows packed as bytes make the eye block the pipeline joins
# by one row copy, instead of a dict of two arrays it would stack row by row.
_EYE_NAMES = ("LeftEye", "RightEye")
_PACK_EYES = struct.Struct("8d").pack
_EYE_SHAPE = (2, 4)  # an array over the bytes in that shape: one call, no reshape


@dataclass(frozen=True)
class FaceSettings:
    """TOML section ``[face]``."""

    auto_calibration: str = setting("auto", "running neutral/range: 'auto' = on unless a profile is loaded", choices=("auto", "on", "off"))
    profile: str = setting("", "path of a calibration profile written by `vtdriver calibrate` ('' = none)")
    link_eyes: bool = setting(False, "blink both eyes together unless a clear wink is seen")
    wink_threshold: float = setting(0.35, "left/right blink difference that counts as a deliberate wink", min=0, max=1)
    hidden_eye_visibility: float = setting(0.5, "with link_eyes, an eye less visible than this follows the other", min=0, max=1)
    gaze_closed_threshold: float = setting(0.5, "blink weight above which an eye no longer steers the gaze", min=0.05, max=1)
    eye_max_yaw_deg: float = setting(30.0, "eye bone yaw for a full eyeLookIn/Out", min=0, max=60)
    eye_max_pitch_deg: float = setting(20.0, "eye bone pitch for a full eyeLookUp/Down", min=0, max=60)
    neck_share: float = setting(
        0.4,
        "share of the chest-to-head turn the Neck bone takes; the Head takes the rest (see solvers/head.py)",
        min=0,
        max=1,
    )
    emotions: bool = setting(True, "derive happy/angry/sad/relaxed/surprised from the geometry")
    smoothing_window: dict = setting(
        {"eyes": 3, "gaze": 5, "brows": 7, "mouth": 5, "cheeks_nose": 7},
        "Savitzky-Golay window per blendshape group (odd; 1 = off). Eyes stay short so blinks land",
    )
    smoothing_polyorder: int = setting(1, "polynomial degree of the blendshape filters", min=0, max=3)


@dataclass
class FaceResult:
    blendshapes: dict[str, float] = field(default_factory=dict)
    # Unity world rotation of the Head bone (x, y, z, w), as floats: its one reader, the head
    # split, works on floats.
    head_world: tuple[float, float, float, float] | None = None
    eye_bones: Mapping[str, np.ndarray] = field(default_factory=dict)  # LeftEye/RightEye local to Head
    tracked: bool = False


def _smoothing_settings(window: int, polyorder: int) -> SmoothingSettings:
    window = max(int(window), 1)
    window += 1 - window % 2  # the filter needs an odd window
    return SmoothingSettings(window=window, polyorder=min(int(polyorder), window - 1), lag_frames=0)


def link_blinks(right: float, left: float, vis_right: float, vis_left: float, settings: FaceSettings) -> tuple[float, float]:
    """Sync the eyes unless a clear wink is seen by two visible eyes; a half-hidden eye
    (head turned) follows the visible one, since its lids are measured foreshortened."""
    if vis_right < settings.hidden_eye_visibility <= vis_left:
        return left, left
    if vis_left < settings.hidden_eye_visibility <= vis_right:
        return right, right
    if abs(right - left) >= settings.wink_threshold:
        return right, left
    total = vis_right + vis_left
    both = 0.5 * (right + left) if total < 1e-6 else (vis_right * right + vis_left * left) / total
    return both, both


def _quaternion(rows: list[list[float]]) -> tuple[float, ...]:
    """``quat.from_matrix`` of a rotation given as rows of floats, as floats, without building
    the matrix: float_rotation works on the rows directly (quat does the same for one finite
    matrix, after converting it back to rows)."""
    if rows[0][0] != rows[0][0] or rows[1][1] != rows[1][1] or rows[2][2] != rows[2][2]:  # a NaN
        return tuple(quat.from_matrix(np.array(rows)).tolist())
    return fr.from_rows(rows)


class FaceSolver:
    def __init__(self, settings: FaceSettings | None = None, profile: CalibrationProfile | None = None):
        self._settings = settings or FaceSettings()
        self._profile = profile
        base = profile.neutral_vector() if profile is not None else pr.neutral_prior()
        self._ranges = profile.ranges() if profile is not None else FeatureRanges()
        mode = self._settings.auto_calibration
        auto = mode == "on" or (mode == "auto" and profile is None)
        self._calibration = RunningCalibration(base) if auto else None
        self._base = np.array(base, dtype=float)
        self._base_values = self._base.tolist()
        self._measurer = FaceMeasurer()
        self._gaze = GazeTracker(self._settings.gaze_closed_threshold)
        self._eye_limits = (math.radians(self._settings.eye_max_yaw_deg), math.radians(self._settings.eye_max_pitch_deg))
        self._model = BlendshapeModel(self._ranges)
        windows = dict(self._settings.smoothing_window)
        group_settings = {
            group: _smoothing_settings(windows.get(group, 1), self._settings.smoothing_polyorder)
            for group in SMOOTHING_GROUPS
        }
        self._smoother = GroupedWeightSmoother([group_settings[_group_of(name)] for name in _TRACKED_NAMES])

    @property
    def settings(self) -> FaceSettings:
        return self._settings

    def reset(self) -> None:
        self._smoother.reset()

    def solve(self, lm: Landmarks) -> FaceResult:
        measured = self._measurer.measure(lm.face, lm.image_size) if lm.face is not None else None
        if measured is None:
            self.reset()
            return FaceResult(blendshapes=dict.fromkeys(ARKIT_NAMES + VRM_NAMES, 0.0), tracked=False)
        rotation, feature_list = measured
        # The blendshapes' deviation, (features - neutral) / max(range_scale, 1e-3), on floats
        # (the same IEEE operations): only the adaptive features have a scale other than 1.
        calibration = self._calibration
        features = np.frombuffer(_PACK_FEATURES(*feature_list))  # read-only: never written
        if calibration is not None:
            calibration.update(feature_list, finite=True)  # feature_values' values all are
            neutral_values = calibration.neutral_values
            deviation = np.subtract(features, calibration.neutral)
            adaptive = calibration.adaptive_deviation
            if adaptive is not None:  # worked out by the update, from the same differences
                deviation.put(_ADAPTIVE, adaptive)
            else:
                deviation = deviation.tolist()
                for i, scale in zip(ADAPTIVE_INDEX, calibration.adaptive_scales):
                    deviation[i] /= MIN_SCALE if scale < MIN_SCALE else scale  # np.maximum keeps a NaN
                deviation = np.array(deviation)
        else:
            neutral_values = self._base_values
            deviation = np.subtract(features, self._base)
        weights = self._model.deviation_weight_list(deviation, feature_list, neutral_values)

        vis_r, vis_l = eye_visibility_of(*rotation[2])
        blinks = weights[_BLINK_RIGHT], weights[_BLINK_LEFT]
        if self._settings.link_eyes:
            blinks = link_blinks(*blinks, vis_r, vis_l, self._settings)
            weights[_BLINK_RIGHT], weights[_BLINK_LEFT] = blinks
        gaze_x, gaze_y = self._gaze.update(feature_list, neutral_values, blinks, (vis_r, vis_l))
        weights += look_values(gaze_x, gaze_y)

        smoothed = self._smooth(weights, lm.t)
        smoothed += preset_values(_VRM_INPUTS(smoothed), self._settings.emotions)
        blendshapes = _OUTPUT_TEMPLATE.copy()
        blendshapes.update(zip(_OUTPUT_NAMES, smoothed))
        eye = eye_rotation_values(gaze_x, gaze_y, *self._eye_limits)
        return FaceResult(
            blendshapes=blendshapes,
            head_world=_quaternion(rotation),
            eye_bones=BoneRotations(_EYE_NAMES, np.ndarray(_EYE_SHAPE, float, _PACK_EYES(*eye, *eye))),
            tracked=True,
        )

    def _smooth(self, weights: list[float], t: float) -> list[float]:
        smoothed = self._smoother.update(weights, t)
        if smoothed is None:
            return weights
        # A polynomial fit can overshoot a step; weights stay in [0, 1]. The weights going in
        # are finite (each is clipped or a clipped value's mix), so the fit's are too: a plain
        # clip, in place on the smoother's new array (-0.0 becomes 0.0, as max(0.0, x) gives).
        return _CLIP(smoothed, 0.0, 1.0, out=smoothed).tolist()
