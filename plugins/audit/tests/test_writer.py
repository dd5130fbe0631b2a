"""Appending: contiguous seq, one linear chain, fsync before return, rotation, repair, failures."""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import stat
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import fields

from pic_obs_audit import GENESIS_HASH, AuditWriteError, verify
from pic_obs_audit.checkpoint import SLOT, CheckpointFile, load_key


def entries(log):
    out = []
    for path in log.files_oldest_first():
        out.extend(json.loads(line) for line in path.read_bytes().splitlines())
    return out


def test_entries_are_chained_from_genesis(audit):
    written = [audit.append(fields(i)) for i in range(5)]
    stored = entries(audit)
    assert stored == written
    assert [e["seq"] for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0]["prev_hash"] == GENESIS_HASH
    for before, after in zip(stored, stored[1:]):
        assert after["prev_hash"] == before["hash"]
        assert after["ts"] >= before["ts"]
    assert list(stored[0]) == ["seq", "ts", "actor", "role", "ip", "action", "target_type", "target_id",
                               "result", "status", "summary", "prev_hash", "hash"]
    assert stored[0]["ts"].endswith("Z") and len(stored[0]["ts"]) == 27


def test_hash_is_sha256_of_the_stored_bytes_before_the_hash(audit):
    audit.append(fields(1))
    line = audit.log_path.read_bytes()
    body, _, rest = line.rpartition(b',"hash":"')
    assert hashlib.sha256(body).hexdigest() == json.loads(line)["hash"] == rest[:64].decode()


def test_summary_has_key_names_never_values(audit):
    entry = audit.append(fields(1, target_id="laptop", keys=("name", "public_key", "peer.allowed_ips")))
    assert entry["summary"] == "peer_add peer:laptop (keys: name, public_key, peer.allowed_ips)"


def test_files_are_private_and_the_key_lives_outside_the_audit_dir(audit, data_dir):
    audit.append(fields(1))
    key = data_dir / "api" / "secrets" / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert stat.S_IMODE(audit.log_path.stat().st_mode) == 0o600
    assert not (audit.dir / "audit.key").exists()


def test_fsync_before_append_returns(audit, monkeypatch):
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    audit.append(fields(1))
    assert str(audit.log_path) in synced


def test_the_fsync_runs_after_the_lock_is_released(audit, monkeypatch):
    # So writers wait for the disk side by side and the filesystem commits their
    # entries together: another writer can take the lock while this one syncs.
    audit.append(fields(0))
    free = []
    real = os.fsync

    def spy(fd):
        if os.readlink(f"/proc/self/fd/{fd}") == str(audit.log_path):
            probe = os.open(audit.lock_path, os.O_RDWR)
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                free.append(True)
            except BlockingIOError:
                free.append(False)
            finally:
                os.close(probe)
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    audit._last_durable = time.monotonic()  # not the once-a-second checkpoint sync
    audit.append(fields(1))
    assert free == [True]


def test_a_durable_checkpoint_never_names_entries_that_are_not_durable(audit, monkeypatch):
    audit.append(fields(0))
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    audit._last_durable = 0.0  # due now
    audit.append(fields(1))
    # The log (holding every writer's entries so far) first, then the checkpoint;
    # then the writer's own fsync, outside the lock.
    assert synced == ["audit.log", "audit.checkpoint", "audit.log"]


def test_an_fsync_that_fails_is_loud_and_keeps_what_was_written(audit, monkeypatch, caplog):
    audit.append(fields(0))
    real = os.fsync

    def broken(fd):
        if os.readlink(f"/proc/self/fd/{fd}") == str(audit.log_path):
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fsync", broken)
    audit._last_durable = time.monotonic()
    with pytest.raises(AuditWriteError, match="entry 2 not made durable: Input/output error"):
        audit.append(fields(1))
    assert "AUDIT WRITE FAILED: entry 2 was written but not made durable" in caplog.text
    monkeypatch.setattr(os, "fsync", real)
    assert audit.append(fields(2))["seq"] == 3
    assert [e["seq"] for e in entries(audit)] == [1, 2, 3]
    assert verify(audit)["problems"] == []


def test_a_checkpoint_deleted_under_a_running_writer_is_made_anew(audit, caplog):
    for i in range(3):
        audit.append(fields(i))
    audit.checkpoint_path.unlink()
    assert "checkpoint_invalid" in {p["kind"] for p in verify(audit)["problems"]}
    audit.append(fields(3))  # the same writer, which keeps its key and its open files
    assert "continuing the chain from the log itself" in caplog.text
    assert audit.checkpoint_path.exists()
    assert verify(audit) == {**verify(audit), "intact": True, "problems": []}
    assert verify(audit)["last_seq"] == 4


