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
_INPUTS = itemgetter(
    "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthPucker", "mouthFunnel",
    "jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight", "eyeBlinkLeft", "eyeBlinkRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "mouthFrownLeft", "mouthFrownRight", "eyeWideLeft", "eyeWideRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookOutLeft", "eyeLookInRight", "eyeLookOutRight", "eyeLookInLeft",
)


def vrm_presets(w: dict[str, float], emotions: bool = True) -> dict[str, float]:
    """The VRM presets from the ARKit weights ``w`` (plain floats)."""
    (smile_l, smile_r, stretch_l, stretch_r, pucker, funnel, jaw_open, lower_down_l, lower_down_r,
     blink_left, blink_right, brow_down_l, brow_down_r, inner_up, outer_up_l, outer_up_r,
     frown_l, frown_r, eye_wide_l, eye_wide_r, look_up_l, look_up_r, look_down_l, look_down_r,
     out_l, in_r, out_r, in_l) = _INPUTS(w)
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

    return {
        "aa": _unit(aa), "oh": _unit(oh), "ou": _unit(ou), "ee": _unit(ee), "ih": _unit(ih),
        "blink": both,
        "blinkLeft": _unit(blink_left - both),
        "blinkRight": _unit(blink_right - both),
        "happy": _unit(happy), "angry": _unit(angry), "sad": _unit(sad), "relaxed": _unit(relaxed),
        "surprised": _unit(surprised),
        "neutral": _unit(1.0 - max(emotion)),
        "lookUp": _unit(0.5 * (look_up_l + look_up_r)),
        "lookDown": _unit(0.5 * (look_down_l + look_down_r)),
        "lookLeft": _unit(0.5 * (out_l + in_r)),
        "lookRight": _unit(0.5 * (out_r + in_l)),
    }


VRM_NAMES: tuple[str, ...] = (
    "aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad",
    "relaxed", "surprised", "lookUp", "lookDown", "lookLeft", "lookRight", "neutral",
)
