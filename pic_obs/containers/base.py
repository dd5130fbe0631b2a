"""The hooks every container plugin shares; a plugin adds only its apply strategy.

A plugin subclasses :class:`FileLevelPlugin` (a level in a config file the program
re-reads: hot), :class:`EnvLevelPlugin` (a level in the environment: pending until
the container is recreated) or :class:`ContainerPlugin` itself, and registers an
instance as its entry point::

    [project.entry-points.pic_obs]
    caddy = "pic_obs_caddy.plugin:plugin"
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pic_obs.core.errors import TargetError
from pic_obs.core.files import rewrite_in_place
from pic_obs.core.hookspecs import hookimpl
from pic_obs.core.settings import Settings
from pic_obs.core.types import Apply, LogKind, LogMatch, Target, TargetLevel

from . import docker_logs, envfile
from .docker_access import Docker
from .recreate import recreate


class ContainerPlugin:
    """One container target. Subclasses set ``name``, ``apply`` and ``config_file``
    and implement :meth:`read_level` and :meth:`write_level`."""

    name: str = ""
    apply: Apply = "hot"
    description: str = ""
    #: where the level lives, relative to the data dir (``PIC_OBS_<NAME>_CONFIG`` overrides)
    config_file: str = ""

    # -- what a plugin implements ---------------------------------------------------

    def read_level(self, settings: Settings) -> str | None:
        """The level configured now (one of the five), or None if none is set."""
        raise NotImplementedError

    def write_level(self, settings: Settings, docker: Docker, container: Any, level: str) -> Apply:
        """Store ``level`` and make it take effect as far as this program allows."""
        raise NotImplementedError

    def running_level_matches(self, settings: Settings, container: Any, level: str) -> bool:
        """Whether the running container already uses ``level`` (hot programs: yes)."""
        return True

    # -- shared ---------------------------------------------------------------------

    def config_path(self, settings: Settings) -> Path:
        custom = settings.get(f"PIC_OBS_{self.name.upper()}_CONFIG")
        return Path(custom) if custom else settings.data_dir / self.config_file

    def container_name(self, settings: Settings) -> str:
        return settings.get(f"PIC_OBS_CONTAINER_{self.name.upper()}") or self.name

    def container(self, settings: Settings, docker: Docker) -> Any:
        return docker.find(self.container_name(settings), self.name)

    @hookimpl
    def pic_obs_targets(self, settings: Settings) -> list[Target]:
        return [Target(self.name, self.apply, self.description)]

    @hookimpl
    def pic_obs_set_level(self, settings: Settings, target: str, level: str) -> Apply | None:
        if target != self.name:
            return None
        docker = Docker.for_settings(settings)
        # Found first: a missing container or engine fails the part before
        # anything is stored, so the configured level stays as it was.
        container = self.container(settings, docker)
        return self.write_level(settings, docker, container, level)

    @hookimpl
    def pic_obs_get_level(self, settings: Settings, target: str) -> TargetLevel | None:
        if target != self.name:
            return None
        level = self.read_level(settings)
        try:
            container = self.container(settings, Docker.for_settings(settings))
        except TargetError as exc:
            return TargetLevel(level, "unknown", exc.message)
        if level is not None and not self.running_level_matches(settings, container, level):
            return TargetLevel(level, "pending_restart")
        return TargetLevel(level)

    def _mine(self, kind: LogKind, name: str) -> bool:
        return kind == "container" and name == self.name

    @hookimpl
    def pic_obs_tail_logs(self, settings: Settings, kind: LogKind, name: str, lines: int) -> list[str] | None:
        if not self._mine(kind, name):
            return None
        docker = Docker.for_settings(settings)
        container = self.container(settings, docker)
        return docker.call(f"the log of {name!r}", lambda _: docker_logs.tail(container, lines))

    @hookimpl
    def pic_obs_search_logs(
        self, settings: Settings, kind: LogKind, name: str, query: str
    ) -> Iterator[LogMatch] | None:
        if not self._mine(kind, name):
            return None
        docker = Docker.for_settings(settings)
        container = self.container(settings, docker)
        # Fetched here, under the retry bound; matched lazily by the caller.
        matches = docker.call(f"the log of {name!r}", lambda _: list(docker_logs.search(name, container, query)))
        return iter(matches)

    @hookimpl
    def pic_obs_restart_target(self, settings: Settings, target: str) -> str | None:
        if target != self.name:
            return None
        raise TargetError(f"{self.name} applies its level hot; it has nothing to restart",
                          code="nothing_to_restart", status=409)

    @hookimpl
    def pic_obs_backup_files(self, settings: Settings) -> list[Path]:
        path = self.config_path(settings)
        return [path] if path.exists() and path.resolve().is_relative_to(settings.data_dir.resolve()) else []


class FileLevelPlugin(ContainerPlugin):
    """A level in a config file the running program re-reads when told to (hot).

    Subclasses implement :meth:`parse_level`, :meth:`render` and :meth:`reload`. The
    file is rewritten in place (a file bind-mounted on its own keeps its inode, so the
    container sees the edit); if the reload fails, the old file is put back, so the
    old level stays in force.
    """

    def parse_level(self, text: str) -> str | None:
        raise NotImplementedError

    def render(self, text: str, level: str) -> str:
        """The file with ``level``; raise ValueError if it cannot be read."""
        raise NotImplementedError

    def reload(self, settings: Settings, docker: Docker, container: Any) -> None:
        """Make the program re-read the file; raise TargetError if it refuses."""
        raise NotImplementedError

    def read_level(self, settings: Settings) -> str | None:
        try:
            return self.parse_level(self.config_path(settings).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def write_level(self, settings: Settings, docker: Docker, container: Any, level: str) -> Apply:
        path = self.config_path(settings)
        setting = f"PIC_OBS_{self.name.upper()}_CONFIG"
        try:
            old = path.read_text(encoding="utf-8")
            new = self.render(old, level)
        except FileNotFoundError:
            raise TargetError(f"there is no {path.name} at {path}; set {setting}",
                              code="config_not_found", status=404) from None
        except ValueError as exc:
            raise TargetError(f"cannot read {path}: {exc}", code="config_invalid", status=409) from None
        rewrite_in_place(path, new)
        try:
            self.reload(settings, docker, container)
        except TargetError:
            rewrite_in_place(path, old)
            raise
        return "hot"


class EnvLevelPlugin(ContainerPlugin):
    """A level in the container's environment (``env_file:`` in compose).

    Storing it changes the env file; the running container keeps its environment
    until it is recreated (``POST /api/logs/verbosity/restart``).
    """

    apply: Apply = "pending_restart"
    env_key = "LOG_LEVEL"
    #: the five levels onto the program's own values
    values: Mapping[str, str] = {}

    def read_level(self, settings: Settings) -> str | None:
        path = self.config_path(settings)
        marked = envfile.marked_level(path)
        if marked is not None:
            return marked
        value = envfile.read(path).get(self.env_key)
        # Without pic-obs's comment, take the most verbose level that maps to it.
        return next((lvl for lvl, v in self.values.items() if v == value), None)

    def write_level(self, settings: Settings, docker: Docker, container: Any, level: str) -> Apply:
        envfile.set_value(self.config_path(settings), self.env_key, self.values[level], level)
        return "pending_restart"

    def running_value(self, container: Any) -> str | None:
        for item in container.attrs["Config"].get("Env") or []:
            key, _, value = item.partition("=")
            if key == self.env_key:
                return value
        return None

    def running_level_matches(self, settings: Settings, container: Any, level: str) -> bool:
        return self.running_value(container) == self.values[level]

    @hookimpl
    def pic_obs_restart_target(self, settings: Settings, target: str) -> str | None:
        if target != self.name:
            return None
        level = self.read_level(settings)
        if level is None:
            raise TargetError(f"no level is configured for {self.name} in {self.config_path(settings)}",
                              code="nothing_to_restart", status=409)
        docker = Docker.for_settings(settings)
        recreate(docker, self.container(settings, docker), {self.env_key: self.values[level]})
        return "ok"
