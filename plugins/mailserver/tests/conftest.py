from __future__ import annotations

import time
import uuid

import pytest

from pic_obs import create_app
from pic_obs.containers.testing import engine_or_skip, ensure_images
from pic_obs.core import logsetup
from pic_obs.core.tokens import TokenStore


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "mailserver").mkdir(parents=True)
    (d / "mailserver" / "mailserver.env").write_text("OVERRIDE_HOSTNAME=mail.example.org\nLOG_LEVEL=info\n")
    return d


@pytest.fixture
def admin(data_dir):
    token = TokenStore(data_dir / "api" / "tokens.json").create("admin", "admin")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_app(data_dir):
    def make(**config):
        return create_app({"PIC_OBS_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "mailserver", **config})
    yield make
    logsetup.uninstall()


@pytest.fixture(scope="session")
def engine():
    client = engine_or_skip()
    ensure_images(client)
    return client


@pytest.fixture
def network(engine):
    net = engine.networks.create(f"pic-test-net-{uuid.uuid4().hex[:8]}")
    yield net
    net.remove()


@pytest.fixture
def mailserver(engine, data_dir, network):
    """Created as compose would: env from the env file, labels, a volume, a network alias."""
    name = f"pic-test-mail-{uuid.uuid4().hex[:8]}"
    env = [line for line in (data_dir / "mailserver" / "mailserver.env").read_text().splitlines() if "=" in line]
    (data_dir / "mailserver" / "maildata").mkdir()
    container = engine.containers.create(
        "pic-test/mailserver", name=name, environment=env, detach=True,
        labels={"com.docker.compose.service": "mailserver", "com.docker.compose.project": "pic"},
        volumes={str(data_dir / "mailserver" / "maildata"): {"bind": "/var/mail", "mode": "rw"}},
        restart_policy={"Name": "unless-stopped"}, hostname="mail",
    )
    network.connect(container, aliases=["mail", "smtp"])
    container.start()
    wait_for_log(container, b"started with")
    yield container
    for c in engine.containers.list(all=True, filters={"name": name}):
        c.remove(force=True)


def wait_for_log(container, text: bytes, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while text not in container.logs():
        assert time.monotonic() < deadline, container.logs().decode()
        time.sleep(0.1)
