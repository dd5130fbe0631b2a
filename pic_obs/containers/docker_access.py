"""Talking to the Docker Engine: bounded retries, clear errors, finding a container.

Transient failures (the engine unreachable, a timeout, a 5xx) are retried a few
times, for about a second in all; a 4xx never is. What is left is raised as a
:class:`pic_obs.TargetError` an admin can act on: ``docker_unavailable`` (503),
``container_not_found`` (404) or ``docker_error`` (502).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import docker
import docker.errors
import requests.exceptions
from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_after_delay, wait_exponential

from pic_obs.core.errors import TargetError
from pic_obs.core.settings import Settings

T = TypeVar("T")

DEFAULT_HOST = "unix:///var/run/docker.sock"
ATTEMPTS = 3
BOUND_SECONDS = 3.0  # no single Docker call waits longer than this, retries included
CALL_TIMEOUT = 5
# After the engine was found down, calls fail at once for this long, so a GET
# that asks four plugins does not wait out four sets of retries.
DOWN_FOR = 2.0
COMPOSE_SERVICE = "com.docker.compose.service"


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, docker.errors.APIError):
        return exc.is_server_error()
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            docker.errors.DockerException, ConnectionError, TimeoutError))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, docker.errors.APIError):
        return str(exc.explanation or exc)
    return str(exc)


class Docker:
    """One engine, found through ``PIC_OBS_DOCKER_HOST`` (else ``DOCKER_HOST``, else the socket)."""

    _lock = threading.Lock()
    _down_until: dict[str, float] = {}

    def __init__(self, base_url: str, connect: Callable[[str], Any] | None = None):
        self.base_url = base_url
        self._connect = connect or (lambda url: docker.DockerClient(base_url=url, version="auto",
                                                                    timeout=CALL_TIMEOUT))
        self._client: Any = None

    @classmethod
    def for_settings(cls, settings: Settings) -> Docker:
        import os

        url = settings.get("PIC_OBS_DOCKER_HOST") or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
        return _engines(url)

    @property
    def client(self) -> Any:
        # Connected lazily (version negotiation is a request) and only kept once it
        # worked, so an engine that comes back is used without restarting the API.
        if self._client is None:
            self._client = self._connect(self.base_url)
        return self._client

    def call(self, what: str, fn: Callable[[Any], T], *, retry: bool = True) -> T:
        """``fn(client)`` with bounded retries (unless ``retry`` is False); failures become TargetError."""
        down = Docker._down_until.get(self.base_url, 0.0)
        if time.monotonic() < down:
            raise TargetError(f"Docker is not reachable at {self.base_url} (checked moments ago); "
                              "is dockerd running?", code="docker_unavailable", status=503)
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(ATTEMPTS if retry else 1) | stop_after_delay(BOUND_SECONDS),
                wait=wait_exponential(multiplier=0.2, max=1.0),
                retry=retry_if_exception(_transient),
                reraise=True,
            ):
                with attempt:
                    try:
                        return fn(self.client)
                    except Exception as exc:
                        if _transient(exc) and not isinstance(exc, docker.errors.APIError):
                            self._client = None  # reconnect on the next try
                        raise
        except docker.errors.NotFound as exc:
            raise TargetError(f"{what}: {_describe(exc)}", code="container_not_found", status=404) from exc
        except docker.errors.APIError as exc:
            raise TargetError(f"{what}: Docker answered {exc.status_code}: {_describe(exc)}",
                              code="docker_error", status=502) from exc
        except Exception as exc:
            if not _transient(exc):
                raise
            with Docker._lock:
                Docker._down_until[self.base_url] = time.monotonic() + DOWN_FOR
            raise TargetError(f"Docker is not reachable at {self.base_url} ({_describe(exc)}); "
                              "is dockerd running?", code="docker_unavailable", status=503) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def find(self, name: str, service: str) -> Any:
        """The container called ``name``, else the one compose labels as ``service``."""
        def lookup(client):
            try:
                return client.containers.get(name)
            except docker.errors.NotFound:
                found = client.containers.list(all=True, filters={"label": f"{COMPOSE_SERVICE}={service}"})
                if found:
                    return found[0]
                raise

        try:
            return self.call(f"container {name!r}", lookup)
        except TargetError as exc:
            if exc.code == "container_not_found":
                raise TargetError(
                    f"no container is named {name!r} or labelled {COMPOSE_SERVICE}={service}; "
                    f"start it, or name it with PIC_OBS_CONTAINER_{service.upper()}",
                    code="container_not_found", status=404,
                ) from exc
            raise


_cache: dict[str, Docker] = {}


def _engines(url: str) -> Docker:
    with Docker._lock:
        if url not in _cache:
            _cache[url] = Docker(url)
        return _cache[url]
