"""tail and search against a plain reading of the same files."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pic_obs.core import logfiles
from pic_obs.core.logsetup import log_paths


def write_set(tmp_path, files: list[bytes]) -> list:
    """files[0] is the current file, files[1] is S.log.1, ..."""
    paths = log_paths(tmp_path, "svc")
    for path, data in zip(paths, files):
        path.write_bytes(data)
    return paths


def plain_lines(files: list[bytes]) -> list[tuple[str, int, str]]:
    """(file, line_number, line) oldest first, read the obvious way."""
    out = []
    for i in reversed(range(len(files))):
        name = "svc.log" if i == 0 else f"svc.log.{i}"
        text = files[i].decode("utf-8", "replace")
        parts = text.split("\n")
        if text.endswith("\n"):
            parts.pop()
        if not text:
            parts = []
        out.extend((name, n + 1, line) for n, line in enumerate(parts))
    return out


line_text = st.text(alphabet=st.sampled_from("abcXYZ é\tq"), max_size=30)
file_bytes = st.lists(line_text, max_size=40).map(lambda ls: "\n".join(ls)).flatmap(
    lambda body: st.sampled_from([body, body + "\n"])
).map(lambda s: s.encode())


@pytest.fixture(params=[(7, 1), (7, 256), (64 * 1024, 256)],
                ids=["tiny-blocks-numbered-from-the-top", "tiny-blocks", "real-blocks"])
def blocks(request, monkeypatch):
    # Tiny blocks put block boundaries inside lines, where the bugs live. With at most one
    # match held back, search numbers lines both ways: counted on the way to the top, and
    # counted from the top once too many matches wait.
    size, pending = request.param
    monkeypatch.setattr(logfiles, "BLOCK", size)
    monkeypatch.setattr(logfiles, "SEARCH_BLOCK", size)
    monkeypatch.setattr(logfiles, "PENDING_MAX", pending)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(file_bytes, min_size=1, max_size=4), n=st.integers(1, 200))
def test_tail_is_the_last_n_lines(tmp_path_factory, blocks, files, n):
    paths = write_set(tmp_path_factory.mktemp("t"), files)
    expected = [line for _, _, line in plain_lines(files)][-n:]
    assert logfiles.tail(paths, n) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(file_bytes, min_size=1, max_size=4), query=st.sampled_from(["a", "AB", "x", "É", "q q", "zz"]))
def test_search_finds_every_line_newest_first(tmp_path_factory, blocks, files, query):
    paths = write_set(tmp_path_factory.mktemp("s"), files)
    expected = [
        (f, n, line) for f, n, line in reversed(plain_lines(files)) if query.lower() in line.lower()
    ]
    got = [(m.file, m.line_number, m.line) for m in logfiles.search("svc", paths, query)]
    assert got == expected


def test_tail_skips_missing_files_and_continues_into_backups(tmp_path):
    paths = log_paths(tmp_path, "svc")
    paths[2].write_text("old1\nold2\n")
    paths[0].write_text("new1\n")
    assert logfiles.tail(paths, 3) == ["old1", "old2", "new1"]
    assert logfiles.tail(paths, 100) == ["old1", "old2", "new1"]


def test_tail_of_nothing(tmp_path):
    assert logfiles.tail(log_paths(tmp_path, "svc"), 10) == []


def test_tail_reads_only_the_end_of_a_big_file(tmp_path, monkeypatch):
    path = tmp_path / "svc.log"
    line = b"x" * 119 + b"\n"
    path.write_bytes(line * 50_000)  # 6 MB
    read = []
    real_open = open

    class Counting:
        def __init__(self, f):
            self.f = f

        def __getattr__(self, name):
            return getattr(self.f, name)

        def read(self, n=-1):
            data = self.f.read(n)
            read.append(len(data))
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(logfiles, "open", lambda p, m: Counting(real_open(p, m)), raising=False)
    assert len(logfiles.tail([path], 100)) == 100
    assert sum(read) < 200 * 1024, f"read {sum(read)} bytes of a 6 MB file for 100 lines"


def test_search_stops_reading_when_the_caller_stops(tmp_path):
    path = tmp_path / "svc.log"
    path.write_bytes(b"2026 common line\n" * 300_000)  # 5 MB
    it = logfiles.search("svc", [path], "COMMON")
    first = [next(it) for _ in range(3)]
    assert [m.line_number for m in first] == [300_000, 299_999, 299_998]
    assert first[0].line == "2026 common line"


def test_search_handles_invalid_utf8(tmp_path):
    path = tmp_path / "svc.log"
    path.write_bytes(b"ok\n\xff\xfe needle\n")
    [m] = logfiles.search("svc", [path], "needle")
    assert m.line_number == 2 and m.line.endswith("needle")


def test_search_treats_query_as_text_not_a_pattern(tmp_path):
    path = tmp_path / "svc.log"
    path.write_text("a.b\naxb\n(x\n")
    assert [m.line for m in logfiles.search("svc", [path], "a.b")] == ["a.b"]
    assert [m.line for m in logfiles.search("svc", [path], "(x")] == ["(x"]


def test_file_rotated_away_mid_read_is_skipped(tmp_path):
    paths = log_paths(tmp_path, "svc")
    paths[1].write_text("one\n")
    it = logfiles.search("svc", paths, "one")
    os.unlink(paths[1])
    assert list(it) == []
