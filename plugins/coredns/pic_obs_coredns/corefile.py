"""CoreDNS has no log level: what it logs is which plugins a server block runs.

``errors`` logs failed queries, ``log`` logs queries (``class`` picks which), and
``debug`` turns on debug output. pic-obs owns those three directives in every
server block and leaves every other line alone; the level the admin chose is kept
in a comment, since ERROR and CRITICAL look the same.
"""

from __future__ import annotations

import re

DIRECTIVES: dict[str, list[str]] = {
    "DEBUG": ["errors", "log", "debug"],
    "INFO": ["errors", "log"],
    "WARNING": ["errors", "log . {", "\tclass denial error", "}"],
    "ERROR": ["errors"],
    "CRITICAL": ["errors"],
}
OWNED = ("errors", "log", "debug")
MARKER = "# pic-obs level: "
_MARKER_RE = re.compile(r"^\s*# pic-obs level: (\w+)\s*$")


def _code(line: str) -> str:
    return "" if line.lstrip().startswith("#") else line.split("#", 1)[0].strip()


def _change(line: str) -> int:
    code = _code(line)
    return code.count("{") - code.count("}")


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(open line, close line) of each top-level server block."""
    blocks, depth, start = [], 0, None
    for i, line in enumerate(lines):
        before = depth
        depth += _change(line)
        if before == 0 and depth > 0:
            start = i
        elif before > 0 and depth == 0 and start is not None:
            blocks.append((start, i))
            start = None
    if depth != 0:
        raise ValueError("a server block is not closed")
    return blocks


def _owned(lines: list[str], start: int, end: int) -> tuple[list[str], list[str]]:
    """(the owned directives, the other lines) inside a block, nested blocks kept whole."""
    owned, other = [], []
    depth = 0
    skipping = False
    for line in lines[start + 1:end]:
        code = _code(line)
        if depth == 0 and code.split(" ", 1)[0].rstrip("{") in OWNED:
            skipping = _change(line) > 0
            owned.append(code)
            depth += _change(line)
            continue
        if skipping:
            owned.append(code)
            depth += _change(line)
            skipping = depth > 0
            continue
        depth += _change(line)
        other.append(line)
    return owned, other


def read_level(text: str) -> str | None:
    lines = text.splitlines()
    for line in lines:
        m = _MARKER_RE.match(line)
        if m:
            return m.group(1)
    blocks = _blocks(lines)
    if not blocks:
        return None
    owned, _ = _owned(lines, *blocks[0])
    names = {o.split(" ", 1)[0].rstrip("{") for o in owned}
    if "debug" in names:
        return "DEBUG"
    if "log" in names:
        return "WARNING" if any(o.startswith("class") for o in owned) else "INFO"
    return "ERROR" if "errors" in names else None


def set_level(text: str, level: str) -> str:
    """The Corefile with the directives of ``level`` at the top of every server block."""
    lines = [line for line in text.splitlines() if not _MARKER_RE.match(line)]
    blocks = _blocks(lines)
    if not blocks:
        raise ValueError("the Corefile has no server block")
    out: list[str] = [f"{MARKER}{level}"]
    pos = 0
    for start, end in blocks:
        out.extend(lines[pos:start + 1])
        _, other = _owned(lines, start, end)
        out.extend("\t" + d for d in DIRECTIVES[level])
        out.extend(other)
        out.append(lines[end])
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out) + "\n"
