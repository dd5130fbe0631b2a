"""Against the real Docker Engine and a real Caddy 2 (docker/test-images)."""

from __future__ import annotations

import json
import socket
import time

import pytest


def running_level(container) -> str:
    out = container.exec_run(["wget", "-qO-", "http://localhost:2019/config/logging/logs/default/level"])
    return json.loads(out.output) if out.exit_code == 0 else f"error {out.output!r}"


def serves(container) -> bool:
    out = container.exec_run(["wget", "-qO-", "http://localhost:8080/"])
    return out.exit_code == 0 and out.output == b"pic test caddy"


@pytest.fixture
def client(make_app, caddy):
    return make_app(PIC_OBS_CONTAINER_CADDY=caddy.name).test_client()


def test_put_debug_makes_caddy_log_at_debug(client, admin, caddy):
    assert running_level(caddy) == "INFO"
    before = caddy.logs()
    assert b'"level":"debug"' not in before
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}})
    assert r.status_code == 200, r.json
    assert r.json["applied"] == {"caddy": "hot"} and r.json["containers"]["caddy"] == "DEBUG"
    assert running_level(caddy) == "DEBUG"
    # Caddy's own log lines, after the reload, include debug ones.
    deadline = time.monotonic() + 10
    while b'"level":"debug"' not in caddy.logs()[len(before):]:
        assert time.monotonic() < deadline, "Caddy wrote no debug line after the reload"
        time.sleep(0.1)
    assert serves(caddy)
    caddy.reload()
    assert caddy.attrs["RestartCount"] == 0  # hot: the same process, not a restart


def test_every_level_reloads_even_when_caddys_config_is_the_same(client, admin, caddy):
    for level, caddy_level in [("ERROR", "ERROR"), ("CRITICAL", "ERROR"), ("WARNING", "WARN"), ("INFO", "INFO")]:
        r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": level}})
        assert r.status_code == 200, (level, r.json)
        assert r.json["containers"]["caddy"] == level
        assert running_level(caddy) == caddy_level


def test_a_caddyfile_caddy_rejects_leaves_the_old_level(client, admin, caddy, data_dir):
    path = data_dir / "caddy" / "Caddyfile"
    broken = path.read_text().replace('respond "pic test caddy"', 'respond "pic test caddy"\n\tno_such_directive')
    path.write_text(broken)
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}})
    assert r.status_code == 502
    err = r.json["errors"]["caddy"]
    assert err["error"] == "reload_failed" and "no_such_directive" in err["message"]
    assert path.read_text() == broken  # the old file, as it was
    assert running_level(caddy) == "INFO" and serves(caddy)
    assert r.json["containers"]["caddy"] == "INFO"


def test_container_log_through_the_api(client, admin, caddy):
    lines = client.get("/api/logs?container=caddy&lines=3", headers=admin).json["lines"]
    assert len(lines) == 3 and all(json.loads(line)["level"] for line in lines)
    body = client.get("/api/logs/search?container=caddy&q=serving initial configuration", headers=admin).json
    assert body["matches"] and body["matches"][0]["container"] == "caddy"


def test_no_engine_is_a_clear_error_within_the_retry_bound(make_app, admin, tmp_path, data_dir):
    dead = tmp_path / "docker.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(dead))
    listener.close()  # a socket file nobody listens on: what a stopped dockerd leaves
    before = (data_dir / "caddy" / "Caddyfile").read_bytes()
    for url in (f"unix://{dead}", f"unix://{tmp_path}/missing.sock"):
        client = make_app(PIC_OBS_DOCKER_HOST=url).test_client()
        start = time.monotonic()
        r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}})
        took = time.monotonic() - start
        assert r.status_code == 503
        assert r.json["errors"]["caddy"]["error"] == "docker_unavailable"
        assert "is dockerd running?" in r.json["errors"]["caddy"]["message"]
        assert took < 5, f"took {took:.1f}s; the retry bound is a few seconds"
        body = client.get("/api/logs/verbosity", headers=admin).json
        assert body["containers"]["caddy"] == "INFO" and "caddy" in body["unknown"]
    assert (data_dir / "caddy" / "Caddyfile").read_bytes() == before
