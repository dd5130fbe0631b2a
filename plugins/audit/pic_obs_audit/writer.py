"""Appending to the chain: one exclusive lock around read-head, rotate, append and seal.

Every gunicorn worker appends to the same files. Under the lock a writer:

1. reads the sealed checkpoint and makes the log agree with it: a line torn by a
   writer that died mid-write is cut off, an entry that was written but not yet
   sealed is sealed, a rotation cut short by a crash is finished;
2. seals the new entry as *in flight*, then appends it;
3. seals it as the new head. The checkpoint is written in place, in the page cache;
   it is made durable at least once a second and at every rotation, each time after
   an fsync of the log, so it never names an entry that is not on disk.

Then it releases the lock and fsyncs the log (the one fsync per entry) before it
returns: the entry is on disk before the response goes out. Outside the lock, the
writers' fsyncs overlap and the filesystem commits their entries together; inside
it, they would queue one behind the other (about half the entries a second from
four processes, measured with ``make bench``).

If the entry cannot be written (disk full, permissions) the log is cut back to what
it was, the failure is sealed into the checkpoint (in place, so it needs no new disk
blocks) for ``verify`` to report, and :class:`AuditWriteError` is raised.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from pic_obs.core import locked

from .checkpoint import Checkpoint, CheckpointFile, KeyMissing, load_key
from .entry import GENESIS_HASH, MIDDLE_FIELDS, assemble, encode_middle, prev_of, seq_of, split

log = logging.getLogger("pic.api")

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 10
DURABLE_EVERY = 1.0  # seconds between fsyncs of the checkpoint


@dataclass
class SnapFile:
    name: str
    file: BinaryIO
    size: int

    def read(self) -> bytes:
        return os.pread(self.file.fileno(), self.size, 0)

    def lines(self) -> Iterator[bytes]:
        """Line by line, up to the snapshot's size (for readers that must stay small)."""
        left = self.size
        if left <= 0:
            return
        self.file.seek(0)
        for line in self.file:
            if len(line) >= left:
                yield line[:left]
                return
            left -= len(line)
            yield line


@dataclass
class Snapshot:
    files: list[SnapFile]
    checkpoint: bytes | None


class AuditWriteError(OSError):
    """The entry could not be written; nothing already written was touched."""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _newest(tail: bytes) -> tuple[int, str] | None:
    """(seq, hash) of the last whole entry in the end of a file."""
    for line in reversed(tail.splitlines(keepends=True)):
        parts = split(line)
        if parts is not None:
            seq = seq_of(line)
            if seq is not None:
                return seq, parts[1].decode()
    return None


def _not_durable(seq: int, exc: OSError) -> AuditWriteError:
    # Too late to take the line back (others may have appended after it): it stays,
    # sealed, and the caller is told it may not be on disk.
    log.error("AUDIT WRITE FAILED: entry %d was written but not made durable: %s", seq, exc)
    return AuditWriteError(exc.errno, f"audit entry {seq} not made durable: {exc.strerror or exc}")


