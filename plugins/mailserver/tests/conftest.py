from __future__ import annotations

import pytest

pytest_plugins = ["pic_obs.containers.pytest_plugin"]


@pytest.fixture
def plugin_name():
    return "mailserver"


@pytest.fixture
def config_files():
    return {"mailserver/mailserver.env": "OVERRIDE_HOSTNAME=mail.example.org\nLOG_LEVEL=info\n"}


@pytest.fixture
def made(compose_like, data_dir):
    return compose_like("mailserver", env_file=data_dir / "mailserver" / "mailserver.env", mount="/var/mail",
                        aliases=['mail', 'smtp'], hostname="mail")


@pytest.fixture
def mailserver(made):
    return made[0]


@pytest.fixture
def network(made):
    return made[1]
