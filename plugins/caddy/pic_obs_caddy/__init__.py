"""pic-obs plugin for Caddy: the global ``log { level }`` of the Caddyfile, reloaded hot."""

from .caddyfile import CADDY_LEVELS, read_level, set_level
from .plugin import CaddyPlugin, plugin

__all__ = ["CADDY_LEVELS", "CaddyPlugin", "plugin", "read_level", "set_level"]
