"""Landmark smoothing for all of a frame's parts at once.

``PartSmoothers`` gives each part exactly what its own ``smoothing.LandmarkSmoother`` would
(same resets: part missing, a drop-out with no history, a time gap or a time going backwards, a
change of shape; same repair of non-finite values; x, y, z smoothed and further columns passed
through), bit for bit, but parts that share their settings share one history: every frame
writes each part's x, y, z into one row (one finiteness check for the row, one ring of times,
one buffer wrap). Per part the fixed costs (ring bookkeeping, checks, allocations) were most of
the stage: a (21, 3) hand cost more than half as much as the (478, 3) face.

Why sharing is sound: all parts see the same frame times, and a part that was not smoothed on
some frame has been reset, so a part's own history is always the newest ``count`` rows of its
group's. Each part keeps its own fit-weight cache and its own product, so the numbers are the
ones a part smoothed alone gets.
"""
from __future__ import annotations

import copy
import math
from collections import deque

import numpy as np

from vtdriver.numeric import all_finite
from vtdriver.smoothing import FitWeightCache, SmoothingSettings


class _Slot:
    """One part's columns in its group's history and how many of the newest rows are its own."""

    __slots__ = ("shape", "start", "stop", "count", "fit", "samples", "columns")

    def __init__(self, shape: tuple[int, ...], start: int, fit: FitWeightCache):
        self.shape = shape
        self.start = start
        self.stop = start + math.prod(shape)
        self.count = 0
        # Per part, kept across resets and shape changes as a part's own filter keeps it: which
        # weights it reuses depends on when they were last computed.
        self.fit = fit
        self.samples: np.ndarray | None = None  # (rows, *shape) view of the group's buffer
        self.columns: np.ndarray | None = None  # (rows, size) view of the same columns

    def place(self, rows: np.ndarray) -> None:
        self.columns = rows[:, self.start: self.stop]
        self.samples = self.columns.reshape(len(rows), *self.shape)


