"""GET /api/audit, its export and the filters, over rotated files."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import fields

from pic_obs import AuditQuery
from pic_obs_audit import query, verify
from pic_obs_audit.entry import ENTRY_FIELDS, split


@pytest.fixture
def mixed(small):
    people = ["admin", "ad", "bob", 'quo"te']
    for i in range(40):
        small.append(fields(i, actor=people[i % 4], action="peer_add" if i % 2 else "peer_remove",
                            result="success" if i % 3 else "failure", status=201 if i % 3 else 400))
    return small


def all_entries(log):
    return [json.loads(line) for p in log.files_oldest_first() for line in p.read_bytes().splitlines()]


def test_page_is_newest_first_across_rotated_files(mixed):
    everything = all_entries(mixed)
    assert len(mixed.files_oldest_first()) == 4
    result = query.page(mixed, AuditQuery(limit=1000))
    assert result["total"] == len(everything)
    assert [e["seq"] for e in result["entries"]] == [e["seq"] for e in reversed(everything)]


@pytest.mark.parametrize("filters", [
    {"actor": "admin"}, {"actor": "ad"}, {"actor": 'quo"te'}, {"action": "peer_add"},
    {"result": "failure"}, {"actor": "bob", "result": "success"}, {"target_id": "peer7"},
    {"target_type": "peer"}, {"actor": "nobody"},
])
def test_filters_match_exactly(mixed, filters):
    expected = [e for e in reversed(all_entries(mixed)) if all(e[k] == v for k, v in filters.items())]
    result = query.page(mixed, AuditQuery(limit=1000, **filters))
    assert result["entries"] == expected and result["total"] == len(expected)


def test_since_is_inclusive_until_exclusive(mixed):
    everything = all_entries(mixed)
    since, until = everything[3]["ts"], everything[-4]["ts"]
    result = query.page(mixed, AuditQuery(since=since, until=until, limit=1000))
    assert [e["seq"] for e in result["entries"]] == [e["seq"] for e in reversed(everything[3:-4])]


def test_limit_and_offset(mixed):
    everything = list(reversed(all_entries(mixed)))
    result = query.page(mixed, AuditQuery(limit=5, offset=3))
    assert result["entries"] == everything[3:8] and result["total"] == len(everything)
    assert query.page(mixed, AuditQuery(limit=5, offset=1000))["entries"] == []


def test_api_query(client, admin, peer):
    for level in ("DEBUG", "INFO", "WARNING"):
        client.put("/api/logs/verbosity", headers=admin, json={"python": {"root": level}})
    client.put("/api/logs/verbosity", headers=peer, json={"python": {"root": "ERROR"}})
    body = client.get("/api/audit?actor=admin&action=log_level_set&limit=2", headers=admin).json
    assert body["total"] == 3 and body["limit"] == 2 and body["offset"] == 0
    assert [e["seq"] for e in body["entries"]] == [3, 2]
    body = client.get("/api/audit?result=failure", headers=admin).json
    assert [(e["actor"], e["role"], e["status"]) for e in body["entries"]] == [("laptop", "peer", 403)]
    assert client.get("/api/audit?since=2026-13-01T00:00:00Z", headers=admin).status_code == 400


FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")']


def test_csv_neutralises_formulas_and_reads_back(audit):
    for i, bad in enumerate(FORMULAS):
        audit.append(fields(i, actor=bad, target_id=bad, action=f'a,"{i}"\nnewline'))
    text = "".join(query.export(audit, AuditQuery(limit=None), "csv"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, data = rows[0], rows[1:]
    assert header == ["seq", "ts", "actor", "role", "ip", "action", "target_type", "target_id",
                      "result", "status", "summary", "prev_hash", "hash"]
    stored = all_entries(audit)
    assert len(data) == len(FORMULAS)
    for row, entry, bad in zip(data, stored, FORMULAS):
        cells = dict(zip(header, row))
        assert cells["actor"] == "'" + bad and cells["target_id"] == "'" + bad
        # Every other field reads back exactly as stored, commas, quotes and newlines included.
        assert cells["action"] == entry["action"]
        assert cells["hash"] == entry["hash"] and cells["seq"] == str(entry["seq"])
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert "\r\n" in text  # RFC 4180 line ends


def test_csv_export_streams_in_chunks(audit):
    for i in range(600):
        audit.append(fields(i))
    chunks = list(query.export(audit, AuditQuery(limit=None), "csv"))
    assert len(chunks) > 1 and all(len(c) < 2 * query.CHUNK for c in chunks)
    assert "".join(chunks).count("\r\n") == 601


def test_jsonl_export_is_the_stored_lines(small):
    for i in range(30):
        small.append(fields(i))
    text = "".join(query.export(small, AuditQuery(limit=None, actor="admin"), "jsonl"))
    stored = b"".join(p.read_bytes() for p in small.files_oldest_first()).decode()
    assert text == stored
    assert all(split(line.encode() + b"\n") for line in text.splitlines())
    limited = "".join(query.export(small, AuditQuery(limit=3, offset=2), "jsonl")).splitlines()
    assert [json.loads(x)["seq"] for x in limited] == [json.loads(x)["seq"] for x in stored.splitlines()[2:5]]


def test_api_export(client, admin):
    client.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "DEBUG"}})
    r = client.get("/api/audit/export?format=csv", headers=admin)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.data.decode(), newline="")))
    assert [(x["seq"], x["action"], x["summary"]) for x in rows] == [
        ("1", "log_level_set", "log_level_set log_levels (keys: python, python.root)")]
    r = client.get("/api/audit/export?format=jsonl", headers=admin)
    assert json.loads(r.data.splitlines()[0])["seq"] == 1
    assert client.get("/api/audit/export?format=pdf", headers=admin).status_code == 400


def test_api_verify(client, admin):
    client.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "DEBUG"}})
    body = client.get("/api/audit/verify", headers=admin).json
    assert body["intact"] is True and body["entries"] == 1
    assert body["first_seq"] == 1 and body["last_seq"] == 1
    assert body["files"][0]["name"] == "audit.log" and body["problems"] == []


def test_torn_lines_are_not_entries(audit):
    audit.append(fields(1))
    with open(audit.log_path, "ab") as f:
        f.write(b'{"seq":2,"actor":"admin"')
    assert query.page(audit, AuditQuery(actor="admin"))["total"] == 1
    assert verify(audit)["intact"]


def test_export_memory_does_not_grow_with_the_log(make_log):
    import tracemalloc

    def peak(log):
        tracemalloc.start()
        for _ in query.export(log, AuditQuery(limit=None), "csv"):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small_log = make_log(max_bytes=200_000, backups=10)
    for i in range(300):
        small_log.append(fields(i))
    small_peak = peak(small_log)
    for i in range(2700):  # nine times the entries, across several files
        small_log.append(fields(i))
    assert len(small_log.files_oldest_first()) >= 4
    assert peak(small_log) < small_peak * 1.5


def test_csv_rows_are_the_stored_entries_escaped_or_not(audit):
    values = ["laptop", 'say "hi"', "back\\slash", "tab\there", "ünïcödé", "=cmd", "plain"]
    for i, v in enumerate(values):
        audit.append(fields(i, actor=v, target_id=f"t{i}"))
    text = "".join(query.export(audit, AuditQuery(limit=None), "csv"))
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    for row, entry in zip(rows, all_entries(audit), strict=True):
        expected = [str(entry[f]) for f in ENTRY_FIELDS]
        expected = [("'" + c) if c[:1] in "=+-@\t\r" else c for c in expected]
        assert row == expected


def test_a_forged_line_cannot_shift_the_csv_columns(audit):
    audit.append(fields(1))
    line = audit.log_path.read_bytes()
    ts = json.loads(line)["ts"]
    audit.log_path.write_bytes(line.replace(ts.encode(), b"2026-01-01,=cmd"))  # a forged ts with a comma
    text = "".join(query.export(audit, AuditQuery(limit=None), "csv"))
    [row] = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(row) == len(ENTRY_FIELDS) and row[1] == "2026-01-01,=cmd"
