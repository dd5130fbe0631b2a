from __future__ import annotations

import pytest

pytest_plugins = ["pic_obs.containers.pytest_plugin"]


@pytest.fixture
def plugin_name():
    return "wireguard"


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "wireguard").mkdir(parents=True)
    (d / "wireguard" / "wireguard.env").write_text('PEERS=3\nLOG_LEVEL=error\n')
    return d


@pytest.fixture
def made(compose_like, data_dir):
    return compose_like("wireguard", env_file=data_dir / "wireguard" / "wireguard.env", mount="/config",
                        aliases=['vpn'], cap_add=["NET_ADMIN"])


@pytest.fixture
def wireguard(made):
    return made[0]


@pytest.fixture
def network(made):
    return made[1]
