"""The spine fit of the body solver: which Hips and UpperChest rotations make the humanoid's
spine chain point from the hip centre to the shoulder centre, with the torso's rotation shared
equally by Spine, Chest and UpperChest (the landmarks show no curvature in between).

The chain direction is evaluated in closed form (Rodrigues' formula over the fractions of one
rotation) and for several parameter probes at once, because the fit evaluates it a few
hundred times per second and each numpy call on a tiny array costs about a microsecond.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vtdriver import humanoid, quat

X_AXIS = np.array([1.0, 0.0, 0.0])


def _offset(name: str) -> np.ndarray:
    return humanoid.REST_OFFSET[name]


# Offsets from the hip centre (between the UpperLeg joints) to each spine joint, and from the
# UpperChest to the shoulder centre (between the UpperArm joints). Segment k turns by k/3 of the
# Hips -> UpperChest rotation.
_HIP_CENTRE = 0.5 * (_offset("LeftUpperLeg") + _offset("RightUpperLeg"))
_SHOULDER_CENTRE = 0.5 * (
    _offset("LeftShoulder") + _offset("LeftUpperArm") + _offset("RightShoulder") + _offset("RightUpperArm")
)
CHAIN_SEGMENTS = np.stack((_offset("Spine") - _HIP_CENTRE, _offset("Chest"), _offset("UpperChest"), _SHOULDER_CENTRE))
_SEGMENT_SUM = CHAIN_SEGMENTS.sum(axis=0)
_FRACTIONS = np.arange(4) / 3.0
_REST_CHAIN = quat.normalize(_SEGMENT_SUM)
# For small tilts the chain turns by this fraction of the UpperChest's turn (each segment's
# share of the turn, weighted by its length): with the first segment rigid on the resting hips,
# the chest has to lean further than the torso line does.
_CHAIN_TURN_SHARE = float(np.dot(quat.norm(CHAIN_SEGMENTS), _FRACTIONS) / quat.norm(CHAIN_SEGMENTS).sum())

# Gauss-Newton settings. The residual of a real (noisy) pose is not zero, so the fit converges
# linearly, about a factor 100 per step from a start ~15 degrees off. It stops once a step is
# below 1e-7 rad: float32 on the VMC wire resolves quaternion parts to ~6e-8, so further steps
# would not change a single transmitted bit.
_MAX_ITERATIONS = 6
_FD_STEP = 1e-6  # radians, finite-difference step of the Jacobian
_CONVERGED_STEP = 1e-7
_MAX_STEP = 0.5  # radians: a wild first step on a degenerate pose cannot flip the torso


def spine_fractions(relative: np.ndarray) -> np.ndarray:
    """(..., 4, 4): 0, 1/3, 2/3 and all of each ``relative`` rotation, about its own axis."""
    relative = quat.normalize(relative)
    relative = np.where(relative[..., 3:] < 0, -relative, relative)
    half_angle = np.arctan2(quat.norm(relative[..., :3]), relative[..., 3])
    axis = quat.normalize(relative[..., :3])
    scaled = half_angle[..., None] * _FRACTIONS
    return np.concatenate((axis[..., None, :] * np.sin(scaled)[..., None], np.cos(scaled)[..., None]), axis=-1)


def chain_vector(relative: np.ndarray) -> np.ndarray:
    """(k, 3): the hip centre -> shoulder centre vector in the Hips frame, for a stack (k, 4)
    of Hips -> UpperChest rotations; segment j turns by j/3 of the rotation, about its axis.

    Rodrigues: R(n, phi) v = v cos phi + n x v sin phi + n (n . v)(1 - cos phi). Summed over the
    segments this is three matrix products with the fixed segment table, whatever the stack."""
    relative = quat.normalize(relative)
    relative = np.where(relative[:, 3:] < 0, -relative, relative)
    sine_half = quat.norm(relative[:, :3])
    angle = 2.0 * np.arctan2(sine_half, relative[:, 3])
    # A zero rotation has no axis; any unit axis then gives the same (unrotated) chain.
    axis = quat.normalize(relative[:, :3])
    phi = angle[:, None] * _FRACTIONS
    cosine_part = np.cos(phi) @ CHAIN_SEGMENTS
    sine_part = np.sin(phi) @ CHAIN_SEGMENTS
    along_axis = _SEGMENT_SUM - cosine_part
    return (
        cosine_part
        + quat.cross(axis, sine_part)
        + axis * np.add.reduce(axis * along_axis, axis=-1, keepdims=True)
    )


def gauss_newton(residuals: Callable[[np.ndarray], np.ndarray], start: np.ndarray) -> np.ndarray:
    """Minimise |residuals(p)|^2 from p = ``start`` with finite-difference Jacobians. ``residuals``
    takes a stack (k, n_params) and returns (k, m); the base point and its probes go in one
    stack. Returns the converged parameters, else the best ones evaluated."""
    params = np.asarray(start, dtype=float)
    n_params = len(params)
    probe_offsets = np.vstack((np.zeros(n_params), _FD_STEP * np.eye(n_params)))
    best, best_norm = params, np.inf
    for _ in range(_MAX_ITERATIONS):
        r = residuals(params + probe_offsets)
        norm = float(np.sqrt(np.dot(r[0], r[0])))
        if not np.isfinite(norm):
            break
        if norm < best_norm:
            best, best_norm = params, norm
        if norm < 1e-10:
            break
        jacobian = (r[1:] - r[0]).T / _FD_STEP
        step = np.linalg.lstsq(jacobian, -r[0], rcond=1e-9)[0]
        if np.abs(step).max() < _CONVERGED_STEP:
            return params + step
        params = params + np.clip(step, -_MAX_STEP, _MAX_STEP)
    return best


def _right_product_matrix(b: np.ndarray) -> np.ndarray:
    """4x4 M with a * b == M @ a for quaternions a (x, y, z, w): a stack of left factors times
    one fixed right factor becomes a single matrix product."""
    x, y, z, w = b
    return np.array([[w, z, -y, x], [-z, w, x, y], [y, -x, w, z], [-x, -y, -z, w]])


def _rotation_vectors_to_quats(p: np.ndarray) -> np.ndarray:
    """(k, 3) rotation vectors (axis * angle) -> (k, 4) quaternions; zero maps to identity."""
    half = 0.5 * quat.norm(p)
    # sin(half) / (2 half) written with sinc, which is finite (1/2) at zero.
    scale = 0.5 * np.sinc(half / np.pi)
    return np.concatenate((p * scale[:, None], np.cos(half)[:, None]), axis=-1)


def _about_fixed_axis(axis: np.ndarray, angles: np.ndarray) -> np.ndarray:
    half = 0.5 * angles
    return np.concatenate((np.sin(half)[:, None] * axis, np.cos(half)[:, None]), axis=-1)


def _x_axis_of(q: np.ndarray) -> np.ndarray:
    """(k, 3): where each rotation in (k, 4) takes the x axis (its matrix's first column)."""
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack((1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + z * w), 2.0 * (x * z - y * w)), axis=-1)


