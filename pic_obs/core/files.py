"""File primitives the stores share (plugins too): an exclusive lock, an atomic write."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (created if missing).

    flock locks belong to the open file, so they serialise both threads (each
    opens its own descriptor) and separate worker processes.
    """
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:  # its directory is not there yet (checked only then: a hot path)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_json_atomic(path: Path, data: Any, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` as JSON (see :func:`write_text_atomic`)."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode)


def stat_key(path: Path) -> tuple[int, int, int] | None:
    """What changes when ``path`` is replaced or rewritten (None if it does not exist)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def write_text_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``text``: a reader sees the old or the new file, never half.

    ``mode`` defaults to the file's own (0644 for a new one). The temporary file has
    its mode before any byte is written, so a secret is never readable by others,
    not even for a moment; the rename is made durable too.
    """
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def rewrite_in_place(path: Path, text: str) -> None:
    """Overwrite ``path`` keeping its inode: a file bind-mounted on its own into a
    container keeps showing the old inode if it is replaced by a rename."""
    data = text.encode("utf-8")
    with open(path, "r+b") as f:
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())
