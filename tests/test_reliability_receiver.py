"""Receiver faults through the real frame loop: nobody listening (ICMP port unreachable on
loopback), a receiver restarting mid-run, and no growth of memory while every send fails."""
from __future__ import annotations

import gc
import sys
import time

from tests.reliability_support import UdpReceiver, free_udp_port, osc_output, vmc_frames, vmc_output, write_config
from vtdriver.config.loader import load_config
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.runner import RunBounds, Runner
from vtdriver.sources import SourceSettings, open_source
from vtdriver.timing import StageTimer

FAST = SourceSettings(realtime=False)


class Hooked:
    """Wraps a source and calls ``hooks[n]()`` just before handing out item ``n``."""

    def __init__(self, inner, hooks):
        self._inner = inner
        self._hooks = hooks
        self.image_size, self.fps, self.realtime = inner.image_size, inner.fps, inner.realtime
        self.stats = inner.stats

    def __iter__(self):
        for position, item in enumerate(self._inner):
            hook = self._hooks.get(position)
            if hook is not None:
                hook()
            yield item

    def close(self):
        self._inner.close()


def _run(config, source, frames):
    outputs = OutputSet.from_config(config)
    runner = Runner(source, AvatarPipeline(config), outputs, bounds=RunBounds(frames=frames), log=lambda line: None)
    try:
        counters = runner.run()
    finally:
        outputs.close()
    return counters, outputs


def test_nobody_listening_never_crashes_and_keeps_sending(tmp_path):
    vmc_port, osc_port = free_udp_port(), free_udp_port()
    config = load_config(write_config(tmp_path, [vmc_output(f"127.0.0.1:{vmc_port}"),
                                                 osc_output(f"127.0.0.1:{osc_port}")]))
    counters, outputs = _run(config, open_source("demo", FAST), 60)
    assert counters.frames_in == counters.frames_out == 60
    stats = outputs.stats()
    for label in ("vmc", "osc"):
        # Linux reports the ICMP port-unreachable of one datagram as ECONNREFUSED on the next
        # send of a connected socket: sends alternate between accepted and refused, and every
        # one is accounted for.
        assert stats[label]["send_errors"] > 0
        assert stats[label]["datagrams_sent"] > 0
        assert "ConnectionRefusedError" in stats[label]["last_error"]
    vmc = stats["vmc"]
    assert vmc["frames_sent"] == 61  # every frame plus the final rest frame was attempted


def _wait_for_frames(receiver, count, timeout=10.0):
    """Frames decoded once the receiver thread has caught up with ``count`` (or timed out)."""
    deadline = time.monotonic() + timeout
    while len(frames := vmc_frames(receiver.datagrams())) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return frames


def test_receiver_restarting_mid_run_gets_the_stream_back(tmp_path):
    receiver = UdpReceiver()
    config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
    received_before_restart = []

    def stop_receiver():
        # Frames 0..29 were sent; let the receiver thread take them all before it "crashes".
        received_before_restart.append(len(_wait_for_frames(receiver, 30)))
        receiver.close()

    source = Hooked(open_source("demo", FAST), {30: stop_receiver, 60: receiver.reopen})
    try:
        counters, outputs = _run(config, source, 100)
        assert counters.frames_out == 100
        before = received_before_restart[0]
        assert before == 30
        # Frames 60..99 plus the rest frame reach the restarted receiver; 30..59 went nowhere.
        frames = _wait_for_frames(receiver, before + 41)
        assert len(frames) - before == 41, (before, len(frames))
        assert frames[-1].tracking == 0  # the final rest frame arrived too
        stats = outputs.stats()["vmc"]
        assert stats["send_errors"] > 0  # the gap was noticed and counted
        assert stats["frames_sent"] == 101  # and sending never stopped
    finally:
        receiver.close()


def test_failing_sends_do_not_grow_memory(tmp_path):
    """Every send refused for thousands of frames: the outputs queue and accumulate nothing.
    Frames are solved once up front, so only the output path is measured."""
    config = load_config(write_config(tmp_path, [vmc_output(f"127.0.0.1:{free_udp_port()}"),
                                                 osc_output(f"127.0.0.1:{free_udp_port()}")]))
    pipeline = AvatarPipeline(config)
    timer = StageTimer()
    demo = iter(open_source("demo", FAST))
    results = [pipeline.process(next(demo), timer) for _ in range(30)]
    outputs = OutputSet.from_config(config)
    # Warm-up past CPython's per-size tuple free lists (2000 each), whose blocks count as
    # allocated: after that, any growth in allocated blocks is something really kept.
    warmup, total = 2100, 2700
    try:
        for n in range(total):
            if n == warmup:
                gc.collect()
                before = sys.getallocatedblocks()
            outputs.send(results[n % len(results)])
        gc.collect()
        after = sys.getallocatedblocks()
    finally:
        outputs.close()
    sent, errors = outputs.totals()
    assert errors > 1000 and sent > 1000
    # Keeping anything per frame would be hundreds of blocks over 600 frames.
    assert after - before < 200, f"{after - before} more allocated blocks after {total - warmup} frames"
