"""Sealed blobs as files under one directory (local disk or a shared filesystem).

Layout: `<root>/<first two characters of the key>/<key>`, so no directory grows past a few
thousand entries. Files are 0600 and directories 0700: the blobs are ciphertext, but their count,
sizes and times are still information that other accounts on the machine have no need for.

Blob times: `put(..., day=)` sets mtime and atime to that day's midnight (UTC); callers write
blobs on the job tick (`portal/blobs`), so the ctime says the tick, not a reporter's second.

Writes are atomic: the data goes to a temporary file in the blob's own directory, is flushed to
disk, then renamed over the final name, and the directory is flushed so the rename survives a power
cut. A reader, or a crash, sees the old blob or the new one, never half of one; a crash can leave a
`.tmp-*` file behind (sealed bytes only), which any later sweep may remove.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from portal.store.errors import BlobNotFound, StoreError
from portal.store.keys import check_blob_key

_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700
_SHARD_CHARS: Final = 2
# Keys cannot contain `.`, so temporary names never collide with a blob.
_TMP_PREFIX: Final = ".tmp-"
# Refuse to follow a symlink planted where a blob should be.
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NOATIME: Final = getattr(os, "O_NOATIME", 0)


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        if not root.exists():
            root.mkdir(parents=True, mode=_DIR_MODE, exist_ok=True)
            os.chmod(root, _DIR_MODE)

    def put(self, key: str, data: bytes, *, day: dt.date | None = None) -> None:
        final = self._path(key)
        shard = final.parent
        self._make_shard(shard)
        temporary = shard / f"{_TMP_PREFIX}{secrets.token_hex(8)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, _FILE_MODE)
        try:
            # The umask can only remove bits; this makes the mode exact either way.
            os.fchmod(fd, _FILE_MODE)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            if day is not None:
                # mtime and atime say the day; the ctime (which nothing can set) says when this
                # ran, which is why blobs are written on the job tick, not by the request.
                midnight = calendar.timegm(day.timetuple())
                os.utime(fd, (midnight, midnight))
            os.close(fd)
            fd = -1
            os.replace(temporary, final)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(shard)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            fd = _open_without_atime(path)
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        except OSError as error:
            raise StoreError("blob could not be opened") from error
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise StoreError("blob is not a regular file")
            return handle.read()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
        _fsync_directory(path.parent)

    def exists(self, key: str) -> bool:
        try:
            return stat.S_ISREG(os.lstat(self._path(key)).st_mode)
        except FileNotFoundError:
            return False

    def _path(self, key: str) -> Path:
        check_blob_key(key)
        return self.root / key[:_SHARD_CHARS] / key

    def _make_shard(self, shard: Path) -> None:
        try:
            shard.mkdir(mode=_DIR_MODE)
        except FileExistsError:
            return
        os.chmod(shard, _DIR_MODE)
        _fsync_directory(self.root)


def _open_without_atime(path: Path) -> int:
    """Read without updating the access time: a blob's atime stays the day it was written, and a
    verifier's reads leave no time on it either. O_NOATIME needs the file's owner; a store shared
    with another account falls back to a plain open."""
    try:
        return os.open(path, os.O_RDONLY | _NOFOLLOW | _NOATIME)
    except PermissionError:
        return os.open(path, os.O_RDONLY | _NOFOLLOW)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
