"""Config sections of the hands stage: ``[hands]`` (finger bones, handedness) and
``[gestures]`` (recognition thresholds, event timing, mapping files)."""
from __future__ import annotations

from dataclasses import dataclass

from vtdriver.settings import setting


@dataclass(frozen=True)
class HandsSettings:
    fingers: bool = setting(True, "send the 15 finger bones of each tracked hand")
    check_handedness: bool = setting(
        True, "cross-check each hand against the pose wrists and correct a left/right swap"
    )
    handedness_margin: float = setting(
        0.25,
        "swap a hand pair only when the swapped assignment is this much closer to the pose wrists "
        "(fraction of the straight assignment's distance)",
        min=0,
        max=1,
    )
    handedness_max_distance: float = setting(
        0.6,
        "a lone hand further than this from its pose wrist (in shoulder widths) is checked against "
        "the other wrist",
        min=0,
        min_exclusive=True,
    )


@dataclass(frozen=True)
class GestureSettings:
    enabled: bool = setting(True, "recognise gestures and send gesture events")
    gestures_file: str = setting("mappings/gestures.toml", "gesture patterns (TOML)")
    actions_file: str = setting("mappings/actions.toml", "what each gesture does (TOML)")
    enter_ms: float = setting(150.0, "a gesture must be held this long before it enters", min=0, max=5000)
    exit_ms: float = setting(
        120.0, "a held gesture exits after it has been clearly contradicted this long", min=0, max=5000
    )
    cooldown_ms: float = setting(300.0, "after a gesture exits it cannot enter again for this long", min=0, max=60000)
    lost_hand_ms: float = setting(
        200.0, "a hand missing this long exits its gesture (short tracking drop-outs are bridged)", min=0, max=5000
    )
    finger_extended_below_deg: float = setting(
        60.0, "a finger whose knuckle bends add up to less than this is extended", min=0, max=360
    )
    finger_curled_above_deg: float = setting(
        120.0, "a finger whose knuckle bends add up to more than this is curled", min=0, max=360
    )
    finger_hysteresis_deg: float = setting(10.0, "a finger changes state only this far past a boundary", min=0, max=90)
    thumb_extended_above: float = setting(
        0.2, "the thumb is out when its tip is this many palm lengths beyond the index knuckle", min=-2, max=2
    )
    thumb_curled_below: float = setting(
        -0.15, "the thumb is folded when its tip is this far inside the index knuckle (palm lengths)", min=-2, max=2
    )
    thumb_hysteresis: float = setting(0.05, "the thumb changes state only this far past a boundary", min=0, max=1)
    direction_tolerance_deg: float = setting(
        70.0, "default cone half-angle of a direction constraint such as thumb_points = \"up\"", min=1, max=180
    )
    touch_distance: float = setting(
        0.35, "fingertips closer than this (palm lengths) touch, for patterns such as ok", min=0, min_exclusive=True
    )
    # Measured on webcam_thumbs_up.mp4 with the default hand smoothing: the posed thumbs up
    # moves 0.0-1.0 palm lengths/s (landmark jitter), the arm raising the hand 2.5-4.5.
    still_below_speed: float = setting(
        1.5,
        "a gesture can only enter while its hand moves slower than this (palm lengths per second): a hand "
        "being raised or waved while talking is not posing; 0 turns the check off",
        min=0,
    )
    speed_window_ms: float = setting(
        100.0, "hand speed is averaged over this long, so landmark jitter does not read as motion", min=0, max=1000
    )
    # Every gesture photo in ../shared/data shows its gesturing palm at 0.9 or more. The thumbs
    # up aimed at the camera in webcam_thumbs_up.mp4 reads 0.4-0.75 while Holistic finds the
    # thumb and 0.0-0.3 while it puts the thumb on the index finger; on that clip any value from
    # 0.15 to 0.55 gives the single thumbs up (0 gives a pointing_up). 0.3, mid-range: the palm
    # normal within ~17 deg of the image plane.
    edge_on_below: float = setting(
        0.3,
        "a hand whose palm normal is this close to the image plane (|cos| to the camera axis) is seen edge-on: "
        "its fingers hide one another, so its finger states neither start nor end a gesture; 0 turns it off",
        min=0,
        max=1,
    )
    ambiguous_exit_ms: float = setting(
        1500.0,
        "a held gesture exits when no frame has matched it for this long, even if nothing clearly contradicts it "
        "(a relaxed hand left in view, a hand seen edge-on)",
        min=0,
        max=60000,
    )
    direction_hysteresis_deg: float = setting(
        15.0, "a held gesture's direction constraint breaks only this far outside its cone", min=0, max=180
    )
    touch_hysteresis: float = setting(
        0.1, "a held gesture's touching fingertips part only this far beyond touch_distance (palm lengths)", min=0
    )

    def __post_init__(self):
        if self.finger_curled_above_deg <= self.finger_extended_below_deg:
            raise ValueError("finger_curled_above_deg: must be greater than finger_extended_below_deg")
        if self.thumb_curled_below >= self.thumb_extended_above:
            raise ValueError("thumb_curled_below: must be less than thumb_extended_above")
