"""Scale- and rotation-invariant expression measurements from a head-local face mesh.

Input is ``HeadPose.local`` (face_geometry): head coordinates with x = subject's right,
y = up, z = forward, the eye span (outer eye corners) = 1. Every feature is a distance or
offset in those units, or a ratio of two distances, so it does not change when the head turns
or moves nearer the camera. Features are returned as one float vector in ``FEATURE_NAMES``
order so calibration can treat them all at once.

Naming: ``_r`` / ``_l`` = the subject's right / left.
"""
from __future__ import annotations

import math

import numpy as np

from vtdriver.numeric import all_finite
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
_X, _Y, _Z = 0, 1, 2  # coordinate axes

# Almost every feature is a fixed linear mix of landmark coordinates (an offset, a difference
# of means). Writing each as {(landmark, axis): coefficient} lets one gather and one small
# matrix product compute them all at once; a per-feature numpy call each cost ~40 calls/frame.
Terms = dict[tuple[int, int], float]


def _mean(indices, axis: int) -> Terms:
    indices = np.atleast_1d(indices)
    return {(int(i), axis): 1.0 / len(indices) for i in indices}


def _minus(a: Terms, b: Terms) -> Terms:
    out = dict(a)
    for key, coefficient in b.items():
        out[key] = out.get(key, 0.0) - coefficient
    return out


def _linear_features(has_iris: bool) -> dict[str, Terms]:
    """Every feature that is linear in the coordinates; the eye features (``_EYE_BLOCK``)
    are still to be divided by their eye's width."""
    eye_line_y = _mean([fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER, fi.LEFT_EYE_INNER, fi.LEFT_EYE_OUTER], _Y)
    # The midline's sideways position comes from skull-fixed points, not from the mouth.
    midline_x = _mean([fi.NOSE_BRIDGE_TOP, fi.NOSE_BRIDGE, fi.NOSE_BOTTOM, fi.FOREHEAD], _X)
    corners_y = _mean([fi.MOUTH_RIGHT_CORNER, fi.MOUTH_LEFT_CORNER], _Y)
    nose_y, nose_z = _mean(fi.NOSE_BOTTOM, _Y), _mean(fi.NOSE_BOTTOM, _Z)
    lips = [fi.UPPER_LIP_TOP, fi.UPPER_LIP_BOTTOM, fi.LOWER_LIP_TOP, fi.LOWER_LIP_BOTTOM]
    out: dict[str, Terms] = {}
    for s, outer, inner, upper, lower, iris in (
        ("r", fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER, fi.RIGHT_EYE_UPPER_MID, fi.RIGHT_EYE_LOWER_MID, fi.RIGHT_IRIS_CENTER),
        ("l", fi.LEFT_EYE_OUTER, fi.LEFT_EYE_INNER, fi.LEFT_EYE_UPPER_MID, fi.LEFT_EYE_LOWER_MID, fi.LEFT_IRIS_CENTER),
    ):
        middle_y = _mean([outer, inner], _Y)
        out[f"upper_lid_{s}"] = _minus(_mean(upper, _Y), middle_y)
        out[f"lower_lid_{s}"] = _minus(_mean(lower, _Y), middle_y)
        # A 468-point mesh has no irises: their features stay 0 (an empty mix).
        out[f"iris_x_{s}"] = _minus(_mean(iris, _X), _mean([outer, inner], _X)) if has_iris else {}
        out[f"iris_y_{s}"] = _minus(_mean(iris, _Y), middle_y) if has_iris else {}
    for s, brow_inner, brow_outer, gap_upper, gap_lower in (
        ("r", fi.RIGHT_BROW_INNER, fi.RIGHT_BROW_OUTER, fi.RIGHT_INNER_UPPER_SIDE, fi.RIGHT_INNER_LOWER_SIDE),
        ("l", fi.LEFT_BROW_INNER, fi.LEFT_BROW_OUTER, fi.LEFT_INNER_UPPER_SIDE, fi.LEFT_INNER_LOWER_SIDE),
    ):
        out[f"brow_inner_{s}"] = _minus(_mean(brow_inner, _Y), eye_line_y)
        out[f"brow_outer_{s}"] = _minus(_mean(brow_outer, _Y), eye_line_y)
        out[f"lip_gap_{s}"] = _minus(_mean(gap_upper, _Y), _mean(gap_lower, _Y))
    out["lip_gap"] = _minus(_mean(fi.UPPER_LIP_BOTTOM, _Y), _mean(fi.LOWER_LIP_TOP, _Y))
    out["jaw_drop"] = _minus(nose_y, _mean(fi.CHIN, _Y))
    for s, corner, upper_side, lower_side, cheek, ala in (
        ("r", fi.MOUTH_RIGHT_CORNER, fi.RIGHT_UPPER_LIP_SIDE, fi.RIGHT_LOWER_LIP_SIDE, fi.RIGHT_CHEEK, fi.NOSE_RIGHT_ALA),
        ("l", fi.MOUTH_LEFT_CORNER, fi.LEFT_UPPER_LIP_SIDE, fi.LEFT_LOWER_LIP_SIDE, fi.LEFT_CHEEK, fi.NOSE_LEFT_ALA),
    ):
        out[f"corner_up_{s}"] = _minus(_mean(corner, _Y), _mean(fi.UPPER_LIP_BOTTOM, _Y))
        out[f"corner_lift_{s}"] = _minus(_mean(corner, _Y), nose_y)
        out[f"upper_lip_{s}"] = _minus(nose_y, _mean(upper_side, _Y))
        out[f"lower_lip_{s}"] = _minus(corners_y, _mean(lower_side, _Y))
        out[f"cheek_{s}"] = _minus(_mean(cheek, _Y), corners_y)
        out[f"nose_ala_{s}"] = _minus(_mean(ala, _Y), nose_y)
    out["corner_out_r"] = _minus(_mean(fi.MOUTH_RIGHT_CORNER, _X), midline_x)
    out["corner_out_l"] = _minus(midline_x, _mean(fi.MOUTH_LEFT_CORNER, _X))
    out["upper_lip_thickness"] = _minus(_mean(fi.UPPER_LIP_TOP, _Y), _mean(fi.UPPER_LIP_BOTTOM, _Y))
    out["lower_lip_thickness"] = _minus(_mean(fi.LOWER_LIP_TOP, _Y), _mean(fi.LOWER_LIP_BOTTOM, _Y))
    out["mouth_x"] = _minus(_mean(lips, _X), midline_x)
    out["jaw_x"] = _minus(_mean(fi.CHIN, _X), midline_x)
    out["jaw_z"] = _minus(_mean(fi.CHIN, _Z), nose_z)
    out["lip_forward"] = _minus(_mean([fi.UPPER_LIP_TOP, fi.LOWER_LIP_BOTTOM], _Z), nose_z)
    out["nose_height"] = _minus(eye_line_y, nose_y)
    return out


