"""The level model: the five levels, the seven services, and the stored Python levels.

The Python service levels are kept in ``data/api/levels.json``. Every worker
process watches that file, so a change made through one worker is in force in all
of them, and survives a restart of the API.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import locked, stat_key, write_json_atomic

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The manager modules of the PIC API, as the admin page names them.
SERVICES: tuple[str, ...] = ("network", "wireguard", "email", "calendar", "files", "routing", "vault")
DEFAULT_ROOT = "INFO"

log = logging.getLogger("pic.api")


@dataclass(frozen=True)
class PythonLevels:
    """The root level and the services set explicitly; the rest inherit root."""

    root: str = DEFAULT_ROOT
    services: Mapping[str, str] = field(default_factory=dict)

    def effective(self, service: str) -> str:
        return self.services.get(service, self.root)

    def changed(self, *, root: str | None, services: Mapping[str, str | None]) -> PythonLevels:
        """The levels after a PUT's ``python`` part.

        A service given ``None`` inherits root again; a service given a level is
        pinned to it. One exception keeps a GET body PUT back as it is from changing
        anything: a service that inherits root and is given the level it has now,
        while root stays the same, keeps inheriting.
        """
        new_root = root if root is not None else self.root
        explicit = dict(self.services)
        for name, level in services.items():
            if level is None:
                explicit.pop(name, None)
            elif name not in explicit and level == self.root == new_root:
                continue
            else:
                explicit[name] = level
        return PythonLevels(new_root, explicit)

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "services": dict(sorted(self.services.items()))}

    @classmethod
    def from_json(cls, data: Any) -> PythonLevels:
        """Read the stored form, dropping what this version does not know."""
        if not isinstance(data, dict):
            return cls()
        root = data.get("root") if data.get("root") in LEVELS else DEFAULT_ROOT
        raw = data.get("services") if isinstance(data.get("services"), dict) else {}
        services = {k: v for k, v in raw.items() if k in SERVICES and v in LEVELS}
        return cls(root, services)


class LevelStore:
    """The persisted Python levels of one data dir, shared by every worker process."""

    def __init__(self, path: Path):
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._guard = threading.Lock()
        self._listeners: list[Callable[[PythonLevels], None]] = []
        self._seen: tuple[int, int, int] | None = None
        self._levels = PythonLevels()
        self.refresh()

    def after_fork(self) -> None:
        """In a forked child: the parent's thread may have held the guard at the fork."""
        self._guard = threading.Lock()

    def on_change(self, listener: Callable[[PythonLevels], None]) -> None:
        """Call ``listener`` with the levels now, and again whenever they change."""
        self._listeners.append(listener)
        listener(self._levels)

    @property
    def levels(self) -> PythonLevels:
        return self._levels

    def refresh(self) -> bool:
        """Re-read the file if another process replaced it; True if the levels changed."""
        key = stat_key(self.path)
        if key == self._seen:
            return False
        with self._guard:
            if key == self._seen:
                return False
            new = self._read()
            self._seen = key
            return self._set(new)

    def update(self, *, root: str | None, services: Mapping[str, str | None]) -> PythonLevels:
        """Apply a change on top of what is stored now, under the file lock.

        Reading under the lock matters: two PUTs served by two workers at once each
        change their own services, and neither undoes the other's.
        """
        with self._guard, locked(self._lock_path):
            current = self._read()
            new = current.changed(root=root, services=services)
            write_json_atomic(self.path, {"python": new.to_json()}, mode=0o644)
            self._seen = stat_key(self.path)
            self._set(new)
        return new

    def _read(self) -> PythonLevels:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return PythonLevels()
        except (OSError, ValueError) as exc:
            # Keep the levels in force rather than fall back to defaults: a broken
            # file must not silently turn DEBUG logging off (or on).
            log.error("cannot read %s (%s); keeping the levels in force", self.path, exc)
            return self._levels
        return PythonLevels.from_json(data.get("python") if isinstance(data, dict) else None)

    def _set(self, new: PythonLevels) -> bool:
        if new == self._levels:
            return False
        self._levels = new
        for listener in self._listeners:
            listener(new)
        return True


def verbosity_schema(containers: Iterable[str]) -> dict[str, Any]:
    """The JSON Schema of a ``PUT /api/logs/verbosity`` body.

    ``levels``, ``pending_restart`` and ``unknown`` are what GET answers beside the
    levels; they are accepted (and ignored) so that a GET body can be PUT back as it is.
    """
    level = {"type": "string", "enum": list(LEVELS)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "python": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "root": level,
                    "services": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            s: {"enum": [*LEVELS, None]} for s in SERVICES
                        },
                    },
                },
            },
            "containers": {
                "type": "object",
                "additionalProperties": False,
                "properties": {c: level for c in sorted(containers)},
            },
            "levels": {"type": "array", "items": {"type": "string"}},
            "pending_restart": {"type": "array", "items": {"type": "string"}},
            "unknown": {"type": "object"},
        },
    }
