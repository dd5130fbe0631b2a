from __future__ import annotations

import pytest

from pic_obs import Mutation, create_app
from pic_obs.core import logsetup
from pic_obs_audit import AuditLog
from pic_obs_audit.entry import fields_of

pytest_plugins = ["pic_obs.pytest_plugin"]


def mutation(n: int = 0, **changes) -> Mutation:
    base = dict(
        ts="2026-01-01T00:00:00.000000Z", actor="admin", role="admin", ip="127.0.0.1", method="POST",
        path="/api/peers", action="peer_add", target_type="peer", target_id=f"peer{n}", status=201,
        result="success", keys=("name", "public_key"),
    )
    base.update(changes)
    return Mutation(**base)


def fields(n: int = 0, **changes) -> dict:
    return fields_of(mutation(n, **changes))


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def make_log(data_dir):
    def make(max_bytes=10 * 1024 * 1024, backups=10):
        return AuditLog(data_dir / "api" / "audit", data_dir / "api" / "secrets" / "audit.key",
                        max_bytes=max_bytes, backups=backups)
    return make


@pytest.fixture
def audit(make_log):
    return make_log()


@pytest.fixture
def small(make_log):
    """Rotates every ~10 entries, keeps 3 backups."""
    return make_log(max_bytes=4000, backups=3)


@pytest.fixture
def make_app(data_dir):
    def make(config=None):
        return create_app({"PIC_OBS_DATA_DIR": str(data_dir), "PIC_OBS_PLUGINS": "audit", **(config or {})})
    yield make
    logsetup.uninstall()


@pytest.fixture
def client(make_app):
    return make_app().test_client()
