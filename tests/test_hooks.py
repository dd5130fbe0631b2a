"""One test per hook (test_hook_<name>): a plugin implementing it changes what the API does."""

from __future__ import annotations

import contextlib
import stat
import tarfile

import pytest

from pic_obs import AuditQuery, hookimpl
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


def test_hook_pic_obs_restart_target(capp, admin, containers):
    client = capp.test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mail": "DEBUG"}})
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == ["mail"]
    r = client.post("/api/logs/verbosity/restart", headers=admin, json={})
    assert r.status_code == 200 and r.json == {"restarted": {"mail": "ok"}}
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == []
    # Naming: only containers that restart can be named.
    r = client.post("/api/logs/verbosity/restart", headers=admin, json={"containers": ["web"]})
    assert r.status_code == 400
    assert r.json["details"] == [{"path": "containers.0",
                                  "message": "'web' is not a container that needs a restart (one of mail)"}]
    # Nothing pending, nothing named: nothing to do.
    assert client.post("/api/logs/verbosity/restart", headers=admin).json == {"restarted": {}}
    containers.down = True
    r = client.post("/api/logs/verbosity/restart", headers=admin, json={"containers": ["mail"]})
    assert r.status_code == 503
    assert r.json["restarted"] == {"mail": "failed"} and r.json["errors"]["mail"]["error"] == "docker_unavailable"


def test_put_where_every_part_failed_is_not_200(capp, admin, containers):
    containers.down = True
    r = capp.test_client().put("/api/logs/verbosity", headers=admin, json={"containers": {"web": "DEBUG"}})
    assert r.status_code == 503 and r.json["applied"] == {}
    assert r.json["errors"]["web"]["error"] == "docker_unavailable"


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


def core_alone(data_dir, plugins):
    """A Core with only the given plugins (and the defaults): no installed entry points."""
    return Core(Settings(data_dir, {"PIC_OBS_PLUGINS": ""}), plugins=plugins)


def test_hook_pic_obs_backup_files(data_dir):
    core = core_alone(data_dir, [StateFiles(["api/audit/audit.log", "api/secrets/audit.key"])])
    assert core.backup_files() == sorted([
        (data_dir / "api/audit/audit.log").resolve(), (data_dir / "api/secrets/audit.key").resolve(),
        (data_dir / "api/tokens.json").resolve()])
    escaping = core_alone(data_dir, [StateFiles(["../../etc/shadow"])])
    with pytest.raises(PicObsError, match="outside"):
        escaping.backup_files()


def test_hook_pic_obs_backup_guard(make_app, admin, data_dir):
    events = []

    class Guarded(StateFiles):
        @hookimpl
        def pic_obs_backup_files(self, settings):
            events.append("listed")
            return super().pic_obs_backup_files(settings)

        @hookimpl
        def pic_obs_backup_guard(self, settings):
            @contextlib.contextmanager
            def guard():
                events.append("locked")
                yield
                events.append("unlocked")
            return guard()

    (data_dir / "api" / "audit").mkdir(parents=True)
    (data_dir / "api" / "audit" / "audit.log").write_text("entry\n")
    rec = Recorder()
    app = make_app(plugins=[Guarded(["api/audit/audit.log"]), rec])
    client = app.test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "WARNING"}})
    r = client.post("/api/backup", headers=admin)
    assert r.status_code == 201
    assert events == ["locked", "listed", "unlocked"]
    path = data_dir / "backups" / r.json["backup"]
    assert r.json["backup"].startswith("pic-backup-") and path.name.endswith(".tar.gz")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with tarfile.open(path) as tar:
        assert sorted(tar.getnames()) == ["api/audit/audit.log", "api/levels.json", "api/tokens.json"]
        assert tar.extractfile("api/audit/audit.log").read() == b"entry\n"
    assert [(m.action, m.target_type, m.status) for m in rec.mutations][-1] == ("backup_create", "backup", 201)
    assert client.post("/api/backup", headers={"X-Nothing": "1"}).status_code == 401


class FakeAudit:
    def __init__(self):
        self.queries = []

    @hookimpl
    def pic_obs_audit_query(self, query):
        self.queries.append(query)
        return {"entries": [{"seq": 2}, {"seq": 1}], "total": 2}

    @hookimpl
    def pic_obs_audit_export(self, query, format):
        self.queries.append((query, format))
        return iter(["seq\r\n", "1\r\n", "2\r\n"])

    @hookimpl
    def pic_obs_audit_verify(self):
        return {"intact": True, "entries": 2, "first_seq": 1, "last_seq": 2, "files": [], "problems": []}


def test_hook_pic_obs_audit_query(make_app, admin, peer):
    fake = FakeAudit()
    client = make_app(plugins=[fake]).test_client()
    r = client.get("/api/audit?actor=admin&action=peer_add&since=2026-01-01T01:00:00%2B01:00"
                   "&until=2026-06-01T00:00:00Z&limit=50&offset=5", headers=admin)
    assert r.status_code == 200
    assert r.json == {"entries": [{"seq": 2}, {"seq": 1}], "total": 2, "limit": 50, "offset": 5}
    assert fake.queries[-1] == AuditQuery(actor="admin", action="peer_add", since="2026-01-01T00:00:00.000000Z",
                                          until="2026-06-01T00:00:00.000000Z", limit=50, offset=5)
    assert client.get("/api/audit", headers=admin).json["limit"] == 100
    assert client.get("/api/audit", headers=peer).status_code == 403
    assert client.get("/api/audit").status_code == 401


@pytest.mark.parametrize("query,path", [
    ("since=yesterday", "since"),
    ("since=2026-01-01", "since"),
    ("until=2026-01-01T00:00:00", "until"),
    ("limit=0", "limit"),
    ("limit=1001", "limit"),
    ("limit=x", "limit"),
    ("offset=-1", "offset"),
    ("result=maybe", "result"),
    ("actr=admin", "actr"),
])
def test_bad_audit_query_is_400(make_app, admin, query, path):
    fake = FakeAudit()
    r = make_app(plugins=[fake]).test_client().get(f"/api/audit?{query}", headers=admin)
    assert r.status_code == 400
    assert [d["path"] for d in r.json["details"]] == [path]
    assert fake.queries == []


def test_hook_pic_obs_audit_export(make_app, admin):
    fake = FakeAudit()
    client = make_app(plugins=[fake]).test_client()
    r = client.get("/api/audit/export?format=csv&result=failure", headers=admin)
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="pic-audit-')
    assert r.data == b"seq\r\n1\r\n2\r\n"
    assert fake.queries[-1] == (AuditQuery(result="failure", limit=None), "csv")
    assert client.get("/api/audit/export?format=jsonl", headers=admin).mimetype == "application/x-ndjson"
    r = client.get("/api/audit/export?format=xlsx", headers=admin)
    assert r.status_code == 400 and r.json["details"][0]["path"] == "format"


def test_hook_pic_obs_audit_verify(make_app, admin):
    client = make_app(plugins=[FakeAudit()]).test_client()
    assert client.get("/api/audit/verify", headers=admin).json["intact"] is True


def test_audit_routes_without_an_audit_plugin(make_app, admin):
    client = make_app().test_client()
    for url in ("/api/audit", "/api/audit/export", "/api/audit/verify"):
        r = client.get(url, headers=admin)
        assert r.status_code == 404 and "pic-obs-audit" in r.json["message"]
