from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest

from pic_obs import create_app
from pic_obs.containers.testing import engine_or_skip, ensure_images
from pic_obs.core import logsetup
from pic_obs.core.tokens import TokenStore

IMAGE_CADDYFILE = Path(__file__).resolve().parents[3] / "docker" / "test-images" / "Caddyfile"


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "caddy").mkdir(parents=True)
    shutil.copy(IMAGE_CADDYFILE, d / "caddy" / "Caddyfile")
    return d


@pytest.fixture
def admin(data_dir):
    token = TokenStore(data_dir / "api" / "tokens.json").create("admin", "admin")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_app(data_dir):
    def make(**config):
        return create_app({"PIC_OBS_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "caddy", **config})
    yield make
    logsetup.uninstall()


@pytest.fixture(scope="session")
def engine():
    client = engine_or_skip()
    ensure_images(client)
    return client


@pytest.fixture
def caddy(engine, data_dir):
    """A real Caddy serving the data dir's Caddyfile, bind-mounted as the compose file does."""
    name = f"pic-test-caddy-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run("pic-test/caddy", name=name, detach=True,
                                      volumes={str(data_dir / "caddy"): {"bind": "/etc/caddy", "mode": "rw"}})
    deadline = time.monotonic() + 20
    while b"serving initial configuration" not in container.logs():
        assert time.monotonic() < deadline, container.logs().decode()
        time.sleep(0.1)
    yield container
    container.remove(force=True)
