from __future__ import annotations

import time
import uuid

import pytest

from pic_obs import create_app
from pic_obs.containers.testing import engine_or_skip, ensure_images
from pic_obs.core import logsetup
from pic_obs.core.tokens import TokenStore

COREFILE = """. {
\terrors
\tlog
\tforward . 127.0.0.1 {
\t\tmax_fails 3
\t}
\tcache 30
}
"""


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "coredns").mkdir(parents=True)
    (d / "coredns" / "Corefile").write_text(COREFILE)
    return d


@pytest.fixture
def admin(data_dir):
    token = TokenStore(data_dir / "api" / "tokens.json").create("admin", "admin")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_app(data_dir):
    def make(**config):
        return create_app({"PIC_OBS_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "coredns", **config})
    yield make
    logsetup.uninstall()


@pytest.fixture(scope="session")
def engine():
    client = engine_or_skip()
    ensure_images(client)
    return client


@pytest.fixture
def coredns(engine, data_dir):
    name = f"pic-test-coredns-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run("pic-test/coredns", name=name, detach=True,
                                      volumes={str(data_dir / "coredns"): {"bind": "/etc/coredns", "mode": "ro"}})
    deadline = time.monotonic() + 20
    while b"loaded Corefile" not in container.logs():
        assert time.monotonic() < deadline, container.logs().decode()
        time.sleep(0.1)
    yield container
    container.remove(force=True)
