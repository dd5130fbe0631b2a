"""The sealed checkpoint: what the newest entries and the retained files must be.

A plain hash chain misses the newest entries cut off, a whole backup file lost and
the chain recomputed by someone who can write the files. The checkpoint records the
head of the chain, where retention has moved its start to, and which backup holds
which entries, sealed with HMAC-SHA256 under a key kept outside the audit dir.

The file has two 4 KiB slots written in turn (``pwrite`` in place, so no new disk
blocks are needed, not even on a full disk); a reader takes the valid slot with the
higher generation, so a write torn by a crash leaves the other slot standing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .entry import GENESIS_HASH

SLOT = 4096
KEY_BYTES = 32


class KeyMissing(Exception):
    pass


def load_key(path: Path, *, create: bool) -> bytes:
    """The HMAC key; created (mode 0600) only when ``create`` and it does not exist yet."""
    try:
        with open(path, "rb") as f:
            key = f.read()
    except FileNotFoundError:
        if not create:
            raise KeyMissing(f"the audit key {path} is missing") from None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        return key
    if len(key) < KEY_BYTES:
        raise KeyMissing(f"the audit key {path} is damaged ({len(key)} bytes)")
    return key


@dataclass(frozen=True)
class Checkpoint:
    """``last_*``: the newest committed entry. ``inflight``: the entry being appended
    (sealed before it is written, so a writer dying mid-append is told from deletion).
    ``anchor_*``: the first retained entry and the hash it links to. ``files``: the
    backups, newest first, with the seq range each holds."""

    gen: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    count: int = 0
    anchor_seq: int = 1
    anchor_prev: str = GENESIS_HASH
    inflight: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    rotating: bool = False
    failure: dict[str, Any] | None = None

    def payload(self) -> bytes:
        # Built by hand: dataclasses.asdict deep-copies, and this runs twice an entry.
        return json.dumps({f: getattr(self, f) for f in _FIELDS}, sort_keys=True, separators=(",", ":")).encode()

    def next(self, **changes: Any) -> Checkpoint:
        return replace(self, gen=self.gen + 1, **changes)


_FIELDS = tuple(f.name for f in fields(Checkpoint))
_GEN = re.compile(rb'"gen":(\d+)')


def _gen(slot: bytes) -> int:
    """A slot's generation without parsing it (-1 for an empty or unreadable slot)."""
    m = _GEN.search(slot)
    return int(m.group(1)) if m else -1


def _seal(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


class CheckpointFile:
    """The checkpoint file of one audit dir, read and sealed with one key.

    Its descriptor stays open between entries (two writes an entry); it is opened
    again if the file was replaced, e.g. by a restore.
    """

    def __init__(self, path: Path, key: bytes):
        self.path = path
        self.key = key
        self._fd: int | None = None
        self._ino: int | None = None
        # The last checkpoint this process wrote, and its bytes: when the file still
        # holds them (no other writer came between), reading it needs no parse.
        self._mine: tuple[bytes, Checkpoint] | None = None

    def _open(self) -> int:
        try:
            ino = os.stat(self.path).st_ino
        except FileNotFoundError:
            ino = None
        if self._fd is not None and ino == self._ino:
            return self._fd
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < 2 * SLOT:
                # Reserve both slots now, while there is room, so that sealing
                # never needs a new block, even on a full disk.
                os.pwrite(fd, b"\0" * (2 * SLOT), 0)
                os.fsync(fd)
        except OSError:
            os.close(fd)
            raise
        self._fd, self._ino = fd, os.fstat(fd).st_ino
        return fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = self._ino = None

    def __del__(self) -> None:
        self.close()

    def read(self) -> tuple[Checkpoint | None, str | None]:
        """The newest validly sealed checkpoint, or (None, why not)."""
        if not self.path.exists():
            return None, "missing"
        raw = os.pread(self._open(), 2 * SLOT, 0)
        if self._mine is not None:
            data, cp = self._mine
            slot = (cp.gen % 2) * SLOT
            other = ((cp.gen + 1) % 2) * SLOT
            if raw[slot:slot + len(data)] == data and _gen(raw[other:other + SLOT]) < cp.gen:
                return cp, None
        return self.parse(raw)

    def parse(self, raw: bytes) -> tuple[Checkpoint | None, str | None]:
        # A slot is JSON padded with spaces (which json.loads skips), or the NULs it
        # was reserved with.
        slots = [raw[i * SLOT:(i + 1) * SLOT] for i in (0, 1)]
        slots = [slot for slot in slots if slot[:1] not in (b"", b"\0")]
        if not slots:
            return None, "empty"
        # The newer slot first; the older one stands in if the newer is torn or forged.
        for slot in sorted(slots, key=_gen, reverse=True):
            try:
                doc = json.loads(slot)
                mac = doc.pop("mac")
                cp = Checkpoint(**doc)
            except (ValueError, TypeError, KeyError):
                continue
            if hmac.compare_digest(mac, _seal(self.key, cp.payload())):
                return cp, None
        return None, "not sealed with this cell's key"

    def write(self, cp: Checkpoint, *, durable: bool = False) -> None:
        payload = cp.payload()
        # The payload with its seal as one more key: a reader pops "mac" and seals
        # what is left, which serialises back to these same bytes.
        data = payload[:-1] + b',"mac":"' + _seal(self.key, payload).encode() + b'"}'
        if len(data) >= SLOT:
            raise ValueError(f"checkpoint of {len(data)} bytes does not fit a {SLOT}-byte slot")
        fd = self._open()
        os.pwrite(fd, data.ljust(SLOT, b" "), (cp.gen % 2) * SLOT)
        self._mine = (data, cp)
        if durable:
            os.fsync(fd)
