"""Odd frames are converted or skipped and counted; fault injection drives a source through
outages on a schedule."""
import numpy as np
import pytest

from vtdriver.frame import CapturedFrame, Landmarks
from vtdriver.sources import SourceSettings, open_source
from vtdriver.sources.faults import FRAME_FAULTS, FaultInjectingSource, Outage, odd_image, odd_landmarks
from vtdriver.sources.frames import sanitize_image, scaled_size


def _bgr(width=64, height=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    "kind, conversions, skipped",
    [
        ("empty", [], "empty"),
        ("tiny", [], "too_small"),
        ("not_an_image", [], "not_an_image"),
        ("grayscale", ["grayscale"], None),
        ("gray_3d", ["grayscale"], None),
        ("bgra", ["bgra"], None),
        ("16bit", ["16bit"], None),
        ("float", ["float"], None),
        ("huge", ["downscaled"], None),
    ],
)
def test_each_odd_frame_is_converted_or_skipped(kind, conversions, skipped):
    original = _bgr()
    odd = odd_image(original, kind)
    before = None if odd is None else odd.copy()
    image, applied, reason = sanitize_image(odd, max_side=1920)
    assert applied == conversions and reason == skipped
    if skipped is None:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert max(image.shape[:2]) <= 1920
    if before is not None:
        assert np.array_equal(odd, before)  # the input is never modified


def test_conversions_keep_the_picture():
    original = _bgr()
    for kind in ("bgra", "16bit", "float"):
        image, _, _ = sanitize_image(odd_image(original, kind), max_side=1920)
        assert np.abs(image.astype(int) - original).max() <= 1
    gray, _, _ = sanitize_image(odd_image(original, "grayscale"), max_side=1920)
    assert np.array_equal(gray[..., 0], gray[..., 2])


def test_non_finite_float_and_odd_dtypes_are_skipped():
    bad = np.full((48, 64, 3), np.nan, np.float32)
    assert sanitize_image(bad, 1920)[2] == "non_finite"
    assert sanitize_image(np.zeros((48, 64, 3), np.int64), 1920)[2] == "bad_dtype"
    assert sanitize_image(np.zeros((48, 64, 2), np.uint8), 1920)[2] == "bad_channels"


def test_scaled_size_keeps_aspect():
    assert scaled_size(7680, 4320, 1920) == (1920, 1080)
    assert scaled_size(720, 1280, 640) == (360, 640)
    assert scaled_size(640, 480, 1920) == (640, 480)


def test_injected_odd_frames_meet_the_sanitiser_through_open_source(tmp_path):
    import cv2

    still = tmp_path / "still.png"
    cv2.imwrite(str(still), _bgr(320, 240))
    schedule = {i: kind for i, kind in enumerate(FRAME_FAULTS)}
    settings = SourceSettings(realtime=False, max_image_side=1280)
    source = open_source(str(still), settings, faults=lambda raw: FaultInjectingSource(raw, odd_items=schedule))
    items = [item for _, item in zip(range(len(FRAME_FAULTS) + 3), source)]
    frames = [item for item in items if isinstance(item, CapturedFrame)]
    assert all(f.image.dtype == np.uint8 and f.image.shape[2] == 3 for f in frames)
    assert max(max(f.image.shape[:2]) for f in frames) == 1280  # the 8K frame, downscaled
    assert source.stats.skipped == {"empty": 1, "too_small": 1, "not_an_image": 1}
    assert source.stats.converted == {"grayscale": 2, "bgra": 1, "16bit": 1, "float": 1, "downscaled": 1}
    assert len(frames) == len(items)  # not real time: skipped frames are dropped, not None ticks


def test_outage_schedule_on_the_demo_timeline():
    settings = SourceSettings(realtime=False, demo_fps=10)
    source = FaultInjectingSource(open_source("demo", settings), outages=[Outage(start_s=1.0, duration_s=0.5)])
    items = [item for _, item in zip(range(30), source)]
    missing = [i for i, item in enumerate(items) if item is None]
    assert missing == [10, 11, 12, 13, 14]  # t = 1.0 .. 1.4 s
    assert all(isinstance(items[i], Landmarks) for i in range(30) if i not in missing)
    assert source.stats.reconnects == 1 and source.stats.status == "ok"


def test_odd_landmarks_spoil_copies_only():
    part = np.zeros((21, 3))
    landmarks = Landmarks(t=0.0, image_size=(640, 480), left_hand=part)
    for kind in ("nan", "inf", "zeros", "out_of_range"):
        spoiled = odd_landmarks(landmarks, kind)
        assert spoiled.left_hand is not part and spoiled.right_hand is None
    assert np.isnan(odd_landmarks(landmarks, "nan").left_hand).any()
    assert np.isinf(odd_landmarks(landmarks, "inf").left_hand).any()
    assert not part.any()
    with pytest.raises(ValueError):
        odd_landmarks(landmarks, "melted")


def test_a_skipped_frame_of_a_live_source_becomes_a_none_tick(tmp_path):
    import cv2

    still = tmp_path / "still.png"
    cv2.imwrite(str(still), _bgr(64, 48))
    settings = SourceSettings(realtime=True, image_fps=200)
    source = open_source(str(still), settings, faults=lambda raw: FaultInjectingSource(raw, odd_items={1: "empty"}))
    items = [item for _, item in zip(range(3), source)]
    assert isinstance(items[0], CapturedFrame) and items[1] is None and isinstance(items[2], CapturedFrame)
    assert source.stats.skipped == {"empty": 1}
