"""Odd frames through the real frame loop: zero-size, tiny, grayscale, RGBA, 16-bit, float,
8K and not-an-image frames injected into a real video, a video corrupted in the middle, and a
tracker that throws. Each is converted or skipped and counted; the run never stops. A fake
tracker records what the tracker stage would have been handed; one test uses the real
HolisticTracker."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import shared_path
from tests.reliability_support import DemoTracker, UdpReceiver, assert_wire_values_sane, vmc_frames, vmc_output, write_config
from vtdriver.config.loader import load_config
from vtdriver.frame import CapturedFrame
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.runner import Runner
from vtdriver.sources import SourceSettings, open_source
from vtdriver.sources.faults import HUGE_SIZE, FaultInjectingSource
from vtdriver.sources.frames import SanitizedSource
from vtdriver.tracker import HolisticTracker, TrackerSettings

MAX_SIDE = 320
SETTINGS = SourceSettings(realtime=False, max_image_side=MAX_SIDE)
# Position in the stream -> injected fault, with how the sanitiser must count it.
INJECTED = {
    2: "empty", 4: "tiny", 6: "grayscale", 8: "gray_3d", 10: "bgra",
    12: "16bit", 14: "float", 16: "huge", 18: "not_an_image",
}
EXPECTED_CONVERTED = {"grayscale": 2, "bgra": 1, "16bit": 1, "float": 1, "downscaled": 1}
EXPECTED_SKIPPED = {"empty": 1, "too_small": 1, "not_an_image": 1}


def _write_video(path, frames=30, fps=25, size=(160, 120)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(frames):
        image = np.full((size[1], size[0], 3), 60, np.uint8)
        image[:, : (i * 5) % size[0]] = 200
        writer.write(image)
    writer.release()
    return path


def _corrupt_middle(path, seed=0):
    data = bytearray(path.read_bytes())
    start, stop = int(len(data) * 0.40), int(len(data) * 0.46)
    data[start:stop] = np.random.default_rng(seed).integers(0, 256, stop - start, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def _run(source, config, tracker):
    outputs = OutputSet.from_config(config)
    lines: list[str] = []
    runner = Runner(source, AvatarPipeline(config), outputs, tracker=tracker, log=lines.append)
    try:
        counters = runner.run()
    finally:
        outputs.close()
    return counters, outputs, lines


@pytest.fixture
def receiver():
    with UdpReceiver() as r:
        yield r


def test_every_odd_frame_is_converted_or_skipped_and_counted(tmp_path, receiver):
    video = _write_video(tmp_path / "clip.avi", frames=30)
    config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
    source = open_source(str(video), SETTINGS, faults=lambda raw: FaultInjectingSource(raw, odd_items=INJECTED))
    tracker = DemoTracker()
    counters, outputs, lines = _run(source, config, tracker)

    assert source.stats.converted == EXPECTED_CONVERTED
    assert source.stats.skipped == EXPECTED_SKIPPED
    assert counters.frames_in == counters.frames_out == 30 - 3 and counters.frames_skipped == 0
    # The tracker only ever saw 8-bit BGR no larger than [source] max_image_side; the 8K
    # frame arrived downscaled with its aspect kept.
    shapes = [shape for shape, _ in tracker.seen]
    assert all(dtype == np.uint8 for _, dtype in tracker.seen)
    assert all(len(shape) == 3 and shape[2] == 3 and max(shape[:2]) <= MAX_SIDE for shape in shapes)
    assert (MAX_SIDE * HUGE_SIZE[1] // HUGE_SIZE[0], MAX_SIDE, 3) in shapes
    assert receiver.wait_for(outputs.totals()[0])
    frames = vmc_frames(receiver.datagrams())
    assert len(frames) == 28 and all(f.tracking == 1 for f in frames[:-1])
    assert_wire_values_sane(frames)


def test_video_corrupted_in_the_middle_runs_to_its_end(tmp_path, receiver):
    video = _write_video(tmp_path / "clip.avi", frames=60, size=(64, 48))
    _corrupt_middle(video)
    config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
    source = open_source(str(video), SETTINGS)
    tracker = DemoTracker()
    counters, outputs, _ = _run(source, config, tracker)
    assert source.stats.bad_frames >= 1 and source.stats.status == "ended"
    assert 30 < counters.frames_out == source.stats.frames < 60
    assert receiver.wait_for(outputs.totals()[0])
    assert len(vmc_frames(receiver.datagrams())) == counters.frames_out + 1


class ExplodingTracker(DemoTracker):
    """Throws on every fifth frame, with frame contents in the message (as a careless native
    library might)."""

    def process(self, frame: CapturedFrame):
        if frame.index % 5 == 4:
            raise ValueError(f"cannot process {frame.image!r}")
        return super().process(frame)


def test_a_tracker_error_skips_that_frame_only_and_is_logged_once(tmp_path, receiver):
    video = _write_video(tmp_path / "clip.avi", frames=30)
    config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
    counters, _, lines = _run(open_source(str(video), SETTINGS), config, ExplodingTracker())
    assert counters.frames_in == 30 and counters.frames_skipped == 6 and counters.frames_out == 24
    assert len(lines) == 1 and "skipped a frame (tracker: ValueError" in lines[0]
    # Only the error's kind and the start of its message: never the pixels it carried.
    assert "array(" not in lines[0] and len(lines[0]) < 300, lines[0]


class FrameList:
    """A finite pixel source over given images (what a camera driver might hand over)."""

    provides_landmarks = False
    realtime = False
    fps = 25.0
    description = "frames"

    def __init__(self, images):
        from vtdriver.sources.base import SourceStats

        self._images = images
        self.image_size = (images[0].shape[1], images[0].shape[0])
        self.stats = SourceStats()

    def __iter__(self):
        for index, image in enumerate(self._images):
            self.stats.frames += 1
            yield CapturedFrame(image=image, t=index / self.fps, index=index)

    def close(self):
        pass


def test_real_holistic_tracker_on_odd_variants_of_a_real_frame(tmp_path, receiver):
    capture = cv2.VideoCapture(str(shared_path("video/webcam_thumbs_up.mp4")))
    ok, frame = capture.read()
    capture.release()
    assert ok
    variants = [
        frame,
        cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY),
        cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA),
        frame.astype(np.uint16) << 8,
        cv2.resize(frame, HUGE_SIZE, interpolation=cv2.INTER_LINEAR),
        np.zeros((0, 0, 3), np.uint8),
    ]
    source = SanitizedSource(FrameList(variants), max_side=1280)
    config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
    tracker = HolisticTracker(TrackerSettings(static_image_mode=True))
    seen = []
    outputs = OutputSet.from_config(config)
    runner = Runner(source, AvatarPipeline(config), outputs, tracker=tracker, on_landmarks=seen.append, log=lambda _: None)
    try:
        counters = runner.run()
    finally:
        outputs.close()
        tracker.close()
    assert counters.frames_out == 5 and source.stats.skipped == {"empty": 1}
    # The person is found in every converted variant, the 8K one included.
    assert all(lm.pose is not None and lm.face is not None for lm in seen)
    noses = np.array([lm.pose[0, :2] for lm in seen])
    assert np.abs(noses - noses[0]).max() < 0.02
    assert receiver.wait_for(outputs.totals()[0])
    assert_wire_values_sane(vmc_frames(receiver.datagrams()))
