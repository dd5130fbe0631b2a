"""Recreating a container with a new environment, as ``docker compose up --force-recreate``.

``docker restart`` keeps the environment a container was created with, so a level
that lives in the environment takes effect only in a new container. The new one
gets the old one's configuration (image, command, mounts, networks, labels, restart
policy); if it does not come up, the old one is put back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pic_obs.core.errors import TargetError

from .docker_access import Docker

STARTUP_SECONDS = 3.0  # the new container must still be running after this long
STOP_TIMEOUT = 10


def _env(old: list[str] | None, changes: Mapping[str, str]) -> list[str]:
    kept = [e for e in (old or []) if e.split("=", 1)[0] not in changes]
    return kept + [f"{k}={v}" for k, v in changes.items()]


def _create_args(info: dict[str, Any], env: list[str]) -> dict[str, Any]:
    cfg = info["Config"]
    host = dict(info["HostConfig"])
    args: dict[str, Any] = {
        "image": cfg["Image"],
        "command": cfg.get("Cmd"),
        "entrypoint": cfg.get("Entrypoint"),
        "environment": env,
        "labels": cfg.get("Labels") or {},
        "working_dir": cfg.get("WorkingDir") or None,
        "user": cfg.get("User") or None,
        "tty": cfg.get("Tty", False),
        "stdin_open": cfg.get("OpenStdin", False),
        "ports": list((cfg.get("ExposedPorts") or {}).keys()) or None,
        "volumes": list((cfg.get("Volumes") or {}).keys()) or None,
        "stop_signal": cfg.get("StopSignal"),
        "healthcheck": cfg.get("Healthcheck"),
        "host_config": host,
    }
    # Docker names a container's host after its id unless one was given.
    if cfg.get("Hostname") and not info["Id"].startswith(cfg["Hostname"]):
        args["hostname"] = cfg["Hostname"]
    return args


def _endpoint(net: str, endpoint: dict[str, Any], old_id: str) -> dict[str, Any]:
    """The keyword arguments that connect the new container to ``net`` as the old one was."""
    args: dict[str, Any] = {}
    aliases = [a for a in endpoint.get("Aliases") or [] if not old_id.startswith(a)]
    if aliases and net not in ("bridge", "host", "none"):  # the default networks take no aliases
        args["aliases"] = aliases
    if endpoint.get("Links"):
        args["links"] = endpoint["Links"]
    ipam = endpoint.get("IPAMConfig") or {}
    if ipam.get("IPv4Address"):
        args["ipv4_address"] = ipam["IPv4Address"]
    if ipam.get("IPv6Address"):
        args["ipv6_address"] = ipam["IPv6Address"]
    return args


def _wait_running(api: Any, cid: str) -> str | None:
    """None once the container has run steadily for STARTUP_SECONDS, else why not."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        state = api.inspect_container(cid)["State"]
        if not state.get("Running") or state.get("Restarting"):
            logs = api.logs(cid, tail=5).decode("utf-8", "replace").strip()
            return f"exited with code {state.get('ExitCode')}" + (f": {logs}" if logs else "")
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def recreate(docker: Docker, container: Any, env_changes: Mapping[str, str]) -> None:
    """Replace ``container`` by one like it with ``env_changes``; roll back if it fails."""

    def run(client: Any) -> None:
        api = client.api
        info = api.inspect_container(container.id)
        name = info["Name"].lstrip("/")
        old_id = info["Id"]
        networks = info["NetworkSettings"]["Networks"] or {}
        mode = info["HostConfig"].get("NetworkMode") or "default"
        args = _create_args(info, _env(info["Config"].get("Env"), env_changes))
        was_running = info["State"].get("Running", False)

        parked = f"{name}-pic-obs-old"
        api.rename(old_id, parked)
        api.stop(old_id, timeout=STOP_TIMEOUT)
        new_id = None
        try:
            first = mode if mode in networks else next(iter(networks), None)
            netcfg = None
            if first is not None and not mode.startswith("container:"):
                netcfg = api.create_networking_config({first: api.create_endpoint_config(
                    **_endpoint(first, networks[first], old_id))})
            new_id = api.create_container(name=name, networking_config=netcfg, **args)["Id"]
            for net, endpoint in networks.items():
                if net != first and not mode.startswith("container:"):
                    api.connect_container_to_network(new_id, net, **_endpoint(net, endpoint, old_id))
            api.start(new_id)
            failure = _wait_running(api, new_id)
        except Exception as exc:
            failure = f"could not be created: {exc}"
        if failure is None:
            api.remove_container(old_id, force=True)
            return
        # Put the old container back as it was.
        if new_id is not None:
            api.remove_container(new_id, force=True)
        api.rename(old_id, name)
        if was_running:
            api.start(old_id)
        raise TargetError(
            f"the new {name} container {failure}; the old one is back with its old environment",
            code="restart_failed", status=502,
        )

    # Not retried: the steps are not idempotent, and a half-done retry would do harm.
    docker.call(f"recreating {container.name!r}", run, retry=False)
