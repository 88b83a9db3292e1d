"""Drawing the preview: the camera image with what the tracker found and what the avatar gets.

Pure functions: they never modify the image they are given and return a new one, so tests
render them without a display and the frame loop can hand the same image to other stages.

Colours say whose side a line belongs to: orange is the subject's own left, blue the subject's
right (in an unmirrored webcam image your left appears on the image's right). Pose points whose
visibility is below ``VISIBILITY_THRESHOLD`` are not drawn, so a hidden limb shows as missing
rather than as a wild guess.

``info`` (every key optional):
- ``fps``: frames per second through the pipeline;
- ``latency_ms``: capture-to-send latency;
- ``mirror``: True when ``frame`` is in mirror mode (coords.apply_mirror was applied), i.e. the
  avatar's left hand is the subject's right; gesture labels are then put on the hand that made
  them;
- ``calibrating``: True while a face calibration runs;
- ``lines``: extra status lines (e.g. output targets).
"""
from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from vtdriver.frame import AvatarFrame, Landmarks
from vtdriver.preview import skeleton

# MediaPipe's own drawing utilities skip pose points below this visibility.
VISIBILITY_THRESHOLD = 0.5
# BGR colours.
SUBJECT_LEFT = (0, 160, 255)  # orange
SUBJECT_RIGHT = (255, 170, 40)  # blue
CENTRE = (235, 235, 235)
FACE_POINTS = (170, 170, 170)
FACE_CONTOURS = (90, 235, 90)
TEXT = (255, 255, 255)
OUTLINE = (0, 0, 0)
BAR_FILL = (90, 220, 255)
PANEL_DARKEN = 0.45  # background kept under text panels: readable text, image still visible
# Sizes are designed for a 1280 x 720 image and scaled with the image, by the tighter of width
# and height so a portrait image keeps its text panels off the face.
REFERENCE_SIZE = (1280.0, 720.0)
MIN_SCALE = 0.7  # below this the Hershey font gets hard to read (a 640x480 webcam would be at 0.5)
FONT = cv2.FONT_HERSHEY_SIMPLEX
FOOTER_HEIGHT = 56  # the key-help panel at the bottom, at scale 1
# Coordinates far outside the image are clipped before the int conversion: OpenCV clips lines
# itself, but a huge float would overflow int32.
_COORD_LIMIT = 1e5

# (label, internal names averaged): the shapes a streamer checks while setting up.
BARS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("blink L", ("eyeBlinkLeft",)),
    ("blink R", ("eyeBlinkRight",)),
    ("jaw", ("jawOpen",)),
    ("aa", ("aa",)),
    ("ih", ("ih",)),
    ("ou", ("ou",)),
    ("ee", ("ee",)),
    ("oh", ("oh",)),
    ("smile", ("mouthSmileLeft", "mouthSmileRight")),
    ("happy", ("happy",)),
    ("brow up", ("browInnerUp",)),
    ("brow dn L", ("browDownLeft",)),
    ("brow dn R", ("browDownRight",)),
)


def _scale(image: np.ndarray) -> float:
    return max(MIN_SCALE, min(image.shape[1] / REFERENCE_SIZE[0], image.shape[0] / REFERENCE_SIZE[1]))


