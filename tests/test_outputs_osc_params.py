"""Plain OSC parameter mappings (kind = "osc" outputs): the shipped VRChat preset, value
formulas, masks, gesture change detection, one-line file errors, and real UDP delivery."""
from __future__ import annotations

import math
import socket
from dataclasses import replace

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from pythonosc.osc_message import OscMessage

from tests.conftest import REPO_ROOT
from vtdriver.config.sections import OutputSettings
from vtdriver.frame import AvatarFrame
from vtdriver.gestures.gesture_file import load_gesture_set
from vtdriver.config.errors import ConfigError
from vtdriver.mapping import INTERNAL_NAMES, MappingError
from vtdriver.outputs.osc import OscOutput
from vtdriver.outputs.osc_params import OscParameterMapping
from vtdriver.outputs.udp import UdpSender

VRCHAT = REPO_ROOT / "mappings" / "vrchat.toml"
PREFIX = "/avatar/parameters/"
VRCHAT_GESTURE_NUMBERS = range(0, 8)  # creators.vrchat.com: GestureLeft/Right are 0-7


def frame(t: float = 0.0, gestures: dict | None = None, **weights: float) -> AvatarFrame:
    return AvatarFrame(t=t, blendshapes=dict(weights), gestures=gestures or {"left": None, "right": None})


def values(mapping: OscParameterMapping, avatar_frame: AvatarFrame, **setting_overrides) -> dict[str, float]:
    messages = mapping.frame_messages(avatar_frame, OutputSettings(kind="osc", **setting_overrides))
    return {address.removeprefix(PREFIX): args[0] for address, args in messages}


@pytest.fixture
def vrchat() -> OscParameterMapping:
    return OscParameterMapping.load(VRCHAT)


# --- the shipped VRChat preset ---------------------------------------------------------------


def test_vrchat_preset_stays_inside_vrchat_ranges_and_known_gestures(vrchat):
    assert len(vrchat.parameters) >= 40
    for parameter in vrchat.parameters:
        assert parameter.address == PREFIX + parameter.name
        assert parameter.name.startswith("v2/")
        assert -1.0 <= parameter.low < parameter.high <= 1.0, parameter.name
    assert vrchat.gestures.addresses == {"left": PREFIX + "VTGestureLeft", "right": PREFIX + "VTGestureRight"}
    assert vrchat.gestures.none == 0
    assert set(vrchat.gestures.values.values()) <= set(VRCHAT_GESTURE_NUMBERS)
    # Every gesture it numbers is one the shipped gesture file can recognise.
    shipped = load_gesture_set(REPO_ROOT / "mappings" / "gestures.toml").names
    assert set(vrchat.gestures.values) <= shipped
    expected = {"fist": 1, "open_palm": 2, "pointing_up": 3, "victory": 4, "rock": 5, "thumbs_up": 7}
    assert {name: vrchat.gestures.values[name] for name in expected} == expected


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(INTERNAL_NAMES)),
                       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(None), st.text(max_size=3))))
def test_vrchat_values_are_always_finite_floats_within_their_bounds(weights):
    mapping = OscParameterMapping.load(VRCHAT)
    messages = mapping.frame_messages(AvatarFrame(t=0.0, blendshapes=weights), OutputSettings(kind="osc"))
    assert len(messages) == len(mapping.parameters)
    for (address, args), parameter in zip(messages, mapping.parameters):
        assert address == parameter.address and len(args) == 1
        assert isinstance(args[0], float) and math.isfinite(args[0])
        assert parameter.low <= args[0] <= parameter.high


def test_vrchat_eyelid_open_closed_wide_and_signed_combinations(vrchat):
    rest = values(vrchat, frame())
    assert rest["v2/EyeLidLeft"] == pytest.approx(0.75) and rest["v2/EyeLidRight"] == pytest.approx(0.75)
    assert rest["v2/JawOpen"] == 0.0 and rest["v2/SmileFrownLeft"] == 0.0
    closed_left = values(vrchat, frame(eyeBlinkLeft=1.0))
    assert closed_left["v2/EyeLidLeft"] == pytest.approx(0.0)
    assert closed_left["v2/EyeLidRight"] == pytest.approx(0.75)  # the other eye is untouched
    assert values(vrchat, frame(eyeWideRight=1.0))["v2/EyeLidRight"] == pytest.approx(1.0)
    frowning = values(vrchat, frame(mouthFrownLeft=0.6, mouthSmileRight=0.4))
    assert frowning["v2/SmileFrownLeft"] == pytest.approx(-0.6)
    assert frowning["v2/SmileFrownRight"] == pytest.approx(0.4)
    jaw = values(vrchat, frame(jawOpen=0.5, jawLeft=0.3))
    assert jaw["v2/JawOpen"] == pytest.approx(0.5) and jaw["v2/JawX"] == pytest.approx(-0.3)
    # Looking to the avatar's right: the left eye turns in, the right eye out; both X > 0.
    gaze = values(vrchat, frame(eyeLookInLeft=1.0, eyeLookOutRight=1.0))
    assert gaze["v2/EyeLeftX"] == pytest.approx(0.667) and gaze["v2/EyeRightX"] == pytest.approx(0.667)


