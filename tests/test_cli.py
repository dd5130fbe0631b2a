from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from pic_obs.cli import get_cli
from pic_obs.core.logsetup import log_paths
from pic_obs.core.tokens import TokenStore


@pytest.fixture
def run(data_dir):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(get_cli(), ["--data-dir", str(data_dir), *args], catch_exceptions=False)

    return invoke


def test_token_create_prints_once_and_stores_the_hash(run, data_dir):
    r = run("token", "create", "--user", "alice", "--role", "admin")
    assert r.exit_code == 0
    token = r.stdout.strip()
    assert token.startswith("pic_") and len(token) > 40
    path = data_dir / "api" / "tokens.json"
    assert token not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TokenStore(path).lookup(token).user == "alice"


def test_token_create_refuses_a_second_token_unless_if_missing(run):
    run("token", "create", "--user", "alice", "--role", "admin")
    r = run("token", "create", "--user", "alice", "--role", "admin")
    assert r.exit_code == 1 and "revoke" in r.output
    r = run("token", "create", "--user", "alice", "--role", "admin", "--if-missing")
    assert r.exit_code == 0 and r.stdout == ""


def test_token_role_is_checked(run):
    r = CliRunner().invoke(get_cli(), ["token", "create", "--user", "x", "--role", "root"])
    assert r.exit_code == 2 and "root" in r.output


def test_token_list_and_revoke(run):
    run("token", "create", "--user", "alice", "--role", "admin")
    run("token", "create", "--user", "laptop", "--role", "peer")
    listed = run("token", "list").stdout.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [["alice", "admin"], ["laptop", "peer"]]
    assert run("token", "revoke", "laptop").exit_code == 0
    assert [line.split("\t")[0] for line in run("token", "list").stdout.splitlines()] == ["alice"]
    r = run("token", "revoke", "laptop")
    assert r.exit_code == 1 and "no token" in r.output


def test_logs_tail_and_search_without_the_api(run, data_dir):
    paths = log_paths(data_dir / "logs", "wireguard")
    paths[0].parent.mkdir(parents=True)
    paths[1].write_text("2026-01-01T00:00:00.000Z INFO pic.wireguard old handshake\n")
    paths[0].write_text("".join(f"2026-01-02T00:00:00.000Z INFO pic.wireguard line {i}\n" for i in range(5)))
    r = run("logs", "tail", "wireguard", "-n", "2")
    assert r.stdout.splitlines() == [
        "2026-01-02T00:00:00.000Z INFO pic.wireguard line 3",
        "2026-01-02T00:00:00.000Z INFO pic.wireguard line 4",
    ]
    r = run("logs", "search", "HANDSHAKE", "--service", "wireguard")
    assert r.stdout == "wireguard.log.1:1: 2026-01-01T00:00:00.000Z INFO pic.wireguard old handshake\n"


def test_logs_bad_input_exits_2_with_the_reason(run):
    r = run("logs", "tail", "nope")
    assert r.exit_code == 2 and "unknown service 'nope'" in r.output
    r = run("logs", "tail", "network", "-n", "0")
    assert r.exit_code == 2 and "lines" in r.output


def test_plugins_json_matches_the_api(run):
    r = run("plugins", "--json")
    names = {p["name"]: p["status"] for p in json.loads(r.stdout)["plugins"]}
    assert names["bearer_tokens"] == "loaded" and names["service_logs"] == "loaded"
    assert "bearer_tokens" in run("plugins").stdout
