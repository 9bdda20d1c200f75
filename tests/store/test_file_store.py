"""`FileStore` on a real directory: layout, permissions, atomicity, no escape."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.store import BlobNotFound, FileStore, StoreError, new_blob_key

KEY = "f3a9c1d27be04e55a0c4d6b8e1f20a97"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    # The most permissive umask a misconfigured service could run with.
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_blobs_are_sharded_by_key_prefix(file_store: FileStore) -> None:
    file_store.put(KEY, b"sealed")
    assert (file_store.root / "f3" / KEY).read_bytes() == b"sealed"


@pytest.mark.usefixtures("loose_umask")
def test_files_are_0600_and_directories_0700(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "blobs")
    store.put(KEY, b"sealed")
    assert mode(store.root) == 0o700
    assert mode(store.root / "f3") == 0o700
    assert mode(store.root / "f3" / KEY) == 0o600


def test_an_existing_root_is_left_as_the_administrator_made_it(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir(mode=0o750)
    os.chmod(root, 0o750)
    FileStore(root).put(KEY, b"x")
    assert mode(root) == 0o750
    assert mode(root / "f3") == 0o700


def test_put_leaves_no_temporary_files(file_store: FileStore) -> None:
    for n in range(5):
        file_store.put(KEY, bytes([n]) * 1000)
    assert os.listdir(file_store.root / "f3") == [KEY]


def test_failed_write_keeps_the_old_blob_and_cleans_up(
    file_store: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_store.put(KEY, b"old complete blob")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        file_store.put(KEY, b"new blob that never made it")
    monkeypatch.undo()

    assert file_store.get(KEY) == b"old complete blob"
    assert os.listdir(file_store.root / "f3") == [KEY]


def test_readers_never_see_half_a_blob(file_store: FileStore) -> None:
    versions = [bytes([n]) * 300_000 for n in range(1, 6)]
    file_store.put(KEY, versions[0])
    seen: list[bytes] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(file_store.get(KEY))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=file_store.put, args=(KEY, data)) for data in versions * 4]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    stop.set()
    reader.join()

    assert seen
    assert all(blob in versions for blob in seen)
    assert file_store.get(KEY) in versions


def test_delete_unlinks_the_file(file_store: FileStore) -> None:
    file_store.put(KEY, b"x")
    file_store.delete(KEY)
    assert not (file_store.root / "f3" / KEY).exists()
    with pytest.raises(BlobNotFound):
        file_store.get(KEY)


def test_a_symlink_planted_as_a_blob_is_not_followed(file_store: FileStore, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_bytes(b"not a blob")
    (file_store.root / "f3").mkdir()
    os.symlink(secret, file_store.root / "f3" / KEY)

    with pytest.raises(StoreError):
        file_store.get(KEY)
    assert not file_store.exists(KEY)


def test_stores_share_blobs_through_the_directory(tmp_path: Path) -> None:
    # Several gunicorn workers and rq workers each build their own FileStore on the same root.
    first, second = FileStore(tmp_path / "blobs"), FileStore(tmp_path / "blobs")
    first.put(KEY, b"sealed")
    assert second.get(KEY) == b"sealed"


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.from_regex(r"[a-z0-9][a-z0-9_-]{15,40}", fullmatch=True))
def test_every_valid_key_stays_inside_the_root(file_store: FileStore, key: str) -> None:
    file_store.put(key, b"x")
    path = (file_store.root / key[:2] / key).resolve()
    assert path.is_relative_to(file_store.root.resolve())
    assert file_store.get(key) == b"x"


def test_new_blob_key_works_with_the_file_store(file_store: FileStore) -> None:
    key = new_blob_key()
    file_store.put(key, b"x")
    assert file_store.exists(key)
