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
    rec = Recorder()

    @app.post("/api/peers")
    def add_peer():
        return {"added": request.json["name"]}, 201

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
    assert (first.action, first.target_type) == ("peers_create", "peers")
    assert (second.actor, second.status, second.target_id) == ("anonymous", 204, "laptop")


def test_failed_host_request_is_recorded_as_failure(host):
    app, rec, _ = host
    r = app.test_client().post("/api/explode", json={})
    assert r.status_code == 500
    assert [(m.path, m.status, m.result) for m in rec.mutations] == [("/api/explode", 500, "failure")]


def test_host_404_stays_the_hosts(host):
    app, _, _ = host
    r = app.test_client().get("/not-here")
    assert r.status_code == 404 and not r.is_json
