"""The hooks a pic-obs plugin can implement.

Every hook is called with keyword arguments only. An implementation may accept
any subset of a hook's arguments (pluggy passes only the ones it names), but must
not give them defaults. Every hook that acts on a data dir receives ``settings``
(:class:`pic_obs.Settings`: the data dir and the ``PIC_OBS_*`` config of the
instance calling it), so a plugin needs no global state to serve several apps. Hooks marked *first result* stop at the first plugin that
returns something other than None: return None for anything that is not yours.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from .settings import Settings
from .types import Apply, AuditQuery, Identity, LogKind, LogMatch, Mutation, Target, TargetLevel

if TYPE_CHECKING:  # the core never imports Flask or click at run time
    import click
    from werkzeug.wrappers import Request

PROJECT = "pic_obs"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def pic_obs_targets(settings: Settings) -> Iterable[Target]:
    """Return the containers whose log level this plugin controls.

    Called on every verbosity request, so keep it cheap (no Docker calls). A name
    must be unique across plugins: the first plugin to claim it keeps it and the
    other is reported as failed in ``GET /api/plugins``. Return an empty list (or
    None) if the plugin serves no container.
    """


@hookspec(firstresult=True)
def pic_obs_set_level(settings: Settings, target: str, level: str) -> Apply | None:
    """Set ``target``'s log level to ``level`` (one of DEBUG, INFO, WARNING, ERROR, CRITICAL).

    Return ``"hot"`` when the running program already uses the new level, or
    ``"pending_restart"`` when the level is stored and takes effect only when the
    container is recreated. Return None if ``target`` is not one of yours.
    Raise :class:`pic_obs.TargetError` when it cannot be done (Docker down, the
    container missing, the program rejecting its new config); the configured level
    must then be left as it was.
    """


@hookspec(firstresult=True)
def pic_obs_get_level(settings: Settings, target: str) -> TargetLevel | None:
    """Return ``target``'s configured level as a :class:`pic_obs.TargetLevel`.

    Set ``state="pending_restart"`` exactly while the running container does not
    yet use the configured level, and ``state="unknown"`` (with ``error``) when
    it cannot be read; do not raise for that. Return None if ``target`` is not
    one of yours.
    """


@hookspec(firstresult=True)
def pic_obs_restart_target(settings: Settings, target: str) -> str | None:
    """Recreate ``target``'s container so that it runs with its configured level.

    For levels that only a new container sees (``pending_restart``). Return
    ``"ok"`` once the new container runs; raise :class:`pic_obs.TargetError` when it
    cannot be done, after putting the old container back if the new one failed.
    Return None if ``target`` is not one of yours.
    """


@hookspec(firstresult=True)
def pic_obs_tail_logs(settings: Settings, kind: LogKind, name: str, lines: int) -> list[str] | None:
    """Return the last ``lines`` lines of the log of ``name``, oldest first.

    ``kind`` is ``"service"`` (a Python service of the API) or ``"container"``.
    Return fewer lines when the log is shorter, each without its newline. The
    cost must grow with ``lines``, not with the size of the log. Return None if
    that log is not yours; raise :class:`pic_obs.TargetError` if it is yours but
    cannot be read.
    """


@hookspec(firstresult=True)
def pic_obs_search_logs(
    settings: Settings, kind: LogKind, name: str, query: str, limit: int
) -> Iterator[LogMatch] | None:
    """Return an iterator over the lines of ``name``'s log that contain ``query``.

    ``kind`` is ``"service"`` or ``"container"``, as for :func:`pic_obs_tail_logs`.
    ``query`` is a plain substring matched case-insensitively, never a regular
    expression. Yield :class:`pic_obs.LogMatch` newest first, lazily: the caller
    stops after ``limit`` matches (it may ask for one more to learn whether there
    are more), so do no work for lines it will not read. Return None if that log
    is not yours.
    """


@hookspec
def pic_obs_record_mutation(settings: Settings, mutation: Mutation) -> None:
    """Record a finished mutating request; called for every plugin.

    Called before the response is sent, for every POST, PUT, PATCH and DELETE of
    the whole Flask app (refused and failed ones included) unless its route opted
    out. ``mutation`` carries key names of the body, never values. Return nothing.
    A plugin that must not lose the record (the audit trail) raises when it could
    not write it; the core then answers the request with an error.
    """


@hookspec(firstresult=True)
def pic_obs_resolve_identity(settings: Settings, request: Request) -> Identity | None:
    """Return the :class:`pic_obs.Identity` of the user making ``request``.

    ``request`` is the werkzeug request being served. Return None when this
    plugin does not recognise the caller (another resolver may; the bearer-token
    resolver shipped with pic-obs runs last). A host app plugs its own sessions
    in here.
    """


@hookspec
def pic_obs_backup_files(settings: Settings) -> Iterable[Path]:
    """Return the files under ``settings.data_dir`` that a backup must include to restore you.

    Called for every plugin while a backup is taken; paths must lie inside the
    data dir. Return an empty list (or None) if the plugin keeps no state.
    """


@hookspec
def pic_obs_backup_guard(settings: Settings) -> AbstractContextManager[Any] | None:
    """Return a context manager to hold while a backup is written, or None.

    The core enters every plugin's guard before it lists the files and leaves them
    once the archive is complete, so a plugin that writes while the API runs (the
    audit trail) can hold its write lock and the archive is consistent.
    """


@hookspec(firstresult=True)
def pic_obs_audit_query(settings: Settings, query: AuditQuery) -> dict[str, Any] | None:
    """Return one page of the audit trail matching ``query``, newest first.

    The answer is ``{"entries": [entry, ...], "total": N}`` where ``total`` counts
    every match (not only the page) and each entry is a dict of the entry fields.
    Search rotated files too. Return None if you keep no audit trail.
    """


@hookspec(firstresult=True)
def pic_obs_audit_export(settings: Settings, query: AuditQuery, format: str) -> Iterator[str] | None:
    """Return an iterator over the text of an export of the entries matching ``query``.

    ``format`` is ``"csv"`` (a header row of the entry fields, RFC 4180 quoting,
    cells that a spreadsheet would run as a formula neutralised) or ``"jsonl"``
    (the stored lines). Yield it in chunks, oldest entry first, holding only a chunk
    in memory whatever the trail's size. Return None if you keep no audit trail.
    """


@hookspec(firstresult=True)
def pic_obs_audit_verify(settings: Settings) -> dict[str, Any] | None:
    """Return whether the audit trail is intact, and every problem found.

    The answer is ``{"intact": bool, "entries": N, "first_seq", "last_seq",
    "files": [...], "problems": [{"kind", "seq", "file", "line", "detail"}]}``.
    Return None if you keep no audit trail.
    """


@hookspec
def pic_obs_register_commands(cli: click.Group) -> None:
    """Add commands to the ``pic-obs`` command line; return nothing.

    ``cli`` is the top-level click group: add a group of your own to it (the audit
    plugin adds ``pic-obs audit``). Commands run with the data dir in their
    context object: ``click.get_current_context().obj.settings``.
    """
