from __future__ import annotations

import pytest

pytest_plugins = ["pic_obs.containers.pytest_plugin"]


@pytest.fixture
def plugin_name():
    return "wireguard"


@pytest.fixture
def config_files():
    return {"wireguard/wireguard.env": "PEERS=3\nLOG_LEVEL=error\n"}


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
