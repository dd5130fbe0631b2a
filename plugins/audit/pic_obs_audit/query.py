"""Reading the trail: filtered pages newest first, exports oldest first.

Filters are checked on the stored bytes before a line is parsed: every field is
stored as ``"name":<JSON value>,`` in a fixed order, and a quote inside a value is
always escaped, so ``"actor":"alice",`` occurs in a line only when its actor is
alice. Only the lines of the page are parsed.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import os
import re
from collections.abc import Iterator
from typing import Any

from pic_obs import AuditQuery

from .entry import ENTRY_FIELDS, SEQ_PREFIX
from .writer import AuditLog, SnapFile

TS_KEY = b'"ts":"'
TS_LEN = len("2026-01-01T00:00:00.000000Z")
# A cell a spreadsheet would run as a formula gets a leading quote.
FORMULA_FIRST = frozenset(("=", "+", "-", "@", "\t", "\r"))
# The columns that can hold text a client chose; seq, status, ts and the hashes cannot.
TEXT_COLUMNS = tuple(i for i, f in enumerate(ENTRY_FIELDS)
                     if f in ("actor", "role", "ip", "action", "target_type", "target_id", "result", "summary"))
CHUNK = 64 * 1024
# A stored line whose values hold no escape and no text value that begins like a
# formula: every value is what lies between its quotes, and it cannot hold a quote,
# a CR or an LF (JSON escapes those), so the CSV row is the values with the text
# ones in quotes, made by one format (the export's hot path; the rest goes through
# csv.writer). Quoting a field that needs none is still RFC 4180. The unquoted ones
# (seq, ts, status, the hashes) must look as the writer writes them, or the line
# takes the slow path: a comma in a forged ts must not shift the columns.
_TEXT = r'((?![=+\-@])[^"]*)'
_PLAIN = re.compile(
    r'\{"seq":(\d+),"ts":"(\d[\dTZ:.-]*)","actor":"%(t)s","role":"%(t)s","ip":"%(t)s","action":"%(t)s",'
    r'"target_type":"%(t)s","target_id":"%(t)s","result":"%(t)s","status":(-?\d+),"summary":"%(t)s",'
    r'"prev_hash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})"\}\n' % {"t": _TEXT}
)
_PLAIN_ROW = '%s,%s,"%s","%s","%s","%s","%s","%s","%s",%s,"%s",%s,%s\r\n'


class _Filter:
    def __init__(self, query: AuditQuery):
        self.patterns = [
            f'"{name}":{json.dumps(getattr(query, name))},'.encode()
            for name in AuditQuery.FILTERS if getattr(query, name) is not None
        ]
        self.since = query.since.encode() if query.since else None
        self.until = query.until.encode() if query.until else None

    def ts(self, line: bytes) -> bytes:
        i = line.find(TS_KEY, 0, 40) + len(TS_KEY)
        return line[i:i + TS_LEN]

    def __call__(self, line: bytes, skip_first: bool = False) -> bool:
        for pattern in self.patterns[1:] if skip_first else self.patterns:
            if pattern not in line:
                return False
        if self.since is not None or self.until is not None:
            i = line.find(TS_KEY, 0, 40) + len(TS_KEY)
            ts = line[i:i + TS_LEN]
            if self.since is not None and ts < self.since:
                return False
            if self.until is not None and ts >= self.until:
                return False
        # A torn line (a writer died in it) or a foreign one is no entry.
        return line.endswith(b'"}\n') and line.startswith(SEQ_PREFIX)

    def candidates(self, data: bytes) -> list[bytes]:
        """The lines of ``data`` that may match, oldest first.

        With a field filter, the buffer is searched for its bytes (as grep does) and
        only the lines holding them are cut out; without one, every line is.
        """
        if not self.patterns:
            return data.splitlines(keepends=True)
        pattern = self.patterns[0]
        out = []
        pos = data.find(pattern)
        while pos >= 0:
            start = data.rfind(b"\n", 0, pos) + 1
            end = data.find(b"\n", pos)
            end = len(data) if end < 0 else end + 1
            out.append(data[start:end])
            pos = data.find(pattern, end)
        return out

    def file_may_match(self, first: bytes | None, last: bytes | None) -> bool:
        """False when the whole file lies outside since/until: it is not read."""
        if first is None or last is None:
            return True
        if self.since is not None and self.ts(last) < self.since:
            return False
        if self.until is not None and self.ts(first) >= self.until:
            return False
        return True


def _ends(sf: SnapFile) -> tuple[bytes | None, bytes | None]:
    fd = sf.file.fileno()
    head = os.pread(fd, min(sf.size, 8192), 0).split(b"\n", 1)[0]
    tail = os.pread(fd, min(sf.size, 8192), max(0, sf.size - 8192)).splitlines()
    return (head or None), (tail[-1] if tail else None)


def page(audit: AuditLog, query: AuditQuery) -> dict[str, Any]:
    """Matches newest first; ``total`` counts them all, ``entries`` is the page."""
    match = _Filter(query)
    start = query.offset
    stop = None if query.limit is None else start + query.limit
    total = 0
    entries: list[dict[str, Any]] = []
    with audit.snapshot() as snap:
        for sf in reversed(snap.files):
            if (match.since or match.until) and not match.file_may_match(*_ends(sf)):
                continue
            # Every candidate holds the first pattern already.
            for line in reversed(match.candidates(sf.read())):
                if match(line, skip_first=True):
                    if start <= total and (stop is None or total < stop):
                        entries.append(json.loads(line))
                    total += 1
    return {"entries": entries, "total": total}


def oldest_first(audit: AuditLog, query: AuditQuery) -> Iterator[bytes]:
    """The stored lines that match, oldest first, read a line at a time."""
    match = _Filter(query)
    skip, left = query.offset, query.limit
    with audit.snapshot() as snap:
        for sf in snap.files:
            if (match.since or match.until) and not match.file_may_match(*_ends(sf)):
                continue
            for line in sf.lines():
                if not match(line):
                    continue
                if skip:
                    skip -= 1
                    continue
                if left is not None:
                    if left == 0:
                        return
                    left -= 1
                yield line


def export(audit: AuditLog, query: AuditQuery, fmt: str) -> Iterator[str]:
    """The export as text chunks of about 64 KiB; memory stays flat."""
    if fmt == "jsonl":
        buf: list[str] = []
        size = 0
        for line in oldest_first(audit, query):
            text = line.decode("ascii")
            buf.append(text)
            size += len(text)
            if size >= CHUNK:
                yield "".join(buf)
                buf, size = [], 0
        if buf:
            yield "".join(buf)
        return
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF line ends, quotes doubled

    def written(row: list[Any]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        return out.getvalue()

    loads = json.loads
    fields = operator.itemgetter(*ENTRY_FIELDS)
    plain = _PLAIN.fullmatch
    parts = [written(list(ENTRY_FIELDS))]
    size = 0
    for line in oldest_first(audit, query):
        text = line.decode("ascii", "replace")
        m = plain(text) if "\\" not in text else None
        if m is not None:
            row_text = _PLAIN_ROW % m.groups()
        else:  # escapes in a value, a formula-like value, or not the usual shape
            entry = loads(line)
            try:
                row = list(fields(entry))
            except KeyError:  # a line that is no whole entry still exports, with blanks
                row = [entry.get(f, "") for f in ENTRY_FIELDS]
            for i in TEXT_COLUMNS:
                value = row[i]
                if isinstance(value, str) and value[:1] in FORMULA_FIRST:
                    row[i] = "'" + value
            row_text = written(row)
        parts.append(row_text)
        size += len(row_text)
        if size >= CHUNK:
            yield "".join(parts)
            parts.clear()
            size = 0
    yield "".join(parts)
