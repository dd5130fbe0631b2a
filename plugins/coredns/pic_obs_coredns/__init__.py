"""pic-obs plugin for CoreDNS: logging directives in the Corefile, re-read on SIGUSR1."""

from .corefile import DIRECTIVES, read_level, set_level
from .plugin import CoreDNSPlugin, plugin

__all__ = ["DIRECTIVES", "CoreDNSPlugin", "plugin", "read_level", "set_level"]
