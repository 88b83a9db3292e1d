"""Shared test fixtures. Real data lives outside the repository in ../shared/data; tests that
need it skip with a clear reason when it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_path(relative: str) -> Path:
    """Path to a file in ../shared/data, or skip the calling test when it is not there."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{relative} (shared test data absent in this checkout)")
    return path


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("needs ../shared/data (shared test data absent in this checkout)")
    return SHARED_DATA
