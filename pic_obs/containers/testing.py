"""A fake Docker client for container plugins' unit tests (the real engine is for
integration tests). Point a plugin at it with ``PIC_OBS_DOCKER_HOST=<url>`` after
``install(url, fake)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker.errors
import requests.exceptions

from . import docker_access


@dataclass
class ExecResult:
    exit_code: int
    output: bytes


@dataclass
class FakeContainer:
    name: str
    env: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    exec_results: list[ExecResult] = field(default_factory=list)
    execs: list[Any] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    owner: FakeDocker | None = None

    @property
    def id(self) -> str:
        return f"fake{self.name}"

    @property
    def attrs(self) -> dict[str, Any]:
        return {"Config": {"Env": list(self.env), "Labels": dict(self.labels)}}

    def _check(self) -> None:
        if self.owner is not None and self.owner.down:
            raise requests.exceptions.ConnectionError("connection refused")

    def exec_run(self, cmd: Any, **kwargs: Any) -> ExecResult:
        self._check()
        self.execs.append(cmd)
        return self.exec_results.pop(0) if self.exec_results else ExecResult(0, b"")

    def kill(self, signal: str = "SIGKILL") -> None:
        self._check()
        self.signals.append(signal)

    def logs(self, stdout: bool = True, stderr: bool = True, tail: Any = "all", **kwargs: Any) -> bytes:
        self._check()
        lines = self.log if tail == "all" else self.log[-int(tail):]
        return "".join(line + "\n" for line in lines).encode()


class _Containers:
    def __init__(self, owner: FakeDocker):
        self.owner = owner

    def get(self, name: str) -> FakeContainer:
        if self.owner.down:
            raise requests.exceptions.ConnectionError("connection refused")
        if name not in self.owner.containers:
            raise docker.errors.NotFound(f"No such container: {name}")
        return self.owner.containers[name]

    def list(self, all: bool = False, filters: dict[str, str] | None = None) -> list[FakeContainer]:
        if self.owner.down:
            raise requests.exceptions.ConnectionError("connection refused")
        label = (filters or {}).get("label", "")
        key, _, value = label.partition("=")
        return [c for c in self.owner.containers.values() if not label or c.labels.get(key) == value]


class FakeDocker:
    def __init__(self, *containers: FakeContainer):
        self.containers = {c.name: c for c in containers}
        for c in containers:
            c.owner = self
        self.down = False
        self.containers_api = _Containers(self)


def install(url: str, fake: FakeDocker) -> None:
    """Make ``Docker.for_settings`` hand out ``fake`` for ``PIC_OBS_DOCKER_HOST=url``."""

    class Client:
        containers = fake.containers_api

    docker_access._cache[url] = docker_access.Docker(url, connect=lambda _: Client())
    docker_access.Docker._down_until.pop(url, None)


# -- the real engine, for integration tests ----------------------------------------

IMAGES = ("pic-test/busybox", "pic-test/caddy", "pic-test/coredns", "pic-test/wireguard", "pic-test/mailserver")


def engine_or_skip():
    """A docker client for the real engine; skips the test when there is none,
    unless ``PIC_OBS_REQUIRE_DOCKER=1`` (CI), where a missing engine is a failure."""
    import os

    import docker as sdk
    import pytest

    try:
        client = sdk.from_env(version="auto", timeout=30)
        client.ping()
    except Exception as exc:
        if os.environ.get("PIC_OBS_REQUIRE_DOCKER") == "1":
            pytest.fail(f"PIC_OBS_REQUIRE_DOCKER=1 but the Docker Engine is not reachable: {exc}")
        pytest.skip(f"no Docker Engine: {exc}")
    return client


def ensure_images(client: Any) -> None:
    """Build the test images (docker/test-images/build.sh) unless they exist."""
    import subprocess
    from pathlib import Path

    missing = [i for i in IMAGES if not client.images.list(name=i)]
    if missing:
        script = Path(__file__).resolve().parents[2] / "docker" / "test-images" / "build.sh"
        subprocess.run(["bash", str(script)], check=True, capture_output=True)


def wait_for_log(container: Any, text: bytes, seconds: float = 20) -> None:
    """Wait until ``text`` is in the container's log (fails the test after ``seconds``)."""
    import time

    deadline = time.monotonic() + seconds
    while text not in container.logs():
        assert time.monotonic() < deadline, container.logs().decode("utf-8", "replace")
        time.sleep(0.1)