def test_blendshape_mask_selects_output_names_or_full_addresses(vrchat):
    picked = values(vrchat, frame(jawOpen=0.5), blendshapes=["v2/JawOpen", PREFIX + "v2/MouthSmileLeft", "NotThere"])
    assert list(picked) == ["v2/JawOpen", "v2/MouthSmileLeft"]  # file order, unknown names ignored
    assert values(vrchat, frame(), blendshapes=[]) == {}
    assert len(values(vrchat, frame(), blendshapes=["*"])) == len(vrchat.parameters)
    # The mask is re-read when the settings change (hot reload hands in new settings).
    assert list(values(vrchat, frame(), blendshapes=["v2/TongueOut"])) == ["v2/TongueOut"]


# --- gestures ---------------------------------------------------------------------------------


def test_gestures_send_on_change_and_refresh_after_resend_interval(vrchat):
    both_none = {"left": None, "right": None}
    sent = vrchat.gesture_messages(frame(0.0, both_none))
    assert sent == [(PREFIX + "VTGestureLeft", [0]), (PREFIX + "VTGestureRight", [0])]  # first frame: all
    assert vrchat.gesture_messages(frame(0.1, both_none)) == []
    assert vrchat.gesture_messages(frame(0.2, {"left": "thumbs_up", "right": None})) == [(PREFIX + "VTGestureLeft", [7])]
    assert vrchat.gesture_messages(frame(0.3, {"left": "thumbs_up", "right": None})) == []
    # A gesture without a VRChat number reads as Neutral: no change from 0, nothing sent.
    assert vrchat.gesture_messages(frame(0.4, {"left": "thumbs_up", "right": "call"})) == []
    # Unchanged values are repeated once resend_seconds (1 s) passed since they were last sent.
    assert vrchat.gesture_messages(frame(1.05, {"left": "thumbs_up", "right": None})) == [(PREFIX + "VTGestureRight", [0])]
    assert vrchat.gesture_messages(frame(1.25, {"left": "thumbs_up", "right": None})) == [(PREFIX + "VTGestureLeft", [7])]
    # Time running backwards (a replay restarting) re-sends rather than going quiet.
    assert len(vrchat.gesture_messages(frame(0.0, {"left": "thumbs_up", "right": None}))) == 2


def test_resend_zero_sends_only_changes_and_both_hands_parameter():
    mapping = OscParameterMapping.from_dict(
        {"gestures": {"both": "Two", "resend_seconds": 0, "none": 9, "values": {"double_thumbs_up": 3}}}
    )
    assert mapping.parameters == ()
    assert mapping.gesture_messages(frame(0.0, {"left": None, "right": None})) == [(PREFIX + "Two", [9])]
    assert mapping.gesture_messages(frame(100.0, {"left": None, "right": None})) == []
    assert mapping.gesture_messages(frame(100.1, {"left": "x", "right": "y", "both": "double_thumbs_up"})) == [
        (PREFIX + "Two", [3])
    ]


# --- file errors --------------------------------------------------------------------------------

BAD_FILES = [
    ("[blendshapes]\nJaw = \"jawOpn\"\n", "blendshapes.Jaw", 2, "did you mean 'jawOpen'"),
    ("[blendshapes]\nJaw = \"JAWOPEN\"\n", "blendshapes.Jaw", 2, "did you mean 'jawOpen'"),
    ("[blendshapes]\nJaw = { from = \"jawOpen\", scale = \"2\" }\n", "blendshapes.Jaw", 2, "scale must be a number"),
    ("[blendshapes]\nJaw = { from = \"jawOpen\", scale = 11 }\n", "blendshapes.Jaw", 2, "between 0 and 10"),
    ("[blendshapes]\nJaw = { from = { jawOpen = true } }\n", "blendshapes.Jaw", 2, "weight of jawOpen must be a number"),
    ("[blendshapes]\nJaw = { from = {} }\n", "blendshapes.Jaw", 2, "empty"),
    ("[blendshapes]\nJaw = { from = \"jawOpen\", min = 1, max = 0 }\n", "blendshapes.Jaw", 2, "must be below max"),
    ("[blendshapes]\nJaw = { from = \"jawOpen\", clamp = 1 }\n", "blendshapes.Jaw", 2, "unknown key 'clamp'"),
    ("[blendshapes]\nJaw = { scale = 1 }\n", "blendshapes.Jaw", 2, 'missing "from"'),
    ("[blendshapes]\nJaw = 3\n", "blendshapes.Jaw", 2, "expected an internal name"),
    ("[blendshapes]\n\"Jaw Open\" = \"jawOpen\"\n", "blendshapes.Jaw Open", 2, "not a valid OSC address"),
    ("[blendshapes]\n\"Jaw#1\" = \"jawOpen\"\n", "blendshapes.Jaw#1", 2, "not a valid OSC address"),
    ("[blendshapes]\n\"a//b\" = \"jawOpen\"\n", "blendshapes.a//b", 2, "empty part"),
    ("[mapping]\naddress_prefix = \"avatar/\"\n[blendshapes]\nJ = \"jawOpen\"\n", "mapping.address_prefix", 2, "starts and ends"),
    ("[mapping]\nprefix = \"/a/\"\n[blendshapes]\nJ = \"jawOpen\"\n", "mapping.prefix", 2, "unknown key"),
    ("[blendshapes]\nJawOpen = \"jawOpen\"\n\"/avatar/parameters/JawOpen\" = \"aa\"\n",
     "blendshapes./avatar/parameters/JawOpen", 3, "already used by blendshapes.JawOpen"),
    ("[gestures]\nleft = \"G\"\n[gestures.values]\nfist = 1.5\n", "gestures.values.fist", 4, "whole number between 0 and 255"),
    ("[gestures]\nleft = \"G\"\n[gestures.values]\nfist = true\n", "gestures.values.fist", 4, "whole number"),
    ("[gestures]\nleft = \"G\"\nnone = 256\n", "gestures.none", 3, "between 0 and 255"),
    ("[gestures]\nleft = 5\n", "gestures.left", 2, "non-empty string"),
    ("[gestures]\nleft = \"G\"\nresend_seconds = -1\n", "gestures.resend_seconds", 3, "between 0 and 60"),
    ("[gestures]\nleft = \"G\"\nthumb = \"T\"\n", "gestures.thumb", 3, "unknown key"),
    ("[gestures]\nleft = \"G\"\nvalues = 3\n", "gestures.values", 3, "must be a table"),
    ("[blendshapes]\nJ = \"jawOpen\"\n[gestures]\nleft = \"J\"\n", "gestures.left", 4, "already used by blendshapes.J"),
    ("[mapping]\nname = \"x\"\n", "blendshapes", None, "nothing to send"),
    ("colour = 1\n[blendshapes]\nJ = \"jawOpen\"\n", "colour", 1, "unknown top-level key"),
]


