"""Against the real engine: pending until recreated, then running with the new env."""

from pic_obs.containers.testing import wait_for_log


def env_of(container):
    container.reload()
    return dict(e.split("=", 1) for e in container.attrs["Config"]["Env"])


def test_pending_until_restart_then_new_env_with_the_same_config(make_app, admin, mailserver, engine, network):
    client = make_app(PIC_OBS_CONTAINER_MAILSERVER=mailserver.name).test_client()
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == []
    r = client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "DEBUG"}})
    assert r.json["applied"] == {"mailserver": "pending_restart"}
    assert r.json["pending_restart"] == ["mailserver"]
    # docker restart would not help: the environment is fixed at creation.
    mailserver.restart(timeout=5)
    assert env_of(mailserver)["LOG_LEVEL"] == "info"
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == ["mailserver"]

    before = engine.api.inspect_container(mailserver.name)
    r = client.post("/api/logs/verbosity/restart", headers=admin, json={"containers": ["mailserver"]})
    assert r.status_code == 200 and r.json == {"restarted": {"mailserver": "ok"}}, r.json
    after = engine.api.inspect_container(mailserver.name)
    assert after["Id"] != before["Id"]
    assert after["State"]["Running"]
    env = dict(e.split("=", 1) for e in after["Config"]["Env"])
    assert env["LOG_LEVEL"] == "debug" and env["OVERRIDE_HOSTNAME"] == "mail.example.org"
    for key in ("Image", "Labels", "Cmd", "Hostname"):
        assert after["Config"][key] == before["Config"][key], key
    assert after["HostConfig"]["RestartPolicy"] == before["HostConfig"]["RestartPolicy"]
    assert after["HostConfig"]["Binds"] == before["HostConfig"]["Binds"]
    assert set(after["NetworkSettings"]["Networks"]) == set(before["NetworkSettings"]["Networks"])
    assert {"mail", "smtp"} <= set(after["NetworkSettings"]["Networks"][network.name]["Aliases"])
    new = engine.containers.get(mailserver.name)
    wait_for_log(new, b"started with LOG_LEVEL=debug")
    assert client.get("/api/logs/verbosity", headers=admin).json["pending_restart"] == []
    assert [c.name for c in engine.containers.list(all=True) if c.name.endswith("-pic-obs-old")] == []


def test_restart_without_names_takes_every_pending_one(make_app, admin, mailserver):
    client = make_app(PIC_OBS_CONTAINER_MAILSERVER=mailserver.name).test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "WARNING"}})
    r = client.post("/api/logs/verbosity/restart", headers=admin)
    assert r.json == {"restarted": {"mailserver": "ok"}}
    assert env_of(mailserver.client.containers.get(mailserver.name))["LOG_LEVEL"] == "warn"


def test_a_new_container_that_fails_puts_the_old_one_back(make_app, admin, mailserver, data_dir, engine):
    client = make_app(PIC_OBS_CONTAINER_MAILSERVER=mailserver.name).test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"mailserver": "DEBUG"}})
    old_id = engine.api.inspect_container(mailserver.name)["Id"]
    plugin_values = __import__("pic_obs_mailserver").plugin.values
    original = dict(plugin_values)
    plugin_values["DEBUG"] = "loud"  # a value the program refuses: the new container exits
    try:
        r = client.post("/api/logs/verbosity/restart", headers=admin, json={"containers": ["mailserver"]})
    finally:
        plugin_values.update(original)
    assert r.status_code == 502
    assert r.json["restarted"] == {"mailserver": "failed"}
    err = r.json["errors"]["mailserver"]
    assert err["error"] == "restart_failed" and "the old one is back" in err["message"]
    assert "unknown LOG_LEVEL=loud" in err["message"]
    back = engine.api.inspect_container(mailserver.name)
    assert back["Id"] == old_id and back["State"]["Running"]
    assert dict(e.split("=", 1) for e in back["Config"]["Env"])["LOG_LEVEL"] == "info"
