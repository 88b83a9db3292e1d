"""Odd landmarks never reach the wire: NaN, inf, all-zero, huge and random values in a replay
file (and straight from a tracker) go through the whole pipeline (handedness, smoothing,
solvers, gestures, mapping) and the VMC and OSC outputs to real UDP receivers; python-osc
decodes every datagram and every float must be finite, every blendshape weight in [0, 1] and
every quaternion of unit length. Property-tested with hypothesis."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability_support import UdpReceiver, assert_wire_values_sane, decode, osc_output, vmc_frames, vmc_output, write_config
from vtdriver.config.loader import load_config
from vtdriver.frame import PART_NAMES, PART_SHAPES, Landmarks
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.runner import Runner
from vtdriver.sources import SourceSettings
from vtdriver.sources.demo import DemoScene
from vtdriver.sources.faults import LANDMARK_FAULTS, odd_landmarks
from vtdriver.sources.replay import ReplaySource

IMAGE_SIZE = (640, 480)
SPECIAL_VALUES = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 5e-324, 1e-12, 0.5, -3.0, 1e6])
# What a part of one frame becomes: the demo performer's values, missing, one of the named
# faults, or values drawn from SPECIAL_VALUES mixed into the real ones.
PART_CHOICES = ("keep", "missing", *LANDMARK_FAULTS, "mixed", "all_special")
# Frame-to-frame time steps: normal, repeated time stamps, tiny, long gaps, and backwards.
TIME_STEPS = (1 / 30, 1 / 30, 0.0, 1e-9, 0.7, 30.0, -0.05)


@st.composite
def landmark_streams(draw) -> list[Landmarks]:
    scene = DemoScene(draw(st.integers(0, 3)), IMAGE_SIZE)
    t = draw(st.floats(0.0, 20.0))
    frames = []
    for index in range(draw(st.integers(1, 6))):
        base = scene.landmarks(t, index=index)
        parts = {}
        for name in PART_NAMES:
            choice = draw(st.sampled_from(PART_CHOICES))
            parts[name] = _spoil(base, name, choice, draw(st.integers(0, 2**31)), draw(st.floats(0.01, 1.0)))
        frames.append(Landmarks(t=t, image_size=IMAGE_SIZE, index=index, **parts))
        t += draw(st.sampled_from(TIME_STEPS))
    return frames


def _spoil(base: Landmarks, name: str, choice: str, seed: int, share: float) -> np.ndarray | None:
    part = base.part(name)
    if choice == "keep" or part is None:
        return part
    if choice == "missing":
        return None
    if choice in LANDMARK_FAULTS:
        return odd_landmarks(Landmarks(t=base.t, image_size=IMAGE_SIZE, **{name: part}), choice).part(name)
    rng = np.random.default_rng(seed)
    special = rng.choice(SPECIAL_VALUES, size=PART_SHAPES[name])
    if choice == "all_special":
        return special
    return np.where(rng.random(PART_SHAPES[name]) < share, special, part)


def _write_replay(path, frames: list[Landmarks]) -> None:
    """A hand-damaged recording: NaN and Infinity written as JSON tokens, as a buggy writer or
    a hand edit would (vtdriver's own writer never writes them)."""
    lines = [json.dumps({"vtdriver_recording": 1, "image_size": list(IMAGE_SIZE), "fps": 30.0, "source": "test"})]
    for frame in frames:
        record = {"t": frame.t}
        for name in PART_NAMES:
            part = frame.part(name)
            record[name] = None if part is None else part.tolist()
        lines.append(json.dumps(record, allow_nan=True))
    path.write_text("\n".join(lines) + "\n")


class ListSource:
    """Landmarks straight from a 'tracker' that produced them, bypassing the replay reader's
    own checks, so the pipeline itself is what is tested."""

    provides_landmarks = True
    realtime = False
    fps = 30.0
    image_size = IMAGE_SIZE

    def __init__(self, frames):
        self._frames = frames

    def __iter__(self):
        return iter(self._frames)

    def close(self):
        pass


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    with UdpReceiver() as vmc, UdpReceiver() as osc:
        folder = tmp_path_factory.mktemp("wire")
        config = load_config(write_config(folder, [vmc_output(vmc.target), osc_output(osc.target)]))
        yield config, vmc, osc, folder


def _through_the_pipeline(source, wire) -> tuple[list, list]:
    config, vmc, osc, _ = wire
    vmc_start, osc_start = vmc.count(), osc.count()
    outputs = OutputSet.from_config(config)
    runner = Runner(source, AvatarPipeline(config), outputs, log=lambda _: None)
    try:
        counters = runner.run()
    finally:
        outputs.close()
    assert counters.frames_skipped == 0  # nothing crashed inside the pipeline
    stats = outputs.stats()
    assert vmc.wait_for(vmc_start + stats["vmc"]["datagrams_sent"])
    assert osc.wait_for(osc_start + stats["osc"]["datagrams_sent"])
    return vmc.datagrams()[vmc_start:], osc.datagrams()[osc_start:]


def _assert_osc_sane(datagrams) -> None:
    for _, datagram in datagrams:
        for address, args in decode(datagram):
            for value in args:
                if isinstance(value, float):
                    # VRChat float parameters are -1..1 (the vrchat.toml mapping's stated range).
                    assert math.isfinite(value) and -1.0 <= value <= 1.0, (address, value)
                elif isinstance(value, int) and not isinstance(value, bool):
                    assert 0 <= value <= 255, (address, value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=landmark_streams())
def test_odd_landmarks_never_reach_the_wire(frames, wire):
    vmc_datagrams, osc_datagrams = _through_the_pipeline(ListSource(frames), wire)
    decoded = vmc_frames(vmc_datagrams)
    assert len(decoded) == len(frames) + 1  # each frame, and the final rest frame
    assert_wire_values_sane(decoded)
    _assert_osc_sane(osc_datagrams)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=landmark_streams())
def test_odd_values_in_a_replay_file_never_reach_the_wire(frames, wire):
    path = wire[3] / "damaged.jsonl"
    _write_replay(path, frames)
    source = ReplaySource(path, SourceSettings(realtime=False))
    vmc_datagrams, osc_datagrams = _through_the_pipeline(source, wire)
    decoded = vmc_frames(vmc_datagrams)
    # Every line has a finite "t", so every frame is played; damaged parts count as missing.
    assert len(decoded) == len(frames) + 1
    assert_wire_values_sane(decoded)
    _assert_osc_sane(osc_datagrams)