@pytest.mark.parametrize("text, key, line, message", BAD_FILES)
def test_bad_mapping_files_give_one_line_errors_with_key_and_line(tmp_path, text, key, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        OscParameterMapping.load(path)
    error = caught.value
    assert (error.path, error.key, error.line) == (str(path), key, line)
    assert message in error.message
    assert "\n" not in error.one_line() and str(path) in error.one_line()


def test_unreadable_and_invalid_toml_files(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml: file not found"):
        OscParameterMapping.load(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[blendshapes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.toml:1: invalid TOML"):
        OscParameterMapping.load(broken)


def test_any_gesture_name_is_accepted_and_absolute_addresses_skip_the_prefix():
    mapping = OscParameterMapping.from_dict({
        "mapping": {"address_prefix": "/custom/"},
        "blendshapes": {"/abs/Jaw": "jawOpen", "Smile": {"from": "happy", "scale": 2.0}},
        "gestures": {"right": "/g/right", "values": {"my_own_sign": 12}},
    })
    assert [p.address for p in mapping.parameters] == ["/abs/Jaw", "/custom/Smile"]
    assert values_of(mapping, frame(happy=0.3)) == {"/abs/Jaw": 0.0, "/custom/Smile": pytest.approx(0.6)}
    assert mapping.gesture_messages(frame(0.0, {"left": None, "right": "my_own_sign"})) == [("/g/right", [12])]


def values_of(mapping, avatar_frame):
    return dict((a, v[0]) for a, v in mapping.frame_messages(avatar_frame, OutputSettings(kind="osc")))


# --- over a real socket -------------------------------------------------------------------------


def received(receiver: socket.socket) -> list[OscMessage]:
    messages = []
    receiver.settimeout(0.5)
    while True:
        try:
            datagram = receiver.recv(65536)
        except (TimeoutError, socket.timeout):
            return messages
        receiver.settimeout(0.1)
        messages.append(OscMessage(datagram))


def test_vrchat_parameters_arrive_over_udp_as_float_and_int_messages(vrchat):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    output = OscOutput(UdpSender("127.0.0.1", receiver.getsockname()[1]))
    settings = replace(OutputSettings(kind="osc", target=f"127.0.0.1:{receiver.getsockname()[1]}"),
                       blendshapes=["v2/JawOpen", "v2/EyeLidLeft", "v2/SmileFrownLeft"])
    try:
        current = frame(0.0, {"left": "victory", "right": None}, jawOpen=0.25, eyeBlinkLeft=1.0, mouthFrownLeft=0.5)
        output.send_frame(vrchat.frame_messages(current, settings), current.t)
        output.send_events(vrchat.gesture_messages(current))
        messages = received(receiver)
    finally:
        output.close()
        receiver.close()
    tags = [m.dgram[m.dgram.index(b",", len(m.address)):].split(b"\x00")[0] for m in messages]
    assert [(m.address, m.params) for m in messages] == [
        (PREFIX + "v2/EyeLidLeft", [0.0]),
        (PREFIX + "v2/JawOpen", [0.25]),
        (PREFIX + "v2/SmileFrownLeft", [-0.5]),
        (PREFIX + "VTGestureLeft", [4]),
        (PREFIX + "VTGestureRight", [0]),
    ]
    assert tags == [b",f", b",f", b",f", b",i", b",i"]
