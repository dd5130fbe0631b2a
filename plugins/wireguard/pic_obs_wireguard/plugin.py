"""WireGuard's apply strategy: ``LOG_LEVEL`` in the env file compose passes to the container.

wireguard-go reads ``LOG_LEVEL`` once, when it starts, and knows three values:
``verbose``, ``error`` and ``silent``. ``silent`` is never used, so errors are
never hidden; INFO is wireguard-go's own default, ``error``.
"""

from pic_obs.containers import EnvLevelPlugin


class WireGuardPlugin(EnvLevelPlugin):
    name = "wireguard"
    description = "WireGuard: LOG_LEVEL in the env file, read when the container starts"
    config_file = "wireguard/wireguard.env"
    values = {"DEBUG": "verbose", "INFO": "error", "WARNING": "error", "ERROR": "error", "CRITICAL": "error"}


plugin = WireGuardPlugin()
