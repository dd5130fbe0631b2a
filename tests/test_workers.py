"""Real gunicorn worker processes: a level change reaches every one of them."""

from __future__ import annotations

import sys
import time

import pytest
from pic_obs.testing import call, free_port, gunicorn, host_app, running

pytestmark = pytest.mark.slow
WORKERS = 3


def sample_workers(base: str, want: int, seconds: float = 20) -> dict[int, dict]:
    """Probe on fresh connections until every worker has answered."""
    seen: dict[int, list[dict]] = {}
    deadline = time.monotonic() + seconds
    while len(seen) < want and time.monotonic() < deadline:
        status, body = call(base, "GET", "/probe")
        assert status == 200
        seen.setdefault(body["pid"], []).append(body["levels"])
    assert len(seen) == want, f"only {len(seen)} of {want} workers answered"
    return seen


def test_level_change_is_in_force_in_every_worker_within_a_second(data_dir, tokens, tmp_path):
    port = free_port()
    env = {"PIC_DATA_DIR": str(data_dir), **host_app(tmp_path)}
    with running(gunicorn("host_app:app", port, WORKERS), port, env) as (base, _):
        before = sample_workers(base, WORKERS)
        assert all(s["network"] == "INFO" for samples in before.values() for s in samples)

        status, body = call(base, "PUT", "/api/logs/verbosity", tokens["admin"],
                            {"python": {"root": "WARNING", "services": {"network": "DEBUG"}}})
        assert status == 200, body
        time.sleep(1.0)

        after = sample_workers(base, WORKERS)
        assert set(after) == set(before), "a worker was replaced: the test would prove nothing"
        for pid, samples in after.items():
            for levels in samples:
                assert levels["network"] == "DEBUG" and levels["vault"] == "WARNING", (pid, levels)


def test_pic_obs_serve_runs_workers_sharing_state(data_dir, tokens):
    port = free_port()
    argv = [sys.executable, "-m", "pic_obs.cli", "--data-dir", str(data_dir), "serve",
            "--port", str(port), "--workers", "2"]
    with running(argv, port, {}) as (base, _):
        status, body = call(base, "PUT", "/api/logs/verbosity", tokens["admin"],
                            {"python": {"services": {"email": "ERROR"}}})
        assert status == 200
        for _ in range(20):  # answered by both workers, on fresh connections
            status, body = call(base, "GET", "/api/logs/verbosity", tokens["admin"])
            assert body["python"]["services"]["email"] == "ERROR"
        assert call(base, "GET", "/api/logs/verbosity", tokens["peer"])[0] == 403
    # ... and the levels outlive the server.
    with running(argv, port, {}) as (base, _):
        assert call(base, "GET", "/api/logs/verbosity", tokens["admin"])[1]["python"]["services"]["email"] == "ERROR"
