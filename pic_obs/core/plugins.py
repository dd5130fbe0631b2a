"""The plugin manager: default plugins, entry-point plugins, and their status.

Entry points are loaded one at a time, each inside its own try, so a plugin that
fails to import or declares a bad hookimpl is reported and skipped rather than
taking the API down with it.
"""

from __future__ import annotations

import importlib
import inspect
import importlib.metadata as metadata
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "pic_obs"

# Core behaviour shipped as plugins, so a host can see (and override) it the same
# way as any other: a later-registered resolver runs before the default one.
DEFAULT_PLUGINS = (
    "pic_obs.default_plugins.bearer_tokens",
    "pic_obs.default_plugins.service_logs",
)

log = logging.getLogger("pic.api")


@dataclass
class PluginRecord:
    """What ``GET /api/plugins`` says of one plugin."""

    name: str
    version: str | None
    status: str  # "loaded", "failed" or "disabled"
    source: str  # "default", "entry_point" or "app"
    hooks: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "source": self.source,
            "hooks": self.hooks,
            "error": self.error,
        }


def _parse_names(value: str | Sequence[str] | None) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    names = {v.strip() for v in value if v.strip()}
    return names


class PluginManager:
    """A pluggy manager for the ``pic_obs`` project that remembers every load attempt."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: list[PluginRecord] = []

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.pm.hook

    def load(
        self,
        *,
        only: str | Sequence[str] | None = None,
        disable: str | Sequence[str] | None = None,
        extra: Iterable[object] = (),
    ) -> None:
        """Register the default plugins, the entry points, then ``extra`` plugins.

        ``only`` (``PIC_OBS_PLUGINS``) keeps just the named entry points;
        ``disable`` (``PIC_OBS_DISABLE_PLUGINS``) skips the named ones. Both apply
        to entry points only: the default plugins are part of the core.
        """
        only_names = _parse_names(only)
        disabled = _parse_names(disable) or set()
        version = _dist_version("pic-obs")
        for modname in DEFAULT_PLUGINS:
            self._register(
                lambda modname=modname: importlib.import_module(modname),
                name=modname.rsplit(".", 1)[1],
                version=version,
                source="default",
            )
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist_version = ep.dist.version if ep.dist is not None else None
            if (only_names is not None and ep.name not in only_names) or ep.name in disabled:
                reason = "not in PIC_OBS_PLUGINS" if ep.name not in disabled else "in PIC_OBS_DISABLE_PLUGINS"
                self.records.append(
                    PluginRecord(ep.name, dist_version, "disabled", "entry_point", error=reason)
                )
                continue
            self._register(ep.load, name=ep.name, version=dist_version, source="entry_point")
        for plugin in extra:
            base = getattr(plugin, "__name__", None) or type(plugin).__name__
            # Plugins handed over in code may share a class; number the repeats.
            name, n = base, 1
            while self.pm.has_plugin(name):
                n += 1
                name = f"{base}-{n}"
            self._register(lambda plugin=plugin: plugin, name=name, version=None, source="app")

    def _register(self, load: Any, *, name: str, version: str | None, source: str) -> None:
        if self.pm.has_plugin(name):
            self.records.append(
                PluginRecord(name, version, "failed", source,
                             error=f"another plugin is already registered as {name!r}; "
                                   "rename one of the entry points")
            )
            log.error("plugin %s not loaded: the name is taken", name)
            return
        try:
            plugin = load()
            self.pm.register(plugin, name=name)
        except Exception as exc:  # one broken plugin must not stop the API
            self.records.append(PluginRecord(name, version, "failed", source, error=_describe(exc)))
            log.error("plugin %s failed to load: %s", name, _describe(exc))
            return
        try:
            # Checked after each registration, so the only hook that can be pending
            # is one that this plugin just brought: a misspelled hook name.
            self.pm.check_pending()
            _check_no_defaults(self.pm, plugin)
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(plugin)
            self.records.append(PluginRecord(name, version, "failed", source, error=_describe(exc)))
            log.error("plugin %s rejected: %s", name, _describe(exc))
            return
        hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or ())
        self.records.append(PluginRecord(name, version, "loaded", source, hooks=hooks))
        log.info("plugin %s loaded (%s)", name, ", ".join(hooks) or "no hooks")

    def register_failure(self, name: str, error: str) -> None:
        """Mark a loaded plugin as failed after the fact (e.g. it broke a hook's contract)."""
        for rec in self.records:
            if rec.name == name and rec.status == "loaded":
                rec.status, rec.error = "failed", error
                plugin = self.pm.get_plugin(name)
                if plugin is not None:
                    self.pm.unregister(plugin)
                log.error("plugin %s disabled: %s", name, error)
                return

    def name_of(self, plugin: object) -> str:
        return self.pm.get_name(plugin) or repr(plugin)


def _check_no_defaults(pm: pluggy.PluginManager, plugin: object) -> None:
    """Reject hook arguments with defaults: pluggy never passes those, silently."""
    for caller in pm.get_hookcallers(plugin) or ():
        spec_args = set(caller.spec.argnames) if caller.spec else set()
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            sig = inspect.signature(impl.function)
            defaulted = [n for n, p in sig.parameters.items()
                         if p.default is not inspect.Parameter.empty and n in spec_args]
            if defaulted:
                raise pluggy.PluginValidationError(
                    plugin,
                    f"{caller.name}({', '.join(defaulted)}) has a default; remove it: "
                    "pluggy passes only arguments without defaults, so it would never be given",
                )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _dist_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


__all__ = ["ENTRY_POINT_GROUP", "PluginManager", "PluginRecord"]
