"""ARKit 52 blendshape weights from face features measured against a neutral face.

Every weight is ``clip(deviation / range, 0, 1)`` of one or two features (face_features),
where the deviation is taken from the calibrated neutral (priors, running auto-calibration or a
saved profile) and the range from ``face_priors`` or the profile.

Honesty about what the mesh supports:
- measured directly: eyeBlink*, eyeWide*, eyeSquint*, eyeLook* (iris), browDown*,
  browInnerUp, browOuterUp*, jawOpen, jawLeft/Right, mouthLeft/Right, mouthSmile*,
  mouthFrown*, mouthPucker, mouthRollUpper/Lower.
- approximate (derived from related measurements, plausible but not specific):
  mouthFunnel (narrow mouth x lip gap), mouthClose (jaw opening the lips do not follow),
  mouthStretch* (corners outward and down), mouthDimple* (half of stretch), mouthPress*
  (thinner lips with the mouth closed), mouthLowerDown* / mouthUpperUp* (lip gap beyond what
  the jaw explains), mouthShrugUpper/Lower (lip thickening), jawForward (chin depth, a noisy
  z measurement), cheekPuff (cheek span minus the smile's share), cheekSquint* (squint x
  smile), noseSneer* (nose wings rising beyond what a smile lifts).
- always 0: tongueOut (the face mesh has no tongue).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtdriver.solvers import face_priors as pr
from vtdriver.solvers.face_features import FEATURE_INDEX

ARKIT_NAMES: tuple[str, ...] = (
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight",
    "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft",
    "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft",
    "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper",
    "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight", "tongueOut",
)
ALWAYS_ZERO = ("tongueOut",)


@dataclass(frozen=True)
class FeatureRanges:
    """Per-user travel measured by explicit calibration; None = use the population range."""

    jaw: float | None = None  # jaw_drop travel from neutral to wide open
    lip_gap: float | None = None  # lip gap with the mouth wide open
    closed_upper_lid_r: float | None = None  # upper-lid height with the eye shut
    closed_upper_lid_l: float | None = None


def _clip(x: float) -> float:
    x = float(x)
    return min(max(0.0, x), 1.0) if np.isfinite(x) else 0.0


def blink_weight(upper: float, neutral_upper: float, lower: float, closed_upper: float | None) -> float:
    """How far the upper lid has travelled from its open height towards shut. Shut is the
    calibrated closed height when known, else wherever the lower lid currently is, so a
    squint (lower lid rising) does not read as a blink."""
    shut = lower if closed_upper is None else closed_upper
    travel = max(neutral_upper - shut, pr.MIN_LID_TRAVEL)
    closed_fraction = (neutral_upper - upper) / travel
    return _clip((closed_fraction - pr.BLINK_DEADZONE) / (1.0 - pr.BLINK_DEADZONE))


def eye_offsets(features: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """Each iris's offset from its neutral position, rows (right eye, left eye), columns
    (towards the subject's right, up), in iris-offset units (/ eye width)."""
    i = FEATURE_INDEX
    names = (("iris_x_r", "iris_y_r"), ("iris_x_l", "iris_y_l"))
    idx = np.array([[i[a], i[b]] for a, b in names])
    return np.asarray(features, dtype=float)[idx] - np.asarray(neutral, dtype=float)[idx]


def look_weights(gaze_x: float, gaze_y: float) -> dict[str, float]:
    """eyeLook* from a common gaze. Looking towards the subject's right turns the right eye
    outwards and the left eye inwards."""
    right = _clip(gaze_x / pr.GAZE_X_RANGE)
    left = _clip(-gaze_x / pr.GAZE_X_RANGE)
    up = _clip(gaze_y / pr.GAZE_Y_RANGE)
    down = _clip(-gaze_y / pr.GAZE_Y_RANGE)
    return {
        "eyeLookOutRight": right, "eyeLookInLeft": right,
        "eyeLookInRight": left, "eyeLookOutLeft": left,
        "eyeLookUpLeft": up, "eyeLookUpRight": up,
        "eyeLookDownLeft": down, "eyeLookDownRight": down,
    }


def arkit_weights(features: np.ndarray, neutral: np.ndarray, ranges: FeatureRanges = FeatureRanges(),
                  range_scale: np.ndarray | None = None) -> dict[str, float]:
    """All 52 ARKit weights except the eyeLook group (the solver adds those from its held
    gaze). Keys are ARKit camelCase; "Left" = the subject's left. ``range_scale`` (per
    feature, from auto-calibration) shrinks the travel needed for a full weight."""
    i = FEATURE_INDEX
    scale = np.ones(len(features)) if range_scale is None else np.maximum(np.asarray(range_scale, dtype=float), 1e-3)

    def dev(name: str) -> float:
        return float(features[i[name]] - neutral[i[name]]) / float(scale[i[name]])

    def value(name: str) -> float:
        return float(features[i[name]])

    out: dict[str, float] = {}
    for side, s in (("Right", "r"), ("Left", "l")):
        closed = ranges.closed_upper_lid_r if s == "r" else ranges.closed_upper_lid_l
        out[f"eyeBlink{side}"] = blink_weight(value(f"upper_lid_{s}"), neutral[i[f"upper_lid_{s}"]], value(f"lower_lid_{s}"), closed)
        out[f"eyeWide{side}"] = _clip(dev(f"upper_lid_{s}") / pr.LID_WIDE_RANGE)
        out[f"eyeSquint{side}"] = _clip(dev(f"lower_lid_{s}") / pr.SQUINT_RANGE)
        brow_drop = -0.5 * (dev(f"brow_inner_{s}") + dev(f"brow_outer_{s}"))
        out[f"browDown{side}"] = _clip(brow_drop / pr.BROW_DOWN_RANGE)
        out[f"browOuterUp{side}"] = _clip(dev(f"brow_outer_{s}") / pr.BROW_UP_RANGE)
    out["browInnerUp"] = _clip(0.5 * (dev("brow_inner_r") + dev("brow_inner_l")) / pr.BROW_UP_RANGE)

    jaw_range = ranges.jaw if ranges.jaw and ranges.jaw > 1e-3 else pr.JAW_RANGE
    lip_range = ranges.lip_gap if ranges.lip_gap and ranges.lip_gap > 1e-3 else pr.LIP_GAP_RANGE
    jaw_open = _clip(dev("jaw_drop") / jaw_range)
    lip_open = _clip(dev("lip_gap") / lip_range)
    out["jawOpen"] = jaw_open
    out["mouthClose"] = _clip(jaw_open - lip_open)
    out["jawRight"] = _clip(dev("jaw_x") / pr.JAW_SHIFT_RANGE)
    out["jawLeft"] = _clip(-dev("jaw_x") / pr.JAW_SHIFT_RANGE)
    out["jawForward"] = _clip(dev("jaw_z") / pr.JAW_FORWARD_RANGE)
    out["mouthRight"] = _clip(dev("mouth_x") / pr.MOUTH_SHIFT_RANGE)
    out["mouthLeft"] = _clip(-dev("mouth_x") / pr.MOUTH_SHIFT_RANGE)

    narrow = _clip(-dev("mouth_width") / pr.MOUTH_NARROW_RANGE)
    out["mouthPucker"] = _clip(narrow * (1.0 - 2.0 * lip_open))
    out["mouthFunnel"] = _clip(narrow * 2.0 * lip_open)
    out["mouthRollUpper"] = _clip(-dev("upper_lip_thickness") / pr.LIP_ROLL_RANGE)
    out["mouthRollLower"] = _clip(-dev("lower_lip_thickness") / pr.LIP_ROLL_RANGE)
    out["mouthShrugUpper"] = _clip(dev("upper_lip_thickness") / pr.LIP_SHRUG_RANGE)
    out["mouthShrugLower"] = _clip(dev("lower_lip_thickness") / pr.LIP_SHRUG_RANGE)
    press = _clip(-(dev("upper_lip_thickness") + dev("lower_lip_thickness")) / pr.LIP_PRESS_RANGE) * (1.0 - lip_open)

    smiles = []
    for side, s in (("Right", "r"), ("Left", "l")):
        widen = dev(f"corner_out_{s}") / pr.CORNER_WIDEN_RANGE
        lift = dev(f"corner_lift_{s}") / pr.CORNER_LIFT_RANGE
        # A smile both widens the mouth and lifts its corners; either alone reads partly.
        smile = _clip(0.7 * widen + 0.6 * lift)
        smiles.append(smile)
        out[f"mouthSmile{side}"] = smile
        out[f"mouthFrown{side}"] = _clip(-lift - 0.5 * max(widen, 0.0))
        stretch = _clip(-lift) * _clip(widen)
        out[f"mouthStretch{side}"] = stretch
        out[f"mouthDimple{side}"] = 0.5 * stretch
        out[f"mouthPress{side}"] = press
        side_gap = _clip(dev(f"lip_gap_{s}") / (0.5 * lip_range))
        out[f"mouthLowerDown{side}"] = _clip(side_gap - jaw_open)
        out[f"mouthUpperUp{side}"] = _clip(max(side_gap - jaw_open, -dev(f"upper_lip_{s}") / pr.UPPER_LIP_RAISE_RANGE))
        out[f"cheekSquint{side}"] = _clip(out[f"eyeSquint{side}"] * smile * 0.5)
        out[f"noseSneer{side}"] = _clip(dev(f"nose_ala_{s}") / pr.SNEER_RANGE - 0.5 * smile)
    smile_mean = 0.5 * (smiles[0] + smiles[1])
    out["cheekPuff"] = _clip((dev("cheek_width") / pr.CHEEK_PUFF_RANGE - 1.2 * smile_mean) * (1.0 - lip_open))
    out["tongueOut"] = 0.0
    return out
