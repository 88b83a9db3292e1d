"""A procedural 478-point face for the demo performer.

No face template is copied: the named landmark groups of ``vtdriver.solvers.face_indices``
(lids, eye corners, irises, brows, lips, nose, outline, cheeks) are placed analytically on a
head-shaped surface, so a blink, a smile or talking moves exactly the points the face solver
reads. Every other index is spread deterministically over the same surface (a golden-angle
spiral) and follows the jaw when it lies below the mouth.

Head coordinates: metres, Unity axes (x = the performer's right, y = up, z = out of the
face), origin at the centre of the head. Measurements are typical adult values rounded:
eye centres 62 mm apart, eye opening 27 x 6 mm, iris diameter 11.7 mm, mouth 48 mm wide.
"""
from __future__ import annotations

import numpy as np

from vtdriver.solvers import face_indices as fi
from vtdriver.sources.demo_motion import Expression

# Front of the head as half an ellipsoid: half width, half height, depth from the centre. Below
# the eyes the profile is flatter (a longer half height), so the chin ends up about 2 cm behind
# the nose base, as on a real face, instead of curving away like an egg.
HALF_WIDTH, HALF_HEIGHT, DEPTH = 0.072, 0.105, 0.085
LOWER_HALF_HEIGHT = 0.14
EYE_X, EYE_Y, EYE_HALF_WIDTH = 0.031, 0.018, 0.0135
# The lower lid sits close to the line between the corners; the upper lid makes the opening.
UPPER_LID_HEIGHT, LOWER_LID_HEIGHT = 0.0048, 0.0012
IRIS_RAISE = 0.002  # the iris centre sits a little above the corner line when looking ahead
IRIS_RADIUS = 0.00585
MOUTH_Y, MOUTH_HALF_WIDTH = -0.048, 0.024
JAW_DROP = 0.028  # lower-lip travel at jaw_open = 1 (mouth opens about 3 cm at most)
GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def surface_z(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    half_height = np.where(y < 0.0, LOWER_HALF_HEIGHT, HALF_HEIGHT)
    inside = 1.0 - (np.asarray(x) / HALF_WIDTH) ** 2 - (y / half_height) ** 2
    return DEPTH * np.sqrt(np.clip(inside, 0.02, 1.0))


def _on_surface(x, y, lift=0.0) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.stack(np.broadcast_arrays(x, y, surface_z(x, y) + lift), axis=-1)


# Skull-fixed points: (index, x, y, extra height above the surface). Pairs are (subject's
# right at +x, subject's left at -x). Nose heights give a ~25 mm nose.
_FIXED = [
    (fi.NOSE_BRIDGE_TOP, 0.0, 0.020, 0.006), (fi.NOSE_BRIDGE, 0.0, 0.004, 0.012),
    (fi.NOSE_PRONASALE, 0.0, -0.011, 0.023), (fi.NOSE_TIP, 0.0, -0.016, 0.025),
    (fi.NOSE_BOTTOM, 0.0, -0.027, 0.012),
    (fi.NOSE_RIGHT_ALA, 0.016, -0.024, 0.008), (fi.NOSE_LEFT_ALA, -0.016, -0.024, 0.008),
    (fi.NOSE_RIGHT_WING, 0.020, -0.020, 0.005), (fi.NOSE_LEFT_WING, -0.020, -0.020, 0.005),
    (fi.FOREHEAD_TOP, 0.0, 0.088, 0.0), (fi.FOREHEAD, 0.0, 0.070, 0.0), (fi.GLABELLA, 0.0, 0.038, 0.002),
    (fi.FACE_RIGHT_SIDE, 0.070, 0.018, 0.0), (fi.FACE_LEFT_SIDE, -0.070, 0.018, 0.0),
    (fi.FACE_RIGHT_TEMPLE, 0.066, 0.040, 0.0), (fi.FACE_LEFT_TEMPLE, -0.066, 0.040, 0.0),
    (fi.RIGHT_CHEEKBONE, 0.050, 0.000, 0.002), (fi.LEFT_CHEEKBONE, -0.050, 0.000, 0.002),
    (fi.RIGHT_CHEEK_OUTER, 0.058, -0.010, 0.0), (fi.LEFT_CHEEK_OUTER, -0.058, -0.010, 0.0),
    (fi.RIGHT_CHEEK_LOW, 0.042, -0.025, 0.0), (fi.LEFT_CHEEK_LOW, -0.042, -0.025, 0.0),
]
# Points that ride on the jaw: (index, x, y, share of the jaw drop they follow).
_JAW = [
    (fi.CHIN, 0.0, -0.095, 1.0), (fi.JAW_RIGHT_LOW, 0.048, -0.075, 0.6), (fi.JAW_LEFT_LOW, -0.048, -0.075, 0.6),
    (fi.JAW_RIGHT_ANGLE, 0.060, -0.045, 0.3), (fi.JAW_LEFT_ANGLE, -0.060, -0.045, 0.3),
]
# Points that a smile lifts and pulls outwards: (index, x, y).
_SMILE = [
    (fi.RIGHT_CHEEK, 0.035, -0.008), (fi.LEFT_CHEEK, -0.035, -0.008),
    (fi.RIGHT_CHEEK_MOUTH, 0.033, -0.042), (fi.LEFT_CHEEK_MOUTH, -0.033, -0.042),
]


def _eye_groups(sign: float):
    """Index groups of one eye; sign +1 for the subject's right eye (at +x)."""
    if sign > 0:
        return (fi.RIGHT_EYE_OUTER, fi.RIGHT_EYE_INNER, fi.RIGHT_EYE_UPPER, fi.RIGHT_EYE_LOWER,
                fi.RIGHT_IRIS_CENTER, fi.RIGHT_IRIS_RING, fi.RIGHT_BROW_UPPER, fi.RIGHT_BROW_LOWER)
    return (fi.LEFT_EYE_OUTER, fi.LEFT_EYE_INNER, fi.LEFT_EYE_UPPER, fi.LEFT_EYE_LOWER,
            fi.LEFT_IRIS_CENTER, fi.LEFT_IRIS_RING, fi.LEFT_BROW_UPPER, fi.LEFT_BROW_LOWER)


def _named_indices() -> np.ndarray:
    groups = [np.array([i for i, *_ in table]) for table in (_FIXED, _JAW, _SMILE)]
    for sign in (1.0, -1.0):
        outer, inner, upper, lower, centre, ring, brow_up, brow_low = _eye_groups(sign)
        groups += [np.array([outer, inner, centre]), upper, lower, ring, brow_up, brow_low]
    groups += [fi.LIPS_OUTER_UPPER, fi.LIPS_OUTER_LOWER, fi.LIPS_INNER_UPPER, fi.LIPS_INNER_LOWER]
    return np.unique(np.concatenate(groups))


class DemoFace:
    """The neutral layout is computed once; ``points`` is vectorised and pure."""

    def __init__(self) -> None:
        named = _named_indices()
        self.free_indices = np.setdiff1d(np.arange(fi.NUM_LANDMARKS), named)
        count = self.free_indices.size
        k = np.arange(count) + 0.5
        radius = np.sqrt(k / count)
        self._free_xy = np.stack(
            (0.93 * HALF_WIDTH * radius * np.cos(k * GOLDEN_ANGLE), 0.9 * HALF_HEIGHT * radius * np.sin(k * GOLDEN_ANGLE)),
            axis=-1,
        )
        # Below the mouth the skin follows the jaw, fully at the chin line.
        self._free_jaw_share = np.clip((MOUTH_Y - self._free_xy[:, 1]) / 0.04, 0.0, 1.0)
        self._fixed_index = np.array([row[0] for row in _FIXED])
        self._fixed = _on_surface([r[1] for r in _FIXED], [r[2] for r in _FIXED], np.array([r[3] for r in _FIXED]))
        self._jaw_index = np.array([row[0] for row in _JAW])
        self._jaw_xy = np.array([row[1:3] for row in _JAW])
        self._jaw_share = np.array([row[3] for row in _JAW])
        self._smile_index = np.array([row[0] for row in _SMILE])
        self._smile_xy = np.array([row[1:3] for row in _SMILE])

    def points(self, e: Expression) -> np.ndarray:
        """(478, 3) head-coordinate points for an expression."""
        out = np.empty((fi.NUM_LANDMARKS, 3))
        drop = JAW_DROP * e.jaw_open
        out[self._fixed_index] = self._fixed
        jaw_y = self._jaw_xy[:, 1] - self._jaw_share * drop
        out[self._jaw_index] = _on_surface(self._jaw_xy[:, 0], jaw_y)
        smile_xy = self._smile_xy * [1.0 + 0.08 * e.smile, 1.0] + [0.0, 0.004 * e.smile]
        out[self._smile_index] = _on_surface(smile_xy[:, 0], smile_xy[:, 1], 0.002 * e.smile)
        free_y = self._free_xy[:, 1] - self._free_jaw_share * drop
        out[self.free_indices] = _on_surface(self._free_xy[:, 0], free_y)
        self._place_eye(out, 1.0, e.blink_right, e)
        self._place_eye(out, -1.0, e.blink_left, e)
        self._place_lips(out, e, drop)
        return out

    @staticmethod
    def _place_eye(out: np.ndarray, sign: float, closure: float, e: Expression) -> None:
        outer, inner, upper, lower, centre, ring, brow_up, brow_low = _eye_groups(sign)
        centre_x = sign * EYE_X
        outer_x, inner_x = centre_x + sign * EYE_HALF_WIDTH, centre_x - sign * EYE_HALF_WIDTH
        # Lid columns strictly between the corners, outer -> inner.
        s = (np.arange(len(upper)) + 1.0) / (len(upper) + 1.0)
        arc = np.sin(np.pi * s)
        lid_x = outer_x + (inner_x - outer_x) * s
        # Closing, the upper lid comes down to meet a slightly rising lower lid; a smile
        # pushes the lower lid up (cheek squint).
        lower_y = EYE_Y - LOWER_LID_HEIGHT * (1.0 - 0.2 * closure) * arc + 0.0012 * e.smile * arc
        upper_y = (1.0 - closure) * (EYE_Y + UPPER_LID_HEIGHT * arc) + closure * lower_y
        out[upper] = _on_surface(lid_x, upper_y, 0.002)
        out[lower] = _on_surface(lid_x, lower_y, 0.002)
        # A slight upward tilt of the outer corner (canthal tilt of a few degrees).
        out[outer] = _on_surface(outer_x, EYE_Y + 0.001)
        out[inner] = _on_surface(inner_x, EYE_Y)
        iris_x = centre_x + e.gaze[0] * 0.5 * EYE_HALF_WIDTH
        iris_y = EYE_Y + IRIS_RAISE + e.gaze[1] * 0.5 * UPPER_LID_HEIGHT
        out[centre] = _on_surface(iris_x, iris_y, 0.001)
        nasal = -sign * IRIS_RADIUS
        # Ring order as MediaPipe: right iris (nasal, top, temporal, bottom), left iris
        # (temporal, top, nasal, bottom); the nasal side is towards x = 0 for both eyes.
        first = nasal if sign > 0 else -nasal
        ring_dx = np.array([first, 0.0, -first, 0.0])
        ring_dy = np.array([0.0, IRIS_RADIUS, 0.0, -IRIS_RADIUS])
        out[ring] = _on_surface(iris_x + ring_dx, iris_y + ring_dy, 0.001)
        # Brows, outer -> inner, arched, raised as a whole.
        b = np.linspace(0.0, 1.0, len(brow_low))
        brow_x = centre_x + sign * 0.021 - sign * 0.040 * b
        brow_y = EYE_Y + 0.014 + 0.004 * np.sin(np.pi * (0.2 + 0.7 * b)) + 0.006 * e.brow_raise
        out[brow_low] = _on_surface(brow_x, brow_y, 0.003)
        out[brow_up] = _on_surface(brow_x, brow_y + 0.005, 0.003)

    @staticmethod
    def _place_lips(out: np.ndarray, e: Expression, drop: float) -> None:
        half_width = MOUTH_HALF_WIDTH * (1.0 + 0.3 * e.smile - 0.3 * e.pucker)
        count = len(fi.LIPS_OUTER_UPPER)
        # Subject's right corner (+x) -> left corner (-x); cosine spacing bunches the points
        # near the corners where the lip curves most.
        s = 0.5 - 0.5 * np.cos(np.pi * np.arange(count) / (count - 1))
        arc = np.sin(np.pi * s)
        corner_y = MOUTH_Y + 0.004 * e.smile - 0.3 * drop
        base_y = corner_y + (MOUTH_Y - corner_y) * arc
        bow = 0.0015 * np.exp(-(((s - 0.5) / 0.06) ** 2))  # the dip of the cupid's bow
        pout = 0.006 * e.pucker
        # Inner lips nearly touch at rest (a closed mouth); the lower ones ride on the jaw.
        rows = (
            (fi.LIPS_OUTER_UPPER, 1.0, base_y + 0.0095 * arc - bow, 0.008),
            (fi.LIPS_INNER_UPPER, 0.92, base_y + 0.0004 * arc, 0.005),
            (fi.LIPS_INNER_LOWER, 0.92, base_y - 0.0004 * arc - drop * arc, 0.005),
            (fi.LIPS_OUTER_LOWER, 1.0, base_y - 0.0105 * arc - drop * arc, 0.008),
        )
        for indices, width, y, lift in rows:
            x = half_width * width * (1.0 - 2.0 * s)
            out[indices] = _on_surface(x, y, lift * arc + pout * arc)
