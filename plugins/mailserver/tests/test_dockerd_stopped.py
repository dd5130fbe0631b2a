"""A real dockerd stopped mid-run and started again: clear errors within the retry bound while
it is down, the Python and audit parts unaffected, and all working again without an API restart.

It runs a second dockerd of its own (own socket, data root, no bridge), so stopping it harms
no other test."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import docker as sdk
import pytest

from pic_obs.containers.docker_access import DOWN_FOR


BRIDGE = "picobs-br0"


def start_dockerd(root):
    # Its own bridge: with --bridge none, dockerd deletes docker0, which the main engine needs.
    sock = root / "docker.sock"
    proc = subprocess.Popen(
        ["dockerd", "--host", f"unix://{sock}", "--data-root", str(root / "data"), "--exec-root",
         str(root / "exec"), "--pidfile", str(root / "docker.pid"), "--bridge", BRIDGE, "--iptables=false",
         "--ip-masq=false"], stdout=open(root / "dockerd.log", "ab"), stderr=subprocess.STDOUT)
    client = sdk.DockerClient(base_url=f"unix://{sock}", version="auto", timeout=30) if _wait(sock) else None
    return proc, client


def _wait(sock, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sdk.DockerClient(base_url=f"unix://{sock}", version="auto", timeout=5).ping()
            return True
        except Exception:
            time.sleep(0.5)
    return False


@pytest.fixture
def second_engine(engine, tmp_path_factory):
    if shutil.which("dockerd") is None:
        if os.environ.get("PIC_OBS_REQUIRE_DOCKER") == "1":
            pytest.fail("dockerd is not installed")
        pytest.skip("dockerd is not installed")
    root = tmp_path_factory.mktemp("dockerd2")
    subprocess.run(["ip", "link", "add", "name", BRIDGE, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", "192.0.2.1/24", "dev", BRIDGE], check=True)  # TEST-NET-1: never routed
    subprocess.run(["ip", "link", "set", BRIDGE, "up"], check=True)
    proc, client = start_dockerd(root)
    assert client is not None, (root / "dockerd.log").read_text()[-2000:]
    # The test image, from the main engine into this one.
    saved = engine.images.get("pic-test/mailserver").save(named=True)
    client.images.load(b"".join(saved))
    yield root, proc, client
    if proc.poll() is None:  # the test failed before it stopped this dockerd
        for c in client.containers.list(all=True):
            c.remove(force=True)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    subprocess.run(["ip", "link", "delete", BRIDGE], check=False)


def test_dockerd_stopped_mid_run(make_app, admin, second_engine, data_dir):
    root, proc, client = second_engine
    sock = f"unix://{root / 'docker.sock'}"
    client.containers.run("pic-test/mailserver", name="mailserver", detach=True, network_mode="none",
                          environment=["LOG_LEVEL=info"], restart_policy={"Name": "unless-stopped"})
    api = make_app(PIC_OBS_DOCKER_HOST=sock, PIC_OBS_PLUGINS="audit,mailserver").test_client()
    r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "DEBUG"}})
    assert r.status_code == 200 and r.json["applied"] == {"mailserver": "pending_restart"}

    proc.send_signal(signal.SIGTERM)  # dockerd stops, as on `systemctl stop docker`
    proc.wait(60)
    before = (data_dir / "mailserver" / "mailserver.env").read_text()
    start = time.monotonic()
    r = api.put("/api/logs/verbosity", headers=admin,
                json={"python": {"root": "WARNING"}, "containers": {"mailserver": "ERROR"}})
    took = time.monotonic() - start
    assert r.status_code == 200, r.json  # the Python part went through
    assert r.json["errors"]["mailserver"]["error"] == "docker_unavailable"
    assert took < 5, f"{took:.1f}s: the retry bound is a few seconds"
    assert r.json["python"]["root"] == "WARNING"
    assert (data_dir / "mailserver" / "mailserver.env").read_text() == before
    body = api.get("/api/logs/verbosity", headers=admin).json
    assert body["containers"]["mailserver"] == "DEBUG" and "mailserver" in body["unknown"]
    entries = api.get("/api/audit?limit=10", headers=admin).json["entries"]
    assert entries[0]["action"] == "log_level_set" and api.get("/api/audit/verify", headers=admin).json["intact"]

    proc2, client2 = start_dockerd(root)  # dockerd is back; the API was not restarted
    try:
        assert client2 is not None
        time.sleep(DOWN_FOR)
        r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "ERROR"}})
        assert r.status_code == 200 and r.json["applied"] == {"mailserver": "pending_restart"}, r.json
        assert "unknown" not in api.get("/api/logs/verbosity", headers=admin).json
    finally:
        for c in client2.containers.list(all=True):
            c.remove(force=True)
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(60)