# Non-linear features, computed from extra rows of the same product:
# - each eye's lid gaps (upper minus lower lid, per column; a negative gap counts as 0);
_LID_GAP_ROWS = [
    _minus(_mean(upper, _Y), _mean(lower, _Y))
    for uppers, lowers in ((fi.RIGHT_EYE_UPPER_MID, fi.RIGHT_EYE_LOWER_MID), (fi.LEFT_EYE_UPPER_MID, fi.LEFT_EYE_LOWER_MID))
    for upper, lower in zip(uppers, lowers)
]
_LID_GAPS_PER_EYE = len(fi.RIGHT_EYE_UPPER_MID)
# - lengths: both eye widths (which the eye features are measured in), then two features.
_SPANS = (
    (fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER),
    (fi.LEFT_EYE_OUTER, fi.LEFT_EYE_INNER),
    (fi.MOUTH_RIGHT_CORNER, fi.MOUTH_LEFT_CORNER),  # mouth_width
    (fi.RIGHT_CHEEK_LOW, fi.LEFT_CHEEK_LOW),  # cheek_width
)
_SPAN_ROWS = [_minus(_mean(a, axis), _mean(b, axis)) for a, b in _SPANS for axis in (_X, _Y, _Z)]
_MOUTH_WIDTH, _CHEEK_WIDTH = FEATURE_INDEX["mouth_width"], FEATURE_INDEX["cheek_width"]
# FEATURE_NAMES lists the eye features first, right/left alternating, and the lip gaps side by
# side, so both can be worked on as slices (views) instead of gathers and scatters.
_EYE_BLOCK = slice(0, 10)  # (eye_open, upper_lid, lower_lid, iris_x, iris_y) x (right, left)
_LIP_GAPS = slice(FEATURE_INDEX["lip_gap"], FEATURE_INDEX["lip_gap_l"] + 1)  # never negative
if FEATURE_NAMES[_EYE_BLOCK] != tuple(f"{name}_{s}" for name in ("eye_open", "upper_lid", "lower_lid", "iris_x", "iris_y")
                                      for s in "rl") or FEATURE_NAMES[_LIP_GAPS] != ("lip_gap", "lip_gap_r", "lip_gap_l"):
    raise AssertionError("FEATURE_NAMES order no longer matches the slices compute_features uses")
# And feature_values names the lid-gap and span rows one by one.
if len(_LID_GAP_ROWS) != 6 or len(_SPANS) != 4 or not _EYE_BLOCK.stop <= _LIP_GAPS.start:
    raise AssertionError("feature_values no longer matches the lid-gap and span rows")


class _Table:
    """The gather (``points``, ``axes``) and the matrix whose product with it gives every
    ``FEATURE_NAMES`` row (non-linear ones 0), then the lid-gap rows, then the span rows."""

    def __init__(self, has_iris: bool):
        linear = _linear_features(has_iris)
        rows = [linear.get(name, {}) for name in FEATURE_NAMES] + _LID_GAP_ROWS + _SPAN_ROWS
        keys = sorted({key for row in rows for key in row})
        column = {key: i for i, key in enumerate(keys)}
        self.points = np.array([point for point, _ in keys])
        self.axes = np.array([axis for _, axis in keys])
        # The landmarks read, and where each gathered value sits among them.
        self.landmarks, landmark_of = np.unique(self.points, return_inverse=True)
        self.landmark_flat = landmark_of * 3 + self.axes  # into landmarks' (n, 3) head coordinates, flattened
        self.matrix = np.zeros((len(rows), len(keys)))
        for i, row in enumerate(rows):
            for key, coefficient in row.items():
                self.matrix[i, column[key]] = coefficient
        self.uses = self.matrix != 0.0
        self.matrix.setflags(write=False)
        self.uses.setflags(write=False)


