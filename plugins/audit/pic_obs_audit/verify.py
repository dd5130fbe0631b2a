"""Verifying the chain and the checkpoint: every way the trail can be damaged, by name.

The loop hashes each stored line as it is and compares slices of bytes; a line
that fails any check goes to :func:`_classify`, which names what is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from .checkpoint import Checkpoint, CheckpointFile, KeyMissing, load_key
from .entry import HASH_KEY, SUFFIX_LEN, prev_of, seq_of, split
from .writer import AuditLog, Snapshot

# Kinds that do not make the trail untrustworthy: a writer that died mid-append
# leaves a torn tail, which the next write repairs; nothing acknowledged was lost.
BENIGN = frozenset({"torn_tail", "rotation_interrupted"})

KINDS = {
    "hash_mismatch": "an entry's bytes changed after it was written (an edited field)",
    "chain_break": "an entry does not link to the one before it (inserted or replaced)",
    "seq_gap": "entries are missing inside a file (deleted lines)",
    "seq_order": "an entry is out of order (reordered or inserted lines)",
    "duplicate_seq": "two entries share a seq (a writer that did not hold the lock)",
    "malformed": "a line is not an audit entry",
    "torn_tail": "the newest entry was being written when its writer stopped; the next write repairs it",
    "rotation_interrupted": "a rotation was cut short by a crash; the next write finishes it",
    "truncated": "the newest entries were cut off",
    "unsealed_tail": "entries after the sealed head (a power loss, or appended without the key)",
    "missing_file": "a backup file is missing",
    "file_mismatch": "a backup file does not hold the entries the checkpoint says (swapped or replaced)",
    "head_deleted": "the oldest entries are gone, and retention did not remove them",
    "checkpoint_mismatch": "the chain does not end where the sealed checkpoint says (recomputed)",
    "checkpoint_invalid": "the checkpoint is missing or not sealed with this cell's key",
    "key_missing": "the key that seals the checkpoint is missing",
    "write_failed": "the last entry could not be written",
}


class _Report:
    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []

    def add(self, kind: str, detail: str, *, seq: int | None = None, file: str | None = None,
            line: int | None = None) -> None:
        self.problems.append({"kind": kind, "seq": seq, "file": file, "line": line, "detail": detail})


def verify(audit: AuditLog, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Check every file and the checkpoint; ``progress(bytes)`` is called per file read.

    It reads a snapshot (:meth:`AuditLog.snapshot`), so it can run while the API
    writes: what is appended or rotated meanwhile is not what it checks.
    """
    with audit.snapshot() as snap:
        return _verify(audit, snap, progress)


def _verify(audit: AuditLog, snap: Snapshot, progress: Callable[[int], None] | None) -> dict[str, Any]:
    report = _Report()
    cp = _checkpoint(audit, snap, report)
    expected = cp.anchor_seq if cp else None
    prev = cp.anchor_prev.encode() if cp else None
    first_seq = last_seq = None
    high = 0  # the highest seq seen: a reordered run is not also reported as missing
    last_hash: bytes | None = None
    total = 0
    files_info: list[dict[str, Any]] = []
    seen: dict[str, tuple[int | None, int | None]] = {}
    if cp is None or not cp.rotating:  # a rotation cut short leaves one gap in the names
        _check_numbering([sf.name for sf in snap.files], audit.backups, report)
    for sf in snap.files:
        is_current = sf.name == audit.log_path.name
        count = 0
        file_first = file_last = None
        lines = sf.read().splitlines(keepends=True)
        i = 0
        while i < len(lines):
            # The fast path: a run of lines whose hashes are right and that link one to
            # the next; if its seqs run on from the one expected, it is taken whole.
            j, run_prev = _linked_run(lines, i, prev)
            if j > i:
                first, last = seq_of(lines[i]), seq_of(lines[j - 1])
                if expected is None:
                    expected = first
                if first == expected and last is not None and last - first == j - i - 1:
                    if first_seq is None:
                        first_seq = first
                        if cp is not None and not cp.rotating:
                            _check_head(report, cp, first, sf.name, i + 1)
                    if file_first is None:
                        file_first = first
                    file_last = last_seq = last
                    high = max(high, last)
                    expected = last + 1
                    prev = last_hash = run_prev
                    count += j - i
                    i = j
                    continue
            # Anything else is looked at closely, one line at a time.
            line = lines[i]
            digest = hashlib.sha256(line[:-SUFFIX_LEN]).hexdigest().encode()
            seq = _classify(report, line, digest, expected, prev, sf.name, i + 1,
                            is_current, last_seq, high)
            i += 1
            if seq is None:
                continue
            if first_seq is None:
                first_seq = seq
                if cp is not None and not cp.rotating:
                    _check_head(report, cp, seq, sf.name, i)
            if file_first is None:
                file_first = seq
            file_last = last_seq = seq
            high = max(high, seq)
            expected = seq + 1
            prev = last_hash = line[-67:-3]
            count += 1
        total += count
        seen[sf.name] = (file_first, file_last)
        files_info.append({"name": sf.name, "entries": count, "first_seq": file_first,
                           "last_seq": file_last, "bytes": sf.size})
        if progress is not None:
            progress(sf.size)
    if cp is not None:
        if cp.rotating:
            # The files were being renamed when the writer stopped: the names the
            # checkpoint lists are about to change, and the next write finishes it.
            report.add("rotation_interrupted", "a rotation was cut short; the next write finishes it")
        else:
            _check_manifest(report, cp, seen)
        _check_end(report, cp, last_seq, last_hash)
    elif total and not any(p["kind"] in ("key_missing", "checkpoint_invalid") for p in report.problems):
        report.add("checkpoint_invalid", "entries exist but there is no checkpoint")
    result = {
        "intact": all(p["kind"] in BENIGN for p in report.problems),
        "entries": total,
        "first_seq": first_seq,
        "last_seq": last_seq,
        "files": files_info,
        "problems": report.problems,
    }
    if cp is not None and cp.failure is not None:
        result["write_failure"] = cp.failure
    return result


