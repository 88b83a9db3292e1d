"""Explicit face calibration: record phases, build a ``CalibrationProfile``, save/load TOML.

Phases (each a few seconds of landmarks):
- ``neutral`` (required): relaxed face looking at the camera. Its per-feature median becomes
  the neutral every blendshape is measured from.
- ``mouth_open`` (optional): mouth as wide open as comfortable. Sets the jaw and lip travel
  that count as a full ``jawOpen`` / ``aa``.
- ``eyes_closed`` (optional): both eyes gently shut. Sets the closed upper-lid height, so a
  full blink is reached exactly when this person's lids are shut.

The TOML file is written by a deliberately tiny writer (only the shapes a profile holds:
numbers and one flat table); ``tomllib`` reads it back.
"""
from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vtdriver.frame import Landmarks
from vtdriver.solvers.face_blendshapes import FeatureRanges
from vtdriver.solvers.face_calibration import feature_vector, features_dict
from vtdriver.solvers.face_features import FEATURE_INDEX
from vtdriver.solvers.face_measure import measure_face
from vtdriver.errors import UserError

PROFILE_VERSION = 1
PHASES = ("neutral", "mouth_open", "eyes_closed")
# Fewer usable frames than this in a phase means the face was not seen well enough.
MIN_PHASE_FRAMES = 5


class ProfileError(UserError, ValueError):
    """A profile file that cannot be used; the message names the file and key."""

    def __init__(self, path: Path | str, key: str | None, message: str):
        self.path, self.key = str(path), key
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(where + message)


class CalibrationError(UserError, ValueError):
    """Calibration could not produce a profile (e.g. no face in the neutral phase)."""


@dataclass(frozen=True)
class CalibrationProfile:
    neutral: dict[str, float] = field(default_factory=dict)  # feature name -> value
    jaw_range: float | None = None
    lip_gap_range: float | None = None
    closed_upper_lid_r: float | None = None
    closed_upper_lid_l: float | None = None

    def neutral_vector(self) -> np.ndarray:
        return feature_vector(self.neutral)

    def ranges(self) -> FeatureRanges:
        return FeatureRanges(jaw=self.jaw_range, lip_gap=self.lip_gap_range,
                             closed_upper_lid_r=self.closed_upper_lid_r, closed_upper_lid_l=self.closed_upper_lid_l)


def features_of(lm: Landmarks) -> np.ndarray | None:
    """The feature vector of one frame, or None when no usable face was tracked."""
    if lm.face is None:
        return None
    # The live solver's own measurement, so a profile is made from the very numbers it reads.
    measured = measure_face(lm.face, lm.image_size)
    return None if measured is None else np.array(measured[1])


