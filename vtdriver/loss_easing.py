"""Tracking loss, part by part: hold the last pose, ease to rest, blend back in when found.

``HoldThenEase`` owns one part's state (a dict of values: quaternions by default, or positions
and weights with ``lerp``). A part that drops out for a frame must not snap to rest, and one
that reappears must not snap back: smoothstep easing starts and ends with zero speed.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from vtdriver import quat


def smoothstep(x: np.ndarray | float) -> np.ndarray | float:
    """0 -> 0, 1 -> 1 with zero slope at both ends, so eases start and stop without a kick."""
    if isinstance(x, float) and x == x:
        x = min(max(x, 0.0), 1.0)
        return x * x * (3.0 - 2.0 * x)
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def lerp(a: np.ndarray | float, b: np.ndarray | float, w: float) -> np.ndarray:
    """Linear mix for ``HoldThenEase`` on positions or blendshape weights."""
    return (1.0 - w) * np.asarray(a, dtype=float) + w * np.asarray(b, dtype=float)


Mix = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


# Parts with more values than this are mixed in one stacked call (see HoldThenEase._mix_all).
_STACK_FROM_KEYS = 4


class HoldThenEase:
    """Tracking-loss behaviour for one part, on a dict of values (by default quaternions).

    ``update(values, t)`` with a dict while the part is tracked, ``None`` while it is lost:
    - lost: hold the last output for ``hold_seconds``, then ease to ``rest`` over
      ``ease_seconds`` (smoothstep, so the ease starts and ends gently);
    - tracked again (or tracked for the first time): blend from whatever was shown to the
      tracked values over ``blend_in_seconds`` (default ``ease_seconds``).
    Keys missing from ``rest`` rest at ``default_rest`` (identity quaternion). ``mix`` is
    ``quat.slerp`` for rotations, ``lerp`` for positions and weights. ``mix_floats``, when
    given, is ``mix`` on plain float tuples, for a caller that keeps its values as tuples (the
    body solver): every value this object mixes itself (held, eased, blended) is then mixed
    and returned as a tuple, with no array made on the way, and a steady loss returns them
    from its cache.
    """

    def __init__(
        self,
        hold_seconds: float,
        ease_seconds: float,
        *,
        blend_in_seconds: float | None = None,
        rest: Mapping[str, np.ndarray] | None = None,
        default_rest: np.ndarray | float = quat.IDENTITY,
        mix: Mix = quat.slerp,
        mix_floats: Callable[[tuple, tuple, float], tuple] | None = None,
    ):
        if hold_seconds < 0 or ease_seconds < 0 or (blend_in_seconds is not None and blend_in_seconds < 0):
            raise ValueError("hold_seconds, ease_seconds and blend_in_seconds must be >= 0")
        self._hold = float(hold_seconds)
        self._ease = float(ease_seconds)
        self._blend_in = self._ease if blend_in_seconds is None else float(blend_in_seconds)
        self._rest = {k: np.array(v, dtype=float) for k, v in (rest or {}).items()}
        self._default_rest = np.array(default_rest, dtype=float)
        self._mix = mix
        self._mix_floats = mix_floats
        self._last: dict[str, np.ndarray] = {}
        self._lost_since: float | None = None
        self._held: dict[str, np.ndarray] = {}
        self._returned_since: float | None = None
        self._blend_from: dict[str, np.ndarray] = {}
        self._ever_tracked = False
        self._lost_output: tuple[float, dict[str, np.ndarray]] | None = None  # (ease, output)

    def rest_value(self, key: str) -> np.ndarray:
        return self._rest.get(key, self._default_rest)

    @property
    def easing(self) -> bool:
        """True while the output is not simply the tracked value (held, easing or blending)."""
        return self._lost_since is not None or self._returned_since is not None

    def update(self, values: Mapping[str, np.ndarray] | None, t: float) -> dict[str, np.ndarray]:
        """This frame's values (a new dict; treat its values as read-only, like every frame
        array: they are also what a later loss holds and eases from). A tracked value is
        passed through as given; held, eased and blended values are arrays."""
        return dict(self.update_shared(None if values is None else dict(values), t))

    def update_shared(self, values: dict[str, np.ndarray] | None, t: float) -> dict[str, np.ndarray]:
        """``update`` without its two copies, for a caller that hands over a dict it no longer
        touches and only reads the one it gets back (which may be ``values`` itself, or the
        cached output of a steady loss): this object keeps both as its state. The body solver
        updates ~10 parts a frame, most of them steady, where the copies were most of the cost."""
        if values is None:
            out = self._lost(t)
        else:  # tracked: written here, as the body's ~6 steady parts a frame come this way
            if self._lost_since is not None or not self._ever_tracked:
                self._blend_from = dict(self._last)
                self._returned_since = t
                self._lost_since = None
                self._ever_tracked = True
            # Kept as given (arrays, or the body solver's float tuples): converting every
            # value of every part each frame would cost more than the rest of a steady frame.
            out = values if self._returned_since is None else self._blended(values, t)
        self._last = out
        return out

    def _lost(self, t: float) -> dict[str, np.ndarray]:
        self._returned_since = None
        if self._lost_since is None:
            self._lost_since = t
            self._held = dict(self._last)
            self._lost_output = None
        ease = self._progress(t - self._lost_since - self._hold, self._ease)
        # Held and rest values stay fixed for the whole loss, so the output only changes while
        # easing: holding, and resting after the ease (a part never tracked), cost nothing.
        if self._lost_output is not None and self._lost_output[0] == ease:
            return self._lost_output[1]
        keys = list(self._held) + [k for k in self._rest if k not in self._held]
        out = self._mix_all(keys, [self._held.get(k, self.rest_value(k)) for k in keys],
                            [self.rest_value(k) for k in keys], ease)
        self._lost_output = (ease, out)
        return out

    def _blended(self, values: Mapping[str, np.ndarray], t: float) -> dict[str, np.ndarray]:
        """A part found again: the blend from what was shown, the values once it is done."""
        blend = self._progress(t - self._returned_since, self._blend_in)
        if blend >= 1.0:
            self._returned_since = None
            return values
        keys = list(values)
        return self._mix_all(keys, [self._blend_from.get(k, self.rest_value(k)) for k in keys],
                             [values[k] for k in keys], blend)

    def _mix_all(self, keys: list[str], starts: list, ends: list, w: float) -> dict[str, np.ndarray]:
        """``mix`` of every key at once when the values share a shape (one stacked call instead
        of one per key; slerp and lerp work row by row, so the results are the same)."""
        if not keys:
            return {}
        mix_floats = self._mix_floats
        if mix_floats is not None:
            return {key: mix_floats(_as_tuple(a), _as_tuple(b), w) for key, a, b in zip(keys, starts, ends)}
        starts = [np.asarray(v, dtype=float) for v in starts]
        ends = [np.asarray(v, dtype=float) for v in ends]
        shape = starts[0].shape
        # A part of a few bones mixes faster one by one (quat.slerp's float path for single
        # quaternions, bit-identical to its array code) than through ~25 stacked numpy calls.
        if len(keys) > _STACK_FROM_KEYS and all(v.shape == shape for v in starts) and all(v.shape == shape for v in ends):
            mixed = list(self._mix(np.stack(starts), np.stack(ends), w))
        else:
            mixed = [np.asarray(self._mix(a, b, w), dtype=float) for a, b in zip(starts, ends)]
        return dict(zip(keys, mixed))

    @staticmethod
    def _progress(elapsed: float, duration: float) -> float:
        if duration <= 0:
            return 1.0 if elapsed >= 0 else 0.0
        x = elapsed / duration
        if x >= 1.0:  # smoothstep's value there; a finished ease (a part lost for good) stops here
            return 1.0
        return float(smoothstep(x))


def _as_tuple(value: Any) -> tuple:
    """A float tuple as it is; an array (a rest value, or a caller's array) as its floats."""
    return value if type(value) is tuple else tuple(np.asarray(value, dtype=float).tolist())
