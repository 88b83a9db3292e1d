"""The spine fit of the body solver: which Hips and UpperChest rotations make the humanoid's
spine chain point from the hip centre to the shoulder centre, with the torso's rotation shared
equally by Spine, Chest and UpperChest (the landmarks show no curvature in between).

The chain direction is evaluated in closed form (Rodrigues' formula over the fractions of one
rotation). The fit runs on Python floats: it evaluates the chain ~16 times a frame on 3- and
4-vectors, where each numpy call would cost about a microsecond of dispatch for a few flops.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Callable

import numpy as np

from vtdriver import float_rotation as fr
from vtdriver import humanoid, quat


def _offset(name: str) -> np.ndarray:
    return humanoid.REST_OFFSET[name]


# Offsets from the hip centre (between the UpperLeg joints) to each spine joint, and from the
# UpperChest to the shoulder centre (between the UpperArm joints). Segment k turns by k/3 of the
# Hips -> UpperChest rotation.
_HIP_CENTRE = 0.5 * (_offset("LeftUpperLeg") + _offset("RightUpperLeg"))
_SHOULDER_CENTRE = 0.5 * (
    _offset("LeftShoulder") + _offset("LeftUpperArm") + _offset("RightShoulder") + _offset("RightUpperArm")
)
_CHAIN_SEGMENTS = np.stack((_offset("Spine") - _HIP_CENTRE, _offset("Chest"), _offset("UpperChest"), _SHOULDER_CENTRE))
_SEGMENT_SUM = _CHAIN_SEGMENTS.sum(axis=0)
_FRACTIONS = np.arange(4) / 3.0
_REST_CHAIN = quat.normalize(_SEGMENT_SUM)
# quat.from_two_vectors normalised its arguments again; the start keeps that rounding.
_REST_CHAIN_F: fr.Vec = tuple(quat.normalize(_REST_CHAIN).tolist())  # type: ignore[assignment]
_SEGMENTS_F = tuple(tuple(segment) for segment in _CHAIN_SEGMENTS.tolist())
_SEGMENT_SUM_F = tuple(_SEGMENT_SUM.tolist())
_FRACTIONS_F = tuple(_FRACTIONS.tolist())
_F1, _F2, _F3 = _FRACTIONS_F[1:]
_AXIS_MIN = 1e-9  # fr.unit's shortest direction
# For small tilts the chain turns by this fraction of the UpperChest's turn (each segment's
# share of the turn, weighted by its length): with the first segment rigid on the resting hips,
# the chest has to lean further than the torso line does.
_CHAIN_TURN_SHARE = float(np.dot(quat.norm(_CHAIN_SEGMENTS), _FRACTIONS) / quat.norm(_CHAIN_SEGMENTS).sum())

# Gauss-Newton settings. The residual of a real (noisy) pose is not zero, so the fit converges
# linearly, about a factor 100 per step. After a step of size s is applied the error left is
# about s / 100, so the fit stops after applying a step below 1e-5 rad: ~1e-7 rad left, the
# resolution of float32 quaternion parts (~6e-8) on the VMC wire.
_MAX_ITERATIONS = 6
_FD_STEP = 1e-6  # radians, finite-difference step of the Jacobian
_CONVERGED_STEP = 1e-5
_MAX_STEP = 0.5  # radians: a wild first step on a degenerate pose cannot flip the torso


def spine_fractions(relative: fr.Quat) -> list[fr.Quat]:
    """0, 1/3, 2/3 and all of the ``relative`` rotation, about its own axis."""
    q = fr.unit_or_identity(relative)
    if q[3] < 0:
        q = (-q[0], -q[1], -q[2], -q[3])
    xyz = (q[0], q[1], q[2])
    half_angle = math.atan2(fr.length(xyz), q[3])
    ax, ay, az = fr.unit(xyz) or (1.0, 0.0, 0.0)
    out = []
    for fraction in _FRACTIONS_F:
        s = math.sin(half_angle * fraction)
        out.append((ax * s, ay * s, az * s, math.cos(half_angle * fraction)))
    return out


def _chain_vector(relative: fr.Quat) -> fr.Vec | None:
    """The hip centre -> shoulder centre vector in the Hips frame for a Hips -> UpperChest
    rotation; segment j turns by j/3 of it about its axis (Rodrigues' formula:
    R(n, phi) v = v cos phi + n x v sin phi + n (n . v)(1 - cos phi), summed over segments).
    Written out (the fit evaluates it a dozen times a frame): the sums run in segment order."""
    q = fr.normalized(relative)
    if q is None:
        return None
    x, y, z, w = q
    if w < 0:
        x, y, z, w = -x, -y, -z, -w
    size = math.sqrt(x * x + y * y + z * z)
    angle = 2.0 * math.atan2(size, w)
    # A zero rotation has no axis; any unit axis then gives the same (unrotated) chain.
    ax, ay, az = (x / size, y / size, z / size) if _AXIS_MIN <= size < math.inf else (1.0, 0.0, 0.0)
    # The first segment takes no turn (cos 0 = 1, sin 0 = 0 exactly), so it starts the sums.
    (v0x, v0y, v0z), (v1x, v1y, v1z), (v2x, v2y, v2z), (v3x, v3y, v3z) = _SEGMENTS_F
    c1, s1 = math.cos(angle * _F1), math.sin(angle * _F1)
    c2, s2 = math.cos(angle * _F2), math.sin(angle * _F2)
    c3, s3 = math.cos(angle * _F3), math.sin(angle * _F3)
    cx, cy, cz = v0x + c1 * v1x + c2 * v2x + c3 * v3x, v0y + c1 * v1y + c2 * v2y + c3 * v3y, v0z + c1 * v1z + c2 * v2z + c3 * v3z
    sx = 0.0 + s1 * v1x + s2 * v2x + s3 * v3x
    sy = 0.0 + s1 * v1y + s2 * v2y + s3 * v3y
    sz = 0.0 + s1 * v1z + s2 * v2z + s3 * v3z
    tx, ty, tz = _SEGMENT_SUM_F
    along = ax * (tx - cx) + ay * (ty - cy) + az * (tz - cz)
    return (cx + (ay * sz - az * sy) + along * ax, cy + (az * sx - ax * sz) + along * ay, cz + (ax * sy - ay * sx) + along * az)


def _least_squares_step(columns: list[list[float]], r: list[float]) -> list[float] | None:
    """The step minimising |J step + r| for J given by its 2 or 3 columns: the normal equations
    by Cramer's rule when they are well conditioned, else numpy's minimum-norm least squares."""
    if len(columns) == 3 and len(r) == 6:  # the upper-body fit's: written out, each symmetric
        # product once (a . b is b . a to the bit), summed from 0.0 in order as sum() does.
        (a0, a1, a2, a3, a4, a5), (b0, b1, b2, b3, b4, b5), (c0, c1, c2, c3, c4, c5) = columns
        r0, r1, r2, r3, r4, r5 = r
        ab = 0.0 + a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3 + a4 * b4 + a5 * b5
        ac = 0.0 + a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3 + a4 * c4 + a5 * c5
        bc = 0.0 + b0 * c0 + b1 * c1 + b2 * c2 + b3 * c3 + b4 * c4 + b5 * c5
        gram = [
            [0.0 + a0 * a0 + a1 * a1 + a2 * a2 + a3 * a3 + a4 * a4 + a5 * a5, ab, ac],
            [ab, 0.0 + b0 * b0 + b1 * b1 + b2 * b2 + b3 * b3 + b4 * b4 + b5 * b5, bc],
            [ac, bc, 0.0 + c0 * c0 + c1 * c1 + c2 * c2 + c3 * c3 + c4 * c4 + c5 * c5],
        ]
        rhs = [
            -(0.0 + a0 * r0 + a1 * r1 + a2 * r2 + a3 * r3 + a4 * r4 + a5 * r5),
            -(0.0 + b0 * r0 + b1 * r1 + b2 * r2 + b3 * r3 + b4 * r4 + b5 * r5),
            -(0.0 + c0 * r0 + c1 * r1 + c2 * r2 + c3 * r3 + c4 * r4 + c5 * r5),
        ]
    else:
        gram = [[sum(map(operator.mul, a, b)) for b in columns] for a in columns]
        rhs = [-sum(map(operator.mul, column, r)) for column in columns]
    solved = _cramer(gram, rhs)
    if solved is not None:
        return solved
    step = np.linalg.lstsq(np.array(columns).T, -np.array(r), rcond=1e-9)[0]
    return step.tolist() if np.all(np.isfinite(step)) else None


def _cramer(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Solve the 2x2 or 3x3 system a x = b; None when a is near singular: its determinant is
    below 1e-12 of the product of its diagonal (singular values ~1e-6 apart, where the
    normal equations lose the precision least squares keeps)."""
    if len(b) == 2:
        det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
        if not (math.isfinite(det) and abs(det) > 1e-12 * (a[0][0] * a[1][1])):
            return None
        return [(b[0] * a[1][1] - a[0][1] * b[1]) / det, (a[0][0] * b[1] - b[0] * a[1][0]) / det]
    (a00, a01, a02), (a10, a11, a12), (a20, a21, a22) = a
    c0, c1, c2 = a11 * a22 - a12 * a21, a12 * a20 - a10 * a22, a10 * a21 - a11 * a20
    det = a00 * c0 + a01 * c1 + a02 * c2
    if not (math.isfinite(det) and abs(det) > 1e-12 * (a00 * a11 * a22)):
        return None
    b0, b1, b2 = b
    return [
        (b0 * c0 + a01 * (a12 * b2 - b1 * a22) + a02 * (b1 * a21 - a11 * b2)) / det,
        (a00 * (b1 * a22 - a12 * b2) + b0 * c1 + a02 * (a10 * b2 - b1 * a20)) / det,
        (a00 * (a11 * b2 - b1 * a21) + a01 * (b1 * a20 - a10 * b2) + b0 * c2) / det,
    ]


