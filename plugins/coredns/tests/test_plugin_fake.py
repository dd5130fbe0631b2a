import pytest
from conftest import COREFILE

from pic_obs.containers.testing import FakeContainer, FakeDocker, install

URL = "fake://coredns-tests"


@pytest.fixture
def fake():
    f = FakeDocker(FakeContainer("coredns"))
    install(URL, f)
    return f


@pytest.fixture
def client(make_app, fake):
    return make_app(PIC_OBS_DOCKER_HOST=URL).test_client()


def test_put_rewrites_and_signals(client, admin, fake, data_dir):
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "DEBUG"}})
    assert r.status_code == 200 and r.json["applied"] == {"coredns": "hot"}
    assert fake.containers["coredns"].signals == ["SIGUSR1"]
    assert "\tdebug\n" in (data_dir / "coredns" / "Corefile").read_text()
    assert r.json["containers"]["coredns"] == "DEBUG"


def test_docker_down_leaves_the_corefile(client, admin, fake, data_dir):
    fake.down = True
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "DEBUG"}})
    assert r.status_code == 503 and r.json["errors"]["coredns"]["error"] == "docker_unavailable"
    assert (data_dir / "coredns" / "Corefile").read_text() == COREFILE


def test_signal_failure_puts_the_old_corefile_back(client, admin, fake, data_dir):
    def refuse(signal):
        import docker.errors
        import requests

        response = requests.Response()
        response.status_code, response.reason, response.url = 409, "Conflict", "http://docker/kill"
        raise docker.errors.APIError("409 Client Error", response=response,
                                     explanation="Cannot kill container: coredns is not running")
    fake.containers["coredns"].kill = refuse
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "DEBUG"}})
    assert r.status_code == 502 and "not running" in r.json["errors"]["coredns"]["message"]
    assert (data_dir / "coredns" / "Corefile").read_text() == COREFILE
