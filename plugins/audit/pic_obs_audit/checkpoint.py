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
import secrets
from dataclasses import asdict, dataclass, field, replace
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
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    def next(self, **changes: Any) -> Checkpoint:
        return replace(self, gen=self.gen + 1, **changes)


def _seal(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


class CheckpointFile:
    def __init__(self, path: Path, key: bytes):
        self.path = path
        self.key = key

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(fd).st_size < 2 * SLOT:
            # Reserve both slots now, while there is room, so that sealing
            # never needs a new block, even on a full disk.
            try:
                os.pwrite(fd, b"\0" * (2 * SLOT), 0)
                os.fsync(fd)
            except OSError:
                os.close(fd)
                raise
        return fd

    def read(self) -> tuple[Checkpoint | None, str | None]:
        """The newest validly sealed checkpoint, or (None, why not)."""
        try:
            with open(self.path, "rb") as f:
                return self.parse(f.read(2 * SLOT))
        except FileNotFoundError:
            return None, "missing"

    def parse(self, raw: bytes) -> tuple[Checkpoint | None, str | None]:
        best: Checkpoint | None = None
        seen_data = False
        for i in (0, 1):
            slot = raw[i * SLOT:(i + 1) * SLOT].rstrip(b"\0 \n")
            if not slot:
                continue
            seen_data = True
            try:
                doc = json.loads(slot)
                mac = doc.pop("mac")
                cp = Checkpoint(**doc)
            except (ValueError, TypeError, KeyError):
                continue
            if not hmac.compare_digest(mac, _seal(self.key, cp.payload())):
                continue
            if best is None or cp.gen > best.gen:
                best = cp
        if best is None:
            return None, "not sealed with this cell's key" if seen_data else "empty"
        return best, None

    def write(self, cp: Checkpoint, *, durable: bool = False) -> None:
        payload = cp.payload()
        doc = json.loads(payload)
        doc["mac"] = _seal(self.key, payload)
        data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        if len(data) >= SLOT:
            raise ValueError(f"checkpoint of {len(data)} bytes does not fit a {SLOT}-byte slot")
        fd = self._open()
        try:
            os.pwrite(fd, data.ljust(SLOT, b" "), (cp.gen % 2) * SLOT)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
