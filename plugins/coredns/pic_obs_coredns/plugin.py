"""CoreDNS's apply strategy: rewrite the Corefile's logging directives, then SIGUSR1."""

from __future__ import annotations

from typing import Any

from pic_obs.containers import ContainerPlugin, Docker
from pic_obs.core.errors import TargetError
from pic_obs.core.files import rewrite_in_place
from pic_obs.core.settings import Settings
from pic_obs.core.types import Apply

from . import corefile


class CoreDNSPlugin(ContainerPlugin):
    name = "coredns"
    apply: Apply = "hot"
    description = "CoreDNS: errors/log/debug directives in the Corefile, re-read on SIGUSR1"
    config_file = "coredns/Corefile"

    def read_level(self, settings: Settings) -> str | None:
        try:
            return corefile.read_level(self.config_path(settings).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def write_level(self, settings: Settings, docker: Docker, container: Any, level: str) -> Apply:
        path = self.config_path(settings)
        try:
            old = path.read_text(encoding="utf-8")
            new = corefile.set_level(old, level)
        except FileNotFoundError:
            raise TargetError(f"there is no Corefile at {path}; set PIC_OBS_COREDNS_CONFIG",
                              code="config_not_found", status=404) from None
        except ValueError as exc:
            raise TargetError(f"cannot read {path}: {exc}", code="config_invalid", status=409) from None
        rewrite_in_place(path, new)  # in place: a bind-mounted Corefile keeps its inode
        try:
            # SIGUSR1 makes CoreDNS re-read its Corefile without restarting.
            docker.call("signalling CoreDNS", lambda _: container.kill(signal="SIGUSR1"))
        except TargetError:
            rewrite_in_place(path, old)
            raise
        return "hot"


plugin = CoreDNSPlugin()
