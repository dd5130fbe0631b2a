from __future__ import annotations

import pytest

from pic_obs import create_app
from pic_obs.core import logsetup

pytest_plugins = ["pic_obs.pytest_plugin"]


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def make_app(data_dir):
    """Build apps on the test's data dir; the loggers are released afterwards.

    The core's suite tests the core: installed entry-point plugins stay out
    (``PIC_OBS_PLUGINS=""``) unless a test asks for them.
    """
    def make(config=None, plugins=()):
        return create_app({"PIC_OBS_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "", **(config or {})},
                          plugins=plugins)

    yield make
    logsetup.uninstall()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


