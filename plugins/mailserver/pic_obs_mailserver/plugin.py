"""docker-mailserver's apply strategy: ``LOG_LEVEL`` in its env file (``mailserver.env``).

docker-mailserver reads ``LOG_LEVEL`` (``trace, debug, info, warn, error``) when
its container starts; it has no level above ``error``.
"""

from pic_obs.containers import EnvLevelPlugin


class MailserverPlugin(EnvLevelPlugin):
    name = "mailserver"
    description = "docker-mailserver: LOG_LEVEL in mailserver.env, read when the container starts"
    config_file = "mailserver/mailserver.env"
    values = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "error"}


plugin = MailserverPlugin()
