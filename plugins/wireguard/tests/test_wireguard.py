"""WireGuard: levels onto wireguard-go's LOG_LEVEL, pending until the container is recreated."""

import pytest
from pic_obs.containers.testing import wait_for_log

from pic_obs.containers.testing import FakeContainer, FakeDocker, install

URL = "fake://wireguard-tests"


@pytest.mark.parametrize("level,value", [("DEBUG", "verbose"), ("INFO", "error"), ("WARNING", "error"),
                                         ("ERROR", "error"), ("CRITICAL", "error")])
def test_levels_map_onto_wireguard_go(make_app, admin, data_dir, level, value):
    install(URL, FakeDocker(FakeContainer("wireguard", env=["LOG_LEVEL=error"])))
    client = make_app(PIC_OBS_DOCKER_HOST=URL).test_client()
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"wireguard": level}})
    assert r.status_code == 200 and r.json["applied"] == {"wireguard": "pending_restart"}
    text = (data_dir / "wireguard" / "wireguard.env").read_text()
    assert f"LOG_LEVEL={value}\n" in text and text.startswith("PEERS=3\n")
    assert r.json["containers"]["wireguard"] == level
    assert r.json["pending_restart"] == ([] if value == "error" else ["wireguard"])


def test_env_file_without_the_marker_reads_back(make_app, admin, data_dir):
    install(URL, FakeDocker(FakeContainer("wireguard", env=["LOG_LEVEL=verbose"])))
    (data_dir / "wireguard" / "wireguard.env").write_text("LOG_LEVEL=verbose\n")
    body = make_app(PIC_OBS_DOCKER_HOST=URL).test_client().get("/api/logs/verbosity", headers=admin).json
    assert body["containers"]["wireguard"] == "DEBUG" and body["pending_restart"] == []


def test_real_pending_then_restart(make_app, admin, wireguard, engine):
    client = make_app(PIC_OBS_CONTAINER_WIREGUARD=wireguard.name).test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"wireguard": "DEBUG"}})
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == ["wireguard"]
    r = client.post("/api/logs/verbosity/restart", headers=admin)
    assert r.json == {"restarted": {"wireguard": "ok"}}
    new = engine.containers.get(wireguard.name)
    wait_for_log(new, b"started with LOG_LEVEL=verbose")
    assert new.attrs["HostConfig"]["CapAdd"] == ["NET_ADMIN"]
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == []
