"""Reading and setting the global log level of a Caddyfile, leaving the rest alone."""

import pytest

from pic_obs_caddy.caddyfile import read_level, set_level

SITE = ':8080 {\n\trespond "hi"\n}\n'


@pytest.mark.parametrize("level,caddy", [("DEBUG", "DEBUG"), ("INFO", "INFO"), ("WARNING", "WARN"),
                                         ("ERROR", "ERROR"), ("CRITICAL", "ERROR")])
def test_the_five_levels_map_onto_caddys(level, caddy):
    text = set_level("{\n\tlog {\n\t\tlevel INFO\n\t}\n}\n\n" + SITE, level)
    assert f"\t\tlevel {caddy}\n" in text
    assert read_level(text) == level
    assert text.endswith(SITE)


def test_no_global_block_gets_one():
    text = set_level(SITE, "DEBUG")
    assert text.startswith("{\n")
    assert read_level(text) == "DEBUG" and SITE in text


def test_global_block_without_log_gets_a_log():
    text = set_level("{\n\tadmin localhost:2019\n}\n" + SITE, "ERROR")
    assert "\tadmin localhost:2019\n" in text and "\tlog {\n\t\tlevel ERROR\n\t}\n" in text
    assert read_level(text) == "ERROR"


def test_log_without_level_gets_one_and_keeps_its_output():
    text = set_level("{\n\tlog {\n\t\toutput stdout\n\t}\n}\n" + SITE, "WARNING")
    assert "\t\toutput stdout\n" in text and "level WARN" in text


def test_levels_elsewhere_are_not_touched():
    site = ':8080 {\n\tlog {\n\t\tlevel ERROR\n\t}\n\trespond "hi"\n}\n'
    text = set_level("{\n\tlog {\n\t\tlevel INFO\n\t}\n}\n" + site, "DEBUG")
    assert text.endswith(site)
    assert read_level(text) == "DEBUG"


def test_setting_twice_keeps_one_marker():
    text = set_level(set_level(SITE, "DEBUG"), "CRITICAL")
    assert text.count("# pic-obs level:") == 1 and read_level(text) == "CRITICAL"


def test_read_without_marker_maps_back():
    assert read_level("{\n\tlog {\n\t\tlevel WARN\n\t}\n}\n") == "WARNING"
    assert read_level(SITE) is None


def test_unclosed_global_block_is_an_error():
    with pytest.raises(ValueError, match="not closed"):
        set_level("{\n\tlog {\n", "DEBUG")
