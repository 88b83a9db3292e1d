"""``vtdriver snapshot IMAGE... --json OUT.json [--annotate OUT.png]``: one photo through the
whole pipeline, written as keypoint JSON and, optionally, as the photo with the skeleton drawn.

Gestures are reported as classified on the photo itself: a single image has no time for the
enter delay of the live event stream to pass."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from vtdriver.commands.common import add_config_argument, load_config_from_args
from vtdriver.errors import UserError
from vtdriver.frame import PART_NAMES, CapturedFrame, Landmarks

SNAPSHOT_VERSION = 1


class SnapshotError(UserError):
    pass


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("snapshot", help="run photos through the pipeline; write keypoint JSON and a skeleton picture")
    add_config_argument(parser)
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--json", type=Path, required=True, metavar="OUT.json", help="keypoints, bones, blendshapes, gestures")
    parser.add_argument("--annotate", type=Path, metavar="OUT.png", help="draw the landmarks over the image")
    parser.set_defaults(handler=run)


def _annotation_path(base: Path, image: Path, count: int) -> Path:
    return base if count == 1 else base.with_name(f"{base.stem}_{image.stem}{base.suffix or '.png'}")


def _as_list(array: np.ndarray | None):
    return None if array is None else np.asarray(array, dtype=float).tolist()


def snapshot_record(image_path: Path, lm: Landmarks, result) -> dict:
    frame = result.frame
    record = {"image": str(image_path), "image_size": list(lm.image_size)}
    # The parts as the solvers saw them, so the hands agree with the gestures after the
    # handedness check.
    seen = result.landmarks if result.landmarks is not None else lm
    record.update({part: _as_list(seen.part(part)) for part in PART_NAMES})
    record["bones"] = {name: [float(v) for v in q] for name, q in frame.bones.items()}
    record["blendshapes"] = {name: float(w) for name, w in sorted(frame.blendshapes.items())}
    record["gestures"] = {"left": result.observed_gestures.get("left"), "right": result.observed_gestures.get("right")}
    return record


def _read_image(path: Path) -> np.ndarray:
    import cv2  # noqa: PLC0415

    if not path.is_file():
        raise SnapshotError(f"{path}: image not found")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise SnapshotError(f"{path}: not an image OpenCV can read")
    return image


def run(args: argparse.Namespace) -> int:
    import cv2  # noqa: PLC0415

    from vtdriver.pipeline import AvatarPipeline  # noqa: PLC0415
    from vtdriver.preview.draw import draw_landmarks  # noqa: PLC0415
    from vtdriver.tracker import HolisticTracker  # noqa: PLC0415
    from vtdriver.timing import StageTimer  # noqa: PLC0415

    config = load_config_from_args(args)
    for target in (args.json, args.annotate):
        if target is not None and not target.parent.resolve().is_dir():
            raise SnapshotError(f"{target}: folder {target.parent} does not exist")
    images = [(path, _read_image(path)) for path in args.images]
    settings = config.tracker.__class__(**{**vars(config.tracker), "static_image_mode": True})
    records = []
    tracker = HolisticTracker(settings)
    try:
        for path, image in images:
            lm = tracker.process(CapturedFrame(image=image, t=0.0, index=0))
            result = AvatarPipeline(config).process(lm, StageTimer())
            records.append(snapshot_record(path, lm, result))
            if args.annotate is not None:
                out = _annotation_path(args.annotate, path, len(images))
                if not cv2.imwrite(str(out), draw_landmarks(image, lm)):
                    raise SnapshotError(f"{out}: could not write the annotated image")
    finally:
        tracker.close()
    document = {"vtdriver_snapshot": SNAPSHOT_VERSION, "images": records}
    args.json.write_text(json.dumps(document, indent=1) + "\n")
    return 0
