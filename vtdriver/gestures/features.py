"""Scale- and rotation-invariant features of one hand, the inputs of the finger states.

- ``curl``: per finger (index..little), the sum of the bend angles at MCP, PIP and DIP in
  degrees. About 0 for a straight finger, 180-250 for a finger curled into a fist. Angles do not
  change when the hand is scaled, moved or turned.
- ``thumb_out``: how far the thumb tip sits beyond the index knuckle, sideways across the palm
  (towards the thumb side), in palm lengths (wrist to middle knuckle). Positive when the thumb
  sticks out (thumbs up, call, open hand), near zero when it lies along the index finger,
  negative when folded across the palm or over the fingers. Measured in the palm's own axes,
  so it is rotation invariant, and in palm lengths, so it is scale invariant.
- ``directions``: unit direction of each finger (knuckle to tip; thumb MCP to tip) in Unity
  axes, for the optional direction constraints (thumb up / down). These are the only
  features that depend on how the hand is held, on purpose.
- ``tip_distance``: distances between fingertips in palm lengths (for "touch" constraints
  such as the ok sign).
- ``palm_facing``: |cos| of the angle between the palm's normal and the camera axis: 1 when the
  palm (or the back of the hand) faces the camera, 0 when the camera sees the palm edge-on.
  Edge-on, the fingers lie one behind the other along the line of sight and the landmark model
  has to guess which finger is which (in ``webcam_thumbs_up.mp4``, a thumbs up aimed at the
  camera comes back with the thumb on the index chain), so the finger states of such a view
  are not trusted to start or to end a gesture (see ``stage.py``).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from vtdriver import float_rotation as fr

FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")
WRIST, THUMB_MCP, THUMB_TIP, INDEX_MCP, MIDDLE_MCP, LITTLE_MCP = 0, 2, 4, 5, 9, 17
TIPS = (4, 8, 12, 16, 20)
# Wrist, MCP, PIP, DIP, TIP of index, middle, ring, little.
_CURL_CHAINS = ((0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))
_CURL_JOINTS = tuple(chain[1:] for chain in _CURL_CHAINS)  # each chain starts at the wrist
# The segment whose direction "points" for each finger: thumb MCP->tip, others MCP->tip.
_DIRECTION_FROM = (2, 5, 9, 13, 17)
_DIRECTIONS = tuple(zip(TIPS, _DIRECTION_FROM))

# A palm shorter than this fraction of the hand's overall extent means the landmarks have
# collapsed (a tracking failure), and no feature is meaningful.
_MIN_PALM_FRACTION = 0.05
_ZERO = (0.0, 0.0, 0.0)


class HandFeatures:
    """A hand's features as plain floats and tuples: every consumer (finger states, patterns)
    reads single values, and building numpy arrays for them cost more than computing them.

    ``directions`` and ``tip_distance`` are read only by patterns with a direction or touch
    constraint, and only once the finger states fit one, so features measured from landmarks
    (``features_of_rows``) compute them on first use from the landmarks they keep; most hands
    of most frames never need them. Read-only by convention, like the landmarks."""

    __slots__ = ("_directions", "_points", "_tip_distance", "curl", "palm", "palm_facing", "thumb_out")

    def __init__(
        self,
        curl: tuple[float, ...],  # (4,) degrees, index..little
        thumb_out: float,  # palm lengths
        directions: tuple[fr.Vec, ...] | None,  # (5,) unit vectors, thumb..little, Unity axes
        tip_distance: tuple[tuple[float, ...], ...] | None,  # (5, 5) palm lengths, thumb..little
        palm_facing: float = 1.0,  # 0 (edge-on) .. 1 (palm or back towards the camera)
        points: Sequence[Sequence[float]] | None = None,  # the landmarks, for the two left as None
        palm: float = 1.0,  # palm length of ``points`` (wrist to middle knuckle)
    ):
        self.curl, self.thumb_out, self.palm_facing = curl, thumb_out, palm_facing
        self._directions, self._tip_distance = directions, tip_distance
        self._points, self.palm = points, palm

    @property
    def directions(self) -> tuple[fr.Vec, ...]:
        if self._directions is None:
            self._directions = tuple(_direction(self._points[tip], self._points[root]) for tip, root in _DIRECTIONS)
        return self._directions

    @property
    def tip_distance(self) -> tuple[tuple[float, ...], ...]:
        if self._tip_distance is None:
            self._tip_distance = _tip_distances([self._points[tip] for tip in TIPS], self.palm)
        return self._tip_distance


def hand_features(points_unity: np.ndarray) -> HandFeatures | None:
    """Features of 21 hand landmarks in Unity axes (any uniform scale), or None when the
    landmarks are degenerate (non-finite, or the palm has collapsed)."""
    points = np.asarray(points_unity, dtype=float)[:, :3]
    if points.shape != (21, 3):
        return None
    return features_of_rows(points.tolist())


def hands_features(points_unity: np.ndarray) -> list[HandFeatures | None]:
    """``hand_features`` of several hands (k, 21, 3)."""
    return [features_of_rows(hand) for hand in np.asarray(points_unity, dtype=float)[..., :3].tolist()]


def features_of_rows(points: Sequence[Sequence[float]]) -> HandFeatures | None:
    """``hand_features`` of 21 landmarks already out of numpy ((x, y, z) each).

    The features are float arithmetic: a hand's features are a few hundred operations on
    3-vectors, cheaper than the numpy calls that would carry them. Every operation is the one
    numpy did, in numpy's order (sums of three terms left to right, the same cross products,
    atan2 and degrees), so the features are bit for bit those of the array code."""
    # Each axis' range in one pass over the points, which also finds non-finite values: a NaN
    # fails both comparisons, an infinity becomes an end and makes the range non-finite (then
    # the exact check decides: finite values far apart may overflow). Transposing the points
    # (zip) and sorting each axis cost ~1.4x this loop. The ends are the max and min, as before.
    (lx, ly, lz) = (hx, hy, hz) = points[0]
    for x, y, z in points:
        if not lx <= x <= hx:
            if x < lx:
                lx = x
            elif x > hx:
                hx = x
            else:
                return None
        if not ly <= y <= hy:
            if y < ly:
                ly = y
            elif y > hy:
                hy = y
            else:
                return None
        if not lz <= z <= hz:
            if z < lz:
                lz = z
            elif z > hz:
                hz = z
            else:
                return None
    extent = max(hx - lx, hy - ly, hz - lz)
    if not math.isfinite(extent) and not all(map(math.isfinite, itertools.chain(*points))):
        return None
    wx, wy, wz = points[WRIST]
    mx, my, mz = points[MIDDLE_MCP]
    px, py, pz = mx - wx, my - wy, mz - wz
    palm = math.sqrt(px * px + py * py + pz * pz)
    if extent <= 0 or palm < _MIN_PALM_FRACTION * extent:
        return None

    ux, uy, uz = px / palm, py / palm, pz / palm
    ix, iy, iz = points[INDEX_MCP]
    lx, ly, lz = points[LITTLE_MCP]
    kx, ky, kz = ix - lx, iy - ly, iz - lz
    along = kx * ux + ky * uy + kz * uz
    # The thumb side across the palm: _unit_or_zero of the knuckle line without its part along
    # the palm (a zero side gives a zero thumb_out).
    ax, ay, az = kx - along * ux, ky - along * uy, kz - along * uz
    size = math.sqrt(ax * ax + ay * ay + az * az)
    tx, ty, tz = points[THUMB_TIP]
    if 1e-9 <= size < math.inf:
        ax, ay, az = ax / size, ay / size, az / size
        thumb_out = ((tx - ix) * ax + (ty - iy) * ay + (tz - iz) * az) / palm
    else:
        thumb_out = ((tx - ix) * 0.0 + (ty - iy) * 0.0 + (tz - iz) * 0.0) / palm

    # Normal to the palm; Unity +Z is the camera axis (coords.py). A degenerate normal reads
    # as edge-on: untrusted. Only its z part is read: |z| / size is _unit_or_zero's z.
    nx, ny, nz = py * kz - pz * ky, pz * kx - px * kz, px * ky - py * kx
    size = math.sqrt(nx * nx + ny * ny + nz * nz)
    facing = abs(nz) / size if 1e-9 <= size < math.inf else 0.0
    return HandFeatures(_curls(points), thumb_out, None, None, facing, points, palm)


def _curls(points: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Per finger (index..little), the summed bend angles in degrees along wrist, MCP, PIP, DIP,
    TIP: at each inner joint ``quat.vector_angle`` of the segments before and after it (atan2
    of |a x b| and a . b). Written out per joint, with the wrist read once: this runs for
    every hand and frame."""
    atan2, sqrt, degrees = math.atan2, math.sqrt, math.degrees
    x0, y0, z0 = points[WRIST]
    curls = []
    for i1, i2, i3, i4 in _CURL_JOINTS:
        x1, y1, z1 = points[i1]
        x2, y2, z2 = points[i2]
        x3, y3, z3 = points[i3]
        x4, y4, z4 = points[i4]
        ax, ay, az = x1 - x0, y1 - y0, z1 - z0
        bx, by, bz = x2 - x1, y2 - y1, z2 - z1
        cx, cy, cz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        total = atan2(sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)
        ax, ay, az = x3 - x2, y3 - y2, z3 - z2
        cx, cy, cz = by * az - bz * ay, bz * ax - bx * az, bx * ay - by * ax
        total += atan2(sqrt(cx * cx + cy * cy + cz * cz), bx * ax + by * ay + bz * az)
        bx, by, bz = x4 - x3, y4 - y3, z4 - z3
        cx, cy, cz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        total += atan2(sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)
        curls.append(degrees(total))
    return tuple(curls)


