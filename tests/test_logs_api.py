import logging

import pytest

import pic_obs
from pic_obs.core.logsetup import log_paths


@pytest.fixture
def network_log(app):
    log = pic_obs.get_logger("network")
    for i in range(250):
        log.warning("peer %d handshake done", i)
    return app


def test_service_writes_its_own_file(network_log, data_dir):
    text = (data_dir / "logs" / "network.log").read_text()
    assert text.count("\n") == 250
    first = text.splitlines()[0]
    # UTC ISO timestamp, level, logger, message
    assert first.endswith("WARNING pic.network peer 0 handshake done")
    assert first[10] == "T" and first[23] == "Z"
    assert not (data_dir / "logs" / "email.log").exists() or "handshake" not in (
        data_dir / "logs" / "email.log").read_text()


def test_tail_default_is_100_lines_oldest_first(client, admin, network_log):
    r = client.get("/api/logs?service=network", headers=admin)
    assert r.status_code == 200
    assert r.json["service"] == "network"
    lines = r.json["lines"]
    assert len(lines) == 100
    assert lines[0].endswith("peer 150 handshake done") and lines[-1].endswith("peer 249 handshake done")


def test_tail_continues_into_rotated_files(client, admin, app, data_dir):
    paths = log_paths(data_dir / "logs", "email")
    paths[1].write_text("older a\nolder b\n")
    paths[0].write_text("newest\n")
    r = client.get("/api/logs?service=email&lines=3", headers=admin)
    assert r.json["lines"] == ["older a", "older b", "newest"]


@pytest.mark.parametrize("query,path", [
    ("service=network&lines=0", "lines"),
    ("service=network&lines=10001", "lines"),
    ("service=network&lines=ten", "lines"),
    ("service=network&lines=-5", "lines"),
    ("service=netwrk", "service"),
    ("service=../../etc/passwd", "service"),
    ("service=network/../api", "service"),
    ("service=", "service"),
    ("", "service"),
    ("container=caddy", "container"),
    ("service=network&container=caddy", "container"),
])
def test_bad_tail_arguments_are_400(client, admin, network_log, query, path):
    r = client.get(f"/api/logs?{query}", headers=admin)
    assert r.status_code == 400, r.json
    assert r.json["error"] == "invalid_request"
    assert r.json["details"][0]["path"] == path


def test_api_log_records_requests_without_query_strings(client, admin, data_dir):
    client.get("/api/logs/search?q=s3cr3t-value", headers=admin)
    client.put("/api/logs/verbosity?token=s3cr3t-value", headers=admin, json={"python": {"root": "INFO"}})
    text = (data_dir / "logs" / "api.log").read_text()
    assert "GET /api/logs/search 200 admin" in text
    assert "PUT /api/logs/verbosity 200 admin" in text
    assert "s3cr3t-value" not in text


def test_search_newest_first_with_line_numbers(client, admin, network_log):
    r = client.get("/api/logs/search?q=PEER 24&service=network", headers=admin)
    assert r.status_code == 200
    body = r.json
    assert body["query"] == "PEER 24" and body["truncated"] is False
    got = [(m["line_number"], m["line"].split(" ", 3)[3]) for m in body["matches"]]
    expected = [(n + 1, f"peer {n} handshake done") for n in [249, 248, 247, 246, 245, 244, 243, 242, 241, 240, 24]]
    assert got == expected
    assert {m["service"] for m in body["matches"]} == {"network"}
    assert {m["file"] for m in body["matches"]} == {"network.log"}


def test_search_limit_and_truncated(client, admin, network_log):
    body = client.get("/api/logs/search?q=handshake&service=network&limit=5", headers=admin).json
    assert len(body["matches"]) == 5 and body["truncated"] is True
    assert body["matches"][0]["line"].endswith("peer 249 handshake done")


def test_search_across_all_services_interleaves_by_time(client, admin, app):
    net, mail = pic_obs.get_logger("network"), pic_obs.get_logger("email")
    for i in range(3):
        net.warning("tick %d net", i)
        mail.warning("tick %d mail", i)
    body = client.get("/api/logs/search?q=tick", headers=admin).json
    order = [m["line"].split(" ", 3)[3] for m in body["matches"]]
    assert sorted(order) == sorted(f"tick {i} {s}" for i in range(3) for s in ("net", "mail"))
    # Newest first by timestamp: ties aside, tick 2 comes before tick 0.
    assert order.index("tick 2 net") < order.index("tick 0 net")
    assert order.index("tick 2 mail") < order.index("tick 0 mail")
    assert {m["service"] for m in body["matches"]} == {"network", "email"}


@pytest.mark.parametrize("query,path", [
    ("", "q"),
    ("q=", "q"),
    ("q=" + "x" * 257, "q"),
    ("q=a%0Ab", "q"),
    ("q=x&limit=0", "limit"),
    ("q=x&limit=1001", "limit"),
    ("q=x&limit=many", "limit"),
    ("q=x&service=nope", "service"),
])
def test_bad_search_arguments_are_400(client, admin, query, path):
    r = client.get(f"/api/logs/search?{query}", headers=admin)
    assert r.status_code == 400
    assert r.json["details"][0]["path"] == path


def test_levels_decide_what_reaches_the_file(client, admin, data_dir, app):
    log = pic_obs.get_logger("vault")
    log.debug("hidden")
    client.put("/api/logs/verbosity", headers=admin, json={"python": {"services": {"vault": "DEBUG"}}})
    log.debug("shown")
    text = (data_dir / "logs" / "vault.log").read_text()
    assert "shown" in text and "hidden" not in text
    assert logging.getLogger("pic.vault").level == logging.DEBUG
