"""The env file compose passes to a container (``env_file:``): KEY=VALUE lines.

pic-obs sets one key and keeps a comment with the level the admin chose, since
several levels can map to one program value (CRITICAL and ERROR are both ``error``).
"""

from __future__ import annotations

import re
from pathlib import Path

from pic_obs.core.files import write_text_atomic

MARKER = "# pic-obs level: "
_LEVEL_RE = re.compile(r"^# pic-obs level: (\w+)\s*$", re.M)


def read(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return values
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def marked_level(path: Path) -> str | None:
    try:
        m = _LEVEL_RE.search(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return m.group(1) if m else None


def set_value(path: Path, key: str, value: str, level: str) -> None:
    """Set ``key=value`` (and the level comment), keeping every other line as it was."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    out = [line for line in lines if not line.startswith(MARKER)]
    for i, line in enumerate(out):
        if line.strip().startswith(f"{key}="):
            out[i] = f"{key}={value}"
            break
    else:
        out.append(f"{key}={value}")
    out.append(f"{MARKER}{level}")
    write_text_atomic(path, "\n".join(out) + "\n")