def _tip_distances(tips: list[Sequence[float]], palm: float) -> tuple[tuple[float, ...], ...]:
    """(5, 5) fingertip distances in palm lengths. Each pair is measured once: a - b is exactly
    -(b - a) in floating point, so the mirrored entry is the same number."""
    sqrt = math.sqrt
    t0, t1, t2, t3, t4 = tips

    def apart(a: Sequence[float], b: Sequence[float]) -> float:
        dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
        return sqrt(dx * dx + dy * dy + dz * dz) / palm

    d01, d02, d03, d04 = apart(t0, t1), apart(t0, t2), apart(t0, t3), apart(t0, t4)
    d12, d13, d14 = apart(t1, t2), apart(t1, t3), apart(t1, t4)
    d23, d24, d34 = apart(t2, t3), apart(t2, t4), apart(t3, t4)
    return (
        (0.0, d01, d02, d03, d04),
        (d01, 0.0, d12, d13, d14),
        (d02, d12, 0.0, d23, d24),
        (d03, d13, d23, 0.0, d34),
        (d04, d14, d24, d34, 0.0),
    )


def _direction(tip: Sequence[float], root: Sequence[float]) -> fr.Vec:
    (x, y, z), (x0, y0, z0) = tip, root
    return _unit_or_zero(x - x0, y - y0, z - z0)


def _unit_or_zero(x: float, y: float, z: float) -> fr.Vec:
    # quat.normalize with a zero fallback: shorter than 1e-9 (or non-finite) has no direction.
    size = math.sqrt(x * x + y * y + z * z)
    return (x / size, y / size, z / size) if 1e-9 <= size < math.inf else _ZERO
