"""Bearer tokens: shown once when created, stored only as SHA-256 hashes.

A token is 32 random bytes, so an unsalted SHA-256 is enough: nobody can guess
one from its hash, and a lookup stays one dictionary access.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .files import locked, stat_key, write_json_atomic
from .types import Identity

ROLES = ("admin", "peer")
TOKEN_PREFIX = "pic_"
_USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenError(ValueError):
    """A token command cannot be done; the message says why and what to do."""


class TokenStore:
    """``data/api/tokens.json`` (mode 0600): one token per user name."""

    def __init__(self, path: Path):
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._guard = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._by_hash: dict[str, Identity] = {}

    def _read(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return []
        return list(data.get("tokens", []))

    def lookup(self, token: str) -> Identity | None:
        """The identity a token belongs to; re-reads the file when the CLI changed it."""
        key = stat_key(self.path)
        if key != self._seen:
            with self._guard:
                entries = self._read() if key is not None else []
                self._by_hash = {e["hash"]: Identity(e["user"], e["role"]) for e in entries}
                self._seen = key
        return self._by_hash.get(_hash(token))

    def create(self, user: str, role: str) -> str:
        """Make a token for ``user`` and return it; it is not stored anywhere in clear."""
        if not _USER_RE.match(user):
            raise TokenError(
                f"invalid user name {user!r}: use 1-64 letters, digits, '_', '.', '@' or '-'"
            )
        if role not in ROLES:
            raise TokenError(f"invalid role {role!r}: use one of {', '.join(ROLES)}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with locked(self._lock_path):
            entries = self._read()
            if any(e["user"] == user for e in entries):
                raise TokenError(
                    f"user {user!r} already has a token; run `pic-obs token revoke {user}` first"
                )
            entries.append({
                "user": user,
                "role": role,
                "hash": _hash(token),
                "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            })
            write_json_atomic(self.path, {"tokens": entries}, mode=0o600)
        return token

    def revoke(self, user: str) -> bool:
        with locked(self._lock_path):
            entries = self._read()
            kept = [e for e in entries if e["user"] != user]
            if len(kept) == len(entries):
                return False
            write_json_atomic(self.path, {"tokens": kept}, mode=0o600)
        return True

    def list(self) -> list[dict[str, str]]:
        return [{"user": e["user"], "role": e["role"], "created": e.get("created", "")} for e in self._read()]

    def has_user(self, user: str) -> bool:
        return any(e["user"] == user for e in self._read())
