"""Readers for the protobuf text files in ../shared/data/golden (MediaPipe test data).

Only the few message shapes the tests need are understood; a tiny regex reader is enough and
avoids depending on MediaPipe's generated protobuf classes."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

_BLOCK = re.compile(r"(\w+)\s*\{([^{}]*)\}", re.S)
_FIELD = re.compile(r"(\w+)\s*:\s*(\"[^\"]*\"|[-+0-9.eE]+)")


def _blocks(text: str, name: str) -> list[dict[str, str]]:
    """The flat (innermost) blocks called ``name``, each as a field -> raw value dict."""
    out = []
    for block_name, body in _BLOCK.findall(text):
        if block_name == name:
            out.append({key: value.strip('"') for key, value in _FIELD.findall(body)})
    return out


def read_landmarks(path: Path | str) -> np.ndarray:
    """All ``landmark { x y z }`` blocks of a file as an (N, 3) float array, in file order."""
    blocks = _blocks(Path(path).read_text(), "landmark")
    return np.array([[float(b.get(k, 0.0)) for k in ("x", "y", "z")] for b in blocks], dtype=float)


def read_classifications(path: Path | str) -> dict[str, float]:
    """``classification { score label }`` blocks as label -> score."""
    blocks = _blocks(Path(path).read_text(), "classification")
    return {b["label"]: float(b["score"]) for b in blocks if "label" in b}


def read_matrix(path: Path | str, name: str = "pose_transform_matrix") -> np.ndarray:
    """A MediaPipe ``MatrixData`` block as a 2-D array. MatrixData's layout defaults to column
    major (matrix_data.proto), which is how the face-geometry files store it."""
    text = Path(path).read_text()
    match = re.search(name + r"\s*\{([^{}]*)\}", text, re.S)
    if match is None:
        raise ValueError(f"{path}: no {name} block")
    body = match.group(1)
    rows = int(re.search(r"rows:\s*(\d+)", body).group(1))
    cols = int(re.search(r"cols:\s*(\d+)", body).group(1))
    data = np.array([float(v) for v in re.findall(r"packed_data:\s*([-+0-9.eE]+)", body)])
    row_major = re.search(r"layout:\s*ROW_MAJOR", body) is not None
    return data.reshape(rows, cols) if row_major else data.reshape(cols, rows).T