class AuditLog:
    """The audit files of one data dir: ``audit.log``, ``audit.log.1`` … and the checkpoint."""

    def __init__(self, audit_dir: Path, key_path: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        self.dir = audit_dir
        self.key_path = key_path
        self.max_bytes = max_bytes
        self.backups = backups
        self.log_path = audit_dir / "audit.log"
        self.lock_path = audit_dir / "audit.lock"
        self.checkpoint_path = audit_dir / "audit.checkpoint"
        self._last_durable = 0.0
        self._cps: CheckpointFile | None = None  # the key, once read, stays in memory
        self._dir_made = False

    def close(self) -> None:
        """Close the checkpoint this writer keeps open."""
        if self._cps is not None:
            self._cps.close()

    def backup_path(self, i: int) -> Path:
        return self.log_path.with_name(f"audit.log.{i}")

    def files_oldest_first(self) -> list[Path]:
        """Every audit file there is, oldest first (gaps are for verify to judge)."""
        paths = [self.backup_path(i) for i in range(self.backups, 0, -1)] + [self.log_path]
        return [p for p in paths if p.exists()]

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """The files and the checkpoint as they are at one instant.

        Opened under the writers' lock but read after it is released: an open file
        keeps its contents through a rename, and reading stops at the size it had,
        so neither a rotation nor an append meanwhile changes what a reader sees.
        """
        snap = Snapshot([], None)
        try:
            with self.lock():
                for path in self.files_oldest_first():
                    try:
                        f = open(path, "rb")
                    except FileNotFoundError:
                        continue
                    snap.files.append(SnapFile(path.name, f, os.fstat(f.fileno()).st_size))
                with contextlib.suppress(FileNotFoundError):
                    snap.checkpoint = self.checkpoint_path.read_bytes()
            yield snap
        finally:
            for sf in snap.files:
                sf.file.close()

    # -- the lock -------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writers' lock: nothing is appended or rotated meanwhile."""
        if not self._dir_made:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._dir_made = True
        with locked(self.lock_path):
            yield

    def _checkpoints(self) -> CheckpointFile:
        # The key is created with the first entry, never later: a key that goes
        # missing under an existing checkpoint must not be quietly replaced. A
        # writer that has read it keeps it, as a running API keeps its secrets.
        if self._cps is None:
            create = not self.checkpoint_path.exists()
            self._cps = CheckpointFile(self.checkpoint_path, load_key(self.key_path, create=create))
        return self._cps

    # -- appending ---------------------------------------------------------------

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Append one entry (all fields but seq, ts, prev_hash, hash); return it as stored.

        Returns once the entry is on disk. The fsync runs after the lock is released:
        writers then wait for the disk side by side, and the filesystem commits their
        entries together, instead of one after the other.
        """
        ordered = {k: fields[k] for k in MIDDLE_FIELDS}
        middle = encode_middle(ordered)  # outside the lock: others wait only for what must be serial
        with self.lock():
            try:
                cps = self._checkpoints()
            except KeyMissing as exc:
                raise AuditWriteError(errno.ENOENT, f"{exc}; restore it from a backup") from None
            cp = self._recover(cps)
            seq = cp.last_seq + 1
            ts = utc_now()
            prev_hash = cp.last_hash
            line, digest = assemble(seq, ts, middle, prev_hash)
            fd = -1
            try:
                fd = self._open_log()
                start = os.fstat(fd).st_size
                if start > 0 and start + len(line) > self.max_bytes:
                    os.close(fd)
                    fd = -1
                    cp = self._rotate(cps, cp)
                    fd = self._open_log()
                    start = 0
                # Sealed in flight before a byte is written: a writer dying mid-append
                # is then told from an entry deleted.
                cp = cps.write(cp.next(inflight={"seq": seq, "hash": digest}, failure=None))
                self._write_line(fd, start, line)
                # Sealed as the head: from now on, cutting it off is tampering, not a
                # writer that died. (In the page cache: see DURABLE_EVERY.)
                cp = cps.write(cp.next(last_seq=seq, last_hash=digest, count=cp.count + 1, inflight=None,
                                       log_end=start + len(line)))
            except OSError as exc:
                if fd >= 0:
                    os.close(fd)
                self._fail(cps, cp, seq, exc)
                raise AuditWriteError(exc.errno, f"audit entry {seq} not written: {exc.strerror or exc}") from exc
            try:
                now = time.monotonic()
                if now - self._last_durable >= DURABLE_EVERY:
                    self._make_durable(cps, cp, fd)
                    self._last_durable = now
            except OSError as exc:
                os.close(fd)
                raise _not_durable(seq, exc) from exc
        try:
            os.fsync(fd)
        except OSError as exc:
            raise _not_durable(seq, exc) from exc
        finally:
            os.close(fd)
        return {"seq": seq, "ts": ts, **ordered, "prev_hash": prev_hash, "hash": digest}

    def _open_log(self) -> int:
        return os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _make_durable(self, cps: CheckpointFile, cp: Checkpoint, log_fd: int | None) -> Checkpoint:
        """fsync the log, then the checkpoint: a durable checkpoint never names an
        entry that is not durable too (other writers may not have synced theirs yet)."""
        if log_fd is None:
            with contextlib.suppress(FileNotFoundError):
                fd = os.open(self.log_path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        else:
            os.fsync(log_fd)
        return cps.write(cp, durable=True)

    @staticmethod
    def _write_line(fd: int, start: int, line: bytes) -> None:
        try:
            view = memoryview(line)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        except OSError:
            # Leave no partial entry behind: cutting a file back needs no space.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
                os.fsync(fd)
            raise

    def _fail(self, cps: CheckpointFile, cp: Checkpoint, seq: int, exc: OSError) -> None:
        failure = {"ts": utc_now(), "seq": seq, "error": f"{type(exc).__name__}: {exc.strerror or exc}"}
        log.error("AUDIT WRITE FAILED for entry %d: %s", seq, failure["error"])
        with contextlib.suppress(OSError):
            self._make_durable(cps, cp.next(inflight=None, failure=failure), None)

    # -- making the files agree with the checkpoint ---------------------------------

    def _recover(self, cps: CheckpointFile) -> Checkpoint:
        cp, why = cps.read()
        if cp is None:
            cp = self._head_from_files()
            if cp.last_seq:
                log.error("audit checkpoint %s (%s); continuing the chain from the log itself",
                          self.checkpoint_path, why)
        if cp.rotating:
            cp = self._finish_rotation(cps, cp)
        if cp.log_end is not None and not cp.inflight:
            # The common case, without reading the log: it ends where the sealed head
            # ends. Anything else is read and repaired below. (A line changed in place
            # to one of the same length is not noticed here; verify notices it.)
            try:
                if os.stat(self.log_path).st_size == cp.log_end:
                    return cp
            except FileNotFoundError:
                pass
        last = self._repair_tail()
        if last is None:
            return cp.next(inflight=None) if cp.inflight else cp
        seq, digest = last
        if cp.inflight and (seq, digest) == (cp.inflight["seq"], cp.inflight["hash"]):
            # Written, then its writer died before sealing it: seal it now.
            return cp.next(last_seq=seq, last_hash=digest, count=cp.count + 1, inflight=None)
        if (seq, digest) == (cp.last_seq, cp.last_hash):
            return cp.next(inflight=None) if cp.inflight else cp
        if seq > cp.last_seq:
            # Entries past the last durable checkpoint: the machine lost power after
            # they were on disk but before the checkpoint was. Seal them. (Entries an
            # intruder appended look the same; verify calls them unsealed_tail until
            # this happens, and the plugin README says so.)
            log.warning("audit: sealing entries %d..%d written after the last durable checkpoint",
                        cp.last_seq + 1, seq)
            return cp.next(last_seq=seq, last_hash=digest, count=cp.count + seq - cp.last_seq, inflight=None)
        # The log's newest entry is not the sealed head: entries were removed or
        # replaced. Go on from the sealed head, so the damage stays visible to verify.
        log.error("audit: the log's newest entry is %d (%s...) but entry %d (%s...) was sealed; "
                  "the log was cut or rewritten", seq, digest[:12], cp.last_seq, cp.last_hash[:12])
        return cp

    def _head_from_files(self) -> Checkpoint:
        """A checkpoint rebuilt from the newest entry on disk (none: a new chain)."""
        files = self.files_oldest_first()
        for path in reversed(files):
            last = self._last_entry(path)
            if last is not None:
                first = self._first_line(files[0])
                anchor_seq = seq_of(first) if first else 1
                anchor_prev = prev_of(first[:-76]).decode() if first else GENESIS_HASH
                return Checkpoint(last_seq=last[0], last_hash=last[1],
                                  count=last[0] - (anchor_seq or 1) + 1,
                                  anchor_seq=anchor_seq or 1, anchor_prev=anchor_prev)
        return Checkpoint()

    def _repair_tail(self) -> tuple[int, str] | None:
        """Cut off a line torn by a dying writer; return (seq, hash) of the newest entry."""
        try:
            fd = os.open(self.log_path, os.O_RDWR)
        except FileNotFoundError:
            return None
        try:
            size = os.fstat(fd).st_size
            tail = os.pread(fd, min(size, 8192), max(0, size - 8192))
            if tail and not tail.endswith(b"\n"):
                keep = size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else self._line_start(fd, size)
                log.warning("audit: cutting a torn entry (%d bytes) off %s", size - keep, self.log_path)
                os.ftruncate(fd, keep)
                os.fsync(fd)
                tail = tail[:max(0, len(tail) - (size - keep))]
        finally:
            os.close(fd)
        return _newest(tail)

    @staticmethod
    def _line_start(fd: int, size: int) -> int:
        """Where the last line begins, for a torn line longer than the tail read."""
        pos = size
        while pos > 0:
            start = max(0, pos - 65536)
            nl = os.pread(fd, pos - start, start).rfind(b"\n")
            if nl >= 0:
                return start + nl + 1
            pos = start
        return 0

    def _last_entry(self, path: Path) -> tuple[int, str] | None:
        """(seq, hash) of the newest whole entry in ``path``."""
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                f.seek(max(0, size - 8192))
                return _newest(f.read())
        except FileNotFoundError:
            return None

    @staticmethod
    def _first_line(path: Path) -> bytes | None:
        try:
            with open(path, "rb") as f:
                line = f.readline()
        except FileNotFoundError:
            return None
        return line if split(line) is not None else None

    # -- rotation ----------------------------------------------------------------

    def _rotate(self, cps: CheckpointFile, cp: Checkpoint) -> Checkpoint:
        # Sealed (durably) before the first rename, so a crash part-way is finished
        # by the next writer instead of looking like files were deleted.
        cp = self._make_durable(cps, cp.next(rotating=True), None)
        return self._finish_rotation(cps, cp)

    def _finish_rotation(self, cps: CheckpointFile, cp: Checkpoint) -> Checkpoint:
        self._shift_files()
        new_first = self._first_line(self.backup_path(1))
        files = [{"name": "audit.log.1", "first_seq": seq_of(new_first) if new_first else cp.last_seq,
                  "last_seq": cp.last_seq}]
        for f in cp.files:
            n = int(f["name"].rsplit(".", 1)[1]) + 1
            if n <= self.backups:
                files.append({**f, "name": f"audit.log.{n}"})
        anchor_seq, anchor_prev = cp.anchor_seq, cp.anchor_prev
        if len(cp.files) >= self.backups:
            # The oldest backup was rotated out, as retention says: the chain now
            # starts at the oldest file kept, and the checkpoint says so.
            oldest = self._first_line(self.backup_path(self.backups))
            if oldest is not None:
                anchor_seq, anchor_prev = seq_of(oldest), prev_of(oldest[:-76]).decode()
        cp = cp.next(rotating=False, files=files, anchor_seq=anchor_seq, anchor_prev=anchor_prev, log_end=None,
                     count=cp.last_seq - anchor_seq + 1)
        cp = cps.write(cp, durable=True)
        log.info("audit log rotated at entry %d", cp.last_seq)
        return cp

    def _shift_files(self) -> None:
        """audit.log.9 → .10 … audit.log → .1; safe to run again after a crash part-way."""
        if not self.log_path.exists():
            return  # the last rename happened: the shift is complete
        # A shift cut short leaves exactly one gap; a young log's first gap is its end.
        gap = next((i for i in range(1, self.backups + 1) if not self.backup_path(i).exists()), self.backups)
        for i in range(gap - 1, 0, -1):
            os.replace(self.backup_path(i), self.backup_path(i + 1))
        os.replace(self.log_path, self.backup_path(1))
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