class FaceCalibrator:
    """Collects frames per phase; ``profile()`` turns them into a ``CalibrationProfile``."""

    def __init__(self) -> None:
        self._frames: dict[str, list[np.ndarray]] = {phase: [] for phase in PHASES}

    def add(self, phase: str, lm: Landmarks) -> bool:
        """Add one frame to ``phase``; returns whether it held a usable face."""
        if phase not in self._frames:
            raise ValueError(f"unknown calibration phase {phase!r}; expected one of {', '.join(PHASES)}")
        features = features_of(lm)
        if features is None:
            return False
        self._frames[phase].append(features)
        return True

    def count(self, phase: str) -> int:
        return len(self._frames[phase])

    def profile(self) -> CalibrationProfile:
        if self.count("neutral") < MIN_PHASE_FRAMES:
            raise CalibrationError(f"neutral phase saw a face in only {self.count('neutral')} frames (need {MIN_PHASE_FRAMES})")
        neutral = np.median(np.stack(self._frames["neutral"]), axis=0)
        jaw_range = lip_gap_range = None
        if self.count("mouth_open") >= MIN_PHASE_FRAMES:
            # The 90th percentile: the widest the mouth was held, ignoring a stray frame.
            wide = np.percentile(np.stack(self._frames["mouth_open"]), 90, axis=0)
            jaw_range = _positive(wide[FEATURE_INDEX["jaw_drop"]] - neutral[FEATURE_INDEX["jaw_drop"]])
            lip_gap_range = _positive(wide[FEATURE_INDEX["lip_gap"]] - neutral[FEATURE_INDEX["lip_gap"]])
        closed_r = closed_l = None
        if self.count("eyes_closed") >= MIN_PHASE_FRAMES:
            shut = np.median(np.stack(self._frames["eyes_closed"]), axis=0)
            closed_r = float(shut[FEATURE_INDEX["upper_lid_r"]])
            closed_l = float(shut[FEATURE_INDEX["upper_lid_l"]])
            # A "closed" lid above the open one means the phase was not really eyes-closed.
            if closed_r >= neutral[FEATURE_INDEX["upper_lid_r"]] or closed_l >= neutral[FEATURE_INDEX["upper_lid_l"]]:
                closed_r = closed_l = None
        return CalibrationProfile(neutral=features_dict(neutral), jaw_range=jaw_range, lip_gap_range=lip_gap_range,
                                  closed_upper_lid_r=closed_r, closed_upper_lid_l=closed_l)


def _positive(x: float) -> float | None:
    """Travel must be clearly positive to be trusted (0.02 eye spans ~ 2 mm)."""
    return float(x) if math.isfinite(x) and x > 0.02 else None


def calibrate_from_landmarks(phases: Mapping[str, Iterable[Landmarks]]) -> CalibrationProfile:
    """Build a profile from landmark streams per phase, e.g.
    ``{"neutral": frames, "mouth_open": frames2}``. Only "neutral" is required."""
    calibrator = FaceCalibrator()
    for phase, frames in phases.items():
        for lm in frames:
            calibrator.add(phase, lm)
    return calibrator.profile()


def _toml_value(value: float) -> str:
    return repr(float(value))


def profile_to_toml(profile: CalibrationProfile) -> str:
    lines = ["# vtdriver face calibration profile (written by `vtdriver calibrate`)", f"version = {PROFILE_VERSION}"]
    for key in ("jaw_range", "lip_gap_range", "closed_upper_lid_r", "closed_upper_lid_l"):
        value = getattr(profile, key)
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    lines.append("")
    lines.append("[neutral]")
    lines.extend(f"{name} = {_toml_value(value)}" for name, value in profile.neutral.items())
    return "\n".join(lines) + "\n"


def save_profile(profile: CalibrationProfile, path: Path | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profile_to_toml(profile), encoding="utf-8")


def _number(path: Path, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise ProfileError(path, key, f"must be a finite number, got {value!r}")
    return float(value)


def load_profile(path: Path | str) -> CalibrationProfile:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(path, None, "file not found (run `vtdriver calibrate` to create it)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, None, f"not valid TOML: {exc}") from None
    if data.get("version") != PROFILE_VERSION:
        raise ProfileError(path, "version", f"expected {PROFILE_VERSION}, got {data.get('version')!r}")
    neutral_table = data.get("neutral")
    if not isinstance(neutral_table, dict):
        raise ProfileError(path, "neutral", "missing [neutral] table")
    neutral = {}
    for name, value in neutral_table.items():
        if name not in FEATURE_INDEX:
            raise ProfileError(path, f"neutral.{name}", "unknown face feature")
        neutral[name] = _number(path, f"neutral.{name}", value)
    optional = {}
    for key in ("jaw_range", "lip_gap_range", "closed_upper_lid_r", "closed_upper_lid_l"):
        if key in data:
            optional[key] = _number(path, key, data[key])
    unknown = set(data) - {"version", "neutral", *optional}
    if unknown:
        raise ProfileError(path, sorted(unknown)[0], "unknown key")
    return CalibrationProfile(neutral=neutral, **optional)
