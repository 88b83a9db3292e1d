"""Body jitter and smoothing lag.

1. Jitter: MediaPipe Holistic on ../shared/data/video/webcam_thumbs_up.mp4 (head and shoulders),
   body solver with landmark smoothing off and on; frame-to-frame angular speed of the
   UpperChest, Neck and upper arms on the still segments (where a centred, non-causal fit of
   the raw rotations moves slower than STILL_DEG_PER_S). Target: >= 50 % reduction.
2. Lag: a synthetic arm sweeping at constant angular speed (and a body translating at constant
   velocity) through smoothing + solver; lag in frames = mean angle behind / angle per frame.
   Target: <= 0.5 frame.

    .venv/bin/python benchmarks/body_jitter.py [--video PATH] [--window 9 --polyorder 1 --lag 0]
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.signal import savgol_filter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the synthetic performer lives with the tests

from tests import body_synth as synth  # noqa: E402
from vtdriver import quat  # noqa: E402
from vtdriver.frame import CapturedFrame, Landmarks  # noqa: E402
from vtdriver.smoothing import LandmarkSmoother, SmoothingSettings  # noqa: E402
from vtdriver.solvers.body import BodySettings, BodySolver  # noqa: E402

BONES = ("UpperChest", "Neck", "LeftUpperArm", "RightUpperArm")
PARTS = ("pose", "pose_world", "left_hand", "right_hand")
# A bone is "still" on a frame when its motion, estimated by a centred 0.6 s fit of the raw
# solved directions, is below this: slow drift, not a gesture.
STILL_DEG_PER_S = 15.0


def track_video(path: Path, mediapipe_smoothing: bool) -> list[Landmarks]:
    import cv2

    from vtdriver.tracker import HolisticTracker, TrackerSettings

    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    with HolisticTracker(TrackerSettings(model_complexity=1, smooth_landmarks=mediapipe_smoothing)) as tracker:
        index = 0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            frames.append(tracker.process(CapturedFrame(image=image, t=index / fps, index=index)))
            index += 1
    capture.release()
    return frames


def solve_stream(frames: list[Landmarks], smoothing: SmoothingSettings | None, body: BodySettings):
    solver = BodySolver(body)
    smoothers = {part: LandmarkSmoother(smoothing) for part in PARTS} if smoothing else None
    out = []
    for lm in frames:
        if smoothers:
            lm = replace(lm, **{p: smoothers[p].smooth(lm.part(p), lm.t) for p in PARTS})
        out.append(solver.solve(lm))
    return out


def bone_directions(results, bone: str) -> np.ndarray:
    """(N, 3) unit directions of the bone's three axes stacked: captures swing and twist."""
    return np.array([quat.to_matrix(r.world[bone]).reshape(-1) for r in results])


def angular_speed(results, bone: str, fps: float) -> np.ndarray:
    q = np.array([r.world[bone] for r in results])
    return np.degrees(quat.angle_between(q[:-1], q[1:])) * fps


def still_mask(raw_results, bone: str, fps: float) -> np.ndarray:
    """Frames (between consecutive pairs) where the bone's underlying motion is slow."""
    m = bone_directions(raw_results, bone)
    window = max(5, int(0.6 * fps) | 1)
    trend = savgol_filter(m, window, 2, axis=0)
    trend_q = quat.from_matrix(trend.reshape(-1, 3, 3))
    speed = np.degrees(quat.angle_between(trend_q[:-1], trend_q[1:])) * fps
    return speed < STILL_DEG_PER_S


