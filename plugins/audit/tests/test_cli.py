"""pic-obs audit verify / export / show, working from the files while the API is down."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import fields

from pic_obs.cli import get_cli


@pytest.fixture
def run(data_dir, monkeypatch):
    monkeypatch.setenv("PIC_OBS_PLUGINS", "audit")

    def invoke(*args):
        return CliRunner().invoke(get_cli(), ["--data-dir", str(data_dir), "audit", *args],
                                  catch_exceptions=False)
    return invoke


@pytest.fixture
def filled(audit):
    for i in range(6):
        audit.append(fields(i, actor="admin" if i % 2 else "bob"))
    return audit


def test_verify_exit_codes(run, filled):
    r = run("verify")
    assert r.exit_code == 0
    assert r.stdout.startswith("intact: 6 entries (seq 1..6) in 1 file\n")
    lines = filled.log_path.read_bytes().splitlines(keepends=True)
    filled.log_path.write_bytes(b"".join(lines[:2] + lines[3:]))
    r = run("verify")
    assert r.exit_code == 1
    assert "NOT INTACT" in r.stdout and "seq_gap audit.log:3: entries 3..3 are missing" in r.stdout


def test_export_csv_and_jsonl(run, filled):
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv", "--actor", "bob").stdout)))
    assert [r["seq"] for r in rows] == ["1", "3", "5"]
    lines = run("export", "--format", "jsonl", "--limit", "2").stdout.splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [1, 2]


def test_show_newest_first(run, filled):
    r = run("show", "--actor", "admin", "--json")
    assert [json.loads(x)["seq"] for x in r.stdout.splitlines()] == [6, 4, 2]


def test_bad_filters_are_usage_errors(run, filled):
    r = run("show", "--since", "last week")
    assert r.exit_code == 2 and "since" in r.output


def test_data_dir_after_the_command(filled, data_dir, monkeypatch):
    monkeypatch.setenv("PIC_OBS_PLUGINS", "audit")
    r = CliRunner().invoke(get_cli(), ["audit", "verify", "--data-dir", str(data_dir)])
    assert r.exit_code == 0 and "intact: 6 entries" in r.output


def test_verify_shows_a_progress_bar_on_a_terminal(filled, data_dir):
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {**os.environ, "PIC_OBS_PLUGINS": "audit", "COLUMNS": "80"}
    proc = subprocess.Popen([sys.executable, "-m", "pic_obs.cli", "--data-dir", str(data_dir), "audit", "verify"],
                            stdin=follower, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    out, _ = proc.communicate(timeout=60)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert b"verifying" in seen and b"100%" in seen
    assert out.startswith(b"intact: 6 entries")
