"""Population priors for the face features: what a relaxed face looks like before any
calibration, so that a new user gets sensible weights on the first frame.

Source: every prior neutral below is the rounded median of ``face_features`` over the
relaxed frontal faces available to the project (MediaPipe Holistic, model_complexity 1,
refine_face_landmarks on ../shared/data images COCO_val2014_000000000459.jpg,
two_children.jpeg, three_people.jpg and the 195 frames of video/webcam_thumbs_up.mp4, plus
the face in golden/male_full_height_hands_result_cpu.pbtxt). Smiling faces (portrait, sergey)
were left out of the neutral estimate. Iris priors are per eye because the refined mesh puts
the left iris measurably nearer the outer corner than the right one on all of those faces.

The ``*_RANGE`` constants say how far a feature travels from neutral for a full (1.0)
blendshape, in the same units (eye span = 1, or lid/iris offsets / eye width). They come from
typical facial motion (a brow raise of ~1 cm, a wide-open jaw dropping the chin ~4.5 cm, an
eye span of ~9 cm) and were checked against MediaPipe's learned blendshape model on the golden
portrait (see tests/test_face_golden.py for the per-shape errors).
"""
from __future__ import annotations

import numpy as np

from vtdriver.solvers.face_features import FEATURE_INDEX, NUM_FEATURES

_NEUTRAL = {
    "eye_open_r": 0.28, "eye_open_l": 0.27,
    "upper_lid_r": 0.245, "upper_lid_l": 0.235,
    "lower_lid_r": -0.05, "lower_lid_l": -0.046,
    "iris_x_r": 0.0, "iris_x_l": -0.062,
    "iris_y_r": 0.095, "iris_y_l": 0.092,
    "brow_inner_r": 0.236, "brow_inner_l": 0.228,
    "brow_outer_r": 0.148, "brow_outer_l": 0.144,
    "lip_gap": 0.003, "lip_gap_r": 0.003, "lip_gap_l": 0.003,
    "jaw_drop": 0.74,
    "mouth_width": 0.57,
    "corner_up_r": -0.04, "corner_up_l": -0.04,
    "corner_out_r": 0.28, "corner_out_l": 0.285,
    "corner_lift_r": -0.27, "corner_lift_l": -0.27,
    "upper_lip_r": 0.145, "upper_lip_l": 0.147,
    "lower_lip_r": 0.045, "lower_lip_l": 0.05,
    "upper_lip_thickness": 0.088, "lower_lip_thickness": 0.1,
    "mouth_x": 0.0, "jaw_x": 0.0, "jaw_z": -0.035, "lip_forward": 0.025,
    "nose_height": 0.40,
    "cheek_width": 0.9,
    "cheek_r": 0.36, "cheek_l": 0.36,
    "nose_ala_r": 0.015, "nose_ala_l": 0.015,
}


def neutral_prior() -> np.ndarray:
    """A fresh copy of the prior neutral feature vector (``FEATURE_NAMES`` order)."""
    out = np.zeros(NUM_FEATURES)
    for name, value in _NEUTRAL.items():
        out[FEATURE_INDEX[name]] = value
    return out


# Travel for a full blendshape (see module docstring for the reasoning).
LID_WIDE_RANGE = 0.08  # upper lid above neutral / eye width
SQUINT_RANGE = 0.06  # lower lid rise / eye width
MIN_LID_TRAVEL = 0.02  # guards the blink ratio when lids are degenerate
# The first tenth of the lid's travel reads as open: looking down or a relaxed lid lowers
# the upper lid a little without any blink.
BLINK_DEADZONE = 0.1
GAZE_X_RANGE = 0.2  # iris offset / eye width for eyeLookIn/Out = 1 (about 30 degrees)
GAZE_Y_RANGE = 0.12  # vertical iris travel is smaller than horizontal
BROW_DOWN_RANGE = 0.05  # eye spans
BROW_UP_RANGE = 0.1
JAW_RANGE = 0.5
LIP_GAP_RANGE = 0.35
CORNER_WIDEN_RANGE = 0.12
CORNER_LIFT_RANGE = 0.08
MOUTH_NARROW_RANGE = 0.15
MOUTH_SHIFT_RANGE = 0.1
JAW_SHIFT_RANGE = 0.1
JAW_FORWARD_RANGE = 0.1
LIP_ROLL_RANGE = 0.08
LIP_SHRUG_RANGE = 0.05
LIP_PRESS_RANGE = 0.08
UPPER_LIP_RAISE_RANGE = 0.06
CHEEK_PUFF_RANGE = 0.12
SNEER_RANGE = 0.06