class _Group:
    """Parts with one SmoothingSettings: one time history and one sample buffer."""

    def __init__(self, settings: SmoothingSettings, parts: tuple[str, ...]):
        settings.validate()
        self._window = settings.window
        self._max_gap = settings.max_gap_seconds
        self._polyorder = settings.polyorder
        self._lag = settings.lag_frames
        self.parts = parts
        self._times: deque[float] = deque(maxlen=settings.window)
        self._slots: dict[str, _Slot] = {}
        self._rows = np.zeros((2 * settings.window, 0))
        self._next = 0  # the row the next sample goes to

    def reset(self) -> None:
        self._times.clear()
        self._next = 0
        for slot in self._slots.values():
            slot.count = 0

    def _layout(self, shapes: dict[str, tuple[int, ...]]) -> None:
        """New columns for parts whose shape changed (their history restarts); the others keep
        theirs, copied."""
        old_slots, old_rows = self._slots, self._rows
        slots: dict[str, _Slot] = {}
        start = 0
        fresh = None  # parts new together share one fit cache (same state) until they diverge
        for part in self.parts:
            shape = shapes.get(part) or (old_slots[part].shape if part in old_slots else None)
            if shape is None:
                continue
            old = old_slots.get(part)
            if old is None and fresh is None:
                fresh = FitWeightCache(self._polyorder, self._lag)
            slots[part] = _Slot(shape, start, old.fit if old else fresh)
            start = slots[part].stop
        rows = np.zeros((len(old_rows), start))
        for part, slot in slots.items():
            old = old_slots.get(part)
            if old is not None and old.shape == slot.shape:
                rows[:, slot.start: slot.stop] = old_rows[:, old.start: old.stop]
                slot.count = old.count
        for slot in slots.values():
            slot.place(rows)
        self._slots, self._rows = slots, rows

    def smooth(self, samples: dict[str, np.ndarray | None], t: float, out: dict) -> None:
        """Put each of ``samples``' parts, smoothed (or None), into ``out``."""
        present = {}
        xyz = {}
        slots = self._slots
        relayout = False
        for part, points in samples.items():
            if points is None:
                out[part] = None
                if part in slots:
                    slots[part].count = 0
                continue
            points = present[part] = np.asarray(points, dtype=float)
            x = xyz[part] = points if points.shape[-1] <= 3 else points[..., :3]
            slot = slots.get(part)
            relayout = relayout or slot is None or slot.shape != x.shape
        if not math.isfinite(t):
            self.reset()
            for part in present:
                out[part] = None
            return
        times = self._times
        if times and (t - times[-1] > self._max_gap or t <= times[-1]):
            self.reset()
        if relayout:
            for part, x in xyz.items():
                if part in slots and slots[part].shape != x.shape:
                    slots[part].count = 0  # a new shape restarts the part's history
            self._layout({part: x.shape for part, x in xyz.items()})
            slots = self._slots
        row = self._next
        rows = self._rows
        if row == len(rows):
            # Full: keep the newest window - 1 samples, now at the front.
            keep = self._window - 1
            rows[:keep] = rows[row - keep: row]
            row = keep
        current = rows[row]
        written = []
        for part, x in xyz.items():
            slot = slots[part]
            slot.samples[row] = x  # a copy: the history never aliases the caller's arrays
            written.append(slot)
        if not all_finite(current):
            for part in xyz:
                slot = slots[part]
                target = slot.columns[row]
                if all_finite(target):
                    continue
                if slot.count == 0:
                    out[part] = None  # a drop-out with nothing to hold
                    written.remove(slot)
                    continue
                # A part with history was written on the previous row (row - 1 also when the
                # buffer has just wrapped: the copied block ends there).
                last = slot.columns[row - 1]
                target[...] = np.where(np.isfinite(target), target, last)
        if not written:
            return
        self._next = row + 1
        times.append(float(t))
        length = len(times)
        for slot in written:
            slot.count = min(slot.count + 1, length)
        if len(written) != len(self._slots) or any(slot.count != length for slot in written):
            self._unshare(written)  # (parts all asked the full length never need to split)
        smoothed = {}
        weights = {}
        recent = None
        for slot in written:
            count = slot.count
            if count == length:
                own_times = times
            else:
                recent = list(times) if recent is None else recent
                own_times = recent[length - count:]
            # Each part's own weights and its own columns: the same numbers, summed in the same
            # order, as a part smoothed alone (a product over several parts' columns can round
            # differently in the last bit).
            fit = slot.fit
            if fit not in weights:
                weights[fit] = fit.weights(own_times)
            smoothed[slot] = weights[fit].dot(slot.columns[row + 1 - count: row + 1])
        for part, x in xyz.items():
            slot = slots[part]
            if slot not in smoothed:
                continue
            values = smoothed[slot].reshape(slot.shape)
            points = present[part]
            if x is points:
                out[part] = values
            else:
                full_points = np.array(points, dtype=float)
                full_points[..., :3] = values
                out[part] = full_points


    def _unshare(self, written: list[_Slot]) -> None:
        """A fit cache shared by parts that are about to be asked different things (other
        history lengths, or not asked at all) is cloned, so each keeps the state its own
        cache would have. FitWeightCache replaces its fields rather than mutating them, so a
        shallow copy is independent."""
        asked = {}
        for slot in self._slots.values():
            asked.setdefault(slot.fit, {}).setdefault(slot.count if slot in written else None, []).append(slot)
        for fit, by_question in asked.items():
            for sharers in list(by_question.values())[1:]:
                clone = copy.copy(fit)
                for slot in sharers:
                    slot.fit = clone


class PartSmoothers:
    """Every smoothed landmark part of a frame: ``parts`` maps each part to its settings;
    parts with equal settings are smoothed as one group."""

    def __init__(self, parts: dict[str, SmoothingSettings]):
        by_settings: dict[SmoothingSettings, list[str]] = {}
        for part, settings in parts.items():
            by_settings.setdefault(settings, []).append(part)
        self._groups = [_Group(settings, tuple(names)) for settings, names in by_settings.items()]

    def reset(self) -> None:
        for group in self._groups:
            group.reset()

    def smooth(self, samples: dict[str, np.ndarray | None], t: float) -> dict[str, np.ndarray | None]:
        """Each part of ``samples`` smoothed (a new array per part), or None where the part is
        missing or has dropped out."""
        out: dict[str, np.ndarray | None] = dict.fromkeys(samples)
        if len(self._groups) == 1 and self._groups[0].parts == tuple(samples):
            self._groups[0].smooth(samples, t, out)
            return out
        for group in self._groups:
            group.smooth({part: samples[part] for part in group.parts}, t, out)
        return out


__all__ = ["PartSmoothers"]
