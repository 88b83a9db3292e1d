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

import math
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from vtdriver.numeric import all_finite
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


_INF = math.inf


def _clip(x: float) -> float:
    """``x`` clipped to [0, 1]; NaN and infinities give 0 (a non-finite measurement is no
    expression). Comparisons rather than isfinite/min/max calls: this runs ~25 times a frame."""
    if x >= 1.0:
        return 1.0 if x != _INF else 0.0
    if x > 0.0:
        return float(x)
    return 0.0


def blink_weight(upper: float, neutral_upper: float, lower: float, closed_upper: float | None) -> float:
    """How far the upper lid has travelled from its open height towards shut. Shut is the
    calibrated closed height when known, else wherever the lower lid currently is, so a
    squint (lower lid rising) does not read as a blink."""
    shut = lower if closed_upper is None else closed_upper
    travel = neutral_upper - shut
    travel = pr.MIN_LID_TRAVEL if pr.MIN_LID_TRAVEL > travel else travel  # max(travel, MIN_LID_TRAVEL)
    closed_fraction = (neutral_upper - upper) / travel
    return _clip((closed_fraction - pr.BLINK_DEADZONE) / (1.0 - pr.BLINK_DEADZONE))


IRIS_FEATURES = tuple(FEATURE_INDEX[name] for name in ("iris_x_r", "iris_y_r", "iris_x_l", "iris_y_l"))
_IRIS_INDEX = np.array(IRIS_FEATURES).reshape(2, 2)


