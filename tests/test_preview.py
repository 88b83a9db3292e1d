"""The preview renderer on real MediaPipe Holistic output (no display needed), and the preview
window's key handling with stand-ins for HighGUI."""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from tests.conftest import shared_path
from vtdriver.frame import AvatarFrame, CapturedFrame, Landmarks
from vtdriver.preview import draw
from vtdriver.preview.draw import draw_landmarks, render_preview
from vtdriver.preview.window import PreviewUnavailable, PreviewWindow, display_available
from vtdriver.tracker import HolisticTracker, TrackerSettings

THUMBS_UP_FRAME = 110  # webcam_thumbs_up.mp4: the thumb is up from about frame 100 on


def video_frame(path, index: int) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))
    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, image = capture.read()
    capture.release()
    assert ok, f"cannot read frame {index} of {path}"
    return image


@pytest.fixture(scope="module")
def tracked():
    images = {
        "portrait": cv2.imread(str(shared_path("images/portrait.jpg"))),
        "pose": cv2.imread(str(shared_path("images/pose.jpg"))),
        "webcam": video_frame(shared_path("video/webcam_thumbs_up.mp4"), THUMBS_UP_FRAME),
    }
    with HolisticTracker(TrackerSettings(static_image_mode=True)) as tracker:
        return {name: (image, tracker.process(CapturedFrame(image=image, t=0.0, index=0))) for name, image in images.items()}


def pixel(landmarks_part: np.ndarray, index: int, image: np.ndarray) -> np.ndarray:
    return landmarks_part[index, :2] * (image.shape[1], image.shape[0])


def colour_near(image: np.ndarray, point: np.ndarray, colour, radius: int = 2, tolerance: int = 40) -> bool:
    x, y = np.rint(point).astype(int)
    patch = image[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1].astype(int)
    return bool(np.any(np.all(np.abs(patch - np.array(colour)) <= tolerance, axis=-1)))


def test_render_on_real_frames_leaves_input_untouched_and_writes_png(tracked, tmp_path):
    for name, (image, landmarks) in tracked.items():
        assert landmarks.pose is not None and landmarks.face is not None, name
        original = image.copy()
        frame = AvatarFrame(t=0.0, blendshapes={"eyeBlinkLeft": 0.8, "jawOpen": 0.4, "happy": 0.6},
                            gestures={"left": None, "right": "thumbs_up"})
        out = render_preview(image, landmarks, frame, {"fps": 29.97, "latency_ms": 41.2})
        assert np.array_equal(image, original), f"{name}: input image modified"
        assert out is not image and out.shape == image.shape and out.dtype == np.uint8
        changed = np.any(out != image, axis=-1).mean()
        assert 0.02 < changed < 0.6, f"{name}: {changed:.1%} of pixels drawn"
        path = tmp_path / f"preview_{name}.png"
        assert cv2.imwrite(str(path), out)
        assert np.array_equal(cv2.imread(str(path)), out)


def test_skeleton_lies_on_the_body_with_the_subjects_sides_coloured(tracked):
    image, landmarks = tracked["pose"]  # arms stretched out sideways: clean upper-arm lines
    out = draw_landmarks(image, landmarks)
    pose = landmarks.pose
    assert pose[11, 0] > pose[12, 0]  # the subject's left shoulder is on the image's right
    left_upper_arm = (pixel(pose, 11, image) + pixel(pose, 13, image)) / 2
    right_upper_arm = (pixel(pose, 12, image) + pixel(pose, 14, image)) / 2
    assert colour_near(out, left_upper_arm, draw.SUBJECT_LEFT)
    assert colour_near(out, right_upper_arm, draw.SUBJECT_RIGHT)
    assert not colour_near(out, left_upper_arm, draw.SUBJECT_RIGHT)
    # Hands and face are drawn where MediaPipe put them.
    for part, colour in (("left_hand", draw.SUBJECT_LEFT), ("right_hand", draw.SUBJECT_RIGHT)):
        hand = landmarks.part(part)
        assert hand is not None, part
        palm_edge = (pixel(hand, 0, image) + pixel(hand, 17, image)) / 2  # wrist to little-finger base
        assert colour_near(out, palm_edge, colour), part
    upper_lip = pixel(landmarks.face, 0, image)
    assert colour_near(out, upper_lip, draw.FACE_CONTOURS)


