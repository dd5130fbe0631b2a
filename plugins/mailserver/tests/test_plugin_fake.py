import pytest

from pic_obs.containers.testing import FakeContainer, FakeDocker, install

URL = "fake://mailserver-tests"


@pytest.fixture
def fake():
    f = FakeDocker(FakeContainer("mailserver", env=["LOG_LEVEL=info", "OVERRIDE_HOSTNAME=mail.example.org"]))
    install(URL, f)
    return f


@pytest.fixture
def client(make_app, fake):
    return make_app(PIC_OBS_DOCKER_HOST=URL).test_client()


@pytest.mark.parametrize("level,value", [("DEBUG", "debug"), ("INFO", "info"), ("WARNING", "warn"),
                                         ("ERROR", "error"), ("CRITICAL", "error")])
def test_levels_map_onto_docker_mailserver(client, admin, data_dir, level, value):
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": level}})
    assert r.status_code == 200
    text = (data_dir / "mailserver" / "mailserver.env").read_text()
    assert f"LOG_LEVEL={value}\n" in text and "OVERRIDE_HOSTNAME=mail.example.org\n" in text
    assert r.json["containers"]["mailserver"] == level
    assert r.json["applied"] == {"mailserver": "pending_restart"}
    # Pending exactly while the running container's env differs (it runs with info).
    assert r.json["pending_restart"] == ([] if value == "info" else ["mailserver"])


def test_pending_exactly_while_the_running_env_differs(client, admin, fake):
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "DEBUG"}})
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == ["mailserver"]
    fake.containers["mailserver"].env = ["LOG_LEVEL=debug"]  # what a recreated container has
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == []


def test_missing_container_stores_nothing(make_app, admin, data_dir):
    install(URL + "-empty", FakeDocker())
    before = (data_dir / "mailserver" / "mailserver.env").read_text()
    c = make_app(PIC_OBS_DOCKER_HOST=URL + "-empty").test_client()
    r = c.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "DEBUG"}})
    assert r.status_code == 404 and r.json["errors"]["mailserver"]["error"] == "container_not_found"
    assert (data_dir / "mailserver" / "mailserver.env").read_text() == before
