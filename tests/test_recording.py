"""The public JSON Lines recording format: exact round trip, damage handling, errors."""
import json

import numpy as np
import pytest

from vtdriver.frame import PART_NAMES, PART_SHAPES, Landmarks
from vtdriver.recording import RecordingError, RecordingReader, RecordingWriter, read_recording
from vtdriver.sources import SourceError, SourceSettings, open_source


def _random_landmarks(count, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        parts = {}
        for name in PART_NAMES:
            if rng.random() < 0.2:
                continue  # part not tracked this frame
            values = rng.normal(size=PART_SHAPES[name])
            # awkward floats: float32-widened values like MediaPipe's, tiny, huge and negative zero
            values[0, 0] = float(np.float32(rng.random()))
            values[1, 0] = 5e-324
            values[2, 0] = -0.0
            values[3, 0] = 1.7976931348623157e308
            parts[name] = values
        frames.append(Landmarks(t=i / 30 + 1e-12 * i, image_size=(1280, 720), index=i, **parts))
    return frames


def _write(path, frames, fps=30.0, source="test"):
    with RecordingWriter(path, (1280, 720), fps, source) as writer:
        for frame in frames:
            writer.write(frame)
    return writer


def test_round_trip_is_bit_exact(tmp_path):
    frames = _random_landmarks(40)
    path = tmp_path / "session.jsonl"
    _write(path, frames)
    header, back, stats = read_recording(path)
    assert header.image_size == (1280, 720) and header.fps == 30.0 and header.source == "test"
    assert stats.frames == 40 and stats.bad_lines == 0 and stats.bad_parts == 0
    for original, copy in zip(frames, back, strict=True):
        assert copy.t == original.t and copy.image_size == (1280, 720)
        for name in PART_NAMES:
            a, b = original.part(name), copy.part(name)
            assert (a is None) == (b is None)
            if a is not None:
                assert b.dtype == np.float64 and b.shape == PART_SHAPES[name]
                assert a.tobytes() == b.tobytes()  # bit for bit, signed zero included


def test_file_layout_matches_the_documented_format(tmp_path):
    frame = _random_landmarks(1, seed=3)[0]
    path = tmp_path / "one.jsonl"
    _write(path, [frame], fps=25, source="camera:0")
    header_line, frame_line = path.read_text().splitlines()
    assert json.loads(header_line) == {"vtdriver_recording": 1, "image_size": [1280, 720], "fps": 25.0,
                                       "source": "camera:0"}
    data = json.loads(frame_line)
    assert set(data) == {"t", *PART_NAMES}
    for name in PART_NAMES:
        assert data[name] is None or np.array(data[name]).shape == PART_SHAPES[name]


def test_damaged_lines_are_skipped_or_nulled_and_counted(tmp_path):
    frames = _random_landmarks(3, seed=1)
    full = Landmarks(t=9.0, image_size=(1280, 720), pose=np.zeros((33, 4)), face=np.zeros((478, 3)))
    path = tmp_path / "damaged.jsonl"
    _write(path, frames + [full])
    lines = path.read_text().splitlines()
    good = json.loads(lines[-1])
    nan_face = dict(good, face=[[float("nan"), 0, 0]] + good["face"][1:])
    short_pose = dict(good, pose=good["pose"][:-1])
    ragged = dict(good, pose=[[1, 2, 3]] + good["pose"][1:])
    words = dict(good, pose=[["a", "b", "c", "d"]] * 33)
    lines[2:2] = [
        "{not json",
        "",
        json.dumps({"pose": None}),  # no t
        json.dumps(dict(good, t=float("inf"))),  # Python's json writes Infinity
        "[1, 2, 3]",
        json.dumps(nan_face),
        json.dumps(short_pose),
        json.dumps(ragged),
        json.dumps(words),
    ]
    path.write_text("\n".join(lines) + "\n")
    _, back, stats = read_recording(path)
    assert stats.bad_lines == 5 and stats.bad_parts == 4
    assert len(back) == 3 + 4 + 1
    nan_frame, short_frame = back[1], back[2]
    assert nan_frame.face is None and nan_frame.pose is not None
    assert short_frame.pose is None and short_frame.face is not None
    for frame in back:
        for name in frame.tracked_parts():
            assert np.isfinite(frame.part(name)).all()


def test_writer_nulls_non_finite_parts_so_files_stay_strict_json(tmp_path):
    bad = Landmarks(t=0.0, image_size=(10, 10), left_hand=np.full((21, 3), np.nan),
                    right_hand=np.zeros((21, 3)), pose=np.zeros((5, 4)))
    path = tmp_path / "strict.jsonl"
    writer = _write(path, [bad])
    assert writer.bad_parts == 2 and writer.frames == 1
    data = json.loads(path.read_text().splitlines()[1])
    assert data["left_hand"] is None and data["pose"] is None and data["right_hand"] is not None


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("", ":1: empty file"),
        ("hello\n", ":1: not a vtdriver recording (header is not JSON)"),
        ('{"a": 1}\n', ':1: not a vtdriver recording (no "vtdriver_recording" header)'),
        ('{"vtdriver_recording": 2, "image_size": [1, 1], "fps": 30}\n', "unsupported recording version 2"),
        ('{"vtdriver_recording": 1, "image_size": [640], "fps": 30}\n', '"image_size" must be'),
        ('{"vtdriver_recording": 1, "image_size": [640, 0], "fps": 30}\n', '"image_size" must be'),
        ('{"vtdriver_recording": 1, "image_size": [640, 480], "fps": -1}\n', '"fps" must be'),
        ('{"vtdriver_recording": 1, "image_size": [640, 480], "fps": 30, "source": 3}\n', '"source" must be'),
    ],
)
def test_bad_headers_name_file_and_line(tmp_path, content, fragment):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError) as error:
        RecordingReader(path)
    message = str(error.value)
    assert message.startswith(str(path)) and fragment in message and "\n" not in message
    with pytest.raises(SourceError, match="bad.jsonl"):
        open_source(f"replay:{path}")


def test_replay_source_yields_landmarks_with_recorded_times(tmp_path):
    frames = _random_landmarks(10, seed=2)
    path = tmp_path / "r.jsonl"
    _write(path, frames, fps=30.0, source="video:clip.mp4")
    source = open_source(f"replay:{path}", SourceSettings(realtime=False))
    assert source.provides_landmarks and source.image_size == (1280, 720) and source.fps == 30.0
    back = list(source)
    source.close()
    assert [f.t for f in back] == [f.t for f in frames]
    assert [f.index for f in back] == list(range(10))
    assert source.stats.frames == 10 and source.stats.status == "ended"
