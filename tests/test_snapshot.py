"""`vtdriver snapshot IMAGE... --json OUT.json --annotate OUT.png` on real photos (issue 2, and
issue 8's gestures per image): the documented keypoint schema for every image, skeleton PNGs,
and the gesture of a photographed hand reported on the subject's own side."""
from __future__ import annotations

import json
import math
import tomllib

import cv2
import numpy as np
import pytest

from tests.conftest import REPO_ROOT, shared_path
from tests.vmc_capture import run_cli
from vtdriver import humanoid
from vtdriver.mapping import INTERNAL_NAMES

PART_SHAPES = {"pose": (33, 4), "pose_world": (33, 4), "face": (478, 3), "left_hand": (21, 3), "right_hand": (21, 3)}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A HaGRID photo of a raised right hand showing four fingers (gestures/LABELS.md): the right
# hand sits on its pose wrist in the picture but 0.7 image widths apart in MediaPipe's depth.
FOUR_PHOTO = "gestures/four/077fa4bf-a99e-496b-b895-709afc614eec.jpg"


def _gesture_names() -> set[str]:
    with open(REPO_ROOT / "mappings" / "gestures.toml", "rb") as handle:
        return set(tomllib.load(handle)["gestures"])


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    images = [shared_path("images/portrait.jpg"), shared_path("images/pose.jpg"), shared_path(FOUR_PHOTO)]
    out = tmp_path_factory.mktemp("snapshot")
    result = run_cli("snapshot", *map(str, images), "--json", str(out / "out.json"),
                     "--annotate", str(out / "out.png"))
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "out.json").read_text())
    return images, out, document


def _check_part(name: str, value) -> None:
    if value is None:
        return
    array = np.array(value, dtype=float)
    assert array.shape == PART_SHAPES[name], name
    assert np.isfinite(array).all(), name
    if array.shape[1] == 4:
        assert ((array[:, 3] >= 0) & (array[:, 3] <= 1)).all(), f"{name} visibility"


def test_every_image_gets_the_documented_schema(snapshot):
    images, _, document = snapshot
    assert document["vtdriver_snapshot"] == 1
    records = document["images"]
    assert [r["image"] for r in records] == [str(p) for p in images]
    gestures = _gesture_names()
    for path, record in zip(images, records):
        height, width = cv2.imread(str(path)).shape[:2]
        assert record["image_size"] == [width, height]
        for part in PART_SHAPES:
            assert part in record, part  # present even when null
            _check_part(part, record[part])
        assert record["bones"], path
        for name, q in record["bones"].items():
            assert name in humanoid.BONE_NAMES, name
            assert len(q) == 4 and all(math.isfinite(v) for v in q)
            assert math.isclose(sum(v * v for v in q), 1.0, abs_tol=1e-6), name
        assert set(record["blendshapes"]) == INTERNAL_NAMES
        assert all(0.0 <= w <= 1.0 for w in record["blendshapes"].values())
        assert set(record["gestures"]) == {"left", "right"}
        for side, gesture in record["gestures"].items():
            assert gesture is None or gesture in gestures, (side, gesture)
            if gesture is not None:
                assert record[f"{side}_hand"] is not None or record[f"{'right' if side == 'left' else 'left'}_hand"] is not None


def test_what_holistic_finds_on_the_photos(snapshot):
    _, _, document = snapshot
    portrait, pose, _ = document["images"]
    # Portrait: a face and an upper body; the face drives expressions and the head.
    assert portrait["face"] is not None and portrait["pose"] is not None
    assert {"Head", "Neck", "LeftEye", "RightEye"} <= set(portrait["bones"])
    # Warrior II: full body with both hands spread; the finger bones are solved.
    assert pose["pose_world"] is not None and pose["left_hand"] is not None and pose["right_hand"] is not None
    assert {"LeftUpperArm", "RightLowerArm", "LeftIndexProximal", "RightThumbDistal"} <= set(pose["bones"])
    assert pose["gestures"] == {"left": None, "right": None}  # relaxed, spread hands


def test_a_photographed_gesture_is_reported_on_the_subject_side(snapshot):
    _, _, document = snapshot
    four = document["images"][2]
    assert four["right_hand"] is not None  # Holistic's own label, the raised right hand
    assert four["gestures"] == {"left": None, "right": "four"}


def test_annotated_pngs_show_the_landmarks(snapshot):
    images, out, _ = snapshot
    for path in images:
        annotated_path = out / f"out_{path.stem}.png"  # several images: one PNG per image
        assert annotated_path.read_bytes()[:8] == PNG_MAGIC
        annotated, original = cv2.imread(str(annotated_path)), cv2.imread(str(path))
        assert annotated.shape == original.shape
        changed = np.any(np.abs(annotated.astype(int) - original.astype(int)) > 40, axis=2)
        assert changed.mean() > 0.001, path  # the drawing is there, not a copy of the photo


def test_a_single_image_writes_exactly_the_named_png_and_the_same_record(snapshot, tmp_path):
    images, _, document = snapshot
    result = run_cli("snapshot", str(images[0]), "--json", str(tmp_path / "one.json"),
                     "--annotate", str(tmp_path / "one.png"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "one.png").read_bytes()[:8] == PNG_MAGIC
    single = json.loads((tmp_path / "one.json").read_text())["images"]
    # Static-image mode: an image's result does not depend on the images before it.
    assert single == [document["images"][0]]
