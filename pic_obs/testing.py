"""Real servers for tests and benchmarks: a host app under gunicorn, talked to over loopback.

For the suites of pic-obs and of its plugins; nothing here is used by the API itself.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, token: str | None = None, body=None, timeout=10):
    """(status, parsed JSON) of one request on a new connection."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


# A host app as the PIC API embeds pic-obs: a mutating route of its own, and a probe
# that reads a manager module's logger as it is in the worker that answers.
HOST_APP = '''
import logging, os
from flask import Flask
import pic_obs
app = Flask("host")
pic_obs.init_app(app)

@app.post("/api/peers/<name>")
@pic_obs.audited("peer_add", target_type="peer", target_id="name")
def add(name):
    return {"ok": True}, 201

@app.get("/probe")
def probe():
    return {"pid": os.getpid(),
            "levels": {s: logging.getLevelName(pic_obs.get_logger(s).getEffectiveLevel()) for s in pic_obs.SERVICES}}
'''


def host_app(directory) -> dict[str, str]:
    """Write ``host_app.py`` into ``directory``; the env that lets gunicorn import it."""
    (directory / "host_app.py").write_text(HOST_APP)
    return {"PYTHONPATH": str(directory)}


@contextmanager
def running(argv: list[str], port: int, env: dict, cwd=None, timeout: float = 30):
    """Run ``argv`` until the block ends, once /api/health answers: yields (base URL, process)."""
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the server
    proc = subprocess.Popen(argv, env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"server exited: {errors.read().decode(errors='replace')[-3000:]}")
            try:
                if call(base, "GET", "/api/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /api/health in time")
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errors.close()


def gunicorn(app: str, port: int, workers: int) -> list[str]:
    """The command that serves ``app`` (``module:name``) with ``workers`` gunicorn workers."""
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--no-control-socket", app]
