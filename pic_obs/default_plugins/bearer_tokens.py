"""The default identity resolver: ``Authorization: Bearer <token>`` against tokens.json.

It runs last, so a host app's own session resolver is asked first.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pic_obs.core.hookspecs import hookimpl
from pic_obs.core.settings import Settings
from pic_obs.core.tokens import TokenStore
from pic_obs.core.types import Identity


@lru_cache(maxsize=32)
def store_for(path: Path) -> TokenStore:
    # One store per tokens file, so its parsed contents are cached between requests.
    return TokenStore(path)


def bearer_token(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@hookimpl(trylast=True)
def pic_obs_resolve_identity(settings: Settings, request) -> Identity | None:
    token = bearer_token(request)
    if token is None:
        return None
    return store_for(settings.api_dir / "tokens.json").lookup(token)


@hookimpl
def pic_obs_backup_files(settings: Settings) -> list[Path]:
    return [settings.api_dir / "tokens.json"]
