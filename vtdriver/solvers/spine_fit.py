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
_TURNING_FRACTIONS = _FRACTIONS_F[1:]
_F1, _F2, _F3 = _TURNING_FRACTIONS
_AXIS_MIN = 1e-9  # fr.unit's shortest direction
_TURNING = tuple(zip(_TURNING_FRACTIONS, _SEGMENTS_F[1:]))  # the segments that turn
_NO_TURN = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)  # _axis_half_angle of the identity
# For small tilts the chain turns by this fraction of the UpperChest's turn (each segment's
# share of the turn, weighted by its length): with the first segment rigid on the resting hips,
# the chest has to lean further than the torso line does.
_CHAIN_TURN_SHARE = float(np.dot(quat.norm(_CHAIN_SEGMENTS), _FRACTIONS) / quat.norm(_CHAIN_SEGMENTS).sum())

# Gauss-Newton settings. The residual of a real pose is not zero (the first spine segment is
# rigid on the resting hips, so chain and shoulder line cannot both hold), so the fit converges
# linearly: on four recorded webcam clips a step is 3 to 20 times smaller than the one before.
# It stops after applying a step below 1e-3 rad. Against a 1e-5 stop that moved the torso bones'
# quaternion parts by at most 2.3e-4 (0.03 degrees) on those clips, and saved a third of the
# steps on the webcam clip (3.0 -> 2.0 a frame); the shoulder landmarks Holistic gives jitter by
# about 1e-2 rad from frame to frame (4.7 px over a ~300 px shoulder width, benchmarks/run_all.py),
# so no one can see the difference. An exact pose (zero residual) converges quadratically: the
# last step leaves about its square.
_MAX_ITERATIONS = 6
_FD_STEP = 1e-6  # radians, finite-difference step of the Jacobian
_CONVERGED_STEP = 1e-3
_MAX_STEP = 0.5  # radians: a wild first step on a degenerate pose cannot flip the torso


def spine_fractions(relative: fr.Quat) -> list[fr.Quat]:
    """1/3, 2/3 and all of the ``relative`` rotation (Spine, Chest, UpperChest), about its own
    axis (a zero or non-finite rotation as the identity)."""
    ax, ay, az, half_angle, _, _ = _axis_half_angle(relative) or _NO_TURN
    out = []
    for fraction in _TURNING_FRACTIONS:
        s = math.sin(half_angle * fraction)
        out.append((ax * s, ay * s, az * s, math.cos(half_angle * fraction)))
    return out


def _axis_half_angle(relative: fr.Quat) -> tuple[float, float, float, float, float, float] | None:
    """Unit axis, half angle (0 to pi/2), cosine and sine of the half angle of the rotation;
    None when it is zero or not finite."""
    q = fr.normalized(relative)
    if q is None:
        return None
    x, y, z, w = q
    if w < 0:
        x, y, z, w = -x, -y, -z, -w
    size = math.sqrt(x * x + y * y + z * z)
    half = math.atan2(size, w)
    # A zero rotation has no axis; any unit axis then gives the same (unrotated) chain.
    if _AXIS_MIN <= size < math.inf:
        return x / size, y / size, z / size, half, w, size
    return 1.0, 0.0, 0.0, half, w, size


def _chain_vector(relative: fr.Quat) -> fr.Vec | None:
    """The hip centre -> shoulder centre vector in the Hips frame for a Hips -> UpperChest
    rotation; segment j turns by j/3 of it about its axis (Rodrigues' formula:
    R(n, phi) v = v cos phi + n x v sin phi + n (n . v)(1 - cos phi), summed over segments)."""
    turn = _axis_half_angle(relative)
    return None if turn is None else _chain_of(turn, _segment_trig(turn[3]))


def _segment_trig(half: float) -> tuple[tuple[float, float, float], ...]:
    """Each turning segment's angle (2 half k/3, k = 1, 2, 3) with its cosine and sine: the
    chain and its derivatives (_chain_turns) read the same ones."""
    angle = 2.0 * half
    a1, a2, a3 = angle * _F1, angle * _F2, angle * _F3
    return (a1, math.cos(a1), math.sin(a1)), (a2, math.cos(a2), math.sin(a2)), (a3, math.cos(a3), math.sin(a3))


def _chain_of(turn: tuple[float, ...], trig: tuple[tuple[float, float, float], ...]) -> fr.Vec:
    """``_chain_vector`` from the rotation's ``_axis_half_angle`` and ``_segment_trig``, which
    the upper-body fit computes once per evaluation for the chain and its derivatives.
    Written out (the fit evaluates it a dozen times a frame): the sums run in segment order."""
    ax, ay, az = turn[0], turn[1], turn[2]
    # The first segment takes no turn (cos 0 = 1, sin 0 = 0 exactly), so it starts the sums.
    (v0x, v0y, v0z), (v1x, v1y, v1z), (v2x, v2y, v2z), (v3x, v3y, v3z) = _SEGMENTS_F
    (_, c1, s1), (_, c2, s2), (_, c3, s3) = trig
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