_WITH_IRIS = _Table(has_iris=True)
_MESH_ONLY = _Table(has_iris=False)


def compute_features(local: np.ndarray) -> np.ndarray:
    """The ``FEATURE_NAMES`` vector of a head-local mesh (478 points with irises; a 468-point
    mesh gives iris features of 0)."""
    local = np.asarray(local, dtype=float)
    table = _WITH_IRIS if local.shape[0] >= fi.NUM_LANDMARKS else _MESH_ONLY
    return _features(table, local[table.points, table.axes])


def _features(table: _Table, gathered: np.ndarray) -> np.ndarray:
    return np.fromiter(feature_values(table, gathered), float, NUM_FEATURES)


def feature_table(points: int) -> _Table:
    """The table for a mesh of ``points`` landmarks (with irises from 478 on)."""
    return _WITH_IRIS if points >= fi.NUM_LANDMARKS else _MESH_ONLY


def feature_values(table: _Table, gathered: np.ndarray) -> list[float]:
    """The ``FEATURE_NAMES`` values (all finite: a non-finite one becomes 0) from the head
    coordinates ``table.points``/``table.axes`` name, gathered in that order."""
    out = table.matrix.dot(gathered).tolist()
    # The float sum is finite only if every value is (or, after an overflow, the exact check).
    if not math.isfinite(sum(out)) and not all_finite(np.array(out)):
        # A non-finite coordinate must spoil only the features that use it, as when each
        # feature was computed on its own; in the product its zero coefficients spread NaN.
        out = np.where(table.uses, table.matrix * gathered, 0.0).sum(axis=1).tolist()
    return features_from_rows(out)


def features_from_rows(out: list[float]) -> list[float]:
    """``feature_values`` from the table's rows (``_Table.matrix`` times the gathered
    coordinates), however the caller worked them out."""
    # The non-linear steps touch ~25 numbers: plain floats, not a dozen tiny numpy calls, and
    # named rather than indexed (the layout is checked where the table is built).
    # ``0.0 if 0.0 > x else x`` is max(x, 0.0) without a call: a NaN is kept as np.maximum
    # keeps it (and float overflow gives inf).
    (gap_r0, gap_r1, gap_r2, gap_l0, gap_l1, gap_l2,
     rx, ry, rz, lx, ly, lz, mx, my, mz, cx, cy, cz) = out[NUM_FEATURES:]
    # Each eye's openness is the mean of its lid gaps (a negative gap counts as 0), summed as
    # sum() sums them (from 0.0, left to right).
    open_r = (0.0 + (0.0 if 0.0 > gap_r0 else gap_r0) + (0.0 if 0.0 > gap_r1 else gap_r1)
              + (0.0 if 0.0 > gap_r2 else gap_r2)) / _LID_GAPS_PER_EYE
    open_l = (0.0 + (0.0 if 0.0 > gap_l0 else gap_l0) + (0.0 if 0.0 > gap_l1 else gap_l1)
              + (0.0 if 0.0 > gap_l2 else gap_l2)) / _LID_GAPS_PER_EYE
    # Eye features are measured in eye widths; the block alternates right, left.
    width_r = math.sqrt(rx * rx + ry * ry + rz * rz)
    width_l = math.sqrt(lx * lx + ly * ly + lz * lz)
    width_r = _EPS if _EPS > width_r else width_r
    width_l = _EPS if _EPS > width_l else width_l
    _, _, upper_r, upper_l, lower_r, lower_l, iris_x_r, iris_x_l, iris_y_r, iris_y_l = out[:_EYE_BLOCK.stop]
    values = [open_r / width_r, open_l / width_l, upper_r / width_r, upper_l / width_l, lower_r / width_r,
              lower_l / width_l, iris_x_r / width_r, iris_x_l / width_l, iris_y_r / width_r, iris_y_l / width_l]
    values += out[_EYE_BLOCK.stop: NUM_FEATURES]
    gap, gap_r, gap_l = out[_LIP_GAPS]
    values[_LIP_GAPS] = (0.0 if 0.0 > gap else gap), (0.0 if 0.0 > gap_r else gap_r), (0.0 if 0.0 > gap_l else gap_l)
    values[_MOUTH_WIDTH] = math.sqrt(mx * mx + my * my + mz * mz)
    values[_CHEEK_WIDTH] = math.sqrt(cx * cx + cy * cy + cz * cz)
    out = values
    if math.isfinite(sum(out)):  # a NaN or infinity anywhere makes the sum non-finite
        return out
    return [value if math.isfinite(value) else 0.0 for value in out]