def bar_fill_pixels(image: np.ndarray) -> int:
    top_right = image[: image.shape[0] // 2, image.shape[1] // 2 :]
    return int(np.all(top_right == draw.BAR_FILL, axis=-1).sum())


def test_blendshape_bars_grow_with_their_weight(tracked):
    image, landmarks = tracked["webcam"]
    counts = [
        bar_fill_pixels(render_preview(image, landmarks, AvatarFrame(t=0.0, blendshapes={"eyeBlinkLeft": w}), {}))
        for w in (0.0, 0.5, 1.0)
    ]
    assert counts[0] == 0 and 0 < counts[1] < counts[2]
    assert counts[2] == pytest.approx(2 * counts[1], rel=0.1)
    # Bad values never break the drawing: NaN, strings, out of range.
    weird = AvatarFrame(t=0.0, blendshapes={"eyeBlinkLeft": float("nan"), "jawOpen": "x", "happy": 7.0})
    assert bar_fill_pixels(render_preview(image, landmarks, weird, {})) > 0  # happy clipped to 1


def label_centroid_x(image, landmarks, frame, info) -> float:
    plain = render_preview(image, landmarks, replace(frame, gestures={"left": None, "right": None}), info)
    labelled = render_preview(image, landmarks, frame, info)
    diff = np.any(plain != labelled, axis=-1)
    diff[: image.shape[0] // 4] = False  # ignore the status panel's text
    ys, xs = np.nonzero(diff)
    assert len(xs) > 50
    return float(xs.mean())


def test_gesture_label_follows_the_hand_that_made_it_in_mirror_mode(tracked):
    image, landmarks = tracked["pose"]
    left_wrist_x = pixel(landmarks.pose, 15, image)[0]
    right_wrist_x = pixel(landmarks.pose, 16, image)[0]
    frame = AvatarFrame(t=0.0, gestures={"left": None, "right": "victory"})
    window_mode = label_centroid_x(image, landmarks, frame, {"mirror": False})
    # Mirrored: the avatar's right hand is driven by the subject's LEFT hand.
    mirrored = label_centroid_x(image, landmarks, frame, {"mirror": True})
    assert abs(window_mode - right_wrist_x) < 80
    assert abs(mirrored - left_wrist_x) < 80


def test_nothing_tracked_and_degenerate_landmarks_render_without_error(tracked):
    image, _ = tracked["webcam"]
    empty = render_preview(image, None, None, {"fps": float("nan")})
    assert empty.shape == image.shape
    assert np.array_equal(draw_landmarks(image, None), image)
    nasty = np.full((33, 4), np.nan)
    nasty[:5] = [1e30, -1e30, 0.0, 1.0]
    broken = Landmarks(t=0.0, image_size=(1280, 720), pose=nasty, face=np.full((478, 3), np.inf),
                       left_hand=np.zeros((21, 3)))
    out = render_preview(image, broken, AvatarFrame(t=0.0), {"calibrating": True, "lines": ["vmc -> 127.0.0.1:39539"]})
    assert out.shape == image.shape


# --- the window, with HighGUI replaced -------------------------------------------------------------


class FakeHighGui:
    def __init__(self, keys):
        self.keys = list(keys)
        self.shown = []
        self.visible = 1.0
        self.destroyed = []

    def window(self, **overrides):
        options = dict(imshow=lambda title, image: self.shown.append(title), wait_key=lambda ms: self.keys.pop(0),
                       window_visible=lambda title: self.visible, destroy=self.destroyed.append,
                       check_display=lambda: True)
        options.update(overrides)
        return PreviewWindow(**options)


def test_window_keys_map_to_actions():
    gui = FakeHighGui([-1, ord("m"), ord("c"), ord("x"), ord("q") | 0x100000, 27])
    image = np.zeros((4, 4, 3), np.uint8)
    with gui.window() as window:
        actions = [window.show(image) for _ in range(6)]
    assert actions == [None, "toggle_mirror", "calibrate", None, "quit", "quit"]
    assert len(gui.shown) == 6 and gui.destroyed == ["vtdriver preview"]


def test_closing_the_window_quits_and_no_display_is_a_user_error():
    gui = FakeHighGui([-1, -1])
    window = gui.window()
    gui.visible = 0.0
    assert window.show(np.zeros((4, 4, 3), np.uint8)) == "quit"
    assert window.show(np.zeros((4, 4, 3), np.uint8)) == "quit"
    window.close()
    assert gui.destroyed == []  # already closed by the user
    with pytest.raises(PreviewUnavailable, match="needs a display"):
        gui.window(check_display=lambda: False)
    assert not display_available({}, "linux")
    assert display_available({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert display_available({}, "win32")
