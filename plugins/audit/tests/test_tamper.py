"""verify names each way the trail can be damaged, and tells it from honest retention."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from conftest import fields

from pic_obs_audit import verify
from pic_obs_audit.checkpoint import SLOT
from pic_obs_audit.entry import encode


def kinds(report):
    return {p["kind"] for p in report["problems"]}


def lines(path):
    return path.read_bytes().splitlines(keepends=True)


def put(path, new_lines):
    path.write_bytes(b"".join(new_lines))


@pytest.fixture
def trail(audit):
    for i in range(10):
        audit.append(fields(i))
    assert verify(audit)["intact"]
    return audit


@pytest.fixture
def rotated(small):
    for i in range(45):
        small.append(fields(i))
    report = verify(small)
    assert report["intact"] and len(report["files"]) == 4
    return small


def test_an_edited_field(trail):
    ls = lines(trail.log_path)
    ls[4] = ls[4].replace(b'"actor":"admin"', b'"actor":"eve"')
    put(trail.log_path, ls)
    report = verify(trail)
    assert not report["intact"]
    [p] = report["problems"]
    assert (p["kind"], p["seq"], p["file"], p["line"]) == ("hash_mismatch", 5, "audit.log", 5)


def test_an_inserted_line(trail):
    ls = lines(trail.log_path)
    forged, _ = encode(5, {"ts": "2026-01-01T00:00:00.000000Z", "actor": "eve"}, "0" * 64)
    put(trail.log_path, ls[:5] + [forged] + ls[5:])
    assert {"seq_order", "chain_break"} & kinds(verify(trail))
    assert not verify(trail)["intact"]


def test_a_deleted_line(trail):
    ls = lines(trail.log_path)
    put(trail.log_path, ls[:3] + ls[4:])
    report = verify(trail)
    assert kinds(report) == {"seq_gap"}
    assert report["problems"][0]["detail"] == "entries 4..4 are missing"


def test_reordered_lines(trail):
    ls = lines(trail.log_path)
    ls[3], ls[4] = ls[4], ls[3]
    put(trail.log_path, ls)
    assert "seq_order" in kinds(verify(trail))


def test_newest_entries_cut_off(trail):
    put(trail.log_path, lines(trail.log_path)[:7])
    report = verify(trail)
    assert kinds(report) == {"truncated"}
    assert report["problems"][0]["detail"] == "entries 8..10 were cut off the end"


def test_the_newest_entry_alone_cut_off(trail):
    put(trail.log_path, lines(trail.log_path)[:9])
    assert kinds(verify(trail)) == {"truncated"}


def test_whole_chain_recomputed_without_the_key(trail):
    prev = "0" * 64
    new = []
    for line in lines(trail.log_path):
        e = json.loads(line)
        e["actor"] = "eve"
        body = {k: v for k, v in e.items() if k not in ("seq", "prev_hash", "hash")}
        forged, prev = encode(e["seq"], body, prev)
        new.append(forged)
    put(trail.log_path, new)
    report = verify(trail)
    assert kinds(report) == {"checkpoint_mismatch"}


def test_forged_checkpoint(trail):
    raw = bytearray(trail.checkpoint_path.read_bytes())
    for slot in (0, 1):
        payload, _, _ = bytes(raw[slot * SLOT:(slot + 1) * SLOT]).partition(b"\n")
        doc = json.loads(payload)
        doc["last_seq"] = 3
        forged = json.dumps(doc).encode() + b"\n" + hashlib.sha256(b"guess").hexdigest().encode()
        raw[slot * SLOT:(slot + 1) * SLOT] = forged.ljust(SLOT)
    trail.checkpoint_path.write_bytes(bytes(raw))
    assert kinds(verify(trail)) == {"checkpoint_invalid"}


def test_checkpoint_deleted(trail):
    trail.checkpoint_path.unlink()
    assert kinds(verify(trail)) == {"checkpoint_invalid"}


def test_duplicate_seq_from_a_second_writer(trail):
    # A writer that ignores the lock reads the same head and writes the same seq.
    ls = lines(trail.log_path)
    last = json.loads(ls[-1])
    body = {k: v for k, v in last.items() if k not in ("seq", "prev_hash", "hash")}
    twin, _ = encode(last["seq"], {**body, "actor": "other"}, last["prev_hash"])
    put(trail.log_path, ls + [twin])
    report = verify(trail)
    assert "duplicate_seq" in kinds(report)
    assert [p["seq"] for p in report["problems"] if p["kind"] == "duplicate_seq"] == [10]


def test_honest_retention_is_intact(rotated):
    report = verify(rotated)
    assert report["first_seq"] > 1 and report["problems"] == []


def test_the_oldest_backup_deleted_is_not_retention(rotated):
    oldest = rotated.files_oldest_first()[0]
    os.unlink(oldest)
    report = verify(rotated)
    assert not report["intact"]
    assert {"head_deleted", "missing_file"} <= kinds(report)


def test_a_middle_backup_deleted(rotated):
    os.unlink(rotated.backup_path(2))
    report = verify(rotated)
    assert "missing_file" in kinds(report)
    assert any(p["file"] == "audit.log.2" for p in report["problems"])


def test_middle_backups_swapped(rotated):
    a, b = rotated.backup_path(1), rotated.backup_path(2)
    tmp = a.with_name("x")
    os.rename(a, tmp)
    os.rename(b, a)
    os.rename(tmp, b)
    report = verify(rotated)
    assert "file_mismatch" in kinds(report)
    assert "seq_order" in kinds(report) or "missing_file" in kinds(report)


def test_a_backup_replaced_by_a_copy_of_another(rotated):
    rotated.backup_path(2).write_bytes(rotated.backup_path(1).read_bytes())
    assert not verify(rotated)["intact"]


def test_key_deleted(trail):
    trail.key_path.unlink()
    assert kinds(verify(trail)) == {"key_missing"}


def test_problem_kinds_are_distinct_and_described():
    from pic_obs_audit.verify import KINDS

    assert len(KINDS) == len(set(KINDS)) and all(KINDS.values())


@pytest.fixture(scope="module")
def long_trail(tmp_path_factory):
    from pic_obs_audit import AuditLog
    d = tmp_path_factory.mktemp("long")
    log = AuditLog(d / "audit", d / "key")
    for i in range(9000):  # more than one block of the fast path, and a part block
        log.append(fields(i))
    assert verify(log)["intact"]
    return log, log.log_path.read_bytes()


@pytest.mark.parametrize("at", [100, 4095, 4096, 4097, 8999])
@pytest.mark.parametrize("damage, kind", [
    (lambda ls, k: ls.__setitem__(k, ls[k].replace(b'"actor":"admin"', b'"actor":"eeeee"')), "hash_mismatch"),
    (lambda ls, k: ls.__setitem__(k, ls[k].replace(b',"hash":"', b',"hosh":"')), "malformed"),
    (lambda ls, k: ls.__setitem__(k, encode(k + 1, {"ts": "2026-01-01T00:00:00.000000Z", "actor": "eve"},
                                            "0" * 64)[0]), "chain_break"),
])
def test_damage_deep_in_a_long_file_is_found_where_it_is(long_trail, at, damage, kind):
    log, clean = long_trail
    ls = clean.splitlines(keepends=True)
    damage(ls, at)
    try:
        put(log.log_path, ls)
        report = verify(log)
    finally:
        log.log_path.write_bytes(clean)
    assert not report["intact"]
    assert kind in kinds(report)
    assert min(p["line"] for p in report["problems"] if p["line"]) == at + 1
