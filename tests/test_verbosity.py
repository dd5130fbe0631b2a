import json
import logging
import threading

import pytest

import pic_obs
from pic_obs.core.levels import SERVICES, LevelStore, PythonLevels


def get(client, admin):
    r = client.get("/api/logs/verbosity", headers=admin)
    assert r.status_code == 200
    return r.json


def put(client, admin, body, **kw):
    return client.put("/api/logs/verbosity", headers=admin, json=body, **kw)


def test_get_shape(client, admin):
    body = get(client, admin)
    assert body == {
        "python": {"root": "INFO", "services": {s: "INFO" for s in SERVICES}},
        "containers": {},
        "pending_restart": [],
        "levels": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    }


def test_put_the_seed_example(client, admin):
    r = put(client, admin, {"python": {"root": "INFO", "services": {
        "network": "DEBUG", "wireguard": "DEBUG", "email": "INFO"}}})
    assert r.status_code == 200
    services = r.json["python"]["services"]
    assert services["network"] == "DEBUG" and services["wireguard"] == "DEBUG"
    assert services["email"] == "INFO" and services["vault"] == "INFO"
    assert r.json["applied"] == {}
    assert get(client, admin)["python"] == r.json["python"]


def test_level_is_hot_in_the_logger(client, admin):
    log = pic_obs.get_logger("network")
    assert not log.isEnabledFor(logging.DEBUG)
    put(client, admin, {"python": {"services": {"network": "DEBUG"}}})
    assert log.isEnabledFor(logging.DEBUG)
    assert not pic_obs.get_logger("email").isEnabledFor(logging.DEBUG)


def test_root_applies_to_services_not_set(client, admin):
    put(client, admin, {"python": {"services": {"network": "DEBUG"}}})
    body = put(client, admin, {"python": {"root": "ERROR"}}).json
    assert body["python"]["root"] == "ERROR"
    assert body["python"]["services"]["network"] == "DEBUG"
    assert body["python"]["services"]["vault"] == "ERROR"
    assert not pic_obs.get_logger("vault").isEnabledFor(logging.WARNING)


def test_null_inherits_root_again(client, admin):
    put(client, admin, {"python": {"root": "WARNING", "services": {"email": "DEBUG"}}})
    body = put(client, admin, {"python": {"services": {"email": None}}}).json
    assert body["python"]["services"]["email"] == "WARNING"
    body = put(client, admin, {"python": {"root": "ERROR"}}).json
    assert body["python"]["services"]["email"] == "ERROR"


def test_get_body_put_back_changes_nothing(client, admin):
    put(client, admin, {"python": {"root": "WARNING", "services": {"network": "DEBUG", "files": "WARNING"}}})
    before = get(client, admin)
    r = put(client, admin, before)
    assert r.status_code == 200
    assert {k: v for k, v in r.json.items() if k != "applied"} == before
    # Which services follow root is kept too: those that inherited still do,
    # the one pinned to WARNING stays pinned.
    after = put(client, admin, {"python": {"root": "ERROR"}}).json["python"]["services"]
    assert after["network"] == "DEBUG" and after["files"] == "WARNING" and after["vault"] == "ERROR"


BAD_BODIES = [
    ({"python": {"services": {"netwrk": "DEBUG"}}}, "python.services.netwrk", "unknown service"),
    ({"python": {"root": "LOUD"}}, "python.root", "is not one of"),
    ({"python": {"root": "debug"}}, "python.root", "is not one of"),
    ({"python": {"services": {"email": 3}}}, "python.services.email", "is not one of"),
    ({"python": {"services": ["network"]}}, "python.services", "is not of type 'object'"),
    ({"python": "DEBUG"}, "python", "is not of type 'object'"),
    ({"containers": {"caddy": "DEBUG"}}, "containers.caddy", "unknown container"),
    ({"python": {"root": "DEBUG"}, "extra": 1}, "extra", "unknown key"),
    ({"python": {"root": "DEBUG", "sevices": {}}}, "python.sevices", "unknown key"),
    ([{"python": {"root": "DEBUG"}}], "", "is not of type 'object'"),
    ({}, "", "python"),
]


@pytest.mark.parametrize("body,path,message", BAD_BODIES)
def test_bad_body_is_400_naming_the_field_and_changes_nothing(client, admin, data_dir, body, path, message):
    put(client, admin, {"python": {"services": {"network": "DEBUG"}}})
    before = get(client, admin)
    stored = (data_dir / "api" / "levels.json").read_bytes()
    r = put(client, admin, body)
    assert r.status_code == 400
    assert r.json["error"] == "invalid_request"
    assert any(d["path"] == path and message in d["message"] for d in r.json["details"]), r.json
    assert get(client, admin) == before
    assert (data_dir / "api" / "levels.json").read_bytes() == stored


