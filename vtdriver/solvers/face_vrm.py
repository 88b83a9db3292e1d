"""VRM 1.0 expression presets derived from the ARKit weights.

- Vowels (aa ih ou ee oh) come from two mouth measurements: how open it is (jawOpen, with the
  lips' own opening) and how wide or round it is (mouthSmile/Stretch vs mouthPucker/Funnel).
  Open + neutral width = aa; open + round = oh; closed-ish + round = ou; wide + half open =
  ee; wide + nearly closed = ih. Their sum is capped at 1 so two vowels never stack into an
  over-driven mouth.
- blink = the part both eyes share (min of the two); blinkLeft / blinkRight = what one eye
  closes beyond that, so an avatar with all three shapes never closes an eye twice.
- Emotions are approximate readings of the geometry: happy = smile, angry = lowered brows
  without a smile, sad = frown with raised inner brows, relaxed = a gentle smile with relaxed
  brows, surprised = raised brows with wide eyes or an open jaw. neutral = 1 - the strongest
  emotion.
- lookUp/Down/Left/Right = the eyeLook weights of the common gaze.
"""
from __future__ import annotations

from operator import itemgetter


def _unit(x: float) -> float:
    """``min(max(0.0, x), 1.0)``, which also turns a NaN into 0, as comparisons: it runs two
    dozen times a frame, where the two builtin calls cost four times as much."""
    return (1.0 if x > 1.0 else x) if x > 0.0 else 0.0


# The ARKit weights the presets read, fetched in one C call rather than two dozen lookups.
INPUT_NAMES: tuple[str, ...] = (
    "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthPucker", "mouthFunnel",
    "jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight", "eyeBlinkLeft", "eyeBlinkRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "mouthFrownLeft", "mouthFrownRight", "eyeWideLeft", "eyeWideRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookOutLeft", "eyeLookInRight", "eyeLookOutRight", "eyeLookInLeft",
)
_INPUTS = itemgetter(*INPUT_NAMES)
# The order ``vrm_presets`` lists the presets in (``preset_values`` gives their values).
PRESET_ORDER: tuple[str, ...] = (
    "aa", "oh", "ou", "ee", "ih", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad", "relaxed",
    "surprised", "neutral", "lookUp", "lookDown", "lookLeft", "lookRight",
)


def vrm_presets(w: dict[str, float], emotions: bool = True) -> dict[str, float]:
    """The VRM presets from the ARKit weights ``w`` (plain floats in [0, 1], as the solver's
    are: clipped before and after smoothing)."""
    return dict(zip(PRESET_ORDER, preset_values(_INPUTS(w), emotions)))


def preset_values(inputs: tuple[float, ...], emotions: bool = True) -> tuple[float, ...]:
    """The ``PRESET_ORDER`` values from the ``INPUT_NAMES`` weights (plain floats in [0, 1]),
    for a caller that holds its weights in a list rather than a dict."""
    (smile_l, smile_r, stretch_l, stretch_r, pucker, funnel, jaw_open, lower_down_l, lower_down_r,
     blink_left, blink_right, brow_down_l, brow_down_r, inner_up, outer_up_l, outer_up_r,
     frown_l, frown_r, eye_wide_l, eye_wide_r, look_up_l, look_up_r, look_down_l, look_down_r,
     out_l, in_r, out_r, in_l) = inputs
    smile = 0.5 * (smile_l + smile_r)
    stretch = 0.5 * (stretch_l + stretch_r)
    # ``b if b > a else a`` is max(a, b): the first argument on a tie or a NaN.
    round_ = _unit(funnel if funnel > pucker else pucker)
    wide = _unit(stretch if stretch > smile else smile)
    lower_down = 0.5 * (lower_down_l + lower_down_r)
    open_ = _unit(lower_down if lower_down > jaw_open else jaw_open)
    mouth_shape = wide if wide > round_ else round_
    half_open = _unit(2.0 * open_)

    # aa, oh, ou, ee, ih
    aa = open_ * (1.0 - mouth_shape)
    oh = open_ * round_
    ou = (1.0 - open_) * round_
    ee = wide * half_open * (1.0 - round_) * 0.8
    ih = wide * (1.0 - half_open) * (1.0 - round_) * 0.5
    total = sum((aa, oh, ou, ee, ih))
    if total > 1.0:
        aa, oh, ou, ee, ih = aa / total, oh / total, ou / total, ee / total, ih / total

    both = blink_right if blink_right < blink_left else blink_left  # min(left, right)

    brow_down = 0.5 * (brow_down_l + brow_down_r)
    if emotions:
        outer_up = 0.5 * (outer_up_l + outer_up_r)
        brow_up = outer_up if outer_up > inner_up else inner_up
        frown = 0.5 * (frown_l + frown_r)
        eye_wide = 0.5 * (eye_wide_l + eye_wide_r)
        unsmile = 1.0 - smile
        # happy, angry, sad, relaxed, surprised
        emotion = (
            smile,
            brow_down * unsmile,
            _unit(frown * (0.5 + inner_up)),
            _unit(2.0 * (unsmile if unsmile < smile else smile)) * (1.0 - brow_down),
            brow_up * (jaw_open if jaw_open > eye_wide else eye_wide),
        )
    else:
        emotion = (0.0, 0.0, 0.0, 0.0, 0.0)
    happy, angry, sad, relaxed, surprised = emotion

    neutral = 1.0 - max(emotion)
    blink_l, blink_r = blink_left - both, blink_right - both
    look_up, look_down = 0.5 * (look_up_l + look_up_r), 0.5 * (look_down_l + look_down_r)
    look_left, look_right = 0.5 * (out_l + in_r), 0.5 * (out_r + in_l)
    # No final clamp: from weights in [0, 1] every preset is a product, mean, difference
    # from 1 or share of such values, so it is in [0, 1] already (and never -0.0).
    return (aa, oh, ou, ee, ih, both, blink_l, blink_r, happy, angry, sad, relaxed, surprised, neutral,
            look_up, look_down, look_left, look_right)


VRM_NAMES: tuple[str, ...] = (
    "aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad",
    "relaxed", "surprised", "lookUp", "lookDown", "lookLeft", "lookRight", "neutral",
)