def _linked_run(lines: list[bytes], i: int, prev: bytes | None) -> tuple[int, bytes | None]:
    """How far from ``i`` the lines have right hashes and link to ``prev`` and each other.

    The loop the speed of verify rests on. A few lines are checked one at a time, so
    a damaged stretch costs no wasted work; then blocks of lines are checked with one
    hash call a line and a handful of comparisons a block; a block that fails is
    checked one line at a time to find where.
    """
    n = len(lines)
    i, prev, broke = _one_by_one(lines, i, prev, min(n, i + _PROBE))
    while not broke and i < n:
        j = min(n, i + _BLOCK)
        if _block_ok(lines, i, j, prev):
            i, prev = j, lines[j - 1][-67:-3]
        else:
            i, prev, broke = _one_by_one(lines, i, prev, j)
    return i, prev


_PROBE = 64
_BLOCK = 4096
_SUFFIX_SEP = '"}\n' + HASH_KEY.decode()  # between one line's hash and the next one's


def _block_ok(lines: list[bytes], i: int, j: int, prev: bytes | None) -> bool:
    """Whether lines[i:j] all hash right, end right and link to ``prev`` and each other."""
    block = lines[i:j]
    sha256 = hashlib.sha256
    digests = [sha256(line[:-SUFFIX_LEN]).hexdigest() for line in block]
    # Every suffix (`,"hash":"<hex>"}` newline) at once, against the hashes just made.
    suffixes = b"".join([line[-SUFFIX_LEN:] for line in block])
    if suffixes != (HASH_KEY.decode() + _SUFFIX_SEP.join(digests) + '"}\n').encode("ascii"):
        return False
    # Every prev_hash at once: each names the hash of the line before.
    prevs = b"".join([line[-SUFFIX_LEN - 65:-SUFFIX_LEN - 1] for line in block])
    first = prev.decode("ascii", "replace") if prev is not None else prevs[:64].decode("ascii", "replace")
    return prevs == (first + "".join(digests[:-1])).encode("ascii")


def _one_by_one(lines: list[bytes], i: int, prev: bytes | None, end: int) -> tuple[int, bytes | None, bool]:
    """Check lines[i:end] one at a time: (where it stopped, the last good hash, whether it broke)."""
    sha256 = hashlib.sha256
    while i < end:
        line = lines[i]
        body = line[:-SUFFIX_LEN]
        stored = line[-67:-3]
        if (prev is not None and body[-65:-1] != prev) or sha256(body).hexdigest() != stored.decode("ascii", "replace") \
                or line[-3:] != b'"}\n' or line[-SUFFIX_LEN:-67] != HASH_KEY:
            return i, prev, True
        prev = stored
        i += 1
    return i, prev, False


def _checkpoint(audit: AuditLog, snap: Snapshot, report: _Report) -> Checkpoint | None:
    try:
        key = load_key(audit.key_path, create=False)
    except KeyMissing as exc:
        if snap.checkpoint is not None or snap.files:
            report.add("key_missing", f"{exc}: the checkpoint cannot be checked; restore the key from a backup")
        return None
    name = audit.checkpoint_path.name
    cp, why = CheckpointFile(audit.checkpoint_path, key).parse(snap.checkpoint) \
        if snap.checkpoint is not None else (None, "missing")
    if cp is None and why not in ("missing", "empty"):
        report.add("checkpoint_invalid", f"{name} is {why}")
    elif cp is None and snap.files:
        report.add("checkpoint_invalid", f"{name} is {why} but entries exist")
    if cp is not None and cp.failure is not None:
        f = cp.failure
        report.add("write_failed", f"entry {f['seq']} could not be written at {f['ts']}: {f['error']}",
                   seq=f["seq"])
    return cp


