"""make backup and POST /api/backup: consistent while writing, and a restore verifies."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import threading
from pathlib import Path

from conftest import fields

from pic_obs.core.engine import Core
from pic_obs.core.settings import Settings
from pic_obs_audit import AuditLog, verify


def restore(archive: Path, into: Path) -> AuditLog:
    into.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return AuditLog(into / "api" / "audit", into / "api" / "secrets" / "audit.key")


def test_api_backup_restores_to_an_intact_trail(client, admin, tmp_path, data_dir):
    for level in ("DEBUG", "INFO"):
        client.put("/api/logs/verbosity", headers=admin, json={"python": {"root": level}})
    r = client.post("/api/backup", headers=admin)
    assert r.status_code == 201
    archive = data_dir / "backups" / r.json["backup"]
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"api/audit/audit.log", "api/audit/audit.checkpoint", "api/secrets/audit.key",
            "api/tokens.json", "api/levels.json"} <= names
    restored = restore(archive, tmp_path / "restored")
    report = verify(restored)
    assert report["intact"] and report["last_seq"] == 2
    # The backup request is itself on the record (after the archive was taken).
    entries = client.get("/api/audit", headers=admin).json["entries"]
    assert (entries[0]["action"], entries[0]["target_type"], entries[0]["status"]) == ("backup_create", "backup", 201)


def test_backup_while_writing_is_consistent(make_log, data_dir, tmp_path):
    log = make_log(max_bytes=20_000, backups=10)
    stop = threading.Event()

    def keep_writing():
        i = 0
        while not stop.is_set():
            log.append(fields(i))
            i += 1

    log.append(fields(-1))  # the trail exists before the first backup
    t = threading.Thread(target=keep_writing)
    t.start()
    try:
        core = Core(Settings(data_dir, {"PIC_OBS_PLUGINS": "audit", "PIC_OBS_AUDIT_MAX_BYTES": 20_000}))
        archives = []
        for _ in range(5):
            archives.append(core.backup())
    finally:
        stop.set()
        t.join()
    for n, archive in enumerate(archives):
        report = verify(restore(archive, tmp_path / f"r{n}"))
        assert report["intact"] and report["problems"] == [], report["problems"]
        assert report["entries"] > 0


def test_make_backup_target(data_dir, audit):
    audit.append(fields(1))
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run(["make", "-s", "backup", f"PIC_DATA_DIR={data_dir}", f"BIN={Path(sys.executable).parent}"],
                         cwd=repo, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    archive = Path(out.stdout.strip().splitlines()[-1])
    assert archive.parent == data_dir / "backups" and archive.name.startswith("pic-backup-")
    with tarfile.open(archive) as tar:
        assert "api/audit/audit.log" in tar.getnames()
