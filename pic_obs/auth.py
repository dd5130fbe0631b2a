"""Who is calling: identity through the resolve-identity hook, roles, source IP."""

from __future__ import annotations

from flask import current_app, g, request

from .core.errors import PicObsError
from .core.types import Identity

ADMIN = "admin"


class Unauthorized(PicObsError):
    code = "unauthorized"
    status = 401


class Forbidden(PicObsError):
    code = "forbidden"
    status = 403


def current_identity() -> Identity | None:
    """The caller's identity, resolved once per request and cached on ``g``."""
    if "_pic_obs_identity" not in g:
        core = current_app.extensions["pic_obs"].core
        g._pic_obs_identity = core.resolve_identity(request._get_current_object())
    return g._pic_obs_identity


def require_admin() -> Identity:
    """The admin making this request; raises 401 (nobody) or 403 (not an admin)."""
    identity = current_identity()
    if identity is None:
        if request.headers.get("Authorization"):
            raise Unauthorized("the token is unknown or revoked; create one with `pic-obs token create`")
        raise Unauthorized("send 'Authorization: Bearer <token>'; create a token with `pic-obs token create`")
    if identity.role != ADMIN:
        raise Forbidden(f"this needs the admin role; {identity.user!r} is {identity.role!r}")
    return identity


def source_ip() -> str:
    """The socket address of the caller.

    ``X-Forwarded-For`` is honoured only through ProxyFix, which init_app installs
    when ``PIC_OBS_TRUSTED_PROXIES`` is set: anyone can send that header.
    """
    return request.remote_addr or ""
