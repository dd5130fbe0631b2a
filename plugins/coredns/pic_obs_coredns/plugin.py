"""CoreDNS's apply strategy: the Corefile's logging directives, then SIGUSR1."""

from __future__ import annotations

from typing import Any

from pic_obs.containers import Docker, FileLevelPlugin
from pic_obs.core.settings import Settings
from pic_obs.core.types import Apply

from . import corefile


class CoreDNSPlugin(FileLevelPlugin):
    name = "coredns"
    apply: Apply = "hot"
    description = "CoreDNS: errors/log/debug directives in the Corefile, re-read on SIGUSR1"
    config_file = "coredns/Corefile"

    def parse_level(self, text: str) -> str | None:
        return corefile.read_level(text)

    def render(self, text: str, level: str) -> str:
        return corefile.set_level(text, level)

    def reload(self, settings: Settings, docker: Docker, container: Any) -> None:
        # SIGUSR1 makes CoreDNS re-read its Corefile without restarting.
        docker.call("signalling CoreDNS", lambda _: container.kill(signal="SIGUSR1"))


plugin = CoreDNSPlugin()
