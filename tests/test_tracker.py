"""The Holistic wrapper: settings checks before MediaPipe starts, shapes on a real photo, and
the fast protobuf decoding matching MediaPipe's own attribute values."""
import cv2
import numpy as np
import pytest

from tests.conftest import shared_path
from vtdriver.frame import PART_SHAPES, CapturedFrame
from vtdriver.tracker import (
    HolisticTracker,
    TrackerError,
    TrackerSettings,
    check_settings,
    landmark_array,
    pose_model_path,
)


@pytest.mark.parametrize("complexity", [0, 2])
def test_unbundled_model_complexity_fails_fast_naming_the_key(complexity):
    if pose_model_path(complexity).is_file():
        pytest.skip("this mediapipe install bundles that model")
    with pytest.raises(TrackerError) as error:
        HolisticTracker(TrackerSettings(model_complexity=complexity))
    message = str(error.value)
    assert "tracker.model_complexity" in message and "\n" not in message


def test_out_of_range_complexity_is_refused():
    with pytest.raises(TrackerError, match="tracker.model_complexity = 5"):
        check_settings(TrackerSettings(model_complexity=5))


@pytest.fixture(scope="module")
def portrait_landmarks():
    image = cv2.imread(str(shared_path("images/portrait.jpg")))
    with HolisticTracker(TrackerSettings(static_image_mode=True)) as tracker:
        return tracker.process(CapturedFrame(image=image, t=1.5, index=7, capture_ns=123)), image


def test_holistic_on_portrait_returns_documented_shapes(portrait_landmarks):
    landmarks, image = portrait_landmarks
    assert landmarks.t == 1.5 and landmarks.index == 7 and landmarks.capture_ns == 123
    assert landmarks.image_size == (image.shape[1], image.shape[0])
    for name in ("pose", "pose_world", "face"):
        part = landmarks.part(name)
        assert part.shape == PART_SHAPES[name] and part.dtype == np.float64
        assert np.isfinite(part).all()
    # Frontal portrait: face centre in the upper middle of the image, nose above the hips.
    face = landmarks.face
    assert 0.3 < face[:, 0].mean() < 0.7 and 0.1 < face[:, 1].mean() < 0.6
    pose = landmarks.pose
    assert pose[0, 1] < pose[23, 1]
    assert 0.0 <= pose[:, 3].min() and pose[:, 3].max() <= 1.0
    # The subject's right shoulder (12) appears on the image's left.
    assert pose[12, 0] < pose[11, 0]
    for hand in (landmarks.left_hand, landmarks.right_hand):
        assert hand is None or hand.shape == (21, 3)


def test_fast_decoding_equals_attribute_values():
    from mediapipe.framework.formats import landmark_pb2

    rng = np.random.default_rng(0)
    values = rng.normal(size=(33, 4)).astype(np.float32)
    message = landmark_pb2.NormalizedLandmarkList()
    for x, y, z, v in values:
        message.landmark.add(x=x, y=y, z=z, visibility=v)
    decoded = landmark_array(message, with_visibility=True)
    assert np.array_equal(decoded, values.astype(np.float64))
    assert landmark_array(message, with_visibility=False) is not None  # fallback path
    assert np.array_equal(landmark_array(message, with_visibility=False), values[:, :3].astype(np.float64))
    # An extra field (presence) changes the layout: the attribute fallback must take over.
    message.landmark[5].presence = 0.5
    assert np.array_equal(landmark_array(message, with_visibility=True), values.astype(np.float64))
    assert landmark_array(None, with_visibility=True) is None
