"""The sealed checkpoint: what the newest entries and the retained files must be.

A plain hash chain misses the newest entries cut off, a whole backup file lost and
the chain recomputed by someone who can write the files. The checkpoint records the
head of the chain, where retention has moved its start to, and which backup holds
which entries, sealed with HMAC-SHA256 under a key kept outside the audit dir.

The file has two 4 KiB slots written in turn (``pwrite`` in place, so no new disk
blocks are needed, not even on a full disk); a reader takes the valid slot with the
higher generation, so a write torn by a crash leaves the other slot standing.

A slot is three lines: the fields that change with every entry (``gen`` first), the
fields that change only at a rotation, and the 64-hex HMAC of the first two lines as
stored. Checking a seal hashes stored bytes and never re-serialises them, and the
second line is encoded and decoded once per rotation, not twice per entry, which
keeps the work done under the writers' lock small. Bytes after the seal are left
over from a longer, older checkpoint and are ignored.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field, fields
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
    log_end: int | None = None  # where the head ends in audit.log (None: not known)

    def hot(self) -> bytes:
        """The first line of a slot: what changes with every entry, ``gen`` first."""
        # The usual line by one format (this runs twice an entry, under the writers'
        # lock); anything else (a failure, a hash that is not 64 hex) through json. The
        # two give the same JSON, which is what a reader parses.
        inflight, log_end = self.inflight, self.log_end
        if self.failure is None and _HEX64(self.last_hash) and (log_end is None or type(log_end) is int) \
                and (inflight is None or (tuple(inflight) == _INFLIGHT_KEYS and type(inflight["seq"]) is int
                                          and _HEX64(inflight["hash"]))):
            return _HOT_LINE % (
                self.gen, self.last_seq, self.last_hash.encode(), self.count,
                b"null" if inflight is None else b'{"seq":%d,"hash":"%s"}' % (inflight["seq"], inflight["hash"].encode()),
                b"null" if log_end is None else b"%d" % log_end)
        return _compact({f: getattr(self, f) for f in HOT_FIELDS}).encode()

    def cold(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in COLD_FIELDS}

    def next(self, **changes: Any) -> Checkpoint:
        """A changed copy (its ``gen`` is set when it is written)."""
        # dataclasses.replace runs __init__ again; this runs several times an entry,
        # under the writers' lock, so the copy is made directly.
        unknown = changes.keys() - _FIELD_SET
        if unknown:
            raise TypeError(f"Checkpoint has no field {', '.join(sorted(unknown))}")
        new = object.__new__(Checkpoint)
        object.__setattr__(new, "__dict__", {**self.__dict__, **changes})
        return new


_FIELDS = tuple(f.name for f in fields(Checkpoint))
_FIELD_SET = frozenset(_FIELDS)
HOT_FIELDS = ("gen", "last_seq", "last_hash", "count", "inflight", "log_end", "failure")
COLD_FIELDS = tuple(f for f in _FIELDS if f not in HOT_FIELDS)
_GEN = re.compile(rb'\{"gen":(\d+),')
_HEX64 = re.compile(r"[0-9a-f]{64}").fullmatch
_INFLIGHT_KEYS = ("seq", "hash")
_HOT_LINE = b'{"gen":%d,"last_seq":%d,"last_hash":"%s","count":%d,"inflight":%s,"log_end":%s,"failure":null}'
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode


def _gen(slot: bytes) -> int:
    """A slot's generation without parsing it (-1 for an empty or unreadable slot)."""
    m = _GEN.match(slot)
    return int(m.group(1)) if m else -1


