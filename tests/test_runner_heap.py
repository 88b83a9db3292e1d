"""The runner settles the heap once the first frame is through: what is alive then (MediaPipe's
graphs, caches, pipeline state) moves to the collector's permanent generation, so the cyclic
collector stops re-walking it while frames stream."""
from __future__ import annotations

import gc

import pytest

from tests.reliability_support import UdpReceiver, vmc_frames, vmc_output, write_config
from vtdriver.config.loader import load_config
from vtdriver.outputs.dispatch import OutputSet
from vtdriver.pipeline import AvatarPipeline
from vtdriver.runner import RunBounds, Runner
from vtdriver.sources import SourceSettings, open_source


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_heap_is_frozen_after_the_first_frame_and_streaming_continues(tmp_path, unfrozen):
    with UdpReceiver() as receiver:
        config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
        outputs = OutputSet.from_config(config)
        frozen_at: list[int] = []

        def on_result(item, lm, result, latency_ms) -> None:
            frozen_at.append(gc.get_freeze_count())

        source = open_source("demo", SourceSettings(realtime=False))
        runner = Runner(source, AvatarPipeline(config), outputs, log=lambda line: None,
                        bounds=RunBounds(frames=5), on_result=on_result)
        try:
            counters = runner.run()
        finally:
            outputs.close()
        assert counters.frames_out == 5
        # on_result of frame 1 runs before the runner settles the heap; from frame 2 on it is.
        assert frozen_at[0] == 0 and min(frozen_at[1:]) > 1000
        receiver.wait_for(20)
        assert len(vmc_frames(receiver.datagrams())) >= 5


def test_tracked_counters_are_the_last_frames_flags_in_part_order(tmp_path, unfrozen):
    """counters.tracked is made from the last sent frame's flags when read (status line, end
    of run), in the fixed order --stats-json writes, mirror mode included."""
    with UdpReceiver() as receiver:
        config = load_config(write_config(tmp_path, [vmc_output(receiver.target)]))
        outputs = OutputSet.from_config(config)
        pipeline = AvatarPipeline(config)
        pipeline.set_mirror(True)  # the frame's tracking dict then has its hands swapped in order
        last: list[dict] = []
        source = open_source("demo", SourceSettings(realtime=False))
        runner = Runner(source, pipeline, outputs, log=lambda line: None, bounds=RunBounds(frames=3),
                        on_result=lambda item, lm, result, latency_ms: last.append(result.frame.tracking))
        try:
            counters = runner.run()
        finally:
            outputs.close()
        parts = ("pose", "face", "left_hand", "right_hand")
        assert list(counters.tracked) == list(parts)
        assert counters.tracked == {part: last[-1][part] for part in parts}
