"""One test per hook (test_hook_<name>): a plugin implementing it changes what the API does."""

from __future__ import annotations

import pytest

from pic_obs import hookimpl
from pic_obs.core.engine import Core
from pic_obs.core.errors import PicObsError
from pic_obs.core.settings import Settings

from fakes import FakeContainers, HeaderSessions, Recorder, StateFiles


@pytest.fixture
def containers():
    return FakeContainers()


@pytest.fixture
def capp(make_app, containers):
    return make_app(plugins=[containers])


def test_hook_pic_obs_targets(capp, admin):
    body = capp.test_client().get("/api/logs/verbosity", headers=admin).json
    assert body["containers"] == {"flaky": "INFO", "mail": "INFO", "web": "INFO"}
    r = capp.test_client().put("/api/logs/verbosity", headers=admin, json={"containers": {"db": "DEBUG"}})
    assert r.status_code == 400
    assert r.json["details"][0]["message"] == "unknown container 'db'; valid: flaky, mail, web"


def test_hook_pic_obs_set_level(capp, admin, containers):
    r = capp.test_client().put("/api/logs/verbosity", headers=admin, json={
        "python": {"root": "WARNING"}, "containers": {"web": "DEBUG", "mail": "ERROR", "flaky": "DEBUG"}})
    assert r.status_code == 200
    body = r.json
    assert body["applied"] == {"web": "hot", "mail": "pending_restart"}
    # The failing container reports its error; its level stays; the rest went through.
    assert body["errors"] == {"flaky": {"error": "docker_unavailable", "message": "Docker is not reachable",
                                        "status": 503}}
    assert body["containers"] == {"flaky": "INFO", "mail": "ERROR", "web": "DEBUG"}
    assert body["python"]["root"] == "WARNING"


def test_set_level_must_return_hot_or_pending(make_app, admin):
    class Liar(FakeContainers):
        @hookimpl
        def pic_obs_set_level(self, target, level):
            return "done" if target == "web" else None

    app = make_app(plugins=[Liar()])
    r = app.test_client().put("/api/logs/verbosity", headers=admin, json={"containers": {"web": "DEBUG"}})
    assert r.json["applied"] == {}
    assert r.json["errors"]["web"]["error"] == "plugin_error"
    assert "'hot' or 'pending_restart'" in r.json["errors"]["web"]["message"]


def test_hook_pic_obs_get_level(capp, admin, containers):
    client = capp.test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mail": "DEBUG", "web": "DEBUG"}})
    body = client.get("/api/logs/verbosity", headers=admin).json
    assert body["pending_restart"] == ["mail"]
    containers.running["mail"] = "DEBUG"  # the container was recreated
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == []
    containers.down = True
    body = client.get("/api/logs/verbosity", headers=admin).json
    assert body["containers"]["web"] is None
    assert body["unknown"]["web"] == "Docker is not reachable"
    # ... and that GET body can still be PUT back.
    containers.down = False
    assert client.put("/api/logs/verbosity", headers=admin,
                      json={**body, "containers": {"web": "INFO"}}).status_code == 200


def test_hook_pic_obs_tail_logs(capp, admin):
    r = capp.test_client().get("/api/logs?container=web&lines=3", headers=admin)
    assert r.status_code == 200
    assert r.json == {"container": "web", "lines": ["web line 17", "web line 18", "web line 19"]}
    # A container that is known but whose plugin serves no log: 404, not an empty list.
    r = capp.test_client().get("/api/logs?container=mail", headers=admin)
    assert r.status_code == 404 and r.json["error"] == "not_found"


def test_hook_pic_obs_search_logs(capp, admin):
    body = capp.test_client().get("/api/logs/search?q=LINE 1&container=web&limit=3", headers=admin).json
    assert [m["line"] for m in body["matches"]] == ["web line 19", "web line 18", "web line 17"]
    assert body["matches"][0] == {"container": "web", "file": "docker", "line_number": 20, "line": "web line 19"}
    assert body["truncated"] is True


def test_hook_pic_obs_record_mutation(make_app, admin):
    rec = Recorder()
    app = make_app(plugins=[rec])
    client = app.test_client()
    client.put("/api/logs/verbosity", headers=admin,
               json={"python": {"root": "DEBUG", "services": {"vault": "DEBUG"}}})
    client.put("/api/logs/verbosity", json={"python": {"root": "DEBUG"}})  # refused: no token
    client.get("/api/logs/verbosity", headers=admin)  # reads are not mutations
    assert len(rec.mutations) == 2
    ok, refused = rec.mutations
    assert (ok.actor, ok.role, ok.method, ok.status, ok.result) == ("admin", "admin", "PUT", 200, "success")
    assert ok.keys == ("python", "python.root", "python.services", "python.services.vault")
    assert ok.ip == "127.0.0.1" and ok.ts.endswith("Z")
    assert (refused.actor, refused.status, refused.result) == ("anonymous", 401, "failure")


def test_record_failure_is_loud(make_app, admin):
    class Broken:
        @hookimpl
        def pic_obs_record_mutation(self, mutation):
            raise OSError(28, "No space left on device")

    app = make_app(plugins=[Broken()])
    r = app.test_client().put("/api/logs/verbosity", headers=admin, json={"python": {"root": "DEBUG"}})
    assert r.status_code == 503
    assert r.json["error"] == "record_failed" and "No space left" in r.json["message"]


def test_hook_pic_obs_resolve_identity(make_app, admin):
    app = make_app(plugins=[HeaderSessions()])
    client = app.test_client()
    assert client.get("/api/plugins", headers={"X-Session": "host-admin:admin"}).status_code == 200
    assert client.get("/api/plugins", headers={"X-Session": "someone:peer"}).status_code == 403
    # The bearer-token resolver still answers when the host's does not.
    assert client.get("/api/plugins", headers=admin).status_code == 200


def test_hook_pic_obs_backup_files(data_dir):
    core = Core(Settings(data_dir), plugins=[StateFiles(["api/audit/audit.log", "api/secrets/audit.key"])])
    assert core.backup_files() == sorted([
        (data_dir / "api/audit/audit.log").resolve(), (data_dir / "api/secrets/audit.key").resolve()])
    escaping = Core(Settings(data_dir), plugins=[StateFiles(["../../etc/shadow"])])
    with pytest.raises(PicObsError, match="outside"):
        escaping.backup_files()
