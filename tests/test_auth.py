import json
import stat

import pytest

from pic_obs.core.tokens import TokenStore

ADMIN_ROUTES = [
    ("GET", "/api/plugins"),
    ("GET", "/api/logs/verbosity"),
    ("PUT", "/api/logs/verbosity"),
    ("GET", "/api/logs?service=network"),
    ("GET", "/api/logs/search?q=x"),
]


def test_health_needs_no_token(client):
    r = client.get("/api/health")
    assert r.status_code == 200 and r.json == {"status": "ok"}


@pytest.mark.parametrize("method,url", ADMIN_ROUTES)
def test_anonymous_gets_401_json(client, tokens, method, url):
    r = client.open(url, method=method, json={"python": {"root": "DEBUG"}})
    assert r.status_code == 401
    assert r.json["error"] == "unauthorized" and "Bearer" in r.json["message"]


@pytest.mark.parametrize("method,url", ADMIN_ROUTES)
def test_unknown_token_gets_401(client, tokens, method, url):
    r = client.open(url, method=method, headers={"Authorization": "Bearer pic_forged"}, json={})
    assert r.status_code == 401
    assert "unknown or revoked" in r.json["message"]


@pytest.mark.parametrize("method,url", ADMIN_ROUTES)
def test_peer_gets_403(client, peer, method, url):
    r = client.open(url, method=method, headers=peer, json={"python": {"root": "DEBUG"}})
    assert r.status_code == 403
    assert r.json["error"] == "forbidden" and "admin" in r.json["message"]


def test_peer_cannot_change_levels(client, peer, admin):
    client.put("/api/logs/verbosity", headers=peer, json={"python": {"root": "DEBUG"}})
    assert client.get("/api/logs/verbosity", headers=admin).json["python"]["root"] == "INFO"


def test_other_schemes_are_not_tokens(client, tokens):
    r = client.get("/api/plugins", headers={"Authorization": f"Basic {tokens['admin']}"})
    assert r.status_code == 401


def test_tokens_file_holds_hashes_only_and_is_private(data_dir, tokens):
    path = data_dir / "api" / "tokens.json"
    text = path.read_text()
    assert tokens["admin"] not in text and tokens["peer"] not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = {e["user"]: e["role"] for e in json.loads(text)["tokens"]}
    assert users == {"admin": "admin", "laptop": "peer"}


def test_revoked_token_stops_working_without_restart(client, data_dir, admin):
    assert client.get("/api/plugins", headers=admin).status_code == 200
    assert TokenStore(data_dir / "api" / "tokens.json").revoke("admin")
    assert client.get("/api/plugins", headers=admin).status_code == 401


def test_token_created_after_start_works(client, data_dir, tokens):
    new = TokenStore(data_dir / "api" / "tokens.json").create("second", "admin")
    assert client.get("/api/plugins", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_one_token_per_user_and_names_checked(data_dir):
    store = TokenStore(data_dir / "api" / "tokens.json")
    store.create("alice", "admin")
    with pytest.raises(ValueError, match="revoke"):
        store.create("alice", "peer")
    with pytest.raises(ValueError, match="invalid user"):
        store.create("../x", "admin")
    with pytest.raises(ValueError, match="invalid role"):
        store.create("bob", "root")


def _remote(app, headers):
    seen = {}

    @app.post("/whoami")
    def whoami():
        from pic_obs.auth import source_ip
        seen["ip"] = source_ip()
        return {}

    app.test_client().post("/whoami", headers=headers, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    return seen["ip"]


def test_forwarded_for_is_ignored_by_default(make_app):
    app = make_app()
    assert _remote(app, {"X-Forwarded-For": "1.2.3.4"}) == "10.9.9.9"


def test_forwarded_for_counts_behind_trusted_proxies(make_app):
    app = make_app({"PIC_OBS_TRUSTED_PROXIES": "1"})
    # With one trusted proxy only the last hop it added counts, not what the client wrote.
    assert _remote(app, {"X-Forwarded-For": "6.6.6.6, 1.2.3.4"}) == "1.2.3.4"


def test_an_identity_never_reaches_another_request(make_app, admin):
    # A streamed answer left open keeps its app context, which Flask shares with
    # the next request: the admin's identity must not be taken for the next caller's.
    app = make_app({"PIC_OBS_PLUGINS": "audit"})
    client = app.test_client()
    streamed = client.get("/api/audit/export?format=csv", headers=admin)
    assert streamed.status_code == 200
    assert client.get("/api/audit/export?format=csv").status_code == 401
    assert client.get("/api/logs/verbosity").status_code == 401
    streamed.close()
