"""pic-obs plugin for docker-mailserver: ``LOG_LEVEL`` in the env file, pending until recreated."""

from .plugin import MailserverPlugin, plugin

__all__ = ["MailserverPlugin", "plugin"]
