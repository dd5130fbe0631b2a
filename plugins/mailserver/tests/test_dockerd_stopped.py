"""A real dockerd stopped mid-run and started again: clear errors within the retry bound while
it is down, the Python and audit parts unaffected, and all working again without an API restart.

It runs a second dockerd of its own (the ``second_engine`` fixture), so stopping it harms no
other test."""

from __future__ import annotations

import time

from pic_obs.containers.docker_access import DOWN_FOR
from pic_obs.containers.testing import change_while_engine_down


def test_dockerd_stopped_mid_run(make_app, admin, engine, second_engine, data_dir):
    second_engine.run(engine, "pic-test/mailserver", "mailserver", environment=["LOG_LEVEL=info"])
    sock = second_engine.url
    api = make_app(PIC_OBS_DOCKER_HOST=sock, PIC_OBS_PLUGINS="audit,mailserver").test_client()
    r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "DEBUG"}})
    assert r.status_code == 200 and r.json["applied"] == {"mailserver": "pending_restart"}

    second_engine.stop()  # as on `systemctl stop docker`
    change_while_engine_down(api, admin, "mailserver", data_dir / "mailserver" / "mailserver.env")
    body = api.get("/api/logs/verbosity", headers=admin).json
    assert body["containers"]["mailserver"] == "DEBUG" and "mailserver" in body["unknown"]

    second_engine.start()  # dockerd is back; the API was not restarted
    try:
        time.sleep(DOWN_FOR)
        r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "ERROR"}})
        assert r.status_code == 200 and r.json["applied"] == {"mailserver": "pending_restart"}, r.json
        assert "unknown" not in api.get("/api/logs/verbosity", headers=admin).json
    finally:
        second_engine.stop(remove_containers=True)
