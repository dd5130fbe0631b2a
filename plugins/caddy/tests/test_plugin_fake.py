"""The Caddy plugin's hooks against a fake Docker client."""

import pytest

from pic_obs.containers.testing import ExecResult, FakeContainer, FakeDocker, install

URL = "fake://caddy-tests"


@pytest.fixture
def fake():
    f = FakeDocker(FakeContainer("caddy", log=[f'{{"level":"info","msg":"line {i}"}}' for i in range(5)]))
    install(URL, f)
    return f


@pytest.fixture
def client(make_app, fake):
    return make_app(PIC_OBS_DOCKER_HOST=URL).test_client()


def test_put_edits_the_caddyfile_and_reloads(client, admin, fake, data_dir):
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "WARNING"}})
    assert r.status_code == 200 and r.json["applied"] == {"caddy": "hot"}
    assert "level WARN" in (data_dir / "caddy" / "Caddyfile").read_text()
    assert fake.containers["caddy"].execs == [
        ["caddy", "reload", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]]
    assert r.json["containers"]["caddy"] == "WARNING"


def test_rejected_reload_puts_the_old_file_back(client, admin, fake, data_dir):
    before = (data_dir / "caddy" / "Caddyfile").read_bytes()
    fake.containers["caddy"].exec_results.append(ExecResult(1, b"Error: adapting config: bad\n"))
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}})
    assert r.status_code == 502
    assert r.json["errors"]["caddy"]["error"] == "reload_failed"
    assert "Error: adapting config: bad" in r.json["errors"]["caddy"]["message"]
    assert (data_dir / "caddy" / "Caddyfile").read_bytes() == before
    assert r.json["containers"]["caddy"] == "INFO"


def test_docker_down_changes_nothing(client, admin, fake, data_dir):
    before = (data_dir / "caddy" / "Caddyfile").read_bytes()
    fake.down = True
    r = client.put("/api/logs/verbosity", headers=admin,
                   json={"python": {"root": "DEBUG"}, "containers": {"caddy": "DEBUG"}})
    assert r.status_code == 200  # the python part went through
    assert r.json["errors"]["caddy"]["error"] == "docker_unavailable"
    assert r.json["python"]["root"] == "DEBUG"
    assert (data_dir / "caddy" / "Caddyfile").read_bytes() == before
    body = client.get("/api/logs/verbosity", headers=admin).json
    assert body["containers"]["caddy"] == "INFO" and "caddy" in body["unknown"]


def test_missing_container(make_app, admin):
    install(URL + "-empty", FakeDocker())
    c = make_app(PIC_OBS_DOCKER_HOST=URL + "-empty").test_client()
    r = c.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}})
    assert r.status_code == 404
    assert r.json["errors"]["caddy"]["error"] == "container_not_found"
    assert "PIC_OBS_CONTAINER_CADDY" in r.json["errors"]["caddy"]["message"]


def test_container_name_from_config_and_compose_label(make_app, admin):
    install(URL + "-named", FakeDocker(FakeContainer("edge")))
    c = make_app(PIC_OBS_DOCKER_HOST=URL + "-named", PIC_OBS_CONTAINER_CADDY="edge").test_client()
    assert c.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}}).status_code == 200
    install(URL + "-label", FakeDocker(FakeContainer("pic_caddy_1", labels={"com.docker.compose.service": "caddy"})))
    c = make_app(PIC_OBS_DOCKER_HOST=URL + "-label").test_client()
    assert c.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "INFO"}}).status_code == 200


def test_logs_tail_and_search(client, admin):
    assert client.get("/api/logs?container=caddy&lines=2", headers=admin).json["lines"] == [
        '{"level":"info","msg":"line 3"}', '{"level":"info","msg":"line 4"}']
    body = client.get("/api/logs/search?container=caddy&q=LINE 1", headers=admin).json
    assert [m["line"] for m in body["matches"]] == ['{"level":"info","msg":"line 1"}']
    assert body["matches"][0]["container"] == "caddy"


def test_caddy_has_nothing_to_restart(client, admin):
    r = client.post("/api/logs/verbosity/restart", headers=admin, json={"containers": ["caddy"]})
    assert r.status_code == 400
