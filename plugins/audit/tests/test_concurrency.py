"""Several processes appending at once keep one linear chain: nothing lost, nothing twice."""

from __future__ import annotations

import json
import multiprocessing as mp
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import fields

from pic_obs.testing import call, free_port, gunicorn, host_app, running
from pic_obs_audit import AuditLog, verify

PROCS, EACH = 4, 150


def writer(audit_dir: str, key: str, n: int) -> None:
    log = AuditLog(Path(audit_dir), Path(key), max_bytes=40_000, backups=10)
    for i in range(EACH):
        log.append(fields(target_id=f"w{n}-{i}"))


def test_processes_appending_at_once(make_log):
    log = make_log(max_bytes=40_000, backups=10)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=writer, args=(str(log.dir), str(log.key_path), n)) for n in range(PROCS)]
    [p.start() for p in procs]
    [p.join(120) for p in procs]
    assert [p.exitcode for p in procs] == [0] * PROCS
    stored = [json.loads(line) for p in log.files_oldest_first() for line in p.read_bytes().splitlines()]
    assert len(log.files_oldest_first()) > 1, "the run must cross a rotation"
    assert [e["seq"] for e in stored] == list(range(1, PROCS * EACH + 1))
    assert sorted(e["target_id"] for e in stored) == sorted(f"w{n}-{i}" for n in range(PROCS) for i in range(EACH))
    report = verify(log)
    assert report["intact"] and report["problems"] == [], report["problems"]


def test_gunicorn_workers_share_one_chain(tmp_path, data_dir, tokens):
    port = free_port()
    env = {"PIC_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "audit", **host_app(tmp_path)}
    acked: list[str] = []
    with running(gunicorn("host_app:app", port, 3), port, env, cwd=tmp_path) as (base, _):
        def client(t: int) -> None:
            for i in range(25):
                status, _ = call(base, "POST", f"/api/peers/t{t}-{i}", tokens["admin"])
                assert status == 201
                acked.append(f"t{t}-{i}")

        threads = [threading.Thread(target=client, args=(t,)) for t in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    log = AuditLog(data_dir / "api" / "audit", data_dir / "api" / "secrets" / "audit.key")
    stored = [json.loads(line) for line in log.log_path.read_bytes().splitlines()]
    assert len(acked) == 100
    assert [e["seq"] for e in stored] == list(range(1, 101))
    assert sorted(e["target_id"] for e in stored) == sorted(acked)
    assert verify(log)["intact"]


KILLER = (
    "import sys; sys.path.insert(0, %r)\n"
    "from conftest import fields\n"
    "from pic_obs_audit import AuditLog\n"
    "from pathlib import Path\n"
    "log = AuditLog(Path(%r), Path(%r), max_bytes=30000, backups=4)\n"
    "i = 0\n"
    "while True:\n"
    "    e = log.append(fields(target_id=f'k{i}'))\n"
    "    print(e['seq'], flush=True)\n"
    "    i += 1\n"
)


def test_kill_9_mid_append_loses_nothing_acknowledged(make_log):
    """Kill a writer at a dozen moments (rotations included); each time the trail
    verifies, every acknowledged entry is there, and the next write goes on."""
    log = make_log(max_bytes=30_000, backups=4)
    code = KILLER % (str(Path(__file__).parent), str(log.dir), str(log.key_path))
    acked: list[int] = []
    for delay in (0.0, 0.001, 0.003, 0.005, 0.008, 0.013, 0.021, 0.034, 0.055, 0.0, 0.002, 0.089):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        start = len(acked)
        while len(acked) - start < 60:  # crosses a rotation every ~90 entries
            acked.append(int(proc.stdout.readline()))
        time.sleep(delay)
        proc.kill()
        out, _ = proc.communicate()
        acked += [int(x) for x in out.split()]
        report = verify(log)
        assert report["intact"], (delay, report["problems"])
        assert {p["kind"] for p in report["problems"]} <= {"torn_tail", "rotation_interrupted"}
        assert report["last_seq"] >= acked[-1]
    nxt = log.append(fields(target_id="after"))
    report = verify(log)
    assert report["problems"] == [] and report["last_seq"] == nxt["seq"]
    stored = [json.loads(line)["seq"] for p in log.files_oldest_first() for line in p.read_bytes().splitlines()]
    assert stored == list(range(stored[0], nxt["seq"] + 1))
    kept = set(stored)
    assert [s for s in acked if s >= stored[0] and s not in kept] == []