def gauss_newton(residuals: Callable[[list[float]], list[float] | None], start: list[float]) -> list[float]:
    """Minimise |residuals(p)|^2 from p = ``start`` with forward-difference Jacobians. Returns
    the converged parameters, else the best ones evaluated."""
    params = list(start)
    best, best_norm = params, math.inf
    for _ in range(_MAX_ITERATIONS):
        r = residuals(params)
        norm = math.sqrt(sum(map(operator.mul, r, r))) if r is not None else math.nan
        if not math.isfinite(norm):
            break
        if norm < best_norm:
            best, best_norm = params, norm
        if norm < 1e-10:
            break
        columns = []
        for j in range(len(params)):
            probe = params[:]
            probe[j] += _FD_STEP
            moved = residuals(probe)
            if moved is None:
                return best
            columns.append([(m - base) / _FD_STEP for m, base in zip(moved, r)])
        step = _least_squares_step(columns, r)
        if step is None:
            break
        if max(map(abs, step)) < _CONVERGED_STEP:
            return [p + x for p, x in zip(params, step)]
        params = [p + min(max(x, -_MAX_STEP), _MAX_STEP) for p, x in zip(params, step)]
    return best


def _about_axis(axis: fr.Vec, angle: float) -> fr.Quat:
    s = math.sin(0.5 * angle)
    return (axis[0] * s, axis[1] * s, axis[2] * s, math.cos(0.5 * angle))


