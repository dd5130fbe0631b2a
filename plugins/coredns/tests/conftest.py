from __future__ import annotations

import uuid

import pytest

from pic_obs.containers.testing import wait_for_log

pytest_plugins = ["pic_obs.containers.pytest_plugin"]

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
def plugin_name():
    return "coredns"


@pytest.fixture
def config_files():
    return {"coredns/Corefile": COREFILE}


@pytest.fixture
def coredns(engine, data_dir):
    container = engine.containers.run("pic-test/coredns", name=f"pic-test-coredns-{uuid.uuid4().hex[:8]}",
                                      detach=True,
                                      volumes={str(data_dir / "coredns"): {"bind": "/etc/coredns", "mode": "ro"}})
    wait_for_log(container, b"loaded Corefile")
    yield container
    container.remove(force=True)
