"""pytest fixtures for a container plugin's own suite: ``pytest_plugins = ["pic_obs.containers.pytest_plugin"]``.

The suite's conftest provides ``plugin_name`` (its entry point) and ``config_files`` (the
plugin's config files as they start, ``{path in the data dir: text}``); these fixtures build
the rest (tokens and headers come from ``pic_obs.pytest_plugin``, which this loads too).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pic_obs import create_app
from pic_obs.core import logsetup

from .testing import SECOND_BRIDGE, SecondEngine, engine_or_skip, ensure_images, wait_for_log

pytest_plugins = ["pic_obs.pytest_plugin"]


@pytest.fixture
def data_dir(tmp_path, config_files):
    """A data dir holding the suite's ``config_files``."""
    d = tmp_path / "data"
    for name, text in config_files.items():
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return d


@pytest.fixture
def make_app(data_dir, plugin_name):
    """``make_app(**config)``: the API on ``data_dir`` with only this plugin loaded."""
    def make(**config: Any):
        return create_app({"PIC_OBS_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": plugin_name, **config})
    yield make
    logsetup.uninstall()


@pytest.fixture(scope="session")
def engine():
    """The real Docker Engine with the test images built (skips without one, unless
    ``PIC_OBS_REQUIRE_DOCKER=1``)."""
    client = engine_or_skip()
    ensure_images(client)
    return client


@pytest.fixture
def compose_like(engine, data_dir):
    """``compose_like(service, env_file=..., mount=..., aliases=[...], **create)``: a
    container made as compose makes one (env from the env file, compose labels, a
    bind mount under the data dir, a user network with aliases, a restart policy),
    started, and removed after the test."""
    made: list[tuple[str, Any]] = []

    def make(service: str, *, env_file, mount: str, aliases: list[str], **create: Any):
        name = f"pic-test-{service}-{uuid.uuid4().hex[:8]}"
        env = [line for line in env_file.read_text().splitlines() if "=" in line and not line.startswith("#")]
        state = data_dir / service / "state"
        state.mkdir(parents=True, exist_ok=True)
        network = engine.networks.create(f"{name}-net")
        container = engine.containers.create(
            f"pic-test/{service}", name=name, environment=env, detach=True,
            labels={"com.docker.compose.service": service, "com.docker.compose.project": "pic"},
            volumes={str(state): {"bind": mount, "mode": "rw"}},
            restart_policy={"Name": "unless-stopped"}, **create,
        )
        network.connect(container, aliases=aliases)
        made.append((name, network))
        container.start()
        wait_for_log(container, b"started with")
        return container, network

    yield make
    for name, network in made:
        for c in engine.containers.list(all=True, filters={"name": name}):
            c.remove(force=True)
        network.remove()


@pytest.fixture
def second_engine(engine, tmp_path_factory):
    """A :class:`~pic_obs.containers.testing.SecondEngine`, started, to stop mid-test; it
    is stopped (its containers removed) afterwards, and its bridge deleted."""
    import os
    import shutil
    import subprocess

    if shutil.which("dockerd") is None:
        if os.environ.get("PIC_OBS_REQUIRE_DOCKER") == "1":
            pytest.fail("dockerd is not installed")
        pytest.skip("dockerd is not installed")
    subprocess.run(["ip", "link", "delete", SECOND_BRIDGE], capture_output=True)  # left by a run that was killed
    subprocess.run(["ip", "link", "add", "name", SECOND_BRIDGE, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", "192.0.2.1/24", "dev", SECOND_BRIDGE], check=True)  # TEST-NET-1
        subprocess.run(["ip", "link", "set", SECOND_BRIDGE, "up"], check=True)
        second = SecondEngine(tmp_path_factory.mktemp("dockerd2"))
        second.start()
        try:
            yield second
        finally:
            if second.proc.poll() is None:
                second.stop(remove_containers=True)
    finally:
        subprocess.run(["ip", "link", "delete", SECOND_BRIDGE], check=False)
