"""Which landmark parts the pipeline smooths: every part a solver reads, and the image-space
pose only while root motion (its one reader) is on."""
from dataclasses import replace

import numpy as np

from tests.reliability_support import vmc_output, write_config
from vtdriver.config.loader import load_config
from vtdriver.pipeline import AvatarPipeline
from vtdriver.sources.demo import DemoScene
from vtdriver.timing import StageTimer


def _noisy_frames(count: int):
    scene = DemoScene(seed=0)
    rng = np.random.default_rng(1)
    frames = []
    for i in range(count):
        lm = scene.landmarks(i / 30.0, index=i)
        noise = {part: lm.part(part) + rng.normal(0.0, 0.01, lm.part(part).shape) * np.array([1, 1, 1, 0])
                 for part in ("pose", "pose_world")}
        frames.append(lm.with_parts(noise))
    return frames


def _config(tmp_path, root_motion: bool):
    folder = tmp_path / ("root" if root_motion else "plain")
    folder.mkdir()
    return load_config(write_config(folder, [vmc_output("127.0.0.1:39539")], f"[body]\nroot_motion = {'true' if root_motion else 'false'}\n"))


def _run(pipeline, frames):
    timer = StageTimer()
    return [pipeline.process(lm, timer) for lm in frames]


def test_image_pose_is_smoothed_only_with_root_motion(tmp_path):
    frames = _noisy_frames(20)
    plain = _run(AvatarPipeline(_config(tmp_path, False)), frames)
    rooted = _run(AvatarPipeline(_config(tmp_path, True)), frames)
    last = frames[-1]
    assert plain[-1].landmarks.pose is last.pose  # nobody reads it: passed through as given
    assert not np.array_equal(rooted[-1].landmarks.pose[:, :3], last.pose[:, :3])
    assert np.array_equal(rooted[-1].landmarks.pose[:, 3], last.pose[:, 3])
    for outputs in (plain, rooted):  # the body's own input is smoothed either way
        assert not np.array_equal(outputs[-1].landmarks.pose_world[:, :3], last.pose_world[:, :3])
    assert plain[-1].frame.root_position is None and rooted[-1].frame.root_position is not None
    # The body bones do not depend on the image-space pose.
    for name, rotation in plain[-1].frame.bones.items():
        assert np.allclose(rotation, rooted[-1].frame.bones[name], atol=1e-12), name


def _with_root_motion(config):
    sections = dict(config.sections, body=replace(config.body, root_motion=True))
    return replace(config, sections=sections)


def test_turning_root_motion_on_keeps_the_other_filters(tmp_path):
    frames = _noisy_frames(30)
    pipeline = AvatarPipeline(_config(tmp_path, False))
    reference = AvatarPipeline(_config(tmp_path, True))
    _run(pipeline, frames[:20])
    _run(reference, frames[:20])
    pipeline.apply_config(_with_root_motion(pipeline._config))
    got = _run(pipeline, frames[20:])
    want = _run(reference, frames[20:])
    # pose_world kept its history: the same smoothed values as a pipeline that had root motion
    # on all along; the newly smoothed pose starts fresh, so it only matches once its window
    # (9 frames) has refilled (to rounding: its fit weights come from other sample times).
    for a, b in zip(got, want):
        assert np.array_equal(a.landmarks.pose_world, b.landmarks.pose_world)
    assert not np.array_equal(got[0].landmarks.pose, want[0].landmarks.pose)
    assert np.allclose(got[-1].landmarks.pose, want[-1].landmarks.pose, rtol=0.0, atol=1e-12)

