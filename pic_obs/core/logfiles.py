"""Reading rotated log files: tail from the end, search buffers newest first.

Both work on a list of files newest first (``S.log``, ``S.log.1``, ...) and
tolerate files vanishing under them, since a writer may rotate at any moment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from .types import LogMatch

BLOCK = 64 * 1024
SEARCH_BLOCK = 1024 * 1024


def tail(paths: Sequence[Path], lines: int) -> list[str]:
    """The last ``lines`` lines across ``paths`` (newest file first), oldest line first.

    Reads backwards in blocks, so the cost grows with ``lines``, not the files' size.
    """
    collected: list[bytes] = []
    remaining = lines
    for path in paths:
        if remaining <= 0:
            break
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            continue
        with f:
            got = _tail_file(f, remaining)
        collected[:0] = got
        remaining -= len(got)
    # One decode of the whole block, not one per line.
    return b"\n".join(collected).decode("utf-8", "replace").split("\n") if collected else []


def _tail_file(f, n: int) -> list[bytes]:
    end = os.fstat(f.fileno()).st_size
    if end == 0:
        return []
    f.seek(end - 1)
    # A final newline ends the last line; it does not start an empty one.
    need = n + 1 if f.read(1) == b"\n" else n
    blocks: list[bytes] = []
    newlines = 0
    pos = end
    size = BLOCK
    while pos > 0 and newlines < need:
        start = max(0, pos - size)
        f.seek(start)
        block = f.read(pos - start)
        blocks.append(block)
        newlines += block.count(b"\n")
        pos = start
        size = min(size * 2, 8 * 1024 * 1024)
    data = b"".join(reversed(blocks))
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    if pos > 0:
        parts.pop(0)  # it began before what we read: not a whole line
    return parts[-n:]


def search(name: str, paths: Sequence[Path], query: str) -> Iterator[LogMatch]:
    """Lines of ``paths`` that contain ``query`` (case-insensitively), newest first.

    Scans 1 MiB buffers with ``bytes.find`` rather than looping over lines in
    Python. The query is plain text, never a pattern.
    """
    for path in paths:
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            continue
        with f:
            yield from _search_file(name, path.name, f, query)


def _search_file(name: str, filename: str, f, query: str) -> Iterator[LogMatch]:
    needle = query.lower().encode("utf-8")
    # bytes.lower() folds ASCII only, which is exact for an ASCII query; a query
    # with other letters needs Unicode folding, line by line.
    ascii_query = query.isascii()
    pos = os.fstat(f.fileno()).st_size
    head = b""  # the start of a line whose remainder lies in the block read last
    lines_before: int | None = None  # newlines before the current body, once needed
    while pos > 0:
        start = max(0, pos - SEARCH_BLOCK)
        f.seek(start)
        data = f.read(pos - start) + head
        if start > 0:
            cut = data.find(b"\n") + 1
            if cut == 0:  # one line longer than a block: read further back
                head, pos = data, start
                continue
            head, body = data[:cut], data[cut:]
        else:
            head, body = b"", data
        pos = start
        body_newlines = body.count(b"\n")
        if lines_before is not None:
            lines_before -= body_newlines
        hits = _hits(body, needle) if ascii_query else _hits_unicode(body, query.lower())
        # Newlines in body before ``upto``, kept as hits walk backwards, so the
        # counting costs one pass over the body however many lines match.
        upto, newlines_before_upto = len(body), body_newlines
        for line_start, line_end in hits:
            newlines_before_upto -= body.count(b"\n", line_start, upto)
            upto = line_start
            if lines_before is None:
                # Line numbers count from the top: count what lies before this body,
                # once per file, and only when the file has a match.
                lines_before = _count_newlines(f, pos + len(head))
            number = lines_before + newlines_before_upto + 1
            yield LogMatch(name, filename, number, body[line_start:line_end].decode("utf-8", "replace"))
        if start == 0:
            break


def _hits(body: bytes, needle: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of ``body`` containing ``needle``, last line first."""
    folded = body.lower()
    hi = len(folded)
    while True:
        i = folded.rfind(needle, 0, hi)
        if i < 0:
            return
        line_start = folded.rfind(b"\n", 0, i) + 1
        line_end = folded.find(b"\n", i)
        if line_end < 0:  # the last line of a file that does not end in a newline
            line_end = len(folded)
        yield line_start, line_end
        if line_start == 0:
            return
        hi = line_start - 1  # the newline ending the line before


def _hits_unicode(body: bytes, needle: str) -> Iterator[tuple[int, int]]:
    ends: list[tuple[int, int]] = []
    start = 0
    for raw in body.split(b"\n"):
        end = start + len(raw)
        if needle in raw.decode("utf-8", "replace").lower():
            ends.append((start, end))
        start = end + 1
    return reversed(ends)


def _count_newlines(f, upto: int) -> int:
    f.seek(0)
    count = 0
    remaining = upto
    while remaining > 0:
        block = f.read(min(SEARCH_BLOCK, remaining))
        if not block:
            break
        count += block.count(b"\n")
        remaining -= len(block)
    return count
