"""A container's log through the Docker API: tail from the end, bounded search."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from pic_obs.core.types import LogMatch

# Search reads at most this many of the newest lines, and gives up after this long:
# an admin's search must not make the engine stream gigabytes.
SEARCH_LINES = 100_000
SEARCH_SECONDS = 5.0


def _lines(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", "replace")
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines if text else []


def tail(container: Any, lines: int) -> list[str]:
    return _lines(container.logs(stdout=True, stderr=True, tail=lines))


def search(name: str, container: Any, query: str) -> Iterator[LogMatch]:
    """Newest first; ``line_number`` counts within the window searched (1 is its oldest)."""
    deadline = time.monotonic() + SEARCH_SECONDS
    window = _lines(container.logs(stdout=True, stderr=True, tail=SEARCH_LINES))
    needle = query.lower()
    for i in range(len(window) - 1, -1, -1):
        if i % 4096 == 0 and time.monotonic() > deadline:
            return
        if needle in window[i].lower():
            yield LogMatch(name, "docker", i + 1, window[i])