def test_checkpoint_slots_are_written_in_turn(audit):
    for i in range(4):
        audit.append(fields(i))
        raw = audit.checkpoint_path.read_bytes()
        gens = sorted(int(json.loads(raw[i * SLOT:(i + 1) * SLOT].split(b"\n")[0])["gen"]) for i in (0, 1))
        assert gens[1] == gens[0] + 1  # the newest and the one before it, never the same slot twice
    cps = CheckpointFile(audit.checkpoint_path, load_key(audit.key_path, create=False))
    newest, _ = cps.read()
    # A write torn by a power cut leaves the slot before it standing.
    with open(audit.checkpoint_path, "r+b") as f:
        f.seek((newest.gen % 2) * SLOT + 10)
        f.write(b"#####")
    older, why = cps.parse(audit.checkpoint_path.read_bytes())
    assert why is None and older.gen == newest.gen - 1


def test_a_line_edited_to_the_same_length_is_still_caught(audit):
    for i in range(3):
        audit.append(fields(i))
    data = audit.log_path.read_bytes()
    audit.log_path.write_bytes(data.replace(b'"actor":"admin"', b'"actor":"eeeee"'))
    audit.append(fields(3))  # the writer goes on from the sealed head without reading the log
    assert {p["kind"] for p in verify(audit)["problems"]} >= {"hash_mismatch"}
    assert not verify(audit)["intact"]


def test_rotation_keeps_one_chain_across_files(small):
    for i in range(45):
        small.append(fields(i))
    names = [p.name for p in small.files_oldest_first()]
    assert names == ["audit.log.3", "audit.log.2", "audit.log.1", "audit.log"]
    stored = entries(small)
    # Honest retention: the oldest entries were rotated out with the oldest file.
    assert stored[-1]["seq"] == 45 and stored[0]["seq"] > 1
    assert [e["seq"] for e in stored] == list(range(stored[0]["seq"], 46))
    for before, after in zip(stored, stored[1:]):
        assert after["prev_hash"] == before["hash"]
    assert all(p.stat().st_size <= 4000 for p in small.files_oldest_first())
    report = verify(small)
    assert report["intact"], report["problems"]
    assert report["first_seq"] == stored[0]["seq"] and report["last_seq"] == 45


def test_torn_tail_is_named_and_repaired(audit):
    for i in range(3):
        audit.append(fields(i))
    with open(audit.log_path, "ab") as f:  # a writer died in the middle of its line
        f.write(b'{"seq":4,"ts":"2026-')
    report = verify(audit)
    assert report["intact"] is True
    assert [p["kind"] for p in report["problems"]] == ["torn_tail"]
    audit.append(fields(4))
    assert [e["seq"] for e in entries(audit)] == [1, 2, 3, 4]
    assert verify(audit) == {**verify(audit), "intact": True, "problems": []}


def test_writer_dying_before_its_line_is_not_tampering(audit):
    audit.append(fields(1))
    cps = CheckpointFile(audit.checkpoint_path, load_key(audit.key_path, create=False))
    cp, _ = cps.read()
    cps.write(cp.next(inflight={"seq": 2, "hash": "ab" * 32}))  # sealed in flight, never written
    report = verify(audit)
    assert report["intact"] and [p["kind"] for p in report["problems"]] == ["torn_tail"]
    entry = audit.append(fields(2))
    assert entry["seq"] == 2 and verify(audit)["problems"] == []


def test_writer_dying_after_its_line_is_sealed_by_the_next(audit):
    audit.append(fields(1))
    cps = CheckpointFile(audit.checkpoint_path, load_key(audit.key_path, create=False))
    before, _ = cps.read()
    audit.append(fields(2))
    after, _ = cps.read()
    # Put back the state "entry 2 written, checkpoint still says in flight".
    cps.write(dataclasses.replace(before, gen=after.gen + 1, inflight={"seq": 2, "hash": after.last_hash}))
    assert verify(audit)["problems"] == []
    assert audit.append(fields(3))["seq"] == 3
    assert verify(audit)["intact"]


