"""pic-obs plugin for WireGuard: ``LOG_LEVEL`` in the env file, pending until recreated."""

from .plugin import WireGuardPlugin, plugin

__all__ = ["WireGuardPlugin", "plugin"]