def fit_upper_body(chest0: np.ndarray, shoulder_line: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Hips at rest: rotate the chest (3 degrees of freedom) so that the chain's direction is
    ``up`` and the shoulder line is ``shoulder_line``, in the least-squares sense (the first
    spine segment is rigid with the resting hips, so both cannot always hold exactly)."""
    shoulder_dir = quat.normalize(shoulder_line)
    times_chest0 = _right_product_matrix(quat.normalize(chest0)).T

    def chest(p: np.ndarray) -> np.ndarray:
        return _rotation_vectors_to_quats(p) @ times_chest0

    def residuals(p: np.ndarray) -> np.ndarray:
        c = chest(p)
        spine = quat.cross(quat.normalize(chain_vector(c)), up)
        line = quat.cross(_x_axis_of(c), shoulder_dir)
        return np.concatenate((spine, line), axis=-1)

    # Start with the extra lean the resting first segment calls for (see _CHAIN_TURN_SHARE),
    # about the axis that tilts the resting chain onto ``up``: about one Gauss-Newton step
    # closer than chest0 itself.
    tilt = quat.from_two_vectors(_REST_CHAIN, up)
    tilt_axis_sine = tilt[:3]
    tilt_angle = 2.0 * np.arctan2(quat.norm(tilt_axis_sine), tilt[3])
    start = quat.normalize(tilt_axis_sine, fallback=X_AXIS) * (tilt_angle * (1.0 / _CHAIN_TURN_SHARE - 1.0))
    return quat.normalize(chest(gauss_newton(residuals, start)[None])[0])


def fit_full_body(hips0, chest0, hip_line, shoulder_line, up) -> tuple[np.ndarray, np.ndarray]:
    """Tilt the hips about the hip line and the chest about the shoulder line (both lines stay
    exact) until the chain's hip-centre -> shoulder-centre direction is ``up``. The split of
    that tilt between pelvis and spine is not observable; Gauss-Newton's minimum-norm steps
    keep it close to the starting guess (pelvis up = torso up)."""
    hip_axis, shoulder_axis = quat.normalize(hip_line), quat.normalize(shoulder_line)
    times_chest0 = _right_product_matrix(quat.normalize(chest0)).T
    times_hips0 = _right_product_matrix(quat.normalize(hips0)).T

    def rotations(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chest = _about_fixed_axis(shoulder_axis, p[:, 0]) @ times_chest0
        hips = _about_fixed_axis(hip_axis, p[:, 1]) @ times_hips0
        return hips, chest

    def residuals(p: np.ndarray) -> np.ndarray:
        hips, chest = rotations(p)
        chain = quat.rotate(hips, chain_vector(quat.multiply(quat.conjugate(hips), chest)))
        return quat.cross(quat.normalize(chain), up)

    hips, chest = rotations(gauss_newton(residuals, np.zeros(2))[None])
    return quat.normalize(hips[0]), quat.normalize(chest[0])
