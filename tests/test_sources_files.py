"""Video, image and replay-spec handling of open_source, on real clips and generated files."""
import time

import cv2
import numpy as np
import pytest

from tests.conftest import shared_path
from vtdriver.frame import CapturedFrame
from vtdriver.sources import SourceError, SourceSettings, open_source
from vtdriver.sources.timing import Pacer, call_with_timeout

FAST = SourceSettings(realtime=False)


def _write_video(path, frames=60, fps=25, size=(64, 48), fourcc="MJPG"):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        image = np.full((size[1], size[0], 3), 40, np.uint8)
        image[:, : i % size[0]] = 220  # a bar whose width encodes the frame number
        writer.write(image)
    writer.release()
    return path


def _corrupt_middle(path, lo=0.40, hi=0.46, seed=0):
    data = bytearray(path.read_bytes())
    start, stop = int(len(data) * lo), int(len(data) * hi)
    data[start:stop] = np.random.default_rng(seed).integers(0, 256, stop - start, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def test_real_video_yields_every_frame_with_media_time():
    clip = shared_path("video/webcam_thumbs_up.mp4")
    source = open_source(str(clip), FAST)
    frames = list(source)
    source.close()
    assert source.image_size == (1280, 720) and source.fps == pytest.approx(25.0)
    assert len(frames) == 195 and source.stats.frames == 195 and source.stats.status == "ended"
    assert all(isinstance(f, CapturedFrame) and f.image.shape == (720, 1280, 3) for f in frames)
    assert [f.index for f in frames] == list(range(195))
    assert frames[1].t == pytest.approx(1 / 25) and frames[-1].t == pytest.approx(194 / 25)


def test_big_video_frames_are_downscaled_to_the_configured_side():
    clip = shared_path("video/webcam_thumbs_up.mp4")
    source = open_source(str(clip), SourceSettings(realtime=False, max_image_side=640))
    first = next(iter(source))
    source.close()
    assert first.image.shape == (360, 640, 3) and source.image_size == (640, 360)
    assert source.stats.converted["downscaled"] == 1


def test_video_corrupted_in_the_middle_keeps_going_and_ends_cleanly(tmp_path):
    path = _write_video(tmp_path / "clip.avi", frames=60)
    _corrupt_middle(path)
    source = open_source(str(path), FAST)
    frames = list(source)
    assert 30 < len(frames) < 60
    assert source.stats.bad_frames >= 1 and source.stats.status == "ended"
    times = [f.t for f in frames]
    assert all(b > a for a, b in zip(times, times[1:]))
    # frames after the damage are still delivered
    assert frames[-1].t > 0.8 * 59 / 25


def test_clean_generated_video_has_no_bad_frames(tmp_path):
    path = _write_video(tmp_path / "clip.mp4", frames=20, fourcc="mp4v")
    source = open_source(str(path), FAST)
    assert len(list(source)) == 20 and source.stats.bad_frames == 0


def test_image_source_repeats_and_converts_rgba():
    image = shared_path("images/sergey.png")  # RGBA on disk
    source = open_source(str(image), SourceSettings(realtime=False, image_fps=10))
    frames = [f for _, f in zip(range(5), source)]
    assert [f.t for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert all(f.image.shape == (600, 600, 3) and f.image.dtype == np.uint8 for f in frames)
    assert source.stats.converted == {"bgra": 5}
    source.close()
    assert list(source) == []


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("", "empty --source"),
        ("missing_clip.mp4", "file not found"),
        ("/no/such/dir/clip.avi", "file not found"),
        ("replay:", "replay: needs a file"),
        ("replay:/no/such/file.jsonl", "cannot open recording"),
        ("no camera with this name", "no camera by that name"),
    ],
)
def test_bad_specs_fail_fast_with_one_line(spec, fragment):
    start = time.monotonic()
    with pytest.raises(SourceError) as error:
        open_source(spec, FAST)
    assert fragment in str(error.value) and "\n" not in str(error.value)
    assert time.monotonic() - start < 2.0


def test_unreadable_video_and_image_and_directory(tmp_path):
    (tmp_path / "notes.mp4").write_text("not a video")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    for name, fragment in (("notes.mp4", "cannot read video"), ("broken.png", "cannot read image"), ("", "is a directory")):
        with pytest.raises(SourceError, match=fragment):
            open_source(str(tmp_path / name), FAST)


def test_open_that_hangs_is_bounded():
    release = __import__("threading").Event()
    start = time.monotonic()
    with pytest.raises(SourceError, match="did not open within"):
        call_with_timeout(lambda: release.wait(30), 0.2, "camera 7")
    release.set()
    assert time.monotonic() - start < 2.0


def test_pacer_sleeps_to_media_time_and_rebases_when_late():
    now = [100.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    pacer = Pacer(True, clock=lambda: now[0], sleep=sleep)
    pacer.wait_until(5.0)  # first item: no wait, sets the origin
    pacer.wait_until(5.5)
    assert sleeps == pytest.approx([0.5])
    now[0] += 2.0  # the consumer fell far behind
    pacer.wait_until(6.0)  # late: no sleep, schedule restarts here
    pacer.wait_until(6.25)
    assert sleeps == pytest.approx([0.5, 0.25])
    unpaced = Pacer(False, clock=lambda: now[0], sleep=sleep)
    unpaced.wait_until(0.0)
    unpaced.wait_until(10.0)
    assert len(sleeps) == 2


def test_realtime_video_is_paced_and_no_realtime_is_not(tmp_path):
    path = _write_video(tmp_path / "clip.avi", frames=13, fps=25)
    start = time.monotonic()
    assert len(list(open_source(str(path), SourceSettings(realtime=True)))) == 13
    paced = time.monotonic() - start
    start = time.monotonic()
    assert len(list(open_source(str(path), FAST))) == 13
    unpaced = time.monotonic() - start
    assert paced >= 0.8 * 12 / 25  # twelve frame intervals of 40 ms
    assert unpaced < paced
