"""Decorators a route uses to say how its requests go on the record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class AuditSpec:
    action: str
    target_type: str = ""
    target_id: str | Callable[[Any], Any] | None = None


def audited(action: str, *, target_type: str = "", target_id: str | Callable[[Any], Any] | None = None):
    """Name a route's action and target on the record.

    ``target_id`` is the name of a URL variable or of a top-level key of the JSON
    body (looked up in that order), or a function of the request. For example
    ``@audited("peer_add", target_type="peer", target_id="name")`` on
    ``POST /api/peers`` with ``{"name": "laptop", ...}`` records ``peer_add peer:laptop``.
    Only the target's id is taken from the body; other values never are.
    """
    spec = AuditSpec(action, target_type, target_id)

    def mark(view: F) -> F:
        view._pic_obs_audit = spec  # type: ignore[attr-defined]
        return view

    return mark


def not_audited(view: F) -> F:
    """Keep a diagnostic POST (a connectivity test, say) off the record: it changes nothing."""
    view._pic_obs_not_audited = True  # type: ignore[attr-defined]
    return view
