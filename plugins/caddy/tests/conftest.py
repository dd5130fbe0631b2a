from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from pic_obs.containers.testing import wait_for_log

pytest_plugins = ["pic_obs.containers.pytest_plugin"]

IMAGE_CADDYFILE = Path(__file__).resolve().parents[3] / "docker" / "test-images" / "Caddyfile"


@pytest.fixture
def plugin_name():
    return "caddy"


@pytest.fixture
def config_files():
    return {"caddy/Caddyfile": IMAGE_CADDYFILE.read_text()}


@pytest.fixture
def caddy(engine, data_dir):
    """A real Caddy serving the data dir's Caddyfile, bind-mounted as the compose file does."""
    container = engine.containers.run("pic-test/caddy", name=f"pic-test-caddy-{uuid.uuid4().hex[:8]}", detach=True,
                                      volumes={str(data_dir / "caddy"): {"bind": "/etc/caddy", "mode": "rw"}})
    wait_for_log(container, b"serving initial configuration")
    yield container
    container.remove(force=True)
