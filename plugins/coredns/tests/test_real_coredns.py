"""Against the real engine: the CoreDNS stand-in re-reads its Corefile on SIGUSR1."""

import time


def test_signal_makes_it_reread_without_restarting(make_app, admin, coredns):
    coredns.reload()
    started = coredns.attrs["State"]["StartedAt"]
    client = make_app(PIC_OBS_CONTAINER_COREDNS=coredns.name).test_client()
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "DEBUG"}})
    assert r.status_code == 200 and r.json["applied"] == {"coredns": "hot"}
    deadline = time.monotonic() + 10
    while b"reloaded Corefile: errors;log;debug;" not in coredns.logs():
        assert time.monotonic() < deadline, coredns.logs().decode()
        time.sleep(0.1)
    coredns.reload()
    assert coredns.attrs["State"]["StartedAt"] == started, "it restarted instead of re-reading"
    assert coredns.attrs["State"]["Running"]
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "ERROR"}})
    deadline = time.monotonic() + 10
    while not coredns.logs().rstrip().endswith(b"reloaded Corefile: errors;"):
        assert time.monotonic() < deadline, coredns.logs().decode()
        time.sleep(0.1)
    assert client.get("/api/logs?container=coredns&lines=1", headers=admin).json["lines"] == [
        "coredns: reloaded Corefile: errors;"]
