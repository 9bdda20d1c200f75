from __future__ import annotations

from pathlib import Path

import pytest

from portal.store import FileStore, InMemoryStore, Store


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Every implementation must keep the same contract, so services can swap them."""
    if request.param == "file":
        return FileStore(tmp_path / "blobs")
    return InMemoryStore()


@pytest.fixture
def file_store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "blobs")