@pytest.mark.parametrize("crash_at", [1, 2, 3])
def test_rotation_cut_short_by_a_crash_is_finished(small, monkeypatch, crash_at):
    for i in range(35):
        small.append(fields(i))
    assert len(small.files_oldest_first()) == 4  # a full set: the next rotation drops one
    real = os.replace
    calls = []

    def crash(src, dst):
        calls.append(dst)
        if len(calls) == crash_at:
            raise KeyboardInterrupt("power cut")
        real(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        for i in range(35, 60):
            small.append(fields(i))
    monkeypatch.setattr(os, "replace", real)
    report = verify(small)
    assert report["intact"] and [p["kind"] for p in report["problems"]] == ["rotation_interrupted"]
    last = small.append(fields(99))
    report = verify(small)
    assert report["intact"], report["problems"]
    assert report["last_seq"] == last["seq"]


class Full:
    """os.write that stops after ``room`` bytes, as a full disk does."""

    def __init__(self, room):
        self.room = room
        self.real = os.write

    def __call__(self, fd, data):
        if self.room <= 0:
            raise OSError(28, "No space left on device")
        n = min(len(data), self.room)
        self.room -= n
        return self.real(fd, bytes(data[:n]))


def test_write_failure_is_loud_leaves_nothing_partial_and_resumes(audit, monkeypatch, caplog):
    for i in range(3):
        audit.append(fields(i))
    before = audit.log_path.read_bytes()
    monkeypatch.setattr(os, "write", Full(room=50))
    with pytest.raises(AuditWriteError, match="No space left"):
        audit.append(fields(3))
    monkeypatch.undo()
    assert audit.log_path.read_bytes() == before  # the half line was cut away
    assert "AUDIT WRITE FAILED" in caplog.text
    report = verify(audit)
    assert not report["intact"]
    assert [p["kind"] for p in report["problems"]] == ["write_failed"]
    assert report["write_failure"]["seq"] == 4
    audit.append(fields(3))
    report = verify(audit)
    assert report["intact"] and report["last_seq"] == 4


def test_lost_key_under_an_existing_checkpoint_is_not_replaced(audit, make_log):
    audit.append(fields(1))
    audit.key_path.unlink()
    audit.append(fields(2))  # a running writer keeps the key it read
    restarted = make_log()
    with pytest.raises(AuditWriteError, match="restore it from a backup"):
        restarted.append(fields(3))
    assert not audit.key_path.exists()
    assert [p["kind"] for p in verify(audit)["problems"]] == ["key_missing"]


def test_verify_while_writing_and_rotating_sees_no_false_alarm(small):
    import threading

    stop = threading.Event()
    errors = []
    written = [0]

    def write():
        i = 0
        while not stop.is_set():
            try:
                small.append(fields(i))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return
            i += 1
            written[0] = i

    small.append(fields(0))
    t = threading.Thread(target=write)
    t.start()
    reports = []
    deadline = time.monotonic() + 30
    try:
        # Until the writer has rotated a few times meanwhile (a file holds ~9 entries).
        while (len(reports) < 40 or written[0] < 60) and time.monotonic() < deadline:
            reports.append(verify(small))
            time.sleep(0.001)  # flock is not fair: let the writer in
    finally:
        stop.set()
        t.join()
    assert errors == []
    assert written[0] >= 60
    assert all(r["intact"] and r["problems"] == [] for r in reports), [r["problems"] for r in reports]
    assert reports[-1]["last_seq"] > reports[0]["last_seq"]


_hex = st.text("0123456789abcdef", min_size=64, max_size=64)


@settings(max_examples=200, deadline=None)
@given(gen=st.integers(0, 2**40), seq=st.integers(0, 2**40), count=st.integers(0, 2**40),
       last_hash=st.one_of(_hex, st.text(max_size=70)),
       inflight=st.one_of(st.none(), st.fixed_dictionaries({"seq": st.integers(0, 2**40),
                                                            "hash": st.one_of(_hex, st.text(max_size=70))})),
       log_end=st.one_of(st.none(), st.integers(0, 2**40)),
       failure=st.one_of(st.none(), st.fixed_dictionaries({"ts": st.text(), "seq": st.integers(), "error": st.text()})))
def test_the_checkpoint_line_is_the_json_of_its_fields(gen, seq, count, last_hash, inflight, log_end, failure):
    # The usual line is made by a format, not by json: it must be the very same bytes.
    from pic_obs_audit.checkpoint import HOT_FIELDS, Checkpoint
    cp = Checkpoint(gen=gen, last_seq=seq, count=count, last_hash=last_hash, inflight=inflight,
                    log_end=log_end, failure=failure)
    expected = json.dumps({f: getattr(cp, f) for f in HOT_FIELDS}, separators=(",", ":")).encode()
    assert cp.hot() == expected
