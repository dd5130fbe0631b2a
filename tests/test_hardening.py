"""Every admin route refuses peers and anonymous callers (and records the attempt), and no
secret sent to any mutating route reaches a file in data/."""

from __future__ import annotations

import tarfile

import pytest
from fakes import FakeContainers

SECRET = "Sup3r-S3cret-Valu3-9f8e7d"


@pytest.fixture
def app(make_app):
    return make_app({"PIC_OBS_PLUGINS": "audit"}, plugins=[FakeContainers()])


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api") and rule.endpoint != "pic_obs.health":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def test_peers_get_403_and_anonymous_401_on_every_admin_route(app, admin, peer):
    client = app.test_client()
    routes = list(api_routes(app))
    assert len(routes) >= 11
    mutating = 0
    for method, path in routes:
        for headers, status in ((peer, 403), ({}, 401), ({"Authorization": "Bearer pic_wrong"}, 401)):
            r = client.open(path, method=method, headers=headers, json={"python": {"root": "DEBUG"}})
            assert r.status_code == status, (method, path, headers)
            assert r.is_json and r.json["error"] in ("forbidden", "unauthorized")
            assert b"seq" not in r.data and b"DEBUG" not in r.data
        mutating += method != "GET"
    entries = client.get("/api/audit?result=failure&limit=1000", headers=admin).json["entries"]
    refused = [(e["actor"], e["status"]) for e in entries]
    assert refused.count(("laptop", 403)) == mutating
    assert refused.count(("anonymous", 401)) == 2 * mutating
    assert client.get("/api/logs/verbosity", headers=admin).json["python"]["root"] == "INFO"


def test_no_secret_reaches_data(app, admin, data_dir, tokens):
    client = app.test_client()
    for method, path in api_routes(app):
        if method == "GET":
            continue
        headers = {**admin, "X-Api-Key": SECRET, "Cookie": f"session={SECRET}", "X-Forwarded-For": SECRET}
        body = {"python": {"root": "INFO"}, "password": SECRET, "nested": {"private_key": SECRET},
                "containers": [SECRET], "list": [{"token": SECRET}]}
        client.open(f"{path}?token={SECRET}&password={SECRET}", method=method, headers=headers, json=body)
        client.open(path, method=method, headers=headers, data=f"password={SECRET}",
                    content_type="application/x-www-form-urlencoded")
        client.open(path, method=method, headers={"Authorization": f"Bearer {SECRET}"}, json=body)
    client.post("/api/backup", headers=admin)
    leaks = []
    for p in data_dir.rglob("*"):
        if p.is_file():
            raw = p.read_bytes()
            if p.name.endswith(".tar.gz"):
                with tarfile.open(p) as tar:
                    raw = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
            for secret in (SECRET, tokens["admin"], tokens["peer"]):
                if secret.encode() in raw:
                    leaks.append((p.relative_to(data_dir), secret[:6]))
    assert leaks == []
    # The attempts are on the record all the same, with key names only.
    summaries = [e["summary"] for e in client.get("/api/audit?limit=1000", headers=admin).json["entries"]]
    assert any("nested.private_key" in s and "password" in s for s in summaries)