def _check_numbering(names: list[str], backups: int, report: _Report) -> None:
    present = [i for i in range(1, backups + 1) if f"audit.log.{i}" in names]
    if present:
        for i in range(1, max(present)):
            if i not in present:
                report.add("missing_file", f"audit.log.{i} is missing, but audit.log.{max(present)} exists",
                           file=f"audit.log.{i}")


def _classify(report: _Report, line: bytes, digest: bytes, expected: int | None, prev: bytes | None,
              name: str, lineno: int, is_current: bool, last_seq: int | None, high: int) -> int | None:
    """Name what is wrong with ``line``; return its seq if it can stand in the chain."""
    where = {"file": name, "line": lineno}
    if not line.endswith(b"\n"):
        if is_current:
            report.add("torn_tail", f"the last line of {name} is incomplete ({len(line)} bytes)", **where)
        else:
            report.add("malformed", f"line {lineno} of {name} has no end", **where)
        return None
    parts = split(line)
    seq = seq_of(line) if parts is not None else None
    if parts is None or seq is None:
        report.add("malformed", f"line {lineno} of {name} is not an audit entry", **where)
        return None
    body, stored = parts
    if digest != stored:
        report.add("hash_mismatch", f"entry {seq} was changed after it was written", seq=seq, **where)
    if expected is None:  # no checkpoint to start from: the first entry starts the chain
        return seq
    if last_seq is not None and seq == last_seq:
        report.add("duplicate_seq", f"a second entry {seq}, from a writer that did not hold the lock",
                   seq=seq, **where)
    elif seq < expected:
        report.add("seq_order", f"entry {seq} comes after entry {expected - 1}", seq=seq, **where)
    elif seq > expected:
        # Entries up to ``high`` were seen already, out of order: only the rest are missing.
        start = max(expected, high + 1)
        if start <= seq - 1 and last_seq is not None:
            if lineno == 1:
                report.add("missing_file", f"entries {start}..{seq - 1} are missing before {name}: "
                           "a backup file was deleted", seq=start, **where)
            else:
                report.add("seq_gap", f"entries {start}..{seq - 1} are missing", seq=start, **where)
    elif prev_of(body) != prev and digest == stored:
        report.add("chain_break", f"entry {seq} does not link to entry {seq - 1}", seq=seq, **where)
    return seq


def _check_head(report: _Report, cp: Checkpoint, seq: int, name: str, lineno: int) -> None:
    if seq > cp.anchor_seq:
        report.add("head_deleted", f"entries {cp.anchor_seq}..{seq - 1} are gone, though retention "
                   f"kept them (the oldest retained entry is {cp.anchor_seq})", seq=cp.anchor_seq,
                   file=name, line=lineno)


def _check_manifest(report: _Report, cp: Checkpoint, seen: dict[str, tuple[int | None, int | None]]) -> None:
    for f in cp.files:
        name = f["name"]
        if name not in seen:
            report.add("missing_file", f"{name} (entries {f['first_seq']}..{f['last_seq']}) is missing",
                       seq=f["first_seq"], file=name)
        elif seen[name] != (f["first_seq"], f["last_seq"]):
            got = seen[name]
            report.add("file_mismatch", f"{name} holds entries {got[0]}..{got[1]}, the checkpoint says "
                       f"{f['first_seq']}..{f['last_seq']}", seq=f["first_seq"], file=name)


def _check_end(report: _Report, cp: Checkpoint, last_seq: int | None, last_hash: bytes | None) -> None:
    sealed = (cp.last_seq, cp.last_hash.encode())
    got = (last_seq or 0, last_hash)
    inflight = (cp.inflight["seq"], cp.inflight["hash"].encode()) if cp.inflight else None
    if got == sealed or (last_seq is None and cp.last_seq == 0):
        if inflight is not None:
            report.add("torn_tail", f"entry {inflight[0]} was being written when its writer stopped; "
                       "it was never acknowledged, and the next write goes on from here", seq=inflight[0])
        return
    if got == inflight:
        return
    if got[0] == cp.last_seq:
        report.add("checkpoint_mismatch", f"entry {cp.last_seq} is not the one sealed: the chain was "
                   "rewritten", seq=cp.last_seq)
    elif got[0] < cp.last_seq:
        report.add("truncated", f"entries {got[0] + 1}..{cp.last_seq} were cut off the end", seq=got[0] + 1)
    else:
        report.add("unsealed_tail", f"entries {cp.last_seq + 1}..{got[0]} come after the sealed head: "
                   "written after the last durable checkpoint (a power loss; the next write seals "
                   "them), or appended without the key", seq=cp.last_seq + 1)




__all__ = ["BENIGN", "KINDS", "verify"]