def _tilt_start(up: fr.Vec) -> list[float]:
    """Rotation vector of the extra lean the resting first segment calls for (see
    _CHAIN_TURN_SHARE), about the axis that tilts the resting chain onto ``up``: about one
    Gauss-Newton step closer than the chest frame itself."""
    up = fr.unit(up) or (1.0, 0.0, 0.0)
    tilt = fr.shortest_arc(_REST_CHAIN_F, up)
    if tilt is None:  # upside down: the array code picks the half turn's axis
        tilt = tuple(quat.from_two_vectors(_REST_CHAIN, np.array(up)).tolist())
    tilt_axis = (tilt[0], tilt[1], tilt[2])
    tilt_angle = 2.0 * math.atan2(fr.length(tilt_axis), tilt[3])
    return [x * tilt_angle * (1.0 / _CHAIN_TURN_SHARE - 1.0) for x in fr.unit(tilt_axis) or (1.0, 0.0, 0.0)]


def fit_upper_body(chest0: fr.Quat, shoulder_line: fr.Vec, up: fr.Vec) -> fr.Quat:
    """Hips at rest: rotate the chest (3 degrees of freedom) so that the chain's direction is
    ``up`` and the shoulder line is ``shoulder_line``, in the least-squares sense (the first
    spine segment is rigid with the resting hips, so both cannot always hold exactly)."""
    shoulder_dir = fr.unit(shoulder_line) or (1.0, 0.0, 0.0)
    chest0_q = fr.unit_or_identity(chest0)

    bx, by, bz, bw = chest0_q

    def chest(p: list[float]) -> fr.Quat:
        """The rotation vector p (axis * angle; zero is the identity) applied after chest0:
        its quaternion times chest0 (fr.multiply), written out, as the residual runs a dozen
        times a frame."""
        p0, p1, p2 = p
        angle = math.sqrt(p0 * p0 + p1 * p1 + p2 * p2)
        half = 0.5 * angle
        scale = math.sin(half) / angle if angle > 0.0 else 0.5
        ax, ay, az, aw = p0 * scale, p1 * scale, p2 * scale, math.cos(half)
        return (
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        )

    ux, uy, uz = up
    sx, sy, sz = shoulder_dir

    def residuals(p: list[float]) -> list[float] | None:
        # cross(unit(chain), up) and cross(x axis of the chest, shoulder_dir), written out:
        # the fit evaluates this four times per iteration.
        c = chest(p)
        chain = _chain_vector(c)
        if chain is None:
            return None
        cx, cy, cz = chain
        size = math.sqrt(cx * cx + cy * cy + cz * cz)
        if not _AXIS_MIN <= size < math.inf:
            return None
        dx, dy, dz = cx / size, cy / size, cz / size
        x, y, z, w = c
        ax, ay, az = 1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + z * w), 2.0 * (x * z - y * w)
        return [dy * uz - dz * uy, dz * ux - dx * uz, dx * uy - dy * ux, ay * sz - az * sy, az * sx - ax * sz, ax * sy - ay * sx]

    return fr.unit_or_identity(chest(gauss_newton(residuals, _tilt_start(up))))


