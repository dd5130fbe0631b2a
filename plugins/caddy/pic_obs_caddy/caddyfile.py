"""The global ``log`` level of a Caddyfile: read it, set it, touch nothing else.

The global options block is the block at the top of the file with no address; its
``log { level ... }`` sets the level of Caddy's default logger. One directive a
line, as ``caddy fmt`` writes them. The level the admin chose is kept in a comment,
since Caddy has fewer levels than pic-obs (CRITICAL is Caddy's ERROR).
"""

from __future__ import annotations

import re

CADDY_LEVELS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERROR", "CRITICAL": "ERROR"}
FROM_CADDY = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR"}
MARKER = "# pic-obs level: "
_MARKER_RE = re.compile(r"^\s*# pic-obs level: (\w+)\s*$")


def _code(line: str) -> str:
    return line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""


def _depth_change(line: str) -> int:
    code = _code(line)
    return code.count("{") - code.count("}")


def _global_block(lines: list[str]) -> tuple[int, int] | None:
    """(index of its ``{`` line, index of its closing ``}`` line), or None."""
    for i, line in enumerate(lines):
        code = _code(line)
        if not code:
            continue
        if code != "{":
            return None  # the first thing is a site: there are no global options
        depth = 0
        for j in range(i, len(lines)):
            depth += _depth_change(lines[j])
            if depth == 0:
                return i, j
        raise ValueError("the global options block is not closed")
    return None


def _log_block(lines: list[str], start: int, end: int) -> tuple[int, int] | None:
    depth = 0
    for i in range(start, end + 1):
        if depth == 1 and re.fullmatch(r"log\s*\{", _code(lines[i])):
            d = 0
            for j in range(i, end + 1):
                d += _depth_change(lines[j])
                if d == 0:
                    return i, j
        depth += _depth_change(lines[i])
    return None


def read_level(text: str) -> str | None:
    """The pic-obs level of the Caddyfile's global log, or None if it sets none."""
    lines = text.splitlines()
    block = _global_block(lines)
    if block is None:
        return None
    for line in lines[block[0]:block[1] + 1]:
        m = _MARKER_RE.match(line)
        if m:
            return m.group(1)
    log = _log_block(lines, *block)
    if log is None:
        return None
    for line in lines[log[0] + 1:log[1]]:
        parts = _code(line).split()
        if len(parts) == 2 and parts[0] == "level":
            return FROM_CADDY.get(parts[1].upper())
    return None


def set_level(text: str, level: str) -> str:
    """The Caddyfile with its global log at ``level``; every other line as it was."""
    caddy = CADDY_LEVELS[level]
    lines = [line for line in text.splitlines() if not _MARKER_RE.match(line)]
    block = _global_block(lines)
    if block is None:
        head = ["{", f"\t{MARKER}{level}", "\tlog {", f"\t\tlevel {caddy}", "\t}", "}", ""]
        return "\n".join(head + lines) + "\n"
    start, end = block
    log = _log_block(lines, start, end)
    if log is None:
        lines[start + 1:start + 1] = ["\tlog {", f"\t\tlevel {caddy}", "\t}"]
    else:
        for i in range(log[0] + 1, log[1]):
            parts = _code(lines[i]).split()
            if parts and parts[0] == "level":
                indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
                lines[i] = f"{indent}level {caddy}"
                break
        else:
            lines.insert(log[0] + 1, f"\t\tlevel {caddy}")
    lines.insert(start + 1, f"\t{MARKER}{level}")
    return "\n".join(lines) + "\n"
