"""Gesture patterns: the golden MediaPipe hands classify as their names, user-defined gestures
work from TOML alone, the most specific pattern wins, and bad files fail with file:line errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, shared_path
from tests.golden_io import read_landmarks
from vtdriver import coords, quat
from vtdriver.config.errors import ConfigError
from vtdriver.gestures.features import hand_features
from vtdriver.gestures.gesture_file import load_gesture_set, parse_gesture_set
from vtdriver.gestures.settings import GestureSettings
from vtdriver.gestures.states import classify_states

GESTURES_TOML = REPO_ROOT / "mappings" / "gestures.toml"
SETTINGS = GestureSettings()
# The golden files store normalised coordinates of images whose sizes are not recorded; the
# features are angles and ratios, so a square frame is as good as any.
UNIT_IMAGE = (1, 1)


def classify(points_normalised: np.ndarray, gesture_set, image_size=UNIT_IMAGE) -> str | None:
    features = hand_features(coords.image_to_unity(points_normalised, image_size))
    return gesture_set.classify(classify_states(features, SETTINGS), features, SETTINGS)


@pytest.fixture(scope="module")
def shipped():
    return load_gesture_set(GESTURES_TOML)


GOLDEN = [
    ("thumb_up_landmarks.pbtxt", "thumbs_up"),
    ("thumb_up_rotated_landmarks.pbtxt", "thumbs_up"),
    ("victory_landmarks.pbtxt", "victory"),
    ("fist_landmarks.pbtxt", "fist"),
    ("pointing_up_landmarks.pbtxt", "pointing_up"),
    ("pointing_up_rotated_landmarks.pbtxt", "pointing_up"),
    ("expected_left_up_hand_landmarks.prototxt", "open_palm"),
    ("expected_left_down_hand_landmarks.prototxt", "open_palm"),
]


@pytest.mark.parametrize("filename,expected", GOLDEN)
def test_golden_hands_classify(shipped, filename, expected):
    points = read_landmarks(shared_path(f"golden/{filename}"))[:21]  # image landmarks come first
    assert classify(points, shipped) == expected


@pytest.mark.parametrize("filename,expected", GOLDEN)
def test_classification_ignores_scale_and_in_plane_rotation(shipped, filename, expected):
    points = read_landmarks(shared_path(f"golden/{filename}"))[:21]
    unity = coords.image_to_unity(points, UNIT_IMAGE)
    scaled = 3.7 * (unity - unity[0])
    # Finger states must not change under any rotation; the label can (thumbs up turned upside
    # down is thumbs down; thumb_up_rotated already leans 58 degrees from vertical, near the
    # 70-degree cone), so compare states always and labels only for small tilts.
    for angle in np.radians([-10, 10, 90, 180]):
        turned = quat.rotate(quat.from_axis_angle([0, 0, 1.0], angle), scaled)
        original = classify_states(hand_features(unity), SETTINGS)
        assert classify_states(hand_features(turned), SETTINGS) == original
        if abs(angle) < np.radians(15):
            f = hand_features(turned)
            assert shipped.classify(classify_states(f, SETTINGS), f, SETTINGS) == expected


def test_shipped_set_has_the_required_gestures(shipped):
    required = {"open_palm", "fist", "thumbs_up", "thumbs_down", "victory", "pointing_up",
                "i_love_you", "rock", "call", "ok", "four"}
    assert required <= shipped.names


def test_thumbs_down_is_thumbs_up_upside_down(shipped):
    points = read_landmarks(shared_path("golden/thumb_up_landmarks.pbtxt"))[:21]
    upside_down = points.copy()
    upside_down[:, 1] = 1.0 - upside_down[:, 1]
    upside_down[:, 0] = 1.0 - upside_down[:, 0]
    assert classify(upside_down, shipped) == "thumbs_down"


CUSTOM = """
[gestures.finger_gun]
description = "index out, thumb up, the rest curled"
thumb = "extended"
index = "extended"
middle = "curled"
ring = "curled"
little = "curled"

[gestures.any_fist]
index = "curled"
middle = "curled"
ring = "curled"
little = "curled"
"""


def _finger_gun_landmarks() -> np.ndarray:
    """pointing_up's hand with the thumb moved out sideways, like an "L"."""
    points = read_landmarks(shared_path("golden/pointing_up_landmarks.pbtxt"))[:21].copy()
    wrist, index_mcp, little_mcp = points[0], points[5], points[17]
    across = index_mcp - little_mcp
    across[2] = 0
    across /= np.linalg.norm(across)
    for k, i in enumerate((2, 3, 4)):
        points[i] = index_mcp + across * 0.06 * (k + 1) + (points[1] - wrist) * 0.2
    return points


