"""The default log source: the API's own rotated files in ``data/logs/``."""

from __future__ import annotations

from collections.abc import Iterator

from pic_obs.core import logfiles
from pic_obs.core.hookspecs import hookimpl
from pic_obs.core.logsetup import LOG_SOURCES, log_paths
from pic_obs.core.settings import Settings
from pic_obs.core.types import LogKind, LogMatch


def _mine(kind: LogKind, name: str) -> bool:
    # The core has checked ``name`` already; checking again here keeps this
    # plugin from ever building a path out of a name it does not know.
    return kind == "service" and name in LOG_SOURCES


@hookimpl
def pic_obs_tail_logs(settings: Settings, kind: LogKind, name: str, lines: int) -> list[str] | None:
    if not _mine(kind, name):
        return None
    return logfiles.tail(log_paths(settings.logs_dir, name), lines)


@hookimpl
def pic_obs_search_logs(
    settings: Settings, kind: LogKind, name: str, query: str
) -> Iterator[LogMatch] | None:
    if not _mine(kind, name):
        return None
    return logfiles.search(name, log_paths(settings.logs_dir, name), query)