def jitter(frames, smoothing: SmoothingSettings, fps: float) -> None:
    body = BodySettings()
    tracked = [lm for lm in frames if lm.pose_world is not None]
    print(f"video: {len(frames)} frames, pose found on {len(tracked)}")
    raw = solve_stream(frames, None, body)
    smooth = solve_stream(frames, smoothing, body)
    print(f"smoothing: {smoothing}")
    print(f"{'bone':14s} {'still frames':>12s} {'raw deg/s':>10s} {'smoothed':>10s} {'reduction':>10s}")
    reductions = []
    for bone in BONES:
        mask = still_mask(raw, bone, fps)
        r, s = angular_speed(raw, bone, fps)[mask], angular_speed(smooth, bone, fps)[mask]
        reduction = 1.0 - s.mean() / r.mean() if mask.any() else float("nan")
        reductions.append(reduction)
        print(f"{bone:14s} {mask.sum():12d} {r.mean():10.2f} {s.mean():10.2f} {100 * reduction:9.1f}%")
    print(f"mean reduction on still segments: {100 * np.nanmean(reductions):.1f}% (target >= 50%)")


def lag(smoothing: SmoothingSettings, fps: float = 30.0) -> None:
    body = BodySettings(hold_seconds=0, ease_seconds=0, blend_in_seconds=0)
    deg_per_frame = 60.0 / fps  # 60 deg/s sweep, about a relaxed arm raise
    angles = -60.0 + deg_per_frame * np.arange(int(2.5 * fps))
    axis = np.array([0.0, 0.0, 1.0])
    frames = [
        synth.make_landmarks({"RightUpperArm": quat.from_axis_angle(axis, np.radians(a))}, t=i / fps)
        for i, a in enumerate(angles)
    ]
    results = solve_stream(frames, smoothing, body)
    got = np.array([np.degrees(quat.angle_between(quat.IDENTITY, r.bones["RightUpperArm"])) for r in results])
    got *= np.sign(angles + 1e-12)
    steady = slice(smoothing.window, None)
    behind = np.mean(angles[steady] - got[steady])
    print(f"arm sweep {60:.0f} deg/s at {fps:.0f} fps: lag {behind / deg_per_frame:+.3f} frames (target <= 0.5)")

    # Whole body translating at constant velocity: landmarks move on straight lines.
    base = synth.make_landmarks({"RightUpperArm": quat.from_axis_angle(axis, 0.5)})
    velocity = np.array([0.2, 0.0, 0.0, 0.0])  # image widths per second
    moving = [replace(base, pose=base.pose + velocity * i / fps, t=i / fps) for i in range(60)]
    smoother = LandmarkSmoother(smoothing)
    smoothed = [smoother.smooth(lm.pose, lm.t) for lm in moving]
    err = max(np.abs(s - lm.pose).max() for s, lm in zip(smoothed, moving))
    print(f"constant-velocity translation: max landmark error {err:.2e} (image units) -> lag {err / (0.2 / fps):.2e} frames")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=REPO.parent / "shared/data/video/webcam_thumbs_up.mp4")
    parser.add_argument("--window", type=int, default=SmoothingSettings().window)
    parser.add_argument("--polyorder", type=int, default=SmoothingSettings().polyorder)
    parser.add_argument("--lag", type=int, default=SmoothingSettings().lag_frames)
    args = parser.parse_args()
    smoothing = SmoothingSettings(window=args.window, polyorder=args.polyorder, lag_frames=args.lag)
    lag(smoothing)
    if not args.video.is_file():
        print(f"video not found: {args.video} (skipping the jitter measurement)")
        return
    # MediaPipe's own landmark filter off: our filter replaces it (the raw stream is the
    # tracker's real per-frame noise). Then with it on, for comparison.
    for mediapipe_smoothing in (False, True):
        start = time.perf_counter()
        frames = track_video(args.video, mediapipe_smoothing)
        print(f"\n=== MediaPipe smooth_landmarks={mediapipe_smoothing} (Holistic {time.perf_counter() - start:.1f} s)")
        fps = 1.0 / np.median(np.diff([lm.t for lm in frames]))
        jitter(frames, smoothing, fps)
        if not mediapipe_smoothing:
            for window, polyorder, lag_frames in ((9, 2, 0), (15, 1, 0), (9, 1, 1)):
                print()
                jitter(frames, SmoothingSettings(window=window, polyorder=polyorder, lag_frames=lag_frames), fps)


if __name__ == "__main__":
    main()