# -- a second dockerd of a test's own, to stop and start ---------------------------

SECOND_BRIDGE = "picobs-br0"


class SecondEngine:
    """A dockerd of its own (socket, data root, exec root and bridge under ``root``), so a
    test can stop it and start it again without harming the engine other tests use."""

    def __init__(self, root: Any):
        self.root = root
        self.sock = root / "docker.sock"
        self.url = f"unix://{self.sock}"
        self.proc: Any = None
        self.client: Any = None

    def start(self, seconds: float = 60) -> Any:
        import subprocess

        # Its own bridge: with --bridge none, dockerd deletes docker0, which the main engine needs.
        self.proc = subprocess.Popen(
            ["dockerd", "--host", self.url, "--data-root", str(self.root / "data"), "--exec-root",
             str(self.root / "exec"), "--pidfile", str(self.root / "docker.pid"), "--bridge", SECOND_BRIDGE,
             "--iptables=false", "--ip-masq=false"],
            stdout=open(self.root / "dockerd.log", "ab"), stderr=subprocess.STDOUT)
        self.client = self._wait(seconds)
        assert self.client is not None, (self.root / "dockerd.log").read_text()[-2000:]
        return self.client

    def _wait(self, seconds: float) -> Any:
        import time

        import docker as sdk

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                client = sdk.DockerClient(base_url=self.url, version="auto", timeout=30)
                client.ping()
                return client
            except Exception:
                time.sleep(0.5)
        return None

    def stop(self, *, remove_containers: bool = False) -> None:
        """SIGTERM, as ``systemctl stop docker`` sends, and wait for it to exit."""
        import signal

        if self.proc is None or self.proc.poll() is not None:
            return
        if remove_containers and self.client is not None:
            for c in self.client.containers.list(all=True):
                c.remove(force=True)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)

    def load(self, main: Any, image: str) -> None:
        """Copy ``image`` from the main engine (no registry is needed)."""
        self.client.images.load(b"".join(main.images.get(image).save(named=True)))

    def run(self, main: Any, image: str, name: str, **create: Any) -> Any:
        """Start a container of ``image`` (copied from ``main``) as a cell would run it:
        restarted unless stopped, here with no network (nothing else is attached)."""
        self.load(main, image)
        return self.client.containers.run(image, name=name, detach=True, network_mode="none",
                                          restart_policy={"Name": "unless-stopped"}, **create)


def change_while_engine_down(api: Any, headers: dict, name: str, config: Any) -> Any:
    """With the engine stopped, PUT a Python level and ``name``'s level in one request, and
    check what every container plugin owes the admin then: the Python part applies, ``name``
    answers ``docker_unavailable`` within the retry bound, its config file (``config``) is
    left as it was, and the request is on the audit record with the chain intact (the app
    must load the audit plugin). Returns the response for the plugin's own checks."""
    import time

    before = config.read_text()
    start = time.monotonic()
    r = api.put("/api/logs/verbosity", headers=headers,
                json={"python": {"root": "WARNING"}, "containers": {name: "ERROR"}})
    took = time.monotonic() - start
    assert r.status_code == 200, r.json  # the Python part went through
    assert r.json["python"]["root"] == "WARNING"
    assert r.json["errors"][name]["error"] == "docker_unavailable", r.json
    assert name not in r.json.get("applied", {})
    assert took < 5, f"{took:.1f}s: the retry bound is a few seconds"
    assert config.read_text() == before  # nothing half-applied
    entries = api.get("/api/audit?limit=10", headers=headers).json["entries"]
    assert entries[0]["action"] == "log_level_set" and entries[0]["status"] == 200
    assert api.get("/api/audit/verify", headers=headers).json["intact"]
    return r
