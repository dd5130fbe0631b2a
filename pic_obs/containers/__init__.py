"""What every container plugin shares: the Docker Engine, retries, logs, recreation.

The apply strategy of each container lives in its own plugin; this package is the
plumbing they all use. See :class:`FileLevelPlugin`, :class:`EnvLevelPlugin` and :class:`ContainerPlugin`.
"""

from .base import ContainerPlugin, EnvLevelPlugin, FileLevelPlugin
from .docker_access import Docker
from .recreate import recreate

__all__ = ["ContainerPlugin", "Docker", "EnvLevelPlugin", "FileLevelPlugin", "recreate"]
