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


def vrm_presets(w: dict[str, float], emotions: bool = True) -> dict[str, float]:
    """The VRM presets from the ARKit weights ``w`` (plain floats). Clipping to [0, 1] is
    written inline as min(max(0.0, x), 1.0), which also turns a NaN into 0: it runs two dozen
    times a frame, where a helper call per value cost as much as the rest."""
    smile = 0.5 * (w["mouthSmileLeft"] + w["mouthSmileRight"])
    stretch = 0.5 * (w["mouthStretchLeft"] + w["mouthStretchRight"])
    round_ = min(max(0.0, max(w["mouthPucker"], w["mouthFunnel"])), 1.0)
    wide = min(max(0.0, max(smile, stretch)), 1.0)
    open_ = min(max(0.0, max(w["jawOpen"], 0.5 * (w["mouthLowerDownLeft"] + w["mouthLowerDownRight"]))), 1.0)
    mouth_shape = max(round_, wide)
    half_open = min(max(0.0, 2.0 * open_), 1.0)

    # aa, oh, ou, ee, ih
    vowels = (
        open_ * (1.0 - mouth_shape),
        open_ * round_,
        (1.0 - open_) * round_,
        wide * half_open * (1.0 - round_) * 0.8,
        wide * (1.0 - half_open) * (1.0 - round_) * 0.5,
    )
    total = sum(vowels)
    if total > 1.0:
        vowels = tuple(v / total for v in vowels)
    aa, oh, ou, ee, ih = (min(max(0.0, v), 1.0) for v in vowels)

    blink_left, blink_right = w["eyeBlinkLeft"], w["eyeBlinkRight"]
    both = min(blink_left, blink_right)

    brow_down = 0.5 * (w["browDownLeft"] + w["browDownRight"])
    if emotions:
        brow_up = max(w["browInnerUp"], 0.5 * (w["browOuterUpLeft"] + w["browOuterUpRight"]))
        frown = 0.5 * (w["mouthFrownLeft"] + w["mouthFrownRight"])
        eye_wide = 0.5 * (w["eyeWideLeft"] + w["eyeWideRight"])
        # happy, angry, sad, relaxed, surprised
        emotion = (
            smile,
            brow_down * (1.0 - smile),
            min(max(0.0, frown * (0.5 + w["browInnerUp"])), 1.0),
            min(max(0.0, 2.0 * min(smile, 1.0 - smile)), 1.0) * (1.0 - brow_down),
            brow_up * max(eye_wide, w["jawOpen"]),
        )
    else:
        emotion = (0.0, 0.0, 0.0, 0.0, 0.0)
    happy, angry, sad, relaxed, surprised = (min(max(0.0, v), 1.0) for v in emotion)

    return {
        "aa": aa, "oh": oh, "ou": ou, "ee": ee, "ih": ih,
        "blink": both,
        "blinkLeft": min(max(0.0, blink_left - both), 1.0),
        "blinkRight": min(max(0.0, blink_right - both), 1.0),
        "happy": happy, "angry": angry, "sad": sad, "relaxed": relaxed, "surprised": surprised,
        "neutral": min(max(0.0, 1.0 - max(emotion)), 1.0),
        "lookUp": min(max(0.0, 0.5 * (w["eyeLookUpLeft"] + w["eyeLookUpRight"])), 1.0),
        "lookDown": min(max(0.0, 0.5 * (w["eyeLookDownLeft"] + w["eyeLookDownRight"])), 1.0),
        "lookLeft": min(max(0.0, 0.5 * (w["eyeLookOutLeft"] + w["eyeLookInRight"])), 1.0),
        "lookRight": min(max(0.0, 0.5 * (w["eyeLookOutRight"] + w["eyeLookInLeft"])), 1.0),
    }


VRM_NAMES: tuple[str, ...] = (
    "aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad",
    "relaxed", "surprised", "lookUp", "lookDown", "lookLeft", "lookRight", "neutral",
)
