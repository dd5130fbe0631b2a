"""pytest fixtures for suites that call the API: ``pytest_plugins = ["pic_obs.pytest_plugin"]``.

The suite provides ``data_dir``; these give it tokens and the headers that carry them.
"""

from __future__ import annotations

import pytest

from .core.tokens import TokenStore


@pytest.fixture
def tokens(data_dir) -> dict[str, str]:
    """An admin token (user ``admin``) and a peer token (user ``laptop``)."""
    store = TokenStore(data_dir / "api" / "tokens.json")
    return {"admin": store.create("admin", "admin"), "peer": store.create("laptop", "peer")}


@pytest.fixture
def admin(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['admin']}"}


@pytest.fixture
def peer(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['peer']}"}
