"""Load and faults through real gunicorn workers: nothing acknowledged is ever lost."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager


from pic_obs.testing import call, free_port, gunicorn, host_app, running
from pic_obs_audit import AuditLog, verify

@contextmanager
def gunicorn_host(tmp_path, data_dir, workers: int):
    port = free_port()
    env = {"PIC_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "audit", **host_app(tmp_path)}
    with running(gunicorn("host_app:app", port, workers), port, env, cwd=tmp_path) as served:
        yield served


def stored(data_dir):
    log = AuditLog(data_dir / "api" / "audit", data_dir / "api" / "secrets" / "audit.key")
    return log, [json.loads(line) for p in log.files_oldest_first() for line in p.read_bytes().splitlines()]


def worker_levels(base: str, want: int) -> dict[int, str]:
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 20
    while len(seen) < want and time.monotonic() < deadline:
        _, body = call(base, "GET", "/probe")
        seen[body["pid"]] = body["levels"]["network"]
    return seen


def test_four_workers_eight_clients_two_thousand_mutations(tmp_path, data_dir, tokens):
    with gunicorn_host(tmp_path, data_dir, 4) as (base, _):
        errors: list[Exception] = []

        def client(t: int) -> None:
            for i in range(250):
                try:
                    status, _ = call(base, "POST", f"/api/peers/c{t}-{i}", tokens["admin"])
                    assert status == 201
                except Exception as exc:  # reported below
                    errors.append(exc)

        threads = [threading.Thread(target=client, args=(t,)) for t in range(8)]
        [t.start() for t in threads]
        status, _ = call(base, "PUT", "/api/logs/verbosity", tokens["admin"],
                         {"python": {"services": {"network": "DEBUG"}}})
        assert status == 200
        [t.join() for t in threads]
        assert errors == []
        time.sleep(1.0)
        levels = worker_levels(base, 4)
        assert len(levels) == 4 and set(levels.values()) == {"DEBUG"}, levels
    log, entries = stored(data_dir)
    peers = [e for e in entries if e["action"] == "peer_add"]
    assert len(peers) == 2000
    assert sorted(e["target_id"] for e in peers) == sorted(f"c{t}-{i}" for t in range(8) for i in range(250))
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    report = verify(log)
    assert report["intact"] and report["problems"] == [], report["problems"]


def test_kill_9_a_worker_mid_append_loop(tmp_path, data_dir, tokens):
    acked: list[str] = []
    with gunicorn_host(tmp_path, data_dir, 3) as (base, master):
        stop = threading.Event()

        def client(t: int) -> None:
            i = 0
            while not stop.is_set():
                name = f"k{t}-{i}"
                i += 1
                try:
                    status, _ = call(base, "POST", f"/api/peers/{name}", tokens["admin"])
                except (urllib.error.URLError, OSError, http.client.HTTPException):
                    continue  # the killed worker's request (even one cut mid-answer): never acknowledged
                if status == 201:
                    acked.append(name)

        threads = [threading.Thread(target=client, args=(t,)) for t in range(4)]
        [t.start() for t in threads]
        time.sleep(1.0)
        workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True,
                                                  text=True).stdout.split()]
        assert workers
        for pid in workers[:2]:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        time.sleep(1.0)
        stop.set()
        [t.join() for t in threads]
    log, entries = stored(data_dir)
    report = verify(log)
    assert report["intact"], report["problems"]
    assert {p["kind"] for p in report["problems"]} <= {"torn_tail", "rotation_interrupted"}
    recorded = {e["target_id"] for e in entries}
    assert len(acked) > 50
    assert [name for name in acked if name not in recorded] == []
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