def eye_offsets(features: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """Each iris's offset from its neutral position, rows (right eye, left eye), columns
    (towards the subject's right, up), in iris-offset units (/ eye width)."""
    return np.asarray(features, dtype=float)[_IRIS_INDEX] - np.asarray(neutral, dtype=float)[_IRIS_INDEX]


LOOK_NAMES: tuple[str, ...] = (
    "eyeLookOutRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight",
)


def look_values(gaze_x: float, gaze_y: float) -> list[float]:
    """eyeLook* from a common gaze, in ``LOOK_NAMES`` order. Looking towards the subject's
    right turns the right eye outwards and the left eye inwards."""
    # _clip written out (every frame): 1 from 1 up (an infinity 0), x above 0, else 0.
    right, left = gaze_x / pr.GAZE_X_RANGE, -gaze_x / pr.GAZE_X_RANGE
    up, down = gaze_y / pr.GAZE_Y_RANGE, -gaze_y / pr.GAZE_Y_RANGE
    right = (1.0 if right != math.inf else 0.0) if right >= 1.0 else (right if right > 0.0 else 0.0)
    left = (1.0 if left != math.inf else 0.0) if left >= 1.0 else (left if left > 0.0 else 0.0)
    up = (1.0 if up != math.inf else 0.0) if up >= 1.0 else (up if up > 0.0 else 0.0)
    down = (1.0 if down != math.inf else 0.0) if down >= 1.0 else (down if down > 0.0 else 0.0)
    return [right, right, left, left, up, up, down, down]


def look_weights(gaze_x: float, gaze_y: float) -> dict[str, float]:
    """``look_values`` by name."""
    return dict(zip(LOOK_NAMES, look_values(gaze_x, gaze_y)))


# The order ``arkit_weights`` lists its weights in (the eyeLook group, from the solver's held
# gaze, follows it in the solver's output).
WEIGHT_NAMES: tuple[str, ...] = (
    *(f"{shape}{side}" for side in ("Right", "Left")
      for shape in ("eyeBlink", "eyeWide", "eyeSquint", "browDown", "browOuterUp")),
    "browInnerUp", "jawOpen", "mouthClose", "jawRight", "jawLeft", "jawForward", "mouthRight",
    "mouthLeft", "mouthPucker", "mouthFunnel", "mouthRollUpper", "mouthRollLower",
    "mouthShrugUpper", "mouthShrugLower",
    *(f"{shape}{side}" for side in ("Right", "Left")
      for shape in ("mouthSmile", "mouthFrown", "mouthStretch", "mouthDimple", "mouthPress",
                    "mouthLowerDown", "mouthUpperUp", "cheekSquint", "noseSneer")),
    "cheekPuff", "tongueOut",
)


def _linear_terms(jaw_range: float, lip_range: float) -> dict[str, dict[str, float]]:
    """Every quantity that is a fixed linear mix of the deviations (feature - neutral) /
    range scale: {quantity: {feature: coefficient}}. Quantities named like a blendshape are
    that blendshape before clipping; the others feed the composite shapes."""
    terms: dict[str, dict[str, float]] = {}
    for side, s in (("Right", "r"), ("Left", "l")):
        terms[f"eyeWide{side}"] = {f"upper_lid_{s}": 1.0 / pr.LID_WIDE_RANGE}
        terms[f"eyeSquint{side}"] = {f"lower_lid_{s}": 1.0 / pr.SQUINT_RANGE}
        terms[f"browDown{side}"] = {f"brow_inner_{s}": -0.5 / pr.BROW_DOWN_RANGE,
                                    f"brow_outer_{s}": -0.5 / pr.BROW_DOWN_RANGE}
        terms[f"browOuterUp{side}"] = {f"brow_outer_{s}": 1.0 / pr.BROW_UP_RANGE}
        # A smile both widens the mouth and lifts its corners; either alone reads partly.
        terms[f"mouthSmile{side}"] = {f"corner_out_{s}": 0.7 / pr.CORNER_WIDEN_RANGE,
                                      f"corner_lift_{s}": 0.6 / pr.CORNER_LIFT_RANGE}
        terms[f"widen_{s}"] = {f"corner_out_{s}": 1.0 / pr.CORNER_WIDEN_RANGE}
        terms[f"lift_{s}"] = {f"corner_lift_{s}": 1.0 / pr.CORNER_LIFT_RANGE}
        terms[f"side_gap_{s}"] = {f"lip_gap_{s}": 1.0 / (0.5 * lip_range)}
        terms[f"lip_raise_{s}"] = {f"upper_lip_{s}": -1.0 / pr.UPPER_LIP_RAISE_RANGE}
        terms[f"sneer_{s}"] = {f"nose_ala_{s}": 1.0 / pr.SNEER_RANGE}
    terms["browInnerUp"] = {"brow_inner_r": 0.5 / pr.BROW_UP_RANGE, "brow_inner_l": 0.5 / pr.BROW_UP_RANGE}
    terms["jawOpen"] = {"jaw_drop": 1.0 / jaw_range}
    terms["lip_open"] = {"lip_gap": 1.0 / lip_range}
    terms["jawRight"] = {"jaw_x": 1.0 / pr.JAW_SHIFT_RANGE}
    terms["jawLeft"] = {"jaw_x": -1.0 / pr.JAW_SHIFT_RANGE}
    terms["jawForward"] = {"jaw_z": 1.0 / pr.JAW_FORWARD_RANGE}
    terms["mouthRight"] = {"mouth_x": 1.0 / pr.MOUTH_SHIFT_RANGE}
    terms["mouthLeft"] = {"mouth_x": -1.0 / pr.MOUTH_SHIFT_RANGE}
    terms["narrow"] = {"mouth_width": -1.0 / pr.MOUTH_NARROW_RANGE}
    terms["mouthRollUpper"] = {"upper_lip_thickness": -1.0 / pr.LIP_ROLL_RANGE}
    terms["mouthRollLower"] = {"lower_lip_thickness": -1.0 / pr.LIP_ROLL_RANGE}
    terms["mouthShrugUpper"] = {"upper_lip_thickness": 1.0 / pr.LIP_SHRUG_RANGE}
    terms["mouthShrugLower"] = {"lower_lip_thickness": 1.0 / pr.LIP_SHRUG_RANGE}
    terms["press"] = {"upper_lip_thickness": -1.0 / pr.LIP_PRESS_RANGE, "lower_lip_thickness": -1.0 / pr.LIP_PRESS_RANGE}
    terms["puff"] = {"cheek_width": 1.0 / pr.CHEEK_PUFF_RANGE}
    return terms


# Shapes that are not one clipped linear quantity, in the order ``BlendshapeModel`` computes
# them; each side's mouth block is what ``_mouth_side`` returns.
_SIDE_COMPOSITES = ("mouthFrown", "mouthStretch", "mouthDimple", "mouthPress", "mouthLowerDown",
                    "mouthUpperUp", "cheekSquint", "noseSneer")
_COMPOSITE_NAMES = (
    "eyeBlinkRight", "eyeBlinkLeft", "mouthClose", "mouthPucker", "mouthFunnel",
    *(f"{shape}{side}" for side in ("Right", "Left") for shape in _SIDE_COMPOSITES),
    "cheekPuff", "tongueOut",
)
# What the composites are made of, unpacked in this order in ``BlendshapeModel.weights``.
_CLIPPED_INPUTS = ("jawOpen", "lip_open", "narrow", "press", "widen_r", "widen_l", "mouthSmileRight",
                   "mouthSmileLeft", "side_gap_r", "side_gap_l", "eyeSquintRight", "eyeSquintLeft")
_RAW_INPUTS = ("widen_r", "widen_l", "lift_r", "lift_l", "lip_raise_r", "lip_raise_l", "sneer_r", "sneer_l", "puff")


def _mouth_side(widen: float, lift: float, widen_clipped: float, smile: float, side_gap: float,
                lip_raise: float, squint: float, sneer: float, jaw_open: float, press: float) -> tuple[float, ...]:
    """One side's ``_SIDE_COMPOSITES`` from its raw (``widen``, ``lift``, ``lip_raise``,
    ``sneer``) and clipped quantities."""
    # Each ``_clip`` written out, as ``(1.0 if x != _INF else 0.0) if x >= 1.0 else (x if x > 0.0
    # else 0.0)`` on a name: a dozen calls a frame cost more than the arithmetic.
    # ``b if b > a else a`` is max(a, b) (the first argument on a tie or a NaN) without a call.
    lowered = -lift
    stretch = ((1.0 if lowered != _INF else 0.0) if lowered >= 1.0 else (lowered if lowered > 0.0 else 0.0)) * widen_clipped
    opened = side_gap - jaw_open
    frown = -lift - 0.5 * (0.0 if 0.0 > widen else widen)
    upper_up = lip_raise if lip_raise > opened else opened
    cheek = squint * smile * 0.5
    sneer = sneer - 0.5 * smile
    return ((1.0 if frown != _INF else 0.0) if frown >= 1.0 else (frown if frown > 0.0 else 0.0),
            stretch, 0.5 * stretch, press,
            (1.0 if opened != _INF else 0.0) if opened >= 1.0 else (opened if opened > 0.0 else 0.0),
            (1.0 if upper_up != _INF else 0.0) if upper_up >= 1.0 else (upper_up if upper_up > 0.0 else 0.0),
            (1.0 if cheek != _INF else 0.0) if cheek >= 1.0 else (cheek if cheek > 0.0 else 0.0),
            (1.0 if sneer != _INF else 0.0) if sneer >= 1.0 else (sneer if sneer > 0.0 else 0.0))


# A numpy scalar rather than a Python float as a ufunc argument: numpy then skips working out
# which dtype a Python float should take, a good part of the call's cost on ~40 numbers.
_MIN_SCALE = np.float64(1e-3)
MIN_SCALE = 1e-3  # the smallest range_scale a deviation is divided by


class BlendshapeModel:
    """ARKit weights for one set of ``FeatureRanges``: one matrix product gives every linear
    quantity, one vectorised clip bounds them, and only the composite shapes (products and
    differences of clipped quantities) are plain float arithmetic. That replaced ~50 Python
    expressions each wrapped in a numpy-aware clip per frame. Values are picked out of the
    quantity lists with itemgetters (one C call for many indices)."""

    def __init__(self, ranges: FeatureRanges = FeatureRanges()):
        jaw_range = ranges.jaw if ranges.jaw and ranges.jaw > 1e-3 else pr.JAW_RANGE
        lip_range = ranges.lip_gap if ranges.lip_gap and ranges.lip_gap > 1e-3 else pr.LIP_GAP_RANGE
        terms = _linear_terms(jaw_range, lip_range)
        row = {name: i for i, name in enumerate(terms)}
        self._matrix = np.zeros((len(terms), len(FEATURE_INDEX)))
        for name, mix in terms.items():
            for feature, coefficient in mix.items():
                self._matrix[row[name], FEATURE_INDEX[feature]] = coefficient
        self._uses = self._matrix != 0.0
        self._clipped_inputs = itemgetter(*(row[name] for name in _CLIPPED_INPUTS))
        self._raw_inputs = itemgetter(*(row[name] for name in _RAW_INPUTS))
        # The output takes each shape from the clipped quantities followed by the composites.
        composite = {name: len(row) + k for k, name in enumerate(_COMPOSITE_NAMES)}
        missing = set(WEIGHT_NAMES) - set(row) - set(composite)
        if missing:
            raise AssertionError(f"no formula for {sorted(missing)}")
        self._assemble = itemgetter(*(composite.get(name, row.get(name)) for name in WEIGHT_NAMES))
        i = FEATURE_INDEX
        self._lids = itemgetter(i["upper_lid_r"], i["lower_lid_r"], i["upper_lid_l"], i["lower_lid_l"])
        self._closed = (ranges.closed_upper_lid_r, ranges.closed_upper_lid_l)

    def weights(self, features: np.ndarray, neutral: np.ndarray, range_scale: np.ndarray | None = None) -> np.ndarray:
        """The ``WEIGHT_NAMES`` weights (all ARKit shapes but eyeLook*) as one array.
        ``range_scale`` (per feature, from auto-calibration) shrinks the travel needed for a
        full weight."""
        return np.fromiter(self.weight_list(features, neutral, range_scale), float, len(WEIGHT_NAMES))

    def weight_list(self, features: np.ndarray, neutral: np.ndarray, range_scale: np.ndarray | None = None, *,
                    values: tuple[list[float], list[float]] | None = None) -> list[float]:
        """``weights`` as a list of floats. ``values``: ``features`` and ``neutral`` as lists
        of floats, when the caller has them (saves converting them back)."""
        features = np.asarray(features, dtype=float)
        neutral = np.asarray(neutral, dtype=float)
        deviation = features - neutral
        if range_scale is not None:
            deviation = deviation / np.maximum(np.asarray(range_scale, dtype=float), _MIN_SCALE)
        values = (features.tolist(), neutral.tolist()) if values is None else values
        return self.deviation_weight_list(deviation, *values)

    def deviation_weight_list(self, deviation: np.ndarray, feature_list: list[float],
                              neutral_list: list[float]) -> list[float]:
        """``weight_list`` from the deviation ((features - neutral) / max(range_scale, 1e-3))
        the caller has worked out, with the features and neutral as lists of floats."""
        raw = self._matrix.dot(deviation)
        raw_list = raw.tolist()  # needed below; its float sum is finite only if every value is
        if math.isfinite(sum(raw_list)) or all_finite(raw):
            # np.minimum(np.maximum(0.0, raw), 1.0) of finite values (a -0.0 clips to +0.0),
            # on the list: cheaper than two ufunc calls and a conversion.
            raw, clipped = raw_list, [(1.0 if x > 1.0 else x) if x > 0.0 else 0.0 for x in raw_list]
        else:
            # A non-finite feature must spoil only the quantities that use it, as when each
            # was computed on its own; in the product its zero coefficients spread NaN. And
            # like the scalar clip, a non-finite quantity clips to 0.
            raw = np.where(self._uses, self._matrix * deviation, 0.0).sum(axis=1)
            clipped = np.where(np.isfinite(raw), np.minimum(np.maximum(0.0, raw), 1.0), 0.0)
            raw, clipped = raw.tolist(), clipped.tolist()

        (jaw_open, lip_open, narrow, press, widen_r, widen_l, smile_r, smile_l, gap_r, gap_l,
         squint_r, squint_l) = self._clipped_inputs(clipped)
        (widen_raw_r, widen_raw_l, lift_r, lift_l, raise_r, raise_l, sneer_r, sneer_l,
         puff) = self._raw_inputs(raw)
        upper_r, lower_r, upper_l, lower_l = self._lids(feature_list)
        neutral_upper_r, _, neutral_upper_l, _ = self._lids(neutral_list)
        press *= 1.0 - lip_open
        smile_mean = 0.5 * (smile_r + smile_l)
        # _clip written out on each name, as in _mouth_side.
        close = jaw_open - lip_open
        pucker = narrow * (1.0 - 2.0 * lip_open)
        funnel = narrow * 2.0 * lip_open
        puff = (puff - 1.2 * smile_mean) * (1.0 - lip_open)
        clipped += (  # the composites, in _COMPOSITE_NAMES order
            blink_weight(upper_r, neutral_upper_r, lower_r, self._closed[0]),
            blink_weight(upper_l, neutral_upper_l, lower_l, self._closed[1]),
            (1.0 if close != _INF else 0.0) if close >= 1.0 else (close if close > 0.0 else 0.0),
            (1.0 if pucker != _INF else 0.0) if pucker >= 1.0 else (pucker if pucker > 0.0 else 0.0),
            (1.0 if funnel != _INF else 0.0) if funnel >= 1.0 else (funnel if funnel > 0.0 else 0.0),
            *_mouth_side(widen_raw_r, lift_r, widen_r, smile_r, gap_r, raise_r, squint_r, sneer_r, jaw_open, press),
            *_mouth_side(widen_raw_l, lift_l, widen_l, smile_l, gap_l, raise_l, squint_l, sneer_l, jaw_open, press),
            (1.0 if puff != _INF else 0.0) if puff >= 1.0 else (puff if puff > 0.0 else 0.0),
            0.0,  # tongueOut: the face mesh has no tongue
        )
        return list(self._assemble(clipped))


def arkit_weights(features: np.ndarray, neutral: np.ndarray, ranges: FeatureRanges = FeatureRanges(),
                  range_scale: np.ndarray | None = None) -> dict[str, float]:
    """All 52 ARKit weights except the eyeLook group (the solver adds those from its held
    gaze). Keys are ARKit camelCase; "Left" = the subject's left. ``range_scale`` (per
    feature, from auto-calibration) shrinks the travel needed for a full weight. A solver
    that runs every frame keeps one ``BlendshapeModel`` instead."""
    return dict(zip(WEIGHT_NAMES, BlendshapeModel(ranges).weights(features, neutral, range_scale).tolist()))
