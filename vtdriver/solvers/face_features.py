"""Scale- and rotation-invariant expression measurements from a head-local face mesh.

Input is ``HeadPose.local`` (face_geometry): head coordinates with x = subject's right,
y = up, z = forward, the eye span (outer eye corners) = 1. Every feature is a distance or
offset in those units, or a ratio of two distances, so it does not change when the head turns
or moves nearer the camera. Features are returned as one float vector in ``FEATURE_NAMES``
order so calibration can treat them all at once.

Naming: ``_r`` / ``_l`` = the subject's right / left.
"""
from __future__ import annotations

import numpy as np

from vtdriver.solvers import face_indices as fi

FEATURE_NAMES: tuple[str, ...] = (
    "eye_open_r", "eye_open_l",  # lid gap / eye width
    "upper_lid_r", "upper_lid_l",  # upper lid height above the corner line / eye width
    "lower_lid_r", "lower_lid_l",  # lower lid height above the corner line / eye width
    "iris_x_r", "iris_x_l",  # iris centre towards the subject's right / eye width
    "iris_y_r", "iris_y_l",  # iris centre above the corner line / eye width
    "brow_inner_r", "brow_inner_l",  # inner brow height above the eye corners
    "brow_outer_r", "brow_outer_l",
    "lip_gap",  # inner lip gap on the midline
    "lip_gap_r", "lip_gap_l",  # inner lip gap beside the midline
    "jaw_drop",  # nose base to chin
    "mouth_width",  # corner to corner
    "corner_up_r", "corner_up_l",  # mouth corner height above the upper lip's inner midpoint
    "corner_out_r", "corner_out_l",  # mouth corner distance from the face midline
    "corner_lift_r", "corner_lift_l",  # mouth corner height relative to the nose base
    "upper_lip_r", "upper_lip_l",  # nose base to the upper lip's outer edge beside the midline
    "lower_lip_r", "lower_lip_l",  # lower lip's outer edge below the mouth corners
    "upper_lip_thickness", "lower_lip_thickness",
    "mouth_x",  # mouth centre towards the subject's right
    "jaw_x",  # chin towards the subject's right
    "jaw_z",  # chin forward of the nose base
    "lip_forward",  # lips forward of the nose base
    "nose_height",  # eye line to nose base: a skull-fixed vertical length
    "cheek_width",  # cheek span beside the nose wings
    "cheek_r", "cheek_l",  # malar cheek height above the mouth corners' level
    "nose_ala_r", "nose_ala_l",  # nose wing height above the nose base
)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
NUM_FEATURES = len(FEATURE_NAMES)

_EPS = 1e-9


def _eye(local: np.ndarray, outer: int, inner: int, upper: np.ndarray, lower: np.ndarray,
         iris: int) -> tuple[float, float, float, float, float]:
    corner_a, corner_b = local[outer], local[inner]
    width = max(float(np.linalg.norm(corner_a - corner_b)), _EPS)
    middle = 0.5 * (corner_a + corner_b)
    gap = np.maximum(local[upper, 1] - local[lower, 1], 0.0)
    upper_lid = float(np.mean(local[upper, 1]) - middle[1]) / width
    lower_lid = float(np.mean(local[lower, 1]) - middle[1]) / width
    iris_offset = local[iris] - middle
    return (float(np.mean(gap)) / width, upper_lid, lower_lid, float(iris_offset[0]) / width,
            float(iris_offset[1]) / width)