def fit_full_body(hips0: fr.Quat, chest0: fr.Quat, hip_line: fr.Vec, shoulder_line: fr.Vec, up: fr.Vec) -> tuple[fr.Quat, fr.Quat]:
    """Tilt the hips about the hip line and the chest about the shoulder line (both lines stay
    exact) until the chain's hip-centre -> shoulder-centre direction is ``up``. The split of
    that tilt between pelvis and spine is not observable; Gauss-Newton's minimum-norm steps
    keep it close to the starting guess (pelvis up = torso up)."""
    hip_axis = fr.unit(hip_line) or (1.0, 0.0, 0.0)
    shoulder_axis = fr.unit(shoulder_line) or (1.0, 0.0, 0.0)
    chest0_q = fr.unit_or_identity(chest0)
    hips0_q = fr.unit_or_identity(hips0)

    def rotations(p: list[float]) -> tuple[fr.Quat, fr.Quat]:
        return fr.multiply(_about_axis(hip_axis, p[1]), hips0_q), fr.multiply(_about_axis(shoulder_axis, p[0]), chest0_q)

    def residuals(p: list[float]) -> list[float] | None:
        hips, chest = rotations(p)
        chain = _chain_vector(fr.relative(hips, chest))
        direction = None if chain is None else fr.unit(fr.rotate(hips, chain))
        return None if direction is None else list(fr.cross(direction, up))

    hips, chest = rotations(gauss_newton(residuals, [0.0, 0.0]))
    return fr.unit_or_identity(hips), fr.unit_or_identity(chest)
