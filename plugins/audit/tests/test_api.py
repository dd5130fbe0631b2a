"""The audit plugin inside the PIC API: what reaches the trail, and who may read it."""

from __future__ import annotations

import pytest
from flask import Flask, request

import pic_obs
from pic_obs.core import logsetup

SECRET = "s3cr3t-Pr1vate-K3y-value"


@pytest.fixture
def host(data_dir):
    app = Flask("pic_host")
    app.config.update(PIC_OBS_DATA_DIR=str(data_dir), PIC_OBS_PLUGINS="audit")

    @app.post("/api/peers")
    @pic_obs.audited("peer_add", target_type="peer", target_id="name")
    def add_peer():
        return {"name": request.json["name"]}, 201

    @app.delete("/api/peers/<name>")
    def remove_peer(name):
        return "", 204

    @app.post("/api/boom")
    def boom():
        raise RuntimeError("unhandled")

    @app.post("/api/connectivity/test")
    @pic_obs.not_audited
    def connectivity():
        return {"ok": True}

    pic_obs.init_app(app)
    yield app
    logsetup.uninstall()


def trail(client, admin, **filters):
    args = "&".join(f"{k}={v}" for k, v in filters.items())
    return client.get(f"/api/audit?limit=1000&{args}", headers=admin).json["entries"]


def test_host_post_is_recorded_as_the_seed_shows(host, admin):
    c = host.test_client()
    r = c.post("/api/peers", headers=admin, json={"name": "laptop", "public_key": SECRET},
               environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert r.status_code == 201
    [e] = trail(c, admin)
    assert (e["actor"], e["role"], e["ip"]) == ("admin", "admin", "10.0.0.7")
    assert (e["action"], e["target_type"], e["target_id"]) == ("peer_add", "peer", "laptop")
    assert (e["result"], e["status"]) == ("success", 201)
    assert e["summary"] == "peer_add peer:laptop (keys: name, public_key)"


def test_refused_and_failed_requests_are_recorded(host, admin, peer):
    c = host.test_client()
    c.post("/api/peers", json={"name": "x"})                            # no token: host route, anonymous
    c.put("/api/logs/verbosity", json={"python": {"root": "DEBUG"}})   # 401
    c.put("/api/logs/verbosity", headers=peer, json={"python": {"root": "DEBUG"}})  # 403
    c.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "LOUD"}})  # 400
    c.post("/api/boom", headers=admin, json={})                         # 500
    c.delete("/api/peers/laptop", headers=admin)
    c.post("/api/connectivity/test", headers=admin)                     # opted out
    c.get("/api/logs/verbosity", headers=admin)                         # a read
    got = [(e["actor"], e["action"], e["status"], e["result"]) for e in reversed(trail(c, admin))]
    assert got == [
        ("anonymous", "peer_add", 201, "success"),
        ("anonymous", "log_level_set", 401, "failure"),
        ("laptop", "log_level_set", 403, "failure"),
        ("admin", "log_level_set", 400, "failure"),
        ("admin", "boom_create", 500, "failure"),
        ("admin", "peers_delete", 204, "success"),
    ]


@pytest.mark.parametrize("url", ["/api/audit", "/api/audit/export?format=csv", "/api/audit/verify"])
def test_audit_is_admin_only(host, admin, peer, url):
    c = host.test_client()
    c.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "DEBUG"}})
    r = c.get(url, headers=peer)
    assert r.status_code == 403 and r.is_json and b"log_level_set" not in r.data
    r = c.get(url)
    assert r.status_code == 401 and b"log_level_set" not in r.data
    assert c.get(url, headers=admin).status_code == 200


def test_a_secret_from_a_request_appears_nowhere_in_data(host, admin, data_dir, tokens):
    c = host.test_client()
    c.post(f"/api/peers?key={SECRET}", headers={**admin, "X-Api-Key": SECRET},
           json={"name": "laptop", "public_key": SECRET, "nested": {"password": SECRET}, "list": [SECRET]})
    c.delete(f"/api/peers/laptop?token={SECRET}", headers=admin)
    c.put(f"/api/logs/verbosity?x={SECRET}", headers=admin, data=SECRET, content_type="text/plain")
    c.post("/api/backup", headers=admin)
    pic_obs.get_logger("api").info("flushing")
    found = [p for p in data_dir.rglob("*") if p.is_file() and
             (SECRET.encode() in p.read_bytes() or tokens["admin"].encode() in p.read_bytes())]
    assert found == []
    # Backups are gzip: look inside them too.
    import tarfile
    for archive in (data_dir / "backups").glob("*.tar.gz"):
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                assert SECRET.encode() not in tar.extractfile(member).read()
    [entry] = [e for e in trail(c, admin) if e["action"] == "peer_add"]
    assert entry["summary"] == "peer_add peer:laptop (keys: list, name, nested, nested.password, public_key)"


def test_record_failure_answers_503_and_is_in_the_api_log(host, admin, data_dir, monkeypatch):
    import pic_obs_audit.writer as writer

    c = host.test_client()
    c.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "INFO"}})

    def broken_disk(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(writer.os, "fsync", broken_disk)
    r = c.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "DEBUG"}})
    monkeypatch.undo()
    assert r.status_code == 503 and r.json["error"] == "record_failed"
    assert "Input/output error" in r.json["message"]
    assert "could not record PUT /api/logs/verbosity" in (data_dir / "logs" / "api.log").read_text()