def compute_features(local: np.ndarray) -> np.ndarray:
    """The ``FEATURE_NAMES`` vector of a head-local mesh (478 points with irises; a 468-point
    mesh gives iris features of 0)."""
    has_iris = local.shape[0] >= fi.NUM_LANDMARKS
    right_eye = _eye(local, fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER, fi.RIGHT_EYE_UPPER_MID,
                     fi.RIGHT_EYE_LOWER_MID, fi.RIGHT_IRIS_CENTER if has_iris else fi.RIGHT_EYE_INNER)
    left_eye = _eye(local, fi.LEFT_EYE_OUTER, fi.LEFT_EYE_INNER, fi.LEFT_EYE_UPPER_MID,
                    fi.LEFT_EYE_LOWER_MID, fi.LEFT_IRIS_CENTER if has_iris else fi.LEFT_EYE_INNER)
    if not has_iris:
        right_eye = right_eye[:3] + (0.0, 0.0)
        left_eye = left_eye[:3] + (0.0, 0.0)
    eye_line_y = float(np.mean(local[[fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER, fi.LEFT_EYE_INNER, fi.LEFT_EYE_OUTER], 1]))

    y = local[:, 1]
    nose_base = local[fi.NOSE_BOTTOM]
    corner_r, corner_l = local[fi.MOUTH_RIGHT_CORNER], local[fi.MOUTH_LEFT_CORNER]
    upper_inner_mid_y = y[fi.UPPER_LIP_BOTTOM]
    corners_y = 0.5 * (corner_r[1] + corner_l[1])
    # The midline's sideways position comes from skull-fixed points, not from the mouth.
    midline_x = float(np.mean(local[[fi.NOSE_BRIDGE_TOP, fi.NOSE_BRIDGE, fi.NOSE_BOTTOM, fi.FOREHEAD], 0]))
    mouth_centre = np.mean(local[[fi.UPPER_LIP_TOP, fi.UPPER_LIP_BOTTOM, fi.LOWER_LIP_TOP, fi.LOWER_LIP_BOTTOM]], axis=0)

    values = {
        "eye_open_r": right_eye[0], "eye_open_l": left_eye[0],
        "upper_lid_r": right_eye[1], "upper_lid_l": left_eye[1],
        "lower_lid_r": right_eye[2], "lower_lid_l": left_eye[2],
        "iris_x_r": right_eye[3], "iris_x_l": left_eye[3],
        "iris_y_r": right_eye[4], "iris_y_l": left_eye[4],
        "brow_inner_r": float(np.mean(y[fi.RIGHT_BROW_INNER])) - eye_line_y,
        "brow_inner_l": float(np.mean(y[fi.LEFT_BROW_INNER])) - eye_line_y,
        "brow_outer_r": float(np.mean(y[fi.RIGHT_BROW_OUTER])) - eye_line_y,
        "brow_outer_l": float(np.mean(y[fi.LEFT_BROW_OUTER])) - eye_line_y,
        "lip_gap": max(float(y[fi.UPPER_LIP_BOTTOM] - y[fi.LOWER_LIP_TOP]), 0.0),
        "lip_gap_r": max(float(np.mean(y[fi.RIGHT_INNER_UPPER_SIDE] - y[fi.RIGHT_INNER_LOWER_SIDE])), 0.0),
        "lip_gap_l": max(float(np.mean(y[fi.LEFT_INNER_UPPER_SIDE] - y[fi.LEFT_INNER_LOWER_SIDE])), 0.0),
        "jaw_drop": float(nose_base[1] - y[fi.CHIN]),
        "mouth_width": float(np.linalg.norm(corner_r - corner_l)),
        "corner_up_r": float(corner_r[1] - upper_inner_mid_y),
        "corner_up_l": float(corner_l[1] - upper_inner_mid_y),
        "corner_out_r": float(corner_r[0] - midline_x),
        "corner_out_l": float(midline_x - corner_l[0]),
        "corner_lift_r": float(corner_r[1] - nose_base[1]),
        "corner_lift_l": float(corner_l[1] - nose_base[1]),
        "upper_lip_r": float(nose_base[1] - np.mean(y[fi.RIGHT_UPPER_LIP_SIDE])),
        "upper_lip_l": float(nose_base[1] - np.mean(y[fi.LEFT_UPPER_LIP_SIDE])),
        "lower_lip_r": float(corners_y - np.mean(y[fi.RIGHT_LOWER_LIP_SIDE])),
        "lower_lip_l": float(corners_y - np.mean(y[fi.LEFT_LOWER_LIP_SIDE])),
        "upper_lip_thickness": float(y[fi.UPPER_LIP_TOP] - y[fi.UPPER_LIP_BOTTOM]),
        "lower_lip_thickness": float(y[fi.LOWER_LIP_TOP] - y[fi.LOWER_LIP_BOTTOM]),
        "mouth_x": float(mouth_centre[0]) - midline_x,
        "jaw_x": float(local[fi.CHIN, 0]) - midline_x,
        "jaw_z": float(local[fi.CHIN, 2] - nose_base[2]),
        "lip_forward": float(np.mean(local[[fi.UPPER_LIP_TOP, fi.LOWER_LIP_BOTTOM], 2]) - nose_base[2]),
        "nose_height": eye_line_y - float(nose_base[1]),
        "cheek_width": float(np.linalg.norm(local[fi.RIGHT_CHEEK_LOW] - local[fi.LEFT_CHEEK_LOW])),
        "cheek_r": float(y[fi.RIGHT_CHEEK] - corners_y),
        "cheek_l": float(y[fi.LEFT_CHEEK] - corners_y),
        "nose_ala_r": float(y[fi.NOSE_RIGHT_ALA] - nose_base[1]),
        "nose_ala_l": float(y[fi.NOSE_LEFT_ALA] - nose_base[1]),
    }
    out = np.array([values[name] for name in FEATURE_NAMES], dtype=float)
    return np.where(np.isfinite(out), out, 0.0)
