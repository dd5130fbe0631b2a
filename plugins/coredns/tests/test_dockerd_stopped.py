"""A hot change by signal with dockerd stopped mid-run: the CoreDNS stand-in in a second dockerd
of the test's own (the ``second_engine`` fixture). While it is down the change fails clearly
within the retry bound and the Corefile is left as it was; once it is back (and CoreDNS with
it), the next change is signalled and re-read without an API restart."""

from __future__ import annotations

import time

from pic_obs.containers.docker_access import DOWN_FOR
from pic_obs.containers.testing import change_while_engine_down, wait_for_log


def test_dockerd_stopped_mid_run(make_app, admin, engine, second_engine, data_dir):
    coredns = second_engine.run(engine, "pic-test/coredns", "coredns",
                                volumes={str(data_dir / "coredns"): {"bind": "/etc/coredns", "mode": "ro"}})
    wait_for_log(coredns, b"loaded Corefile")
    api = make_app(PIC_OBS_DOCKER_HOST=second_engine.url, PIC_OBS_PLUGINS="audit,coredns").test_client()
    r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "DEBUG"}})
    assert r.status_code == 200 and r.json["applied"] == {"coredns": "hot"}, r.json

    second_engine.stop()  # as on `systemctl stop docker`; CoreDNS stops with it
    change_while_engine_down(api, admin, "coredns", data_dir / "coredns" / "Corefile")
    assert api.get("/api/logs/verbosity", headers=admin).json["containers"]["coredns"] == "DEBUG"

    client = second_engine.start()  # dockerd is back; the API was not restarted
    coredns = client.containers.get("coredns")
    since = len(coredns.logs())
    if coredns.status != "running":  # whether dockerd brings it back on its own is Docker's matter
        coredns.start()
    deadline = time.monotonic() + 30
    while b"loaded Corefile: errors;log;debug;" not in coredns.logs()[since:]:  # up again, as it was
        assert time.monotonic() < deadline, coredns.logs().decode()
        time.sleep(0.1)
    time.sleep(DOWN_FOR)
    r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"coredns": "ERROR"}})
    assert r.status_code == 200 and r.json["applied"] == {"coredns": "hot"}, r.json
    deadline = time.monotonic() + 10
    while not coredns.logs().rstrip().endswith(b"reloaded Corefile: errors;"):
        assert time.monotonic() < deadline, coredns.logs().decode()
        time.sleep(0.1)
