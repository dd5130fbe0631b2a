"""Caddy's apply strategy: edit the Caddyfile in place, then ``caddy reload`` inside the container."""

from __future__ import annotations

from typing import Any

from pic_obs.containers import ContainerPlugin, Docker
from pic_obs.core.errors import TargetError
from pic_obs.core.files import rewrite_in_place
from pic_obs.core.settings import Settings
from pic_obs.core.types import Apply

from . import caddyfile

IN_CONTAINER = "/etc/caddy/Caddyfile"


class CaddyPlugin(ContainerPlugin):
    name = "caddy"
    apply: Apply = "hot"
    description = "Caddy: the global log level of the Caddyfile, reloaded in place"
    config_file = "caddy/Caddyfile"

    def read_level(self, settings: Settings) -> str | None:
        try:
            return caddyfile.read_level(self.config_path(settings).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def write_level(self, settings: Settings, docker: Docker, container: Any, level: str) -> Apply:
        path = self.config_path(settings)
        try:
            old = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TargetError(f"there is no Caddyfile at {path}; set PIC_OBS_CADDY_CONFIG",
                              code="config_not_found", status=404) from None
        try:
            new = caddyfile.set_level(old, level)
        except ValueError as exc:
            raise TargetError(f"cannot read {path}: {exc}", code="config_invalid", status=409) from None
        # In place: a Caddyfile bind-mounted on its own keeps its inode, so Caddy sees the edit.
        rewrite_in_place(path, new)
        inside = settings.get("PIC_OBS_CADDY_CONFIG_IN_CONTAINER") or IN_CONTAINER
        command = ["caddy", "reload", "--config", inside, "--adapter", "caddyfile"]
        try:
            result = docker.call("reloading Caddy", lambda _: container.exec_run(command))
        except TargetError:
            rewrite_in_place(path, old)
            raise
        if result.exit_code != 0:
            rewrite_in_place(path, old)
            said = result.output.decode("utf-8", "replace").strip().splitlines()
            raise TargetError(
                f"Caddy rejected the reload ({said[-1] if said else f'exit {result.exit_code}'}); "
                "the old Caddyfile and level stay in force",
                code="reload_failed", status=502,
            )
        return "hot"


plugin = CaddyPlugin()
