"""One audit entry as stored: a JSON line whose last field is the hash of the rest.

A line is ``{"seq":1,...,"prev_hash":"<64 hex>","hash":"<64 hex>"}\\n``. The hash is
SHA-256 over the exact bytes before ``,"hash":"`` (the *body*), which include
``prev_hash``: verifying hashes the stored bytes as they are, without parsing or
re-serialising a line, and so runs at the speed of SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pic_obs import Mutation

ENTRY_FIELDS = (
    "seq", "ts", "actor", "role", "ip", "action", "target_type", "target_id",
    "result", "status", "summary", "prev_hash", "hash",
)
GENESIS_HASH = "0" * 64
MIDDLE_FIELDS = ENTRY_FIELDS[2:-2]  # what a mutation gives; seq, ts and the hashes are the writer's

HASH_KEY = b',"hash":"'
# ,"hash":" + 64 hex + "} + newline
SUFFIX_LEN = len(HASH_KEY) + 64 + 3
SEQ_PREFIX = b'{"seq":'


MAX_FIELD = 256  # keeps every entry well under the 8 KiB a writer reads back
MAX_KEYS = 40


def _cap(value: str) -> str:
    return value if len(value) <= MAX_FIELD else value[:MAX_FIELD - 1] + "\u2026"


def summary_of(mutation: Mutation) -> str:
    """``peer_add peer:laptop (keys: name, public_key)``: names, never values."""
    target = f"{mutation.target_type}:{mutation.target_id}" if mutation.target_id else mutation.target_type
    text = _cap(f"{mutation.action} {target}".strip())
    if mutation.keys:
        keys = [_cap(k) for k in mutation.keys[:MAX_KEYS]]
        more = len(mutation.keys) - len(keys)
        text += f" (keys: {', '.join(keys)}{f' and {more} more' if more else ''})"
    return text


def fields_of(mutation: Mutation) -> dict[str, Any]:
    """The entry's fields but seq, ts, prev_hash and hash, which the writer fills in
    under its lock (so ``ts`` grows with ``seq``)."""
    return {
        "actor": _cap(mutation.actor),
        "role": _cap(mutation.role),
        "ip": _cap(mutation.ip),
        "action": _cap(mutation.action),
        "target_type": _cap(mutation.target_type),
        "target_id": _cap(mutation.target_id),
        "result": mutation.result,
        "status": mutation.status,
        "summary": summary_of(mutation),
    }


def encode_middle(fields: dict[str, Any]) -> bytes:
    """The fields between ``ts`` and ``prev_hash``, as they are stored (made before the lock)."""
    # ASCII-only, compact, fixed key order: the same entry always gives the same bytes.
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":"))[1:-1].encode("ascii")


def assemble(seq: int, ts: str, middle: bytes, prev_hash: str) -> tuple[bytes, str]:
    """The stored line and its hash, from what only the lock holder knows."""
    body = b'{"seq":%d,"ts":"%s",%s,"prev_hash":"%s"' % (seq, ts.encode("ascii"), middle, prev_hash.encode("ascii"))
    digest = hashlib.sha256(body).hexdigest()
    return body + HASH_KEY + digest.encode("ascii") + b'"}\n', digest


def encode(seq: int, fields: dict[str, Any], prev_hash: str) -> tuple[bytes, str]:
    """The stored line and its hash; ``fields`` holds ``ts`` and the rest, in order."""
    rest = {k: v for k, v in fields.items() if k != "ts"}
    return assemble(seq, fields.get("ts", ""), encode_middle(rest), prev_hash)


def split(line: bytes) -> tuple[bytes, bytes] | None:
    """(body, stored hash) of a whole line, or None if it is not shaped like an entry."""
    if len(line) <= SUFFIX_LEN or line[-SUFFIX_LEN:-SUFFIX_LEN + len(HASH_KEY)] != HASH_KEY \
            or line[-3:] != b'"}\n' or not line.startswith(SEQ_PREFIX):
        return None
    return line[:-SUFFIX_LEN], line[-67:-3]


def seq_of(line: bytes) -> int | None:
    end = line.find(b",", len(SEQ_PREFIX))
    try:
        return int(line[len(SEQ_PREFIX):end])
    except ValueError:
        return None


def prev_of(body: bytes) -> bytes:
    """The prev_hash hex inside a body (its last field)."""
    return body[-65:-1]
