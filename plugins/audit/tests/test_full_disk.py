"""A real full disk (a small tmpfs): a clear error, no partial entry, and writing resumes."""

from __future__ import annotations

import os
import subprocess

import pytest
from flask import Flask

import pic_obs
from pic_obs.core import logsetup
from pic_obs.core.tokens import TokenStore
from pic_obs_audit import verify
from pic_obs_audit.plugin import close_all
from pic_obs_audit.writer import AuditLog

FILLER = "filler"


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI must be able to mount a tmpfs: {r.stderr.decode()}")
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mnt
    logsetup.uninstall()
    close_all()  # the plugin's writers keep the checkpoint open
    still = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
             if os.path.exists(f"/proc/self/fd/{fd}") and os.readlink(f"/proc/self/fd/{fd}").startswith(str(mnt))]
    assert still == [], still
    subprocess.run(["umount", str(mnt)], check=True)


def fill(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass  # full
    finally:
        os.close(fd)


def test_mutations_fail_clearly_and_resume_when_space_returns(tiny_disk):
    data = tiny_disk / "data"
    app = Flask("host")
    app.config.update(PIC_OBS_DATA_DIR=str(data), PIC_OBS_PLUGINS="audit")

    @app.post("/api/peers/<name>")
    @pic_obs.audited("peer_add", target_type="peer", target_id="name")
    def add(name):
        return {}, 201

    pic_obs.init_app(app)
    token = TokenStore(data / "api" / "tokens.json").create("admin", "admin")
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    assert c.post("/api/peers/first", headers=h).status_code == 201
    log = AuditLog(data / "api" / "audit", data / "api" / "secrets" / "audit.key")
    fill(tiny_disk / FILLER)
    # Appends fit in the page the log already has, until they do not.
    for i in range(200):
        before = log.log_path.read_bytes()
        r = c.post(f"/api/peers/p{i}", headers=h)
        if r.status_code != 201:
            break
    assert r.status_code == 503, "the disk never filled up"
    assert r.json["error"] == "record_failed" and "No space left on device" in r.json["message"]
    assert log.log_path.read_bytes() == before  # no partial entry
    report = c.get("/api/audit/verify", headers=h).json
    assert report["intact"] is False
    assert [p["kind"] for p in report["problems"]] == ["write_failed"]
    assert "No space left" in report["write_failure"]["error"]
    os.unlink(tiny_disk / FILLER)
    assert c.post("/api/peers/after", headers=h).status_code == 201
    report = c.get("/api/audit/verify", headers=h).json
    assert report["intact"] and report["problems"] == []
    entries = c.get("/api/audit?limit=1000", headers=h).json["entries"]
    assert [e["seq"] for e in entries] == list(range(len(entries), 0, -1))
    assert entries[0]["target_id"] == "after"
    assert verify(log)["intact"]
