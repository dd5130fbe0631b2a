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
# Search reads 128 KiB at a time: a block and its folded copy stay in the CPU's
# cache, and the allocator reuses their memory. With 1 MiB blocks, measured on the
# benchmark's 31 MB, each block cost fresh pages (page faults) and search ran about
# 1.8x slower (bench/run.py, search rare string).
SEARCH_BLOCK = 128 * 1024


def tail(paths: Sequence[Path], lines: int) -> list[str]:
    """The last ``lines`` lines across ``paths`` (newest file first), oldest line first.

    Reads backwards, so the cost grows with ``lines``, not the files' size.
    """
    collected: list[str] = []
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
    return collected


def _tail_file(f, n: int) -> list[str]:
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
        # The next read is what the lines seen so far say the rest needs (and a
        # margin), so a tail takes one or two reads and little more than it keeps.
        if newlines:
            size = max(BLOCK, int((need - newlines) * (end - pos) / newlines * 1.1))
        else:
            size *= 2  # not one whole line yet
    # One decode of what was read, not one per line.
    text = b"".join(reversed(blocks)).decode("utf-8", "replace")
    parts = text.split("\n")
    if text.endswith("\n"):
        parts.pop()
    if pos > 0:
        parts.pop(0)  # it began before what was read: not a whole line
    return parts[-n:]


def search(name: str, paths: Sequence[Path], query: str) -> Iterator[LogMatch]:
    """Lines of ``paths`` that contain ``query`` (case-insensitively), newest first.

    Scans blocks of ``SEARCH_BLOCK`` bytes, newest first, with ``bytes.rfind``
    rather than looping over lines in Python. The query is plain text, never a
    pattern.
    """
    for path in paths:
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            continue
        with f:
            yield from _search_file(name, path.name, f, query)


# Matches held back, at most, while the scan counts the newlines before them.
PENDING_MAX = 256


def _search_file(name: str, filename: str, f, query: str) -> Iterator[LogMatch]:
    needle = query.lower().encode("utf-8")
    # bytes.lower() folds ASCII only, which is exact for an ASCII query; a query
    # with other letters needs Unicode folding, line by line.
    ascii_query = query.isascii()
    end = os.fstat(f.fileno()).st_size  # what is left to search is [0, end)
    # A line number needs the newlines before the line. From the first match on,
    # the scan counts them in each block it reads anyway (still in the CPU's cache)
    # and holds the matches back until it reaches the top of the file; only when
    # more than PENDING_MAX wait does it count the top part of the file itself
    # (``marks``: newlines before each multiple of SEARCH_BLOCK) and let them go.
    marks: list[int] | None = None
    pending: list[tuple[int, int, str]] = []  # (its block in ``owned``, newlines before it there, line)
    owned: list[int] = []  # newlines in each block's own part (past ``cut``), newest block first
    # Blocks start at multiples of SEARCH_BLOCK, so marks serve every later block.
    start = max(0, (end - 1) // SEARCH_BLOCK * SEARCH_BLOCK)
    while end > 0:
        f.seek(start)
        data = f.read(end - start)
        # The first line of a block may have begun in the block before it: it is
        # searched with that one, read again from the file (cheaper than joining).
        cut = data.find(b"\n") + 1 if start > 0 else 0
        if start > 0 and not 0 < cut < len(data):
            start -= SEARCH_BLOCK  # no whole line in what was read: read further back
            continue
        hits = _hits(data, needle, cut) if ascii_query else _hits_unicode(data, query.lower(), cut)
        if marks is None:
            own: int | None = None
            for line_start, line_end in hits:
                if own is None:
                    own = rel = data.count(b"\n", cut)
                    upto = len(data)
                rel -= data.count(b"\n", line_start, upto)  # walking back: one pass over the block
                upto = line_start
                pending.append((len(owned), rel, data[line_start:line_end].decode("utf-8", "replace")))
            if pending:
                owned.append(own if own is not None else data.count(b"\n", cut))
                if len(pending) > PENDING_MAX:
                    marks = _newline_marks(f, start)
                    yield from _numbered(name, filename, pending, owned,
                                         marks[start // SEARCH_BLOCK] + data.count(b"\n", 0, cut))
                    pending, owned = [], []
        else:
            upto = None
            for line_start, line_end in hits:
                if upto is None:
                    # Newlines before ``upto``, kept as hits walk backwards, so counting
                    # costs one pass over the block however many lines match.
                    upto, before = len(data), marks[start // SEARCH_BLOCK] + data.count(b"\n")
                before -= data.count(b"\n", line_start, upto)
                upto = line_start
                yield LogMatch(name, filename, before + 1, data[line_start:line_end].decode("utf-8", "replace"))
        end = start + cut
        start = max(0, start - SEARCH_BLOCK)
    yield from _numbered(name, filename, pending, owned, 0)


def _numbered(name: str, filename: str, pending: list[tuple[int, int, str]], owned: list[int],
              base: int) -> Iterator[LogMatch]:
    """The held-back matches with their line numbers; ``base``: the newlines before the own
    part of the oldest block in ``owned``."""
    before = [0] * len(owned)
    for k in range(len(owned) - 1, -1, -1):
        before[k] = base
        base += owned[k]
    for k, rel, line in pending:
        yield LogMatch(name, filename, before[k] + rel + 1, line)


def _hits(data: bytes, needle: bytes, lo: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of ``data[lo:]`` containing ``needle``, last line first."""
    folded = data.lower()
    hi = len(folded)
    while True:
        i = folded.rfind(needle, lo, hi)
        if i < 0:
            return
        line_start = folded.rfind(b"\n", lo, i) + 1 or lo
        line_end = folded.find(b"\n", i)
        if line_end < 0:  # the last line of a file that does not end in a newline
            line_end = len(folded)
        yield line_start, line_end
        if line_start == lo:
            return
        hi = line_start - 1  # the newline ending the line before


def _hits_unicode(data: bytes, needle: str, lo: int) -> Iterator[tuple[int, int]]:
    ends: list[tuple[int, int]] = []
    start = lo
    for raw in data[lo:].split(b"\n"):
        end = start + len(raw)
        if needle in raw.decode("utf-8", "replace").lower():
            ends.append((start, end))
        start = end + 1
    return reversed(ends)


def _newline_marks(f, upto: int) -> list[int]:
    """Newlines before offsets 0, SEARCH_BLOCK, 2 * SEARCH_BLOCK, ... up to ``upto``."""
    marks = [0]
    f.seek(0)
    for _ in range(upto // SEARCH_BLOCK):
        block = f.read(SEARCH_BLOCK)
        marks.append(marks[-1] + block.count(b"\n"))
    return marks
