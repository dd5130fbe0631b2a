"""Bounded retries: transient failures are retried a few times, a 4xx never."""

from __future__ import annotations

import docker.errors
import pytest
import requests

from pic_obs.containers import docker_access
from pic_obs.containers.docker_access import ATTEMPTS, Docker
from pic_obs.core.errors import TargetError


def api_error(status: int) -> docker.errors.APIError:
    response = requests.Response()
    response.status_code, response.reason, response.url = status, "x", "http://docker/x"
    return docker.errors.APIError(f"{status}", response=response, explanation=f"status {status}")


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    # The waits between tries are tenacity's; the tests count tries, not seconds.
    monkeypatch.setattr(docker_access, "wait_exponential", lambda **kw: (lambda retry_state: 0))
    docker_access.Docker._down_until.clear()


def counting(exc):
    calls = []

    def fn(client):
        calls.append(1)
        raise exc
    return fn, calls


@pytest.mark.parametrize("exc,code,tries", [
    (requests.exceptions.ConnectionError("refused"), "docker_unavailable", ATTEMPTS),
    (requests.exceptions.ReadTimeout("slow"), "docker_unavailable", ATTEMPTS),
    (api_error(500), "docker_error", ATTEMPTS),
    (api_error(503), "docker_error", ATTEMPTS),
    (docker.errors.NotFound("gone"), "container_not_found", 1),
    (api_error(409), "docker_error", 1),
    (api_error(400), "docker_error", 1),
])
def test_what_is_retried(exc, code, tries):
    d = Docker("unix:///x.sock", connect=lambda url: object())
    fn, calls = counting(exc)
    with pytest.raises(TargetError) as info:
        d.call("doing it", fn)
    assert info.value.code == code and len(calls) == tries


def test_a_transient_failure_that_clears_succeeds():
    d = Docker("unix:///y.sock", connect=lambda url: object())
    calls = []

    def fn(client):
        calls.append(1)
        if len(calls) < 2:
            raise requests.exceptions.ConnectionError("refused")
        return "ok"

    assert d.call("doing it", fn) == "ok" and len(calls) == 2


def test_after_the_engine_was_found_down_calls_fail_at_once():
    d = Docker("unix:///z.sock", connect=lambda url: object())
    fn, calls = counting(requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TargetError):
        d.call("first", fn)
    with pytest.raises(TargetError, match="checked moments ago"):
        d.call("second", fn)
    assert len(calls) == ATTEMPTS  # the second call did not try again


def test_no_retry_when_asked():
    d = Docker("unix:///w.sock", connect=lambda url: object())
    fn, calls = counting(requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TargetError):
        d.call("recreating", fn, retry=False)
    assert len(calls) == 1


def test_a_failed_connection_is_made_again():
    made = []

    def connect(url):
        made.append(url)
        if len(made) == 1:
            raise docker.errors.DockerException("Error while fetching server API version")
        return object()

    d = Docker("unix:///v.sock", connect=connect)
    assert d.call("doing it", lambda client: "ok") == "ok" and len(made) == 2
