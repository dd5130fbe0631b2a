"""Plain data passed through the hooks.

Frozen dataclasses, so a plugin cannot change what another plugin will see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Apply = Literal["hot", "pending_restart"]
LogKind = Literal["service", "container"]


@dataclass(frozen=True)
class Identity:
    """Who is making a request. ``role`` is ``"admin"`` or ``"peer"``."""

    user: str
    role: str


@dataclass(frozen=True)
class Target:
    """A container whose log level a plugin controls.

    ``apply`` says how a level change takes effect: ``"hot"`` (the running
    program re-reads it) or ``"pending_restart"`` (only a new container sees it).
    """

    name: str
    apply: Apply
    description: str = ""


@dataclass(frozen=True)
class TargetLevel:
    """A target's configured level and whether the running container lags it.

    ``level`` is one of the five level names, or None when it cannot be read;
    ``state`` is ``"ok"``, ``"pending_restart"`` or ``"unknown"`` (with ``error``).
    """

    level: str | None
    state: Literal["ok", "pending_restart", "unknown"] = "ok"
    error: str | None = None


@dataclass(frozen=True)
class LogMatch:
    """One line that a search found. ``line_number`` counts from 1 in ``file``."""

    source: str
    file: str
    line_number: int
    line: str


@dataclass(frozen=True)
class Mutation:
    """A finished mutating request (POST, PUT, PATCH, DELETE), for the record.

    ``keys`` are the dotted key names of the JSON body (never its values);
    ``result`` is ``"success"`` for 2xx/3xx, else ``"failure"``.
    """

    ts: str
    actor: str
    role: str
    ip: str
    method: str
    path: str
    action: str
    target_type: str
    target_id: str
    status: int
    result: Literal["success", "failure"]
    keys: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AuditQuery:
    """Filters of ``GET /api/audit`` and its export, already checked by the core.

    String filters match a field exactly; ``since`` (inclusive) and ``until``
    (exclusive) are UTC timestamps as entries store them
    (``2026-01-01T00:00:00.000000Z``); ``limit`` None means no limit.
    """

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    result: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int | None = 100
    offset: int = 0

    FILTERS = ("actor", "action", "target_type", "target_id", "result")