def gauss_newton(
    residuals: Callable[[list[float]], list[float] | None],
    start: list[float],
    linearized: Callable[[list[float]], tuple[list[float], list[list[float]]] | None] | None = None,
) -> list[float]:
    """Minimise |residuals(p)|^2 from p = ``start`` with forward-difference Jacobians, or with
    ``linearized(p)`` -> (residuals, Jacobian columns) when the caller has them in closed
    form (one evaluation per iteration instead of one per parameter more). Returns the
    converged parameters, else the best ones evaluated."""
    params = list(start)
    best, best_norm = params, math.inf
    for _ in range(_MAX_ITERATIONS):
        if linearized is None:
            r, columns = residuals(params), None
        else:
            got = linearized(params)
            r, columns = (None, None) if got is None else got
        norm = math.sqrt(sum(map(operator.mul, r, r))) if r is not None else math.nan
        if not math.isfinite(norm):
            break
        if norm < best_norm:
            best, best_norm = params, norm
        if norm < 1e-10:
            break
        if columns is None:
            columns = _forward_differences(residuals, params, r)
            if columns is None:
                return best
        step = _least_squares_step(columns, r)
        if step is None:
            break
        if max(map(abs, step)) < _CONVERGED_STEP:
            return [p + x for p, x in zip(params, step)]
        params = [p + min(max(x, -_MAX_STEP), _MAX_STEP) for p, x in zip(params, step)]
    return best


def _forward_differences(residuals: Callable[[list[float]], list[float] | None], params: list[float], r: list[float]) -> list[list[float]] | None:
    columns = []
    for j in range(len(params)):
        probe = params[:]
        probe[j] += _FD_STEP
        moved = residuals(probe)
        if moved is None:
            return None
        columns.append([(m - base) / _FD_STEP for m, base in zip(moved, r)])
    return columns


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

    def measured(p: list[float]):
        """The residuals, cross(unit(chain), up) and cross(x axis of the chest, shoulder_dir),
        written out, with the values their derivatives reuse; None where undefined."""
        c = chest(p)
        turn = _axis_half_angle(c)
        if turn is None:
            return None
        trig = _segment_trig(turn[3])
        cx, cy, cz = _chain_of(turn, trig)
        size = math.sqrt(cx * cx + cy * cy + cz * cz)
        if not _AXIS_MIN <= size < math.inf:
            return None
        dx, dy, dz = cx / size, cy / size, cz / size
        x, y, z, w = c
        ax, ay, az = 1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + z * w), 2.0 * (x * z - y * w)
        r = [dy * uz - dz * uy, dz * ux - dx * uz, dx * uy - dy * ux, ay * sz - az * sy, az * sx - ax * sz, ax * sy - ay * sx]
        return r, turn, trig, (dx, dy, dz), size, (ax, ay, az)

    def residuals(p: list[float]) -> list[float] | None:
        got = measured(p)
        return None if got is None else got[0]

    def linearized(p: list[float]) -> tuple[list[float], list[list[float]]] | None:
        """The residuals and their derivatives by p in closed form: a change dp turns the chest
        by w = J(p) dp (J the left Jacobian of the rotation vector), which turns the chest's x
        axis by w x a and each chain segment k by its own rotation (_chain_turns)."""
        got = measured(p)
        if got is None:
            return None
        r, turn, trig, (dx, dy, dz), size, (ax, ay, az) = got
        (nx, ny, nz), (e0, e1, e2), (f0, f1, f2), (g0, g1, g2) = _chain_turns(turn, trig)
        columns = []
        for ox, oy, oz in _left_jacobian_columns(p):
            # d chain = o x V0 + q1 x V1 + q2 x V2 with q1 = n x o, q2 = n x q1.
            q1x, q1y, q1z = ny * oz - nz * oy, nz * ox - nx * oz, nx * oy - ny * ox
            q2x, q2y, q2z = ny * q1z - nz * q1y, nz * q1x - nx * q1z, nx * q1y - ny * q1x
            vx = (oy * e2 - oz * e1) + (q1y * f2 - q1z * f1) + (q2y * g2 - q2z * g1)
            vy = (oz * e0 - ox * e2) + (q1z * f0 - q1x * f2) + (q2z * g0 - q2x * g2)
            vz = (ox * e1 - oy * e0) + (q1x * f1 - q1y * f0) + (q2x * g1 - q2y * g0)
            # The unit direction's change: the part across it, over the chain's length.
            along = dx * vx + dy * vy + dz * vz
            vx, vy, vz = (vx - along * dx) / size, (vy - along * dy) / size, (vz - along * dz) / size
            # The x axis's change o x a, crossed with the shoulder direction like the axis.
            tx, ty, tz = oy * az - oz * ay, oz * ax - ox * az, ox * ay - oy * ax
            columns.append([vy * uz - vz * uy, vz * ux - vx * uz, vx * uy - vy * ux,
                            ty * sz - tz * sy, tz * sx - tx * sz, tx * sy - ty * sx])
        return r, columns

    return fr.unit_or_identity(chest(gauss_newton(residuals, _tilt_start(up), linearized)))


