"""pic-obs inside a host app, as the PIC API uses it."""

from __future__ import annotations

import pytest
from fakes import Recorder
from flask import Flask, request

import pic_obs
from pic_obs.core import logsetup


@pytest.fixture
def host(data_dir):
    app = Flask("pic_host")
    app.config["PIC_OBS_DATA_DIR"] = str(data_dir)
    app.config["PIC_OBS_PLUGINS"] = ""
    rec = Recorder()

    @app.post("/api/peers")
    @pic_obs.audited("peer_add", target_type="peer", target_id="name")
    def add_peer():
        return {"added": request.json["name"]}, 201

    @app.put("/api/peers/<name>/keys")
    @pic_obs.audited("peer_rekey", target_type="peer", target_id="name")
    def rekey(name):
        return {}

    @app.post("/api/routes")
    @pic_obs.audited("route_add", target_type="route", target_id=lambda r: r.json["cidr"])
    def add_route():
        return {}, 201

    @app.post("/api/connectivity/test")
    @pic_obs.not_audited
    def connectivity_test():
        return {"ok": True}

    @app.post("/api/things")
    def add_thing():
        return {}, 201

    @app.delete("/api/peers/<name>")
    def remove_peer(name):
        return "", 204

    @app.post("/api/explode")
    def explode():
        raise RuntimeError("boom")

    @app.get("/")
    def index():
        return "host page"

    ext = pic_obs.init_app(app, plugins=[rec])
    yield app, rec, ext
    logsetup.uninstall()


def test_state_lives_in_app_extensions(host):
    app, _, ext = host
    assert app.extensions["pic_obs"] is ext
    assert ext.settings.data_dir.name == "data"


def test_blueprint_is_mounted_under_api(host, admin):
    app, _, _ = host
    c = app.test_client()
    assert c.get("/api/logs/verbosity", headers=admin).status_code == 200
    assert c.get("/api/logs/verbosity").status_code == 401
    assert c.get("/").data == b"host page"  # the host's own routes are the host's business


def test_host_mutations_reach_the_record_hook(host, admin):
    app, rec, _ = host
    c = app.test_client()
    c.post("/api/peers", headers=admin, json={"name": "laptop", "public_key": "k3y-SECRET"})
    c.delete("/api/peers/laptop")
    c.get("/")
    first, second = rec.mutations
    assert (first.actor, first.status, first.result, first.path) == ("admin", 201, "success", "/api/peers")
    assert first.keys == ("name", "public_key")
    assert "k3y-SECRET" not in repr(first)
    assert (first.action, first.target_type, first.target_id) == ("peer_add", "peer", "laptop")
    # Unmarked routes get an action and target derived from the route.
    assert (second.action, second.target_type, second.target_id) == ("peers_delete", "peers", "laptop")
    assert (second.actor, second.status) == ("anonymous", 204)


def test_marks_name_action_and_target(host):
    app, rec, _ = host
    c = app.test_client()
    c.put("/api/peers/phone/keys", json={"public_key": "x"})
    c.post("/api/routes", json={"cidr": "10.0.0.0/24", "via": "wg0"})
    c.post("/api/routes", json={"via": "wg0"})  # the id cannot be found: still recorded
    c.post("/api/things", json={"name": ["not", "an", "id"]})
    got = [(m.action, m.target_type, m.target_id) for m in rec.mutations]
    assert got == [("peer_rekey", "peer", "phone"), ("route_add", "route", "10.0.0.0/24"),
                   ("route_add", "route", ""), ("things_create", "things", "")]


def test_not_audited_diagnostics_are_not_recorded(host):
    app, rec, _ = host
    assert app.test_client().post("/api/connectivity/test").json == {"ok": True}
    assert rec.mutations == []


def test_failed_host_request_is_recorded_as_failure(host):
    app, rec, _ = host
    r = app.test_client().post("/api/explode", json={})
    assert r.status_code == 500
    assert [(m.path, m.status, m.result) for m in rec.mutations] == [("/api/explode", 500, "failure")]


def test_host_404_stays_the_hosts(host):
    app, _, _ = host
    r = app.test_client().get("/not-here")
    assert r.status_code == 404 and not r.is_json


def test_exception_escaping_in_testing_mode_is_still_recorded(host):
    app, rec, _ = host
    app.testing = True  # exceptions propagate instead of becoming a 500 response
    with pytest.raises(RuntimeError, match="boom"):
        app.test_client().post("/api/explode", json={})
    assert [(m.path, m.status, m.result) for m in rec.mutations] == [("/api/explode", 500, "failure")]