def _pixels(points: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) int32 pixel positions and a mask of the usable (finite) ones."""
    xy = np.asarray(points, dtype=np.float64)[:, :2] * (image.shape[1], image.shape[0])
    usable = np.all(np.isfinite(xy), axis=1)
    xy = np.clip(np.where(usable[:, None], xy, 0.0), -_COORD_LIMIT, _COORD_LIMIT)
    return np.rint(xy).astype(np.int32), usable


def _segments(image, pixels, usable, edges, colour, thickness) -> None:
    keep = usable[edges[:, 0]] & usable[edges[:, 1]]
    if keep.any():
        cv2.polylines(image, pixels[edges[keep]], False, colour, thickness, cv2.LINE_AA)


def _dots(image, pixels, usable, colour, diameter) -> None:
    # A zero-length segment with a thick pen is a filled round dot: one OpenCV call for all
    # points. Not anti-aliased: at these sizes it looks the same and costs a third.
    chosen = pixels[usable]
    if len(chosen):
        cv2.polylines(image, np.stack([chosen, chosen], axis=1), False, colour, diameter, cv2.LINE_8)


def _squares(image, pixels, usable, colour, size) -> None:
    """Small square dots written straight into the array: hundreds of face points cost tens
    of microseconds this way, against about a millisecond as OpenCV circles."""
    chosen = pixels[usable]
    offsets = np.arange(size) - size // 2
    xs = (chosen[:, 0, None, None] + offsets[None, None, :]).repeat(size, axis=1)
    ys = (chosen[:, 1, None, None] + offsets[None, :, None]).repeat(size, axis=2)
    inside = (xs >= 0) & (xs < image.shape[1]) & (ys >= 0) & (ys < image.shape[0])
    image[ys[inside], xs[inside]] = colour


def _draw_pose(image: np.ndarray, pose: np.ndarray, scale: float) -> None:
    pixels, usable = _pixels(pose, image)
    if pose.shape[1] > 3:
        visibility = np.nan_to_num(np.asarray(pose[:, 3], dtype=np.float64), nan=0.0)
        usable &= visibility >= VISIBILITY_THRESHOLD
    width = max(1, round(3 * scale))
    _segments(image, pixels, usable, skeleton.POSE_CENTRE_EDGES, CENTRE, width)
    _segments(image, pixels, usable, skeleton.POSE_LEFT_EDGES, SUBJECT_LEFT, width)
    _segments(image, pixels, usable, skeleton.POSE_RIGHT_EDGES, SUBJECT_RIGHT, width)
    _dots(image, pixels, usable, CENTRE, max(2, round(7 * scale)))


def _draw_face(image: np.ndarray, face: np.ndarray, scale: float) -> None:
    pixels, usable = _pixels(face, image)
    _squares(image, pixels[: skeleton.FACE_IRIS_FIRST], usable[: skeleton.FACE_IRIS_FIRST], FACE_POINTS,
             max(1, round(2 * scale)))
    if len(face) > skeleton.FACE_CONTOUR_EDGES.max():
        _segments(image, pixels, usable, skeleton.FACE_CONTOUR_EDGES, FACE_CONTOURS, max(1, round(1.5 * scale)))


def _draw_hand(image: np.ndarray, hand: np.ndarray, colour, scale: float) -> None:
    pixels, usable = _pixels(hand, image)
    _segments(image, pixels, usable, skeleton.HAND_EDGES, colour, max(1, round(2 * scale)))
    _dots(image, pixels, usable, CENTRE, max(2, round(5 * scale)))


def draw_landmarks(image: np.ndarray, landmarks: Landmarks | None) -> np.ndarray:
    """A copy of ``image`` with the pose skeleton, face mesh points and contours and both hand
    skeletons drawn on it (``vtdriver snapshot --annotate``)."""
    out = np.array(image, dtype=np.uint8, copy=True)
    if landmarks is None:
        return out
    scale = _scale(out)
    if landmarks.face is not None:
        _draw_face(out, landmarks.face, scale)
    if landmarks.pose is not None:
        _draw_pose(out, landmarks.pose, scale)
    for part, colour in (("left_hand", SUBJECT_LEFT), ("right_hand", SUBJECT_RIGHT)):
        hand = landmarks.part(part)
        if hand is not None:
            _draw_hand(out, hand, colour, scale)
    return out


def _text_style(scale: float) -> tuple[float, int, int]:
    """(font scale, thickness, line type). Anti-aliased Hershey text is only cheap at
    thickness 1 (about 40 us a line against 570 us at thickness 2, measured with OpenCV 4.11),
    so thicker text on large images is drawn without anti-aliasing."""
    thickness = max(1, round(scale))
    return 0.6 * scale, thickness, cv2.LINE_AA if thickness == 1 else cv2.LINE_8


def _text(image, text: str, origin: tuple[int, int], scale: float, colour=TEXT, outline: bool = False) -> None:
    """Panel text sits on a darkened background and needs no outline; labels drawn straight on
    the camera image get a black outline so they stay readable on any background."""
    font_scale, thickness, line_type = _text_style(scale)
    if outline:
        cv2.putText(image, text, origin, FONT, font_scale, OUTLINE, thickness + 2, cv2.LINE_8)
    cv2.putText(image, text, origin, FONT, font_scale, colour, thickness, line_type)


def _text_size(text: str, scale: float) -> tuple[int, int]:
    font_scale, thickness, _ = _text_style(scale)
    (width, height), baseline = cv2.getTextSize(text, FONT, font_scale, thickness)
    return width, height + baseline


def _darken(image: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    x0, x1 = max(0, x0), min(image.shape[1], x1)
    y0, y1 = max(0, y0), min(image.shape[0], y1)
    if x1 > x0 and y1 > y0:
        region = image[y0:y1, x0:x1]
        region[...] = (region * PANEL_DARKEN).astype(np.uint8)


def _wrist_pixel(landmarks: Landmarks, side: str, image: np.ndarray) -> tuple[int, int] | None:
    hand = landmarks.part(f"{side}_hand")
    if hand is not None:
        point = hand[skeleton.HAND_WRIST : skeleton.HAND_WRIST + 1]
    elif landmarks.pose is not None:
        index = skeleton.POSE_LEFT_WRIST if side == "left" else skeleton.POSE_RIGHT_WRIST
        row = landmarks.pose[index]
        if len(row) > 3 and not row[3] >= VISIBILITY_THRESHOLD:
            return None
        point = row[None, :]
    else:
        return None
    pixels, usable = _pixels(point, image)
    return (int(pixels[0, 0]), int(pixels[0, 1])) if usable[0] else None


def _subject_gestures(frame: AvatarFrame | None, mirror: bool) -> dict[str, str | None]:
    """Gesture per SUBJECT hand: in mirror mode the avatar's left hand copies the subject's
    right, so the avatar-side names in ``frame.gestures`` swap back."""
    if frame is None:
        return {"left": None, "right": None}
    avatar = {"left": frame.gestures.get("left"), "right": frame.gestures.get("right")}
    return {"left": avatar["right"], "right": avatar["left"]} if mirror else avatar


def _draw_gestures(image, landmarks: Landmarks | None, frame, mirror: bool, scale: float) -> list[tuple[str, tuple]]:
    lines = []
    gestures = _subject_gestures(frame, mirror)
    for side, colour in (("left", SUBJECT_LEFT), ("right", SUBJECT_RIGHT)):
        name = gestures[side]
        lines.append((f"your {side} hand: {name or '-'}", colour))
        anchor = _wrist_pixel(landmarks, side, image) if landmarks is not None and name else None
        if anchor is not None:
            width, height = _text_size(name, scale)
            x = int(np.clip(anchor[0] - width // 2, 0, max(0, image.shape[1] - width)))
            # Below the wrist (the hand usually points up), but clear of the key-help footer.
            lowest = image.shape[0] - round(FOOTER_HEIGHT * scale)
            y = int(np.clip(anchor[1] + round(40 * scale), height, max(height, lowest)))
            _text(image, name, (x, y), scale, colour, outline=True)
    if frame is not None and frame.gestures.get("both"):
        lines.append((f"both hands: {frame.gestures['both']}", TEXT))
    return lines


def _bar_value(blendshapes: dict[str, float], names: tuple[str, ...]) -> float:
    total = 0.0
    for name in names:
        try:
            value = float(blendshapes.get(name, 0.0))
        except (TypeError, ValueError):
            value = 0.0
        total += value if math.isfinite(value) else 0.0
    return min(max(total / len(names), 0.0), 1.0)


def _draw_bars(image: np.ndarray, frame: AvatarFrame, scale: float) -> None:
    label_width = max(_text_size(label, scale)[0] for label, _ in BARS)
    row = round(22 * scale)
    bar_length = round(120 * scale)
    margin = round(10 * scale)
    x1 = image.shape[1] - margin
    x0 = x1 - label_width - bar_length - 3 * margin
    _darken(image, x0, margin, x1, margin + row * len(BARS) + margin)
    bar_x = x0 + 2 * margin + label_width
    for number, (label, names) in enumerate(BARS):
        baseline = margin + row * (number + 1)
        _text(image, label, (x0 + margin, baseline), scale)
        top, bottom = baseline - round(13 * scale), baseline
        value = _bar_value(frame.blendshapes, names)
        cv2.rectangle(image, (bar_x, top), (bar_x + bar_length, bottom), TEXT, 1)
        if value > 0:
            cv2.rectangle(image, (bar_x, top), (bar_x + round(bar_length * value), bottom), BAR_FILL, -1)


def _status_lines(landmarks: Landmarks | None, info: dict[str, Any]) -> list[str]:
    numbers = []
    fps, latency = info.get("fps"), info.get("latency_ms")
    if isinstance(fps, (int, float)) and math.isfinite(fps):
        numbers.append(f"{fps:.1f} fps")
    if isinstance(latency, (int, float)) and math.isfinite(latency):
        numbers.append(f"latency {latency:.0f} ms")
    lines = ["  ".join(numbers)] if numbers else []
    parts = landmarks.tracked_parts() if landmarks is not None else ()
    lines.append("tracking: " + (", ".join(p for p in parts if p != "pose_world") or "no person found"))
    lines.append("mirror: " + ("on" if info.get("mirror") else "off"))
    if info.get("calibrating"):
        lines.append("CALIBRATING - look straight ahead, neutral face")
    lines.extend(str(line) for line in info.get("lines", ()))
    return lines


def _draw_panel(image: np.ndarray, lines: list[tuple[str, tuple]], scale: float, bottom: bool = False) -> None:
    """``lines``: (text, BGR colour) pairs."""
    if not lines:
        return
    margin = round(10 * scale)
    row = round(24 * scale)
    width = max(_text_size(text, scale)[0] for text, _ in lines) + 2 * margin
    height = row * len(lines) + margin
    y0 = image.shape[0] - height - margin if bottom else margin
    _darken(image, margin, y0, margin + width, y0 + height)
    for number, (text, colour) in enumerate(lines):
        _text(image, text, (2 * margin, y0 + row * (number + 1) - round(4 * scale)), scale, colour)


def render_preview(
    image_bgr: np.ndarray, landmarks: Landmarks | None, frame: AvatarFrame | None, info: dict[str, Any] | None = None
) -> np.ndarray:
    """The preview image: landmarks and skeletons, the gesture per hand, bars for the main
    blendshapes, and fps / latency / tracking status. Returns a new image."""
    info = info or {}
    out = draw_landmarks(image_bgr, landmarks)
    scale = _scale(out)
    gesture_lines = _draw_gestures(out, landmarks, frame, bool(info.get("mirror")), scale)
    if frame is not None:
        _draw_bars(out, frame, scale)
    status = [(line, TEXT) for line in _status_lines(landmarks, info)]
    _draw_panel(out, status + gesture_lines, scale)
    _draw_panel(out, [("q quit   m mirror   c calibrate", TEXT)], scale, bottom=True)
    return out
