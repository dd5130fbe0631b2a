"""The OpenAPI document, held to the real answers; every endpoint driven with generated input."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from fakes import FakeContainers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from pic_obs.openapi import document

SPEC = document()


@pytest.fixture
def app(make_app):
    return make_app({"PIC_OBS_PLUGINS": "audit"}, plugins=[FakeContainers()])


@pytest.fixture
def client(app):
    return app.test_client()


def schema_for(path: str, method: str, status: int) -> dict | None:
    responses = SPEC["paths"][path][method.lower()]["responses"]
    resp = responses.get(str(status))
    if resp is None:
        return None
    if "$ref" in resp:
        resp = SPEC["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    content = resp.get("content", {})
    return content.get("application/json", {}).get("schema")


def check(path: str, method: str, r) -> None:
    """The answer is documented: its status is listed, and a JSON body fits its schema."""
    assert r.status_code != 500, r.data[:500]
    documented = SPEC["paths"][path][method.lower()]["responses"]
    assert str(r.status_code) in documented, f"{method} {path} answered an undocumented {r.status_code}"
    schema = schema_for(path, method, r.status_code)
    if schema is not None:
        assert r.is_json, r.data[:200]
        jsonschema.validate(r.json, {**schema, "$defs": {}})
    if r.status_code >= 400:
        assert r.is_json and {"error", "message"} <= set(r.json)


def test_the_document_is_valid_openapi_and_served(client, admin):
    validate(SPEC)
    r = client.get("/api/openapi.json", headers=admin)
    assert r.status_code == 200 and r.json == json.loads(json.dumps(SPEC))


def test_every_route_is_documented_and_nothing_else(app):
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            routes.setdefault(rule.rule, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {p: set(ops) for p, ops in SPEC["paths"].items()}
    assert routes == documented


CALLS = [
    ("GET", "/api/health", None), ("GET", "/api/plugins", None), ("GET", "/api/logs/verbosity", None),
    ("PUT", "/api/logs/verbosity", {"python": {"root": "DEBUG"}, "containers": {"web": "DEBUG", "flaky": "INFO"}}),
    ("PUT", "/api/logs/verbosity", {"python": {"root": "LOUD"}}),
    ("POST", "/api/logs/verbosity/restart", {}), ("POST", "/api/logs/verbosity/restart", {"containers": ["x"]}),
    ("GET", "/api/logs?service=api&lines=5", None), ("GET", "/api/logs?container=web&lines=2", None),
    ("GET", "/api/logs?service=nope", None), ("GET", "/api/logs/search?q=PUT", None),
    ("GET", "/api/logs/search?q=", None), ("GET", "/api/audit?limit=3", None), ("GET", "/api/audit?since=x", None),
    ("GET", "/api/audit/export?format=csv", None), ("GET", "/api/audit/export?format=xml", None),
    ("GET", "/api/audit/verify", None), ("POST", "/api/backup", None),
]


@pytest.mark.parametrize("method,url,body", CALLS)
def test_real_answers_fit_the_document(client, admin, method, url, body):
    client.put("/api/logs/verbosity", headers=admin, json={"python": {"root": "INFO"}})
    r = client.open(url, method=method, headers=admin, json=body)
    check(url.split("?")[0], method, r)
    anonymous = client.open(url, method=method, json=body)
    assert anonymous.status_code == (200 if url == "/api/health" else 401)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20)
    | st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "network", "web", "mail"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["python", "root", "services", "containers", "network", "web", "mail", "x", "levels"])
        | st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
param_names = st.sampled_from(["service", "container", "lines", "q", "limit", "offset", "actor", "since", "until",
                               "format", "result", "action", "target_id", "zzz"])
param_values = st.text(max_size=12) | st.integers(-5, 20000).map(str) | st.sampled_from(
    ["api", "network", "web", "../etc", "csv", "jsonl", "2026-01-01T00:00:00Z", "success", "a%0Ab"])
OPERATIONS = [(p, m) for p, ops in SPEC["paths"].items() for m in ops if p != "/api/backup"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(op=st.sampled_from(OPERATIONS), params=st.dictionaries(param_names, param_values, max_size=4),
       body=json_values, raw=st.booleans())
def test_generated_input_never_breaks_it(client, admin, op, params, body, raw):
    path, method = op
    before = client.get("/api/logs/verbosity", headers=admin).json
    kwargs = {"query_string": params, "headers": admin}
    if method in ("put", "post"):
        if raw:
            kwargs["data"] = json.dumps(body)[:-1] if body is not None else "{"  # malformed JSON
            kwargs["content_type"] = "application/json"
        else:
            kwargs["json"] = body
    r = client.open(path, method=method.upper(), **kwargs)
    check(path, method, r)
    if method == "put" and r.status_code != 200:
        after = client.get("/api/logs/verbosity", headers=admin).json
        assert after == before, "a rejected PUT changed the levels"


@pytest.mark.parametrize("path,method", [("/api/logs/verbosity", "PUT"), ("/api/logs/verbosity/restart", "POST")])
def test_bodies_over_64_kib_are_413(client, admin, path, method):
    big = {"python": {"root": "DEBUG"}, "pad": "x" * 70_000}
    r = client.open(path, method=method, headers=admin, json=big)
    assert r.status_code == 413 and r.json["error"] in ("payload_too_large", "request_entity_too_large")
    assert client.get("/api/logs/verbosity", headers=admin).json["python"]["root"] == "INFO"


def test_413_inside_a_host_app_too(data_dir, admin):
    from flask import Flask

    import pic_obs
    from pic_obs.core import logsetup

    host = Flask("host")
    host.config.update(PIC_OBS_DATA_DIR=str(data_dir), PIC_OBS_PLUGINS="")
    pic_obs.init_app(host)
    try:
        r = host.test_client().put("/api/logs/verbosity", headers=admin,
                                   json={"python": {"root": "DEBUG"}, "pad": "x" * 70_000})
        assert r.status_code == 413 and r.is_json
    finally:
        logsetup.uninstall()


def test_wrong_content_type_is_415_everywhere_a_body_is_read(client, admin):
    for path, method in (("/api/logs/verbosity", "PUT"), ("/api/logs/verbosity/restart", "POST")):
        r = client.open(path, method=method, headers=admin, data="containers=x", content_type="text/plain")
        assert r.status_code == 415, path


def test_path_characters_in_names_are_400(client, admin):
    for q in ("service=../../etc/passwd", "service=api/../api", "container=../x", "container=web%2F..",
              "service=api%00"):
        r = client.get(f"/api/logs?{q}", headers=admin)
        assert r.status_code == 400 and re.search("unknown (service|container)", r.json["message"]), q
