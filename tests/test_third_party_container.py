"""A third-party container plugin, pip-installed, against the real engine: no core change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from pic_obs.containers.testing import engine_or_skip, ensure_images, wait_for_log

PLUGIN = '''
from pic_obs.containers import EnvLevelPlugin


class Echo(EnvLevelPlugin):
    name = "echo"
    description = "a shell that says its LOG_LEVEL"
    config_file = "echo/echo.env"
    values = {"DEBUG": "debug", "INFO": "info", "WARNING": "warning", "ERROR": "error", "CRITICAL": "fatal"}


plugin = Echo()
'''

PROBE = '''
import json
from pic_obs import create_app
from pic_obs.core.tokens import TokenStore
app = create_app()
token = TokenStore(app.extensions["pic_obs"].settings.api_dir / "tokens.json").create("admin", "admin")
c = app.test_client()
h = {"Authorization": "Bearer " + token}
out = {"plugins": c.get("/api/plugins", headers=h).json["plugins"]}
out["put"] = c.put("/api/logs/verbosity", headers=h, json={"containers": {"echo": "DEBUG"}}).json
out["restart"] = c.post("/api/logs/verbosity/restart", headers=h).json
out["after"] = c.get("/api/logs/verbosity", headers=h).json
out["log"] = c.get("/api/logs?container=echo&lines=1", headers=h).json
print(json.dumps(out))
'''


@pytest.fixture
def engine():
    client = engine_or_skip()
    ensure_images(client)
    return client


def test_pip_installed_container_plugin_works_end_to_end(tmp_path, engine):
    src = tmp_path / "pic-obs-echo"
    (src / "pic_obs_echo").mkdir(parents=True)
    (src / "pic_obs_echo" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (src / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "pic-obs-echo"
        version = "0.3.0"
        [project.entry-points.pic_obs]
        echo = "pic_obs_echo:plugin"
    '''))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(src)], check=True, capture_output=True)
    data = tmp_path / "data"
    (data / "echo").mkdir(parents=True)
    (data / "echo" / "echo.env").write_text("LOG_LEVEL=info\n")
    name = f"pic-test-echo-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run(
        "pic-test/busybox", name=name, detach=True, environment=["LOG_LEVEL=info"],
        command=["sh", "-c", 'echo "started with LOG_LEVEL=$LOG_LEVEL"; trap "exit 0" TERM; '
                             'while true; do sleep 1 & wait $!; done'])
    try:
        wait_for_log(container, b"started with LOG_LEVEL=info")
        env = {**os.environ, "PYTHONPATH": str(site), "PIC_DATA_DIR": str(data),
               "PIC_OBS_PLUGINS": "echo", "PIC_OBS_CONTAINER_ECHO": name}
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        [echo] = [p for p in result["plugins"] if p["name"] == "echo"]
        assert echo["status"] == "loaded" and echo["version"] == "0.3.0" and echo["source"] == "entry_point"
        assert result["put"]["applied"] == {"echo": "pending_restart"}
        assert result["put"]["pending_restart"] == ["echo"]
        assert result["restart"] == {"restarted": {"echo": "ok"}}
        assert result["after"]["containers"] == {"echo": "DEBUG"} and result["after"]["pending_restart"] == []
        assert result["log"] == {"container": "echo", "lines": ["started with LOG_LEVEL=debug"]}
    finally:
        for c in engine.containers.list(all=True, filters={"name": name}):
            c.remove(force=True)
