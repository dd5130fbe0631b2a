"""The hook implementations: the entry point ``audit`` points here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
import threading
from pathlib import Path
from typing import Any

from pic_obs import AuditQuery, Mutation, Settings, hookimpl

from . import query as audit_query
from .entry import fields_of
from .verify import verify
from .writer import BACKUPS, MAX_BYTES, AuditLog


_logs: dict[tuple[Path, Path, int, int], AuditLog] = {}
_logs_lock = threading.Lock()
# The settings last asked about and their writer: an app passes the same Settings
# object to every hook, so a mutation finds its writer without building paths.
_last: tuple[Settings, AuditLog] | None = None


def _log(audit_dir: Path, key_path: Path, max_bytes: int, backups: int) -> AuditLog:
    # One writer per audit dir and process: it keeps the key and the checkpoint open.
    key = (audit_dir, key_path, max_bytes, backups)
    with _logs_lock:
        if key not in _logs:
            _logs[key] = AuditLog(audit_dir, key_path, max_bytes=max_bytes, backups=backups)
        return _logs[key]


def close_all() -> None:
    """Close every writer's open files (their next use opens them again)."""
    global _last
    with _logs_lock:
        for log in _logs.values():
            log.close()
        _logs.clear()
        _last = None


def audit_log(settings: Settings) -> AuditLog:
    """The audit files of ``settings``' data dir.

    ``PIC_OBS_AUDIT_MAX_BYTES`` and ``PIC_OBS_AUDIT_BACKUPS`` change the rotation
    (10 MB, 10 backups); the key lives outside the audit dir, in ``api/secrets/``.
    """
    global _last
    last = _last
    if last is not None and last[0] is settings:
        return last[1]
    log = _log(
        settings.api_dir / "audit",
        settings.api_dir / "secrets" / "audit.key",
        int(settings.get("PIC_OBS_AUDIT_MAX_BYTES", MAX_BYTES)),
        int(settings.get("PIC_OBS_AUDIT_BACKUPS", BACKUPS)),
    )
    _last = (settings, log)
    return log


@hookimpl
def pic_obs_record_mutation(settings: Settings, mutation: Mutation) -> None:
    # Raises AuditWriteError when the entry is not on disk: the core then answers
    # the request with an error instead of pretending it was recorded.
    audit_log(settings).append(fields_of(mutation))


@hookimpl
def pic_obs_audit_query(settings: Settings, query: AuditQuery) -> dict[str, Any]:
    return audit_query.page(audit_log(settings), query)


@hookimpl
def pic_obs_audit_export(settings: Settings, query: AuditQuery, format: str) -> Iterator[str]:
    return audit_query.export(audit_log(settings), query, format)


@hookimpl
def pic_obs_audit_verify(settings: Settings) -> dict[str, Any]:
    return verify(audit_log(settings))


@hookimpl
def pic_obs_backup_files(settings: Settings) -> list[Path]:
    log = audit_log(settings)
    return [*log.files_oldest_first(), log.checkpoint_path, log.key_path]


@hookimpl
def pic_obs_backup_guard(settings: Settings) -> AbstractContextManager[None]:
    return audit_log(settings).lock()


@hookimpl
def pic_obs_register_commands(cli) -> None:
    from .commands import audit

    cli.add_command(audit)
