"""Caddy's apply strategy: the Caddyfile's global log level, then ``caddy reload`` by exec."""

from __future__ import annotations

from typing import Any

from pic_obs.containers import Docker, FileLevelPlugin
from pic_obs.core.errors import TargetError
from pic_obs.core.settings import Settings
from pic_obs.core.types import Apply

from . import caddyfile

IN_CONTAINER = "/etc/caddy/Caddyfile"


class CaddyPlugin(FileLevelPlugin):
    name = "caddy"
    apply: Apply = "hot"
    description = "Caddy: the global log level of the Caddyfile, reloaded in place"
    config_file = "caddy/Caddyfile"

    def parse_level(self, text: str) -> str | None:
        return caddyfile.read_level(text)

    def render(self, text: str, level: str) -> str:
        return caddyfile.set_level(text, level)

    def reload(self, settings: Settings, docker: Docker, container: Any) -> None:
        # The path inside the container (PIC_OBS_CADDY_CONFIG_IN_CONTAINER), where the
        # data dir's caddy/ is mounted.
        inside = settings.get("PIC_OBS_CADDY_CONFIG_IN_CONTAINER") or IN_CONTAINER
        command = ["caddy", "reload", "--config", inside, "--adapter", "caddyfile"]
        result = docker.call("reloading Caddy", lambda _: container.exec_run(command))
        if result.exit_code != 0:
            said = result.output.decode("utf-8", "replace").strip().splitlines()
            raise TargetError(
                f"Caddy rejected the reload ({said[-1] if said else f'exit {result.exit_code}'}); "
                "the old Caddyfile and level stay in force",
                code="reload_failed", status=502,
            )


plugin = CaddyPlugin()