def _left_jacobian_columns(p: list[float]) -> tuple[fr.Vec, fr.Vec, fr.Vec]:
    """Columns of J(p) = I + (1 - cos t) / t^2 [p]x + (t - sin t) / t^3 [p]x^2 (t = |p|):
    exp(p + dp) = exp(J(p) dp) exp(p) to first order."""
    p0, p1, p2 = p
    t2 = p0 * p0 + p1 * p1 + p2 * p2
    t = math.sqrt(t2)
    if t < 1e-4:  # the series' first terms: the next ones are below 1e-9 of these
        a, b = 0.5 - t2 / 24.0, 1.0 / 6.0 - t2 / 120.0
    else:
        a, b = (1.0 - math.cos(t)) / t2, (t - math.sin(t)) / (t2 * t)
    # [p]x^2 = p p^T - t^2 I
    return (
        (1.0 + b * (p0 * p0 - t2), a * p2 + b * p1 * p0, -a * p1 + b * p2 * p0),
        (-a * p2 + b * p0 * p1, 1.0 + b * (p1 * p1 - t2), a * p0 + b * p2 * p1),
        (a * p1 + b * p0 * p2, -a * p0 + b * p1 * p2, 1.0 + b * (p2 * p2 - t2)),
    )


def _chain_turns(turn: tuple[float, ...], trig: tuple[tuple[float, float, float], ...]) -> tuple[fr.Vec, fr.Vec, fr.Vec, fr.Vec]:
    """How the chain vector moves when its rotation phi = angle * n turns by a small w applied
    after it: segment k turns by f_k J(f_k phi) J(phi)^-1 w (f_k its fraction, J the left
    Jacobian, whose terms along n are A_k [n]x and B_k [n]x^2). Returns n and V0, V1, V2 with
    d chain = w x V0 + (n x w) x V1 + (n x (n x w)) x V2. ``turn`` and ``trig`` are the
    rotation's ``_axis_half_angle`` and ``_segment_trig``, which the chain itself read."""
    nx, ny, nz, half, w, size = turn
    # J(phi)^-1 = I - half [n]x + g [n]x^2 with g = 1 - half cot(half).
    g = half * half / 3.0 if half < 1e-4 else 1.0 - half * w / size
    # Written out over the three turning segments (the fit runs this once an iteration).
    w0x = w0y = w0z = w1x = w1y = w1z = w2x = w2y = w2z = 0.0
    for (fraction, (vx, vy, vz)), (a, ca, sa) in zip(_TURNING, trig):
        along = (nx * vx + ny * vy + nz * vz) * (1.0 - ca)
        tx = fraction * (ca * vx + sa * (ny * vz - nz * vy) + along * nx)
        ty = fraction * (ca * vy + sa * (nz * vx - nx * vz) + along * ny)
        tz = fraction * (ca * vz + sa * (nx * vy - ny * vx) + along * nz)
        if a < 1e-4:
            big_a, big_b = 0.5 * a, a * a / 6.0
        else:
            big_a, big_b = (1.0 - ca) / a, 1.0 - sa / a
        w0x, w0y, w0z = w0x + tx, w0y + ty, w0z + tz
        w1x, w1y, w1z = w1x + big_a * tx, w1y + big_a * ty, w1z + big_a * tz
        w2x, w2y, w2z = w2x + big_b * tx, w2y + big_b * ty, w2z + big_b * tz
    keep = 1.0 - g
    v1 = (-half * w0x + keep * w1x + half * w2x, -half * w0y + keep * w1y + half * w2y, -half * w0z + keep * w1z + half * w2z)
    v2 = (g * w0x - half * w1x + keep * w2x, g * w0y - half * w1y + keep * w2y, g * w0z - half * w1z + keep * w2z)
    return (nx, ny, nz), (w0x, w0y, w0z), v1, v2


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