def test_custom_gesture_from_toml_needs_no_code(tmp_path: Path):
    path = tmp_path / "my_gestures.toml"
    path.write_text(CUSTOM)
    custom = load_gesture_set(path)
    assert classify(_finger_gun_landmarks(), custom) == "finger_gun"
    # The four-finger pattern matches a fist too, so it is what a fist with any thumb gives.
    assert classify(read_landmarks(shared_path("golden/fist_landmarks.pbtxt"))[:21], custom) == "any_fist"


def test_more_specific_pattern_wins(shipped):
    thumb_up = read_landmarks(shared_path("golden/thumb_up_landmarks.pbtxt"))[:21]
    general_first = parse_gesture_set(CUSTOM.split("[gestures.any_fist]")[0] + """
[gestures.any_fist]
index = "curled"
middle = "curled"
ring = "curled"
little = "curled"

[gestures.thumb_out_fist]
thumb = "extended"
index = "curled"
middle = "curled"
ring = "curled"
little = "curled"
""")
    assert classify(thumb_up, general_first) == "thumb_out_fist"
    assert classify(thumb_up, shipped) == "thumbs_up"  # direction constraint beats the plain shape


def test_priority_beats_specificity():
    text = """
[gestures.shape]
thumb = "extended"
index = "curled"
middle = "curled"
ring = "curled"
little = "curled"

[gestures.loose]
index = "curled"
priority = 1
"""
    thumb_up = read_landmarks(shared_path("golden/thumb_up_landmarks.pbtxt"))[:21]
    assert classify(thumb_up, parse_gesture_set(text)) == "loose"


@pytest.mark.parametrize(
    "text,key,fragment,line",
    [
        ('[gestures.a]\nindex = "bent"\n', "[gestures.a] index", "extended, half, curled", 2),
        ('[gestures.a]\nindex = "curled"\npinky = "curled"\n', "[gestures.a] pinky", "unknown key", 3),
        ('[gestures.a]\nindex = "curled"\nindex_points = "north"\n', "[gestures.a] index_points", "up, down", 3),
        ('[gestures.a]\nindex = "curled"\ntouch = ["thumb", "thumb"]\n', "[gestures.a] touch", "two different", 3),
        ('[gestures.a]\ndescription = "x"\n', "[gestures.a]", "constrains nothing", 1),
        ('[gestures.a]\nindex = "curled"\n[gestures.b]\nboth = "z"\n', "[gestures.b] both", "unknown one-hand", 4),
        ('[gestures.a]\nindex = "curled"\nenter_ms = "fast"\n', "[gestures.a] enter_ms", "number", 3),
        ('[gesture.a]\nindex = "curled"\n', "gesture", "top-level", None),
    ],
)
def test_bad_gesture_files_name_file_key_and_line(tmp_path, text, key, fragment, line):
    path = tmp_path / "g.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_gesture_set(path)
    error = info.value
    assert error.key == key and fragment in error.message and error.path == str(path)
    if line is not None:
        assert error.line == line
    assert "\n" not in error.one_line()


def test_two_hand_pattern_combines_one_hand_gestures(shipped):
    assert shipped.classify_two_hand("thumbs_up", "thumbs_up") == "double_thumbs_up"
    assert shipped.classify_two_hand("thumbs_up", None) is None
    assert shipped.is_two_hand("double_thumbs_up") and not shipped.is_two_hand("fist")


def test_two_hand_patterns_rank_by_priority_then_file_order():
    from vtdriver.gestures.patterns import GestureSet, HandPattern, TwoHandPattern

    two = (
        TwoHandPattern("first", "fist", "fist", order=0),
        TwoHandPattern("second", "fist", "fist", order=1),
        TwoHandPattern("urgent", "open", "fist", order=2),
        TwoHandPattern("plain", "open", "fist", order=3),
        TwoHandPattern("late", "open", "fist", priority=1, order=4),
    )
    gestures = GestureSet((HandPattern("fist", {}), HandPattern("open", {})), two)
    assert gestures.classify_two_hand("fist", "fist") == "first"
    assert gestures.classify_two_hand("open", "fist") == "late"
    assert gestures.classify_two_hand("fist", "open") is None
    assert gestures.classify_two_hand(None, "fist") is None
