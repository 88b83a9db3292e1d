"""Gesture actions from TOML: blendshape fades, OSC messages to named outputs, validation."""
from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from vtdriver.config.errors import ConfigError
from vtdriver.frame import GestureEvent
from vtdriver.gestures.action_file import load_actions, parse_actions
from vtdriver.gestures.gesture_file import load_gesture_set

GESTURES = load_gesture_set(REPO_ROOT / "mappings" / "gestures.toml")
OUTPUTS = {"vmc", "vrchat"}

VRCHAT = """
[[action]]
gesture = "victory"
blendshapes = { happy = 1.0 }
fade_in_ms = 100
fade_out_ms = 200

[[action]]
gesture = "thumbs_up"
hand = "right"
output = "vrchat"
on_enter = { address = "/avatar/parameters/GestureRight", args = [6] }
on_exit = { address = "/avatar/parameters/GestureRight", args = [0] }

[[action]]
gesture = "call"
output = "vrchat"
on_enter = [{ address = "/phone", args = ["ring", 1.5, true] }, { address = "/log", output = "vmc" }]
hold_every_ms = 250
on_hold = { address = "/phone/held", args = [1] }
"""


def test_shipped_actions_file_is_valid():
    actions = load_actions(REPO_ROOT / "mappings" / "actions.toml", GESTURES, OUTPUTS, {"happy", "sad"})
    assert {a.gesture for a in actions.actions} <= GESTURES.names


def test_blendshape_fades_in_and_out():
    actions = parse_actions(VRCHAT, GESTURES, OUTPUTS)
    held = {"left": None, "right": "victory", "both": None}
    free = {"left": None, "right": None, "both": None}
    values = []
    for i in range(30):  # 30 fps: held for 10 frames, then released
        overrides, _ = actions.update([], held if i < 10 else free, i / 30.0)
        values.append(overrides.get("happy", 0.0))
    assert values[0] == 0.0 and values[3] == pytest.approx(1.0) and values[2] == pytest.approx(2 / 3)
    assert values[10] == pytest.approx(5 / 6)  # 200 ms fade-out = 6 frames
    assert values[16] == 0.0 and values[11] > values[13] > values[15]


def test_set_mode_replaces_the_face_value_and_max_mode_only_raises():
    text = '[[action]]\ngesture = "fist"\nblendshapes = { happy = 0.0 }\nmode = "set"\nfade_in_ms = 0\n'
    actions = parse_actions(text, GESTURES, OUTPUTS)
    overrides, _ = actions.update([], {"left": "fist", "right": None}, 0.0, base={"happy": 0.9})
    assert overrides["happy"] == 0.0
    raising = parse_actions(text.replace('mode = "set"', 'mode = "max"').replace("0.0 }", "0.5 }"), GESTURES, OUTPUTS)
    overrides, _ = raising.update([], {"left": "fist", "right": None}, 0.0, base={"happy": 0.9})
    assert overrides["happy"] == 0.9


def test_messages_on_enter_exit_hold_for_the_right_hand_only():
    actions = parse_actions(VRCHAT, GESTURES, OUTPUTS)
    assert actions.hold_intervals() == {"call": 250.0}
    events = [GestureEvent("left", "thumbs_up", "enter", 0.0), GestureEvent("right", "thumbs_up", "enter", 0.0)]
    _, messages = actions.update(events, {"left": "thumbs_up", "right": "thumbs_up"}, 0.0)
    assert messages == [("vrchat", "/avatar/parameters/GestureRight", (6,))]
    _, messages = actions.update([GestureEvent("right", "thumbs_up", "exit", 1.0)], {}, 1.0)
    assert messages == [("vrchat", "/avatar/parameters/GestureRight", (0,))]
    _, messages = actions.update([GestureEvent("left", "call", "enter", 2.0), GestureEvent("left", "call", "hold", 2.0)], {}, 2.0)
    assert messages == [("vrchat", "/phone", ("ring", 1.5, True)), ("vmc", "/log", ()), ("vrchat", "/phone/held", (1,))]


@pytest.mark.parametrize(
    "text,key,fragment,line",
    [
        ('[[action]]\ngesture = "wave"\nblendshapes = { happy = 1.0 }\n', "gesture", "unknown gesture 'wave'", 2),
        ('[[action]]\ngesture = "fist"\noutput = "resonite"\non_enter = { address = "/a" }\n', "output", "unknown output 'resonite'", 3),
        ('[[action]]\ngesture = "fist"\noutput = "vrchat"\non_enter = { address = "/a", args = [[1]] }\n', "on_enter", "OSC arguments", 4),
        ('[[action]]\ngesture = "fist"\noutput = "vrchat"\non_enter = { address = "/a", args = [{ x = 1 }] }\n', "on_enter", "OSC arguments", 4),
        ('[[action]]\ngesture = "fist"\non_enter = { address = "/a" }\n', "on_enter", "no output", 3),
        ('[[action]]\ngesture = "fist"\noutput = "vrchat"\non_enter = { address = "a" }\n', "on_enter", "starting with '/'", 4),
        ('[[action]]\ngesture = "fist"\nblendshapes = { happy = 2 }\n', "blendshapes", "from 0 to 1", 3),
        ('[[action]]\ngesture = "fist"\nblendshapes = { joy = 1 }\n', "blendshapes", "unknown blendshape 'joy'", 3),
        ('[[action]]\ngesture = "fist"\nhand = "both"\nblendshapes = { happy = 1 }\n', "hand", "two-hand", 3),
        ('[[action]]\ngesture = "fist"\nfade_in_ms = "slow"\nblendshapes = { happy = 1 }\n', "fade_in_ms", "number", 3),
        ('[[action]]\ngesture = "fist"\n', "", "does nothing", 1),
        ('[[action]]\ngesture = "fist"\nblendshapes = { happy = 1 }\n\n[[action]]\ngesture = "fist"\ncolour = 1\n', "colour", "unknown key", 7),
    ],
)
def test_bad_actions_fail_with_file_key_and_line(tmp_path, text, key, fragment, line):
    path = tmp_path / "actions.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_actions(path, GESTURES, OUTPUTS, known_blendshapes={"happy", "sad"})
    error = info.value
    assert error.key.endswith(key) and fragment in error.message, error.one_line()
    assert error.line == line and error.path == str(path)
    assert error.one_line().startswith(f"{path}:{line}:")
