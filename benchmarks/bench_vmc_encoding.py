"""Per-frame VMC encoding time: vtdriver's templated encoder vs python-osc's builders, measured
in the same run on the same frame (55 bones + 62 blendshapes, root, OK, T).

    python benchmarks/bench_vmc_encoding.py
"""
from __future__ import annotations

import timeit

import numpy as np
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from vtdriver import humanoid, quat
from vtdriver.frame import AvatarFrame
from vtdriver.outputs.udp import UdpSender
from vtdriver.outputs.vmc import VmcOutput
from vtdriver.outputs.vmc_wire import DEFAULT_MAX_DATAGRAM_BYTES, VmcFrameEncoder

N_BLENDSHAPES = 62
OK_ARGS = (1, 3, 0, 1)


def make_inputs(rng: np.random.Generator):
    rotations = quat.normalize(rng.normal(size=(len(humanoid.BONE_NAMES), 4)))
    bones = [(name, humanoid.REST_OFFSET[name], rotations[i]) for i, name in enumerate(humanoid.BONE_NAMES)]
    blendshapes = [(f"shape{i:02d}", float(rng.random())) for i in range(N_BLENDSHAPES)]
    root = (np.array([0.1, 0.0, -0.2]), np.array([0.0, 0.0, 0.0, 1.0]))
    return bones, blendshapes, root


def pythonosc_frame(bones, blendshapes, root, t: float) -> list[bytes]:
    """The same frame with python-osc builders, greedily packed into the same bundle size."""
    def message(address, *args):
        builder = OscMessageBuilder(address)
        for value in args:
            builder.add_arg(value)
        return builder.build()

    messages = [message("/VMC/Ext/Root/Pos", "root", *map(float, root[0]), *map(float, root[1]))]
    for name, position, rotation in bones:
        messages.append(message("/VMC/Ext/Bone/Pos", name, *map(float, position), *map(float, rotation)))
    for name, value in blendshapes:
        messages.append(message("/VMC/Ext/Blend/Val", name, float(value)))
    messages += [message("/VMC/Ext/Blend/Apply"), message("/VMC/Ext/OK", *OK_ARGS), message("/VMC/Ext/T", t)]
    datagrams, builder, used = [], OscBundleBuilder(IMMEDIATELY), 16
    for item in messages:
        if used + 4 + item.size > DEFAULT_MAX_DATAGRAM_BYTES:
            datagrams.append(builder.build().dgram)
            builder, used = OscBundleBuilder(IMMEDIATELY), 16
        builder.add_content(item)
        used += 4 + item.size
    datagrams.append(builder.build().dgram)
    return datagrams


def per_call_us(function, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def measure() -> dict:
    """python-osc's time per frame, ours per entry point, frame size and byte identity."""
    rng = np.random.default_rng(0)
    bones, blendshapes, root = make_inputs(rng)
    encoder = VmcFrameEncoder()
    names = tuple(b[0] for b in bones)
    positions = np.array([b[1] for b in bones])
    rotations = np.array([b[2] for b in bones])
    blend_names = tuple(n for n, _ in blendshapes)
    blend_values = np.array([v for _, v in blendshapes])
    frame = AvatarFrame(
        t=1.0, bones={b[0]: b[2] for b in bones}, root_position=root[0], tracking={"pose": True}
    )
    output = VmcOutput(UdpSender("127.0.0.1", 9))  # only .encode is timed: nothing is sent

    ours = b"".join(encoder.encode(bones, blendshapes, OK_ARGS, 1.0, root))
    theirs = b"".join(pythonosc_frame(bones, blendshapes, root, 1.0))
    reference = per_call_us(lambda: pythonosc_frame(bones, blendshapes, root, 1.0), 200)
    timings = {
        "VmcFrameEncoder.encode (list input)": per_call_us(
            lambda: encoder.encode(bones, blendshapes, OK_ARGS, 1.0, root), 3000),
        "VmcFrameEncoder.encode_arrays": per_call_us(
            lambda: encoder.encode_arrays(names, positions, rotations, blend_names, blend_values, OK_ARGS, 1.0,
                                          root[0], root[1]), 3000),
        "VmcOutput.encode (AvatarFrame)": per_call_us(lambda: output.encode(frame, blendshapes), 3000),
    }
    output.close()
    return {"bones": len(bones), "blendshapes": len(blendshapes), "bytes": len(ours),
            "identical": ours == theirs, "pythonosc_us": reference, "ours_us": timings}


def main() -> None:
    result = measure()
    print(f"frame: {result['bones']} bones, {result['blendshapes']} blendshapes, {result['bytes']} bytes;"
          f" identical to python-osc: {result['identical']}")
    reference = result["pythonosc_us"]
    print(f"{'python-osc builders':40s} {reference:9.1f} us/frame")
    for label, microseconds in result["ours_us"].items():
        print(f"{label:40s} {microseconds:9.1f} us/frame   {reference / microseconds:6.1f}x faster")


if __name__ == "__main__":
    main()
