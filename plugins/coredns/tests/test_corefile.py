"""The logging directives of a Corefile, per level, with every other line kept."""

import pytest
from conftest import COREFILE

from pic_obs_coredns.corefile import read_level, set_level

TWO_BLOCKS = COREFILE + """
example.org {
\tfile /etc/coredns/example.db
\tdebug
\tlog . {
\t\tclass all
\t}
}
"""


def block_lines(text, index):
    blocks = text.split("\n}\n")
    return [line.strip() for line in blocks[index].splitlines() if line.strip()]


@pytest.mark.parametrize("level,wanted", [
    ("DEBUG", ["errors", "log", "debug"]),
    ("INFO", ["errors", "log"]),
    ("WARNING", ["errors", "log . {", "class denial error", "}"]),
    ("ERROR", ["errors"]),
    ("CRITICAL", ["errors"]),
])
def test_directives_per_level(level, wanted):
    text = set_level(TWO_BLOCKS, level)
    assert read_level(text) == level
    first = block_lines(text, 0)
    assert first[0] == f"# pic-obs level: {level}" and first[1] == ". {"
    assert first[2:2 + len(wanted)] == wanted
    rest = first[2 + len(wanted):]
    assert rest == ["forward . 127.0.0.1 {", "max_fails 3", "}", "cache 30"]
    second = block_lines(text, 1)
    assert second[0] == "example.org {" and second[1:1 + len(wanted)] == wanted
    assert second[1 + len(wanted):] == ["file /etc/coredns/example.db"]


def test_reads_without_the_marker():
    assert read_level(COREFILE) == "INFO"
    assert read_level(". {\n\terrors\n}\n") == "ERROR"
    assert read_level(". {\n\terrors\n\tlog . {\n\t\tclass denial error\n\t}\n}\n") == "WARNING"
    assert read_level(". {\n\tdebug\n}\n") == "DEBUG"
    assert read_level(". {\n\tcache\n}\n") is None


def test_round_trips_and_keeps_one_marker():
    text = COREFILE
    for level in ("DEBUG", "WARNING", "CRITICAL", "INFO"):
        text = set_level(text, level)
    assert text.count("# pic-obs level:") == 1 and read_level(text) == "INFO"
    assert set_level(text, "INFO") == text


def test_a_log_inside_a_nested_block_is_not_ours():
    text = ". {\n\tforward . 1.1.1.1 {\n\t\tlog\n\t}\n}\n"
    assert "\t\tlog\n" in set_level(text, "ERROR")


def test_broken_corefiles_are_errors():
    with pytest.raises(ValueError, match="not closed"):
        set_level(". {\n\terrors\n", "DEBUG")
    with pytest.raises(ValueError, match="no server block"):
        set_level("# nothing\n", "DEBUG")
