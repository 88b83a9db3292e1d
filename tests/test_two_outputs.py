"""Two outputs at once: VSeeFace-style VMC and VRChat OSC, each to its own real UDP receiver on
127.0.0.1, each receiving exactly what its [[outputs]] table lets through."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.vmc_capture import BONE, UdpReceiver, datagram_messages, parse_vmc_stream, run_cli

VMC_BONES = ["Head", "Neck", "LeftHand", "RightHand"]
VMC_BLENDSHAPES = ["A", "Blink_L", "Blink_R"]
VRCHAT_PARAMETERS = ["v2/JawOpen", "v2/EyeLidLeft"]
PREFIX = "/avatar/parameters/"


def _config(folder: Path, vmc: UdpReceiver, osc: UdpReceiver) -> Path:
    shutil.copytree(REPO_ROOT / "mappings", folder / "mappings")
    path = folder / "config.toml"
    path.write_text(
        f"""
[[outputs]]
name = "vseeface"
kind = "vmc"
target = "{vmc.target}"
mapping = "mappings/vseeface.toml"
bones = {VMC_BONES!r}
blendshapes = {VMC_BLENDSHAPES!r}
gestures = false

[[outputs]]
name = "vrchat"
kind = "osc"
target = "{osc.target}"
mapping = "mappings/vrchat.toml"
bones = []
blendshapes = {VRCHAT_PARAMETERS!r}
gestures = true
""".replace("'", '"')
    )
    return path


def test_vmc_and_vrchat_outputs_each_get_exactly_their_masked_content(tmp_path: Path):
    with UdpReceiver() as vmc, UdpReceiver() as osc:
        config = _config(tmp_path, vmc, osc)
        # 30 s of the demo performer covers its talking, waving and gesture segments.
        proc = run_cli("run", "--config", str(config), "--source", "demo", "--no-realtime", "--frames", "900")
        assert proc.returncode == 0, proc.stderr
        vmc_datagrams = vmc.close()
        osc_datagrams = osc.close()

    frames, extra = parse_vmc_stream(vmc_datagrams)
    assert len(frames) >= 900  # every frame, plus the closing rest frame
    assert not extra, "gesture events must not reach an output with gestures = false"
    for frame in frames:
        assert set(frame.bones) <= set(VMC_BONES)
        assert frame.blend_order == VMC_BLENDSHAPES
    assert set(frames[0].bones) == set(VMC_BONES)

    addresses = {}
    for datagram in osc_datagrams:
        for message in datagram_messages(datagram):
            assert message.address != BONE
            addresses.setdefault(message.address, []).append(message.params)
    parameters = {PREFIX + name for name in VRCHAT_PARAMETERS}
    gesture_ints = {PREFIX + "VTGestureLeft", PREFIX + "VTGestureRight"}
    assert parameters <= set(addresses), sorted(addresses)
    assert set(addresses) <= parameters | gesture_ints | {"/vtdriver/gesture"}, sorted(addresses)
    for name in parameters:
        assert all(len(p) == 1 and isinstance(p[0], float) and -1.0 <= p[0] <= 1.0 for p in addresses[name])
    assert gesture_ints & set(addresses), "gesture parameters never sent"
    for name in gesture_ints & set(addresses):
        assert all(len(p) == 1 and isinstance(p[0], int) for p in addresses[name])
    events = addresses.get("/vtdriver/gesture", [])
    assert events, "the demo's gestures produced no raw gesture event"
    assert all(len(e) == 3 and e[0] in ("left", "right", "both") and e[2] in (0, 1) for e in events)