def _seal(key: bytes, payload: bytes) -> bytes:
    return hmac.digest(key, payload, "sha256").hex().encode("ascii")  # hmac.digest: the C one-shot


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
        # The newest generation in the file as last seen under the writers' lock:
        # a write goes to the other slot, so a torn write never destroys the newest.
        self._gen: int | None = None
        # The rotation-only fields as last encoded or decoded, with their bytes.
        self._cold: tuple[dict[str, Any], bytes] | None = None

    def _open(self, ino: int | None = None) -> int:
        """The open descriptor, opened again if the file is no longer the one open."""
        if ino is None:
            try:
                ino = os.stat(self.path).st_ino
            except FileNotFoundError:
                pass
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
        self._gen = None
        self._mine = None

    def __del__(self) -> None:
        self.close()

    def read(self) -> tuple[Checkpoint | None, str | None]:
        """The newest validly sealed checkpoint, or (None, why not)."""
        try:
            ino = os.stat(self.path).st_ino
        except FileNotFoundError:
            self.close()  # the next write makes the file anew, not in the unlinked one
            return None, "missing"
        raw = os.pread(self._open(ino), 2 * SLOT, 0)
        if self._mine is not None:
            data, cp = self._mine
            slot = (cp.gen % 2) * SLOT
            if raw[slot:slot + len(data)] == data and _gen(raw[SLOT - slot:2 * SLOT - slot]) < cp.gen:
                self._gen = cp.gen
                return cp, None
        self._gen = max(_gen(raw[:SLOT]), _gen(raw[SLOT:]))
        return self.parse(raw)

    def parse(self, raw: bytes) -> tuple[Checkpoint | None, str | None]:
        # Unused slots hold the NULs they were reserved with.
        slots = [raw[i * SLOT:(i + 1) * SLOT] for i in (0, 1)]
        slots = [slot for slot in slots if slot[:1] not in (b"", b"\0")]
        if not slots:
            return None, "empty"
        # The newer slot first; the older one stands in if the newer is torn or forged.
        for slot in sorted(slots, key=_gen, reverse=True):
            parts = slot.split(b"\n", 2)
            if len(parts) < 3:
                continue
            hot, cold, seal = parts
            if not hmac.compare_digest(seal[:64], _seal(self.key, hot + b"\n" + cold)):
                continue
            try:
                return Checkpoint(**json.loads(hot), **self._cold_fields(cold)), None
            except (ValueError, TypeError):
                continue  # sealed with this key but not a checkpoint this version reads
        return None, "not sealed with this cell's key"

    def _cold_fields(self, cold: bytes) -> dict[str, Any]:
        if self._cold is not None and self._cold[1] == cold:
            return self._cold[0]
        fields = json.loads(cold)
        if not isinstance(fields, dict) or fields.keys() != set(COLD_FIELDS):
            raise ValueError("not the fields of a checkpoint")
        self._cold = (fields, cold)
        return fields

    def _cold_bytes(self, cp: Checkpoint) -> bytes:
        fields = cp.cold()
        # The same objects as last time (a copy made by next() shares them): the
        # same bytes. Else encode, and keep the dict that was encoded.
        if self._cold is not None and all(fields[f] is self._cold[0][f] for f in COLD_FIELDS):
            return self._cold[1]
        cold = _compact(fields).encode()
        self._cold = (fields, cold)
        return cold

    def write(self, cp: Checkpoint, *, durable: bool = False) -> Checkpoint:
        """Seal ``cp`` into the slot not holding the newest one; return it as written."""
        # Written under the writers' lock right after a read, which checked that the
        # open file is still the checkpoint: no need to stat it again.
        fd = self._fd if self._fd is not None else self._open()
        if self._gen is None:
            raw = os.pread(fd, 2 * SLOT, 0)
            self._gen = max(_gen(raw[:SLOT]), _gen(raw[SLOT:]))
        cp = cp.next(gen=self._gen + 1)
        sealed = cp.hot() + b"\n" + self._cold_bytes(cp)
        data = sealed + b"\n" + _seal(self.key, sealed) + b"\n"
        if len(data) > SLOT:
            raise ValueError(f"checkpoint of {len(data)} bytes does not fit a {SLOT}-byte slot")
        os.pwrite(fd, data, (cp.gen % 2) * SLOT)
        self._gen = cp.gen
        self._mine = (data, cp)
        if durable:
            os.fsync(fd)
        return cp
