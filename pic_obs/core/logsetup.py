"""The service loggers: one per manager module, each writing its own rotated file.

Logging is process-wide, so one data dir owns the ``pic.*`` loggers at a time:
the last :func:`install` wins. A watcher thread in each process re-reads the
stored levels, so a change made in one gunicorn worker reaches the others.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from pathlib import Path

from concurrent_log_handler import ConcurrentRotatingFileHandler

from .levels import SERVICES, LevelStore, PythonLevels

# The API's own log sits beside the services' logs and follows the root level.
API_LOG = "api"
LOG_SOURCES: tuple[str, ...] = (*SERVICES, API_LOG)
LOGGER_PREFIX = "pic"

MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 5
# How often each process looks at levels.json: well inside the one second a
# change may take to reach every worker, and a stat() costs microseconds.
WATCH_INTERVAL = 0.2


def logger_name(source: str) -> str:
    return f"{LOGGER_PREFIX}.{source}"


def get_logger(service: str) -> logging.Logger:
    """The logger of a manager module (``network``, ``wireguard``, ...) or of the API (``api``).

    Safe to call at import time, before the app exists: the logger is configured
    when pic-obs is initialised.
    """
    if service not in LOG_SOURCES:
        raise ValueError(
            f"unknown service {service!r}: use one of {', '.join(LOG_SOURCES)}"
        )
    return logging.getLogger(logger_name(service))


def log_paths(logs_dir: Path, source: str) -> list[Path]:
    """The files of ``source``'s log, newest first: ``S.log``, ``S.log.1`` ... ``S.log.5``."""
    base = logs_dir / f"{source}.log"
    return [base] + [base.with_name(f"{base.name}.{i}") for i in range(1, BACKUP_COUNT + 1)]


class UTCFormatter(logging.Formatter):
    """``2026-12-04T13:47:17.123Z INFO pic.network message``: sortable, unambiguous."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")


def _apply(levels: PythonLevels) -> None:
    logging.getLogger(LOGGER_PREFIX).setLevel(levels.root)
    for service in SERVICES:
        # NOTSET makes the service follow the ``pic`` logger, i.e. root.
        logging.getLogger(logger_name(service)).setLevel(levels.services.get(service, logging.NOTSET))


def _handler(logs_dir: Path, source: str) -> logging.Handler:
    handler = ConcurrentRotatingFileHandler(
        str(logs_dir / f"{source}.log"),
        maxBytes=MAX_BYTES,
        backupCount=BACKUP_COUNT,
        encoding="utf-8",
        delay=True,
    )
    handler.setFormatter(UTCFormatter())
    handler._pic_obs = True  # type: ignore[attr-defined]  # marks ours, for uninstall()
    return handler


_active: weakref.ReferenceType[LevelStore] | None = None
_watcher: threading.Thread | None = None
_watcher_lock = threading.Lock()


def install(store: LevelStore, logs_dir: Path) -> None:
    """Point every ``pic.*`` logger at ``logs_dir`` and keep its level in step with ``store``."""
    global _active
    logs_dir.mkdir(parents=True, exist_ok=True)
    uninstall()
    for source in LOG_SOURCES:
        logging.getLogger(logger_name(source)).addHandler(_handler(logs_dir, source))
    store.on_change(_apply_if_active)
    _active = weakref.ref(store)
    _apply(store.levels)
    _ensure_watcher()


def uninstall() -> None:
    """Detach and close the handlers :func:`install` added, and stop following a store."""
    global _active
    _active = None
    for source in LOG_SOURCES:
        logger = logging.getLogger(logger_name(source))
        for handler in list(logger.handlers):
            if getattr(handler, "_pic_obs", False):
                logger.removeHandler(handler)
                handler.close()


def _apply_if_active(levels: PythonLevels) -> None:
    # A store that lost the loggers to a newer install() must not set levels.
    store = _active() if _active is not None else None
    if store is not None and store.levels is levels:
        _apply(levels)


def _watch() -> None:
    while True:
        time.sleep(WATCH_INTERVAL)
        store = _active() if _active is not None else None
        if store is None:
            continue
        try:
            store.refresh()
        except Exception:  # the watcher must outlive one bad read
            logging.getLogger(logger_name(API_LOG)).exception("level watcher failed")


def _ensure_watcher() -> None:
    global _watcher
    with _watcher_lock:
        if _watcher is None or not _watcher.is_alive():
            _watcher = threading.Thread(target=_watch, name="pic-obs-levels", daemon=True)
            _watcher.start()


def _after_fork_in_child() -> None:
    # A forked worker (gunicorn --preload) inherits the state but not the thread.
    global _watcher, _watcher_lock
    _watcher = None
    _watcher_lock = threading.Lock()
    store = _active() if _active is not None else None
    if store is not None:
        store.after_fork()
        _ensure_watcher()


os.register_at_fork(after_in_child=_after_fork_in_child)
