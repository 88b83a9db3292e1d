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


def _clip(x: float) -> float:
    return min(max(0.0, float(x)), 1.0)


def vrm_presets(w: dict[str, float], emotions: bool = True) -> dict[str, float]:
    smile = 0.5 * (w["mouthSmileLeft"] + w["mouthSmileRight"])
    stretch = 0.5 * (w["mouthStretchLeft"] + w["mouthStretchRight"])
    round_ = _clip(max(w["mouthPucker"], w["mouthFunnel"]))
    wide = _clip(max(smile, stretch))
    open_ = _clip(max(w["jawOpen"], 0.5 * (w["mouthLowerDownLeft"] + w["mouthLowerDownRight"])))
    mouth_shape = max(round_, wide)

    vowels = {
        "aa": open_ * (1.0 - mouth_shape),
        "oh": open_ * round_,
        "ou": (1.0 - open_) * round_,
        "ee": wide * _clip(2.0 * open_) * (1.0 - round_) * 0.8,
        "ih": wide * (1.0 - _clip(2.0 * open_)) * (1.0 - round_) * 0.5,
    }
    total = sum(vowels.values())
    if total > 1.0:
        vowels = {k: v / total for k, v in vowels.items()}
    out = {k: _clip(v) for k, v in vowels.items()}

    both = min(w["eyeBlinkLeft"], w["eyeBlinkRight"])
    out["blink"] = both
    out["blinkLeft"] = _clip(w["eyeBlinkLeft"] - both)
    out["blinkRight"] = _clip(w["eyeBlinkRight"] - both)

    brow_down = 0.5 * (w["browDownLeft"] + w["browDownRight"])
    brow_up = max(w["browInnerUp"], 0.5 * (w["browOuterUpLeft"] + w["browOuterUpRight"]))
    frown = 0.5 * (w["mouthFrownLeft"] + w["mouthFrownRight"])
    eye_wide = 0.5 * (w["eyeWideLeft"] + w["eyeWideRight"])
    if emotions:
        emotion = {
            "happy": smile,
            "angry": brow_down * (1.0 - smile),
            "sad": _clip(frown * (0.5 + w["browInnerUp"])),
            "relaxed": _clip(2.0 * min(smile, 1.0 - smile)) * (1.0 - brow_down),
            "surprised": brow_up * max(eye_wide, w["jawOpen"]),
        }
    else:
        emotion = dict.fromkeys(("happy", "angry", "sad", "relaxed", "surprised"), 0.0)
    out.update({k: _clip(v) for k, v in emotion.items()})
    out["neutral"] = _clip(1.0 - max(emotion.values()))

    out["lookUp"] = _clip(0.5 * (w["eyeLookUpLeft"] + w["eyeLookUpRight"]))
    out["lookDown"] = _clip(0.5 * (w["eyeLookDownLeft"] + w["eyeLookDownRight"]))
    out["lookLeft"] = _clip(0.5 * (w["eyeLookOutLeft"] + w["eyeLookInRight"]))
    out["lookRight"] = _clip(0.5 * (w["eyeLookOutRight"] + w["eyeLookInLeft"]))
    return out


VRM_NAMES: tuple[str, ...] = (
    "aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad",
    "relaxed", "surprised", "lookUp", "lookDown", "lookLeft", "lookRight", "neutral",
)
