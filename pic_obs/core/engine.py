"""What pic-obs does, without HTTP: the Flask blueprint and the CLI both call this.

Every method validates its whole input before it changes anything and raises
:class:`InvalidRequest` (naming each bad field) when the input is wrong.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from heapq import merge
from itertools import islice
from pathlib import Path
from typing import Any

import jsonschema

from .errors import InvalidRequest, PicObsError, TargetError
from .levels import LEVELS, SERVICES, LevelStore, verbosity_schema
from .logsetup import LOG_SOURCES, install
from .plugins import PluginManager
from .settings import Settings
from .types import AuditQuery, Identity, LogKind, LogMatch, Mutation, Target, TargetLevel

log = logging.getLogger("pic.api")

MAX_LINES = 10_000
MAX_QUERY = 256
MAX_SEARCH_LIMIT = 1000
MAX_AUDIT_LIMIT = 1000
EXPORT_FORMATS = ("csv", "jsonl")


class Core:
    """One pic-obs instance: its settings, its plugins and its stored levels."""

    def __init__(self, settings: Settings, *, plugins: Iterable[object] = (), own_logging: bool = False):
        """``own_logging``: point the process's ``pic.*`` loggers at this data dir
        (the API does; the CLI does not), before plugins load so they can log."""
        self.settings = settings
        self.levels = LevelStore(settings.api_dir / "levels.json")
        if own_logging:
            install(self.levels, settings.logs_dir)
        self.plugins = PluginManager()
        self.plugins.load(
            only=settings.get("PIC_OBS_PLUGINS"),
            disable=settings.get("PIC_OBS_DISABLE_PLUGINS"),
            extra=plugins,
        )

    @property
    def hook(self):
        return self.plugins.hook

    # -- targets and levels -------------------------------------------------

    def targets(self) -> dict[str, Target]:
        """Every container target, by name; the first plugin to claim a name keeps it."""
        found: dict[str, Target] = {}
        # get_hookimpls() lists the implementations in load order.
        for impl in self.hook.pic_obs_targets.get_hookimpls():
            try:
                result = impl.function(**_args(impl, settings=self.settings))
            except Exception as exc:
                log.exception("plugin %s: pic_obs_targets failed", impl.plugin_name)
                self.plugins.register_failure(impl.plugin_name, f"pic_obs_targets raised {exc!r}")
                continue
            for target in result or ():
                if target.name in found:
                    self.plugins.register_failure(
                        impl.plugin_name,
                        f"target {target.name!r} is already served by another plugin",
                    )
                    break
                found[target.name] = target
        return found

    def verbosity(self) -> dict[str, Any]:
        """The body of ``GET /api/logs/verbosity``."""
        self.levels.refresh()
        py = self.levels.levels
        containers: dict[str, str | None] = {}
        pending: list[str] = []
        unknown: dict[str, str] = {}
        for name in sorted(self.targets()):
            state = self._target_level(name)
            containers[name] = state.level
            if state.state == "pending_restart":
                pending.append(name)
            elif state.state == "unknown":
                unknown[name] = state.error or "state unknown"
        body: dict[str, Any] = {
            "python": {"root": py.root, "services": {s: py.effective(s) for s in SERVICES}},
            "containers": containers,
            "pending_restart": pending,
            "levels": list(LEVELS),
        }
        if unknown:
            body["unknown"] = unknown
        return body

    def _target_level(self, name: str) -> TargetLevel:
        try:
            state = self.hook.pic_obs_get_level(settings=self.settings, target=name)
        except Exception as exc:  # a plugin must not break the whole GET
            log.exception("pic_obs_get_level(%s) failed", name)
            return TargetLevel(None, "unknown", str(exc))
        return state if state is not None else TargetLevel(None, "unknown", "no plugin answered")

    def set_verbosity(self, body: Any) -> tuple[dict[str, Any], int]:
        """Apply a ``PUT /api/logs/verbosity`` body; the answer is GET's plus ``applied``
        (and ``errors`` for the containers whose part failed)."""
        targets = self.targets()
        _validate(body, verbosity_schema(targets))
        python = body.get("python") or {}
        containers = body.get("containers") or {}
        if "python" not in body and "containers" not in body:
            raise InvalidRequest(
                "nothing to change: give 'python' and/or 'containers'",
                [{"path": "", "message": "the body needs a 'python' or 'containers' key"}],
            )
        changed_python = "root" in python or bool(python.get("services"))
        if changed_python:
            try:
                new = self.levels.update(root=python.get("root"), services=python.get("services", {}))
            except OSError as exc:
                raise PicObsError(
                    f"the levels could not be saved ({exc.strerror or exc}); nothing was changed",
                    code="storage_error", status=507,
                ) from exc
            log.info("python levels set: root=%s services=%s", new.root, dict(new.services))
        def set_level(name: str) -> str:
            how = self.hook.pic_obs_set_level(settings=self.settings, target=name, level=containers[name])
            if how not in ("hot", "pending_restart"):
                raise TargetError(f"the plugin serving {name!r} returned {how!r} from pic_obs_set_level;"
                                  " it must return 'hot' or 'pending_restart'", code="plugin_error")
            log.info("container %s level set to %s (%s)", name, containers[name], how)
            return how

        applied, errors = _each_target(containers, set_level)
        answer = self.verbosity()
        answer["applied"] = applied
        if errors:
            answer["errors"] = errors
        return answer, _status(errors, len(containers) + changed_python)

    def restart(self, body: Any) -> tuple[dict[str, Any], int]:
        """``POST /api/logs/verbosity/restart``: recreate pending containers."""
        targets = self.targets()
        restartable = sorted(n for n, t in targets.items() if t.apply == "pending_restart")
        _validate(body, {
            "type": "object",
            "additionalProperties": False,
            "properties": {"containers": {"type": "array", "uniqueItems": True,
                                          "items": {"enum": restartable}}},
        }, what={"containers": f"container that needs a restart (one of {', '.join(restartable) or 'none'})"})
        names = body.get("containers")
        if names is None:
            names = self.verbosity()["pending_restart"]
        def restart(name: str) -> str:
            if self.hook.pic_obs_restart_target(settings=self.settings, target=name) is None:
                raise PicObsError(f"no plugin restarts {name!r}", code="not_found", status=404)
            log.info("container %s recreated with its configured level", name)
            return "ok"

        restarted, errors = _each_target(names, restart)
        restarted.update({name: "failed" for name in errors})
        answer: dict[str, Any] = {"restarted": restarted}
        if errors:
            answer["errors"] = errors
        return answer, _status(errors, len(names))

    # -- logs ---------------------------------------------------------------

    def _check_source(self, kind: LogKind, name: str) -> None:
        if kind == "service":
            if name not in LOG_SOURCES:
                raise InvalidRequest(
                    f"unknown service {name!r}",
                    [{"path": "service", "message": f"use one of {', '.join(LOG_SOURCES)}"}],
                )
        elif name not in (targets := self.targets()):
            known = ", ".join(sorted(targets)) or "none (no container plugin is loaded)"
            raise InvalidRequest(
                f"unknown container {name!r}",
                [{"path": "container", "message": f"use one of {known}"}],
            )

    def tail(self, kind: LogKind, name: str, lines: int) -> list[str]:
        self._check_source(kind, name)
        if not 1 <= lines <= MAX_LINES:
            raise InvalidRequest(
                f"lines must be between 1 and {MAX_LINES}",
                [{"path": "lines", "message": f"{lines} is out of range 1..{MAX_LINES}"}],
            )
        result = self.hook.pic_obs_tail_logs(settings=self.settings, kind=kind, name=name, lines=lines)
        if result is None:
            raise PicObsError(f"no plugin serves the log of {kind} {name!r}", code="not_found", status=404)
        return list(result)

    def search(
        self, query: str, *, kind: LogKind = "service", name: str | None = None, limit: int = 100
    ) -> tuple[list[LogMatch], bool]:
        """Matches newest first (across every service when ``name`` is None), and whether more exist."""
        problems = []
        if not 1 <= len(query) <= MAX_QUERY:
            problems.append({"path": "q", "message": f"must be 1 to {MAX_QUERY} characters"})
        elif not query.isprintable():
            problems.append({"path": "q", "message": "must not hold control characters"})
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            problems.append({"path": "limit", "message": f"{limit} is out of range 1..{MAX_SEARCH_LIMIT}"})
        if problems:
            raise InvalidRequest("invalid search", problems)
        if name is not None:
            self._check_source(kind, name)
            names = [name]
        else:
            names = list(LOG_SOURCES)
        streams = []
        for n in names:
            found = self.hook.pic_obs_search_logs(
                settings=self.settings, kind=kind, name=n, query=query, limit=limit
            )
            if found is None:
                if name is not None:
                    raise PicObsError(f"no plugin serves the log of {kind} {n!r}", code="not_found", status=404)
                continue
            streams.append(iter(found))
        # Each stream is newest first; lines begin with an ISO timestamp, so a
        # reverse merge on it interleaves the services by time.
        merged = merge(*streams, key=lambda m: m.line[:24], reverse=True)
        matches = list(islice(merged, limit + 1))
        return matches[:limit], len(matches) > limit

    # -- identity, mutations, backups ----------------------------------------

    def resolve_identity(self, request: Any) -> Identity | None:
        return self.hook.pic_obs_resolve_identity(settings=self.settings, request=request)

    def record_mutation(self, mutation: Mutation) -> None:
        self.hook.pic_obs_record_mutation(settings=self.settings, mutation=mutation)

    def backup_files(self) -> list[Path]:
        root = self.settings.data_dir.resolve()
        files: list[Path] = []
        for result in self.hook.pic_obs_backup_files(settings=self.settings):
            for path in result or ():
                path = Path(path).resolve()
                if not path.is_relative_to(root):
                    raise PicObsError(f"a plugin asked to back up {path}, outside {root}")
                files.append(path)
        return sorted(set(files))

    def backup(self) -> Path:
        """Write ``data/backups/pic-backup-<UTC>.tar.gz`` with every file a restore needs.

        Every plugin's guard (the audit write lock) is held from listing the files
        until the archive is complete, so it is consistent while the API is writing.
        """
        dest = self.settings.data_dir / "backups"
        dest.mkdir(parents=True, exist_ok=True, mode=0o700)
        root = self.settings.data_dir.resolve()
        with contextlib.ExitStack() as stack:
            for guard in self.hook.pic_obs_backup_guard(settings=self.settings):
                if guard is not None:
                    stack.enter_context(guard)
            files = [p for p in self.backup_files() if p.is_file()]
            levels = self.levels.path.resolve()
            if levels.is_file() and levels not in files:
                files.append(levels)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            path, n = dest / f"pic-backup-{stamp}.tar.gz", 1
            while path.exists():
                n += 1
                path = dest / f"pic-backup-{stamp}-{n}.tar.gz"
            tmp = path.with_name(f".{path.name}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it holds the keys
                with os.fdopen(fd, "wb") as raw:
                    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                        for file in sorted(files):
                            tar.add(file, arcname=str(file.relative_to(root)), recursive=False)
                    raw.flush()  # after the archive's last blocks, so those are on disk too
                    os.fsync(raw.fileno())
                os.replace(tmp, path)
            except BaseException as exc:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                if isinstance(exc, OSError):
                    raise PicObsError(f"the backup could not be written ({exc.strerror or exc}); "
                                      "nothing was kept of it", code="storage_error", status=507) from exc
                raise
        log.info("backup %s written (%d files)", path.name, len(files))
        return path

    # -- the audit trail (kept by a plugin) --------------------------------------

    def _audit(self, result: Any) -> Any:
        if result is None:
            raise PicObsError("no audit plugin is loaded: install pic-obs-audit", code="not_found", status=404)
        return result

    def audit_page(self, query: AuditQuery) -> dict[str, Any]:
        page = self._audit(self.hook.pic_obs_audit_query(settings=self.settings, query=query))
        return {"entries": page["entries"], "total": page["total"], "limit": query.limit, "offset": query.offset}

    def audit_export(self, query: AuditQuery, format: str) -> Iterator[str]:
        return self._audit(self.hook.pic_obs_audit_export(settings=self.settings, query=query, format=format))

    def audit_verify(self) -> dict[str, Any]:
        return self._audit(self.hook.pic_obs_audit_verify(settings=self.settings))

    def plugin_info(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.plugins.records]


def parse_audit_query(args: Mapping[str, str], *, export: bool = False) -> AuditQuery:
    """An :class:`AuditQuery` from request arguments, every one checked."""
    problems: list[dict[str, str]] = []
    allowed = {*AuditQuery.FILTERS, "since", "until", "limit", "offset", *(("format",) if export else ())}
    for key in args:
        if key not in allowed:
            problems.append({"path": key, "message": f"unknown parameter; use {', '.join(sorted(allowed))}"})
    values: dict[str, Any] = {k: args[k] for k in AuditQuery.FILTERS if k in args}
    if values.get("result") not in (None, "success", "failure"):
        problems.append({"path": "result", "message": "must be success or failure"})
    for key in ("since", "until"):
        if key in args:
            try:
                values[key] = _utc(args[key])
            except ValueError:
                problems.append({"path": key, "message": f"{args[key]!r} is not an RFC 3339 time, "
                                 "e.g. 2026-01-01T00:00:00Z"})
    limit_default = None if export else 100
    for key, default, lo, hi in (("limit", limit_default, 1, MAX_AUDIT_LIMIT if not export else None),
                                 ("offset", 0, 0, None)):
        raw = args.get(key)
        if raw is None:
            values[key] = default
            continue
        try:
            number = int(raw, 10)
        except ValueError:
            problems.append({"path": key, "message": f"{raw!r} is not a whole number"})
            continue
        if number < lo or (hi is not None and number > hi):
            problems.append({"path": key, "message": f"{number} is out of range {lo}..{hi if hi else ''}"})
        values[key] = number
    if export and args.get("format", "csv") not in EXPORT_FORMATS:
        problems.append({"path": "format", "message": f"use one of {', '.join(EXPORT_FORMATS)}"})
    if problems:
        raise InvalidRequest(f"invalid audit query: {problems[0]['path']}: {problems[0]['message']}", problems)
    return AuditQuery(**values)


def _each_target(names: Iterable[str], act: Any) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """``act(name)`` for each target; one failing does not stop the others.

    Returns (what each success answered, the error of each failure)."""
    done: dict[str, str] = {}
    errors: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            done[name] = act(name)
        except PicObsError as exc:
            errors[name] = {**exc.to_json(), "status": exc.status}
            log.error("%s: %s", name, exc.message)
        except Exception as exc:  # a broken plugin fails its own part only
            log.exception("the plugin serving %s failed", name)
            errors[name] = {"error": "plugin_error", "message": f"{type(exc).__name__}: {exc}", "status": 500}
    return done, errors


def _status(errors: Mapping[str, Mapping[str, Any]], parts: int) -> int:
    """200 when any part of a request went through (``errors`` tells the rest);
    when every part failed, the status of the first failure."""
    if errors and len(errors) == parts:
        return int(next(iter(errors.values()))["status"])
    return 200


def _utc(text: str) -> str:
    """An RFC 3339 time as entries store it: UTC, microseconds, ``Z``."""
    if "T" not in text.upper():
        raise ValueError(text)
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError(text)  # RFC 3339 needs an offset or Z
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _args(impl, **available: Any) -> dict[str, Any]:
    return {k: available[k] for k in impl.argnames if k in available}


def _validate(body: Any, schema: Mapping[str, Any], what: Mapping[str, str] | None = None) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    details: list[dict[str, Any]] = []
    for err in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            what = {"python.services": "service", "containers": "container", "python": "key"}.get(path, "key")
            for key in sorted(set(err.instance) - set(allowed)):
                details.append({
                    "path": f"{path}.{key}" if path else key,
                    "message": f"unknown {what} {key!r}; valid: {', '.join(allowed) or 'none'}",
                })
        elif what and err.validator == "enum" and path.rsplit(".", 1)[0] in what:
            details.append({"path": path, "message": f"{err.instance!r} is not a {what[path.rsplit('.', 1)[0]]}"})
        else:
            details.append({"path": path, "message": err.message})
    if details:
        raise InvalidRequest(
            f"invalid request body: {details[0]['path'] or 'body'}: {details[0]['message']}"
            + (f" (and {len(details) - 1} more)" if len(details) > 1 else ""),
            details,
        )


__all__ = ["Core", "parse_audit_query", "EXPORT_FORMATS", "MAX_AUDIT_LIMIT", "MAX_LINES", "MAX_QUERY", "MAX_SEARCH_LIMIT"]
