"""Record -> replay round trip through the real command: `vtdriver record` streams live to a
receiver while writing the landmark recording; `vtdriver run --source replay:FILE` must then
send the very same datagrams, byte for byte and frame for frame (issue 2's public contract)."""
from __future__ import annotations

import json
import time

import pytest

from tests.conftest import shared_path
from tests.vmc_capture import UdpReceiver, frame_datagrams, parse_vmc_stream, run_cli

VIDEO = "video/webcam_thumbs_up.mp4"


def _capture(*args: str) -> tuple[str, list[bytes]]:
    with UdpReceiver() as receiver:
        result = run_cli(*args, "--vmc-target", receiver.target)
        time.sleep(0.2)  # the process has exited; let the reader thread drain the socket
        datagrams = receiver.close()
    assert result.returncode == 0, result.stderr
    return result.stderr, datagrams


def _round_trip(source: str, frames: int, recording) -> tuple[list[bytes], list[bytes]]:
    _, live = _capture("record", "--source", source, "--no-realtime", "--frames", str(frames),
                       "--out", str(recording))
    _, replayed = _capture("run", "--source", f"replay:{recording}", "--no-realtime")
    return live, replayed


def _assert_identical(live: list[bytes], replayed: list[bytes], frames: int) -> None:
    live_frames, replay_frames = frame_datagrams(live), frame_datagrams(replayed)
    assert len(live_frames) == frames + 1  # plus the rest frame that ends every run
    assert len(replay_frames) == len(live_frames)
    for number, (a, b) in enumerate(zip(live_frames, replay_frames)):
        assert a == b, f"frame {number} differs between the live run and its replay"
    # Gesture-event messages on the same socket included: the whole sequence is the same.
    assert replayed == live
    parse_vmc_stream(replayed)  # and it is a valid VMC stream, not identical garbage


def _recording_lines(path) -> tuple[dict, list[dict]]:
    lines = path.read_text().splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


DEMO_FRAMES = 30


@pytest.fixture(scope="module")
def demo_round_trip(tmp_path_factory):
    recording = tmp_path_factory.mktemp("demo") / "rec.jsonl"
    live, replayed = _round_trip("demo", DEMO_FRAMES, recording)
    return recording, live, replayed


def test_demo_recording_replays_to_identical_vmc_bytes(demo_round_trip):
    recording, live, replayed = demo_round_trip
    header, lines = _recording_lines(recording)
    assert header["vtdriver_recording"] == 1 and header["fps"] == 30.0 and header["source"].startswith("demo")
    assert len(lines) == DEMO_FRAMES and all(line["face"] is not None for line in lines)
    _assert_identical(live, replayed, DEMO_FRAMES)


def test_video_recording_replays_to_identical_vmc_bytes(tmp_path):
    video = shared_path(VIDEO)
    frames = 20
    recording = tmp_path / "rec.jsonl"
    live, replayed = _round_trip(str(video), frames, recording)
    header, lines = _recording_lines(recording)
    assert header["image_size"] == [1280, 720] and header["source"] == "video:webcam_thumbs_up.mp4"
    assert len(lines) == frames
    assert sum(line["pose_world"] is not None for line in lines) >= frames - 2
    _assert_identical(live, replayed, frames)


def test_replay_at_its_own_pace_sends_the_same_bytes(demo_round_trip):
    # Real-time pacing only changes when frames go out, never what goes out.
    recording, _, fast = demo_round_trip
    started = time.monotonic()
    _, paced = _capture("run", "--source", f"replay:{recording}")
    elapsed = time.monotonic() - started
    assert paced == fast
    assert elapsed >= (DEMO_FRAMES - 1) / 30.0  # paced by the recorded time stamps
