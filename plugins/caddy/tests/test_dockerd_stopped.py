"""A hot change with dockerd stopped mid-run: a real Caddy in a second dockerd of the test's own
(the ``second_engine`` fixture). While it is down the change fails with a clear error within
the retry bound and the Caddyfile is left as it was, the Python and audit parts work; once it
is back, the next change is hot again without an API restart."""

from __future__ import annotations

import time

from test_real_caddy import running_level

from pic_obs.containers.docker_access import DOWN_FOR
from pic_obs.containers.testing import change_while_engine_down, wait_for_log


def test_dockerd_stopped_mid_run(make_app, admin, engine, second_engine, data_dir):
    caddy = second_engine.run(engine, "pic-test/caddy", "caddy",
                              volumes={str(data_dir / "caddy"): {"bind": "/etc/caddy", "mode": "rw"}})
    wait_for_log(caddy, b"serving initial configuration")
    api = make_app(PIC_OBS_DOCKER_HOST=second_engine.url, PIC_OBS_PLUGINS="audit,caddy").test_client()
    r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "DEBUG"}})
    assert r.status_code == 200 and r.json["applied"] == {"caddy": "hot"}, r.json

    second_engine.stop()  # as on `systemctl stop docker`; Caddy stops with it
    change_while_engine_down(api, admin, "caddy", data_dir / "caddy" / "Caddyfile")
    assert api.get("/api/logs/verbosity", headers=admin).json["containers"]["caddy"] == "DEBUG"

    client = second_engine.start()  # dockerd is back; the API was not restarted
    caddy = client.containers.get("caddy")
    if caddy.status != "running":  # whether dockerd brings it back on its own is Docker's matter
        caddy.start()
    deadline = time.monotonic() + 30
    while running_level(caddy) != "DEBUG":  # Caddy is up again, on the Caddyfile as it was
        assert time.monotonic() < deadline, caddy.logs()[-2000:]
        time.sleep(0.2)
    time.sleep(DOWN_FOR)
    r = api.put("/api/logs/verbosity", headers=admin, json={"containers": {"caddy": "ERROR"}})
    assert r.status_code == 200 and r.json["applied"] == {"caddy": "hot"}, r.json
    assert running_level(caddy) == "ERROR"
    assert "unknown" not in api.get("/api/logs/verbosity", headers=admin).json