def test_one_bad_field_rejects_the_good_ones_too(client, admin):
    r = put(client, admin, {"python": {"root": "DEBUG", "services": {"network": "DEBUG", "vpn": "INFO"}}})
    assert r.status_code == 400
    assert [d["path"] for d in r.json["details"]] == ["python.services.vpn"]
    assert get(client, admin)["python"]["root"] == "INFO"
    assert not pic_obs.get_logger("network").isEnabledFor(logging.DEBUG)


def test_every_problem_is_listed(client, admin):
    r = put(client, admin, {"python": {"root": "LOUD", "services": {"x": "DEBUG", "email": "Y"}}})
    paths = sorted(d["path"] for d in r.json["details"])
    assert paths == ["python.root", "python.services.email", "python.services.x"]


def test_malformed_json_is_400(client, admin):
    r = client.put("/api/logs/verbosity", headers={**admin, "Content-Type": "application/json"}, data="{nope")
    assert r.status_code == 400 and r.json["error"] == "invalid_request"


def test_wrong_content_type_is_415(client, admin):
    r = client.put("/api/logs/verbosity", headers=admin, data="root=DEBUG",
                   content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and "application/json" in r.json["message"]


def test_levels_survive_a_restart(make_app, admin):
    first = make_app().test_client()
    put(first, admin, {"python": {"root": "WARNING", "services": {"vault": "DEBUG"}}})
    second = make_app().test_client()
    body = get(second, admin)
    assert body["python"]["root"] == "WARNING" and body["python"]["services"]["vault"] == "DEBUG"
    assert pic_obs.get_logger("vault").isEnabledFor(logging.DEBUG)


def test_a_change_made_elsewhere_reaches_this_process(client, admin, data_dir):
    # Another worker writes the file; this process's watcher applies it.
    LevelStore(data_dir / "api" / "levels.json").update(root=None, services={"routing": "DEBUG"})
    done = threading.Event()
    for _ in range(50):
        if pic_obs.get_logger("routing").isEnabledFor(logging.DEBUG):
            done.set()
            break
        done.wait(0.05)
    assert done.is_set(), "the watcher did not apply the stored level within 2.5 s"


def test_concurrent_updates_from_two_stores_lose_nothing(data_dir):
    path = data_dir / "api" / "levels.json"
    stores = [LevelStore(path), LevelStore(path)]
    services = list(SERVICES)

    def work(i):
        for j, name in enumerate(services):
            if j % 2 == i:
                stores[i].update(root=None, services={name: "DEBUG"})

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert LevelStore(path).levels.services == {s: "DEBUG" for s in SERVICES}


def test_unreadable_file_keeps_levels_in_force(data_dir):
    path = data_dir / "api" / "levels.json"
    store = LevelStore(path)
    store.update(root="ERROR", services={})
    path.write_text("{torn")
    store.refresh()
    assert store.levels.root == "ERROR"


def test_stored_form_drops_unknown_entries():
    levels = PythonLevels.from_json({"root": "LOUD", "services": {"network": "DEBUG", "x": "INFO", "vault": 3}})
    assert levels == PythonLevels("INFO", {"network": "DEBUG"})
    assert json.loads(json.dumps(levels.to_json())) == {"root": "INFO", "services": {"network": "DEBUG"}}


def test_get_logger_rejects_unknown_services():
    with pytest.raises(ValueError, match="use one of network"):
        pic_obs.get_logger("netwrk")


def test_service_given_the_old_root_while_root_changes_keeps_it(client, admin):
    body = put(client, admin, {"python": {"root": "WARNING", "services": {"email": "INFO"}}}).json
    assert body["python"]["services"]["email"] == "INFO"
    assert body["python"]["services"]["files"] == "WARNING"


def test_levels_that_cannot_be_saved_are_a_clear_507(client, admin, monkeypatch):
    import pic_obs.core.levels as levels

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(levels, "write_json_atomic", full)
    r = put(client, admin, {"python": {"root": "DEBUG"}})
    assert r.status_code == 507
    assert r.json["error"] == "storage_error" and "No space left on device" in r.json["message"]
    monkeypatch.undo()
    assert get(client, admin)["python"]["root"] == "INFO"
