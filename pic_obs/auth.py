"""Who is calling: identity through the resolve-identity hook, roles, source IP."""

from __future__ import annotations

from flask import current_app, request

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
    """The caller's identity, resolved once per request.

    Kept in the request's WSGI environ, not on ``g``: ``g`` belongs to the app
    context, which Flask shares with a request pushed while another is still open
    (a streamed answer), and one caller's identity must never reach another's request.
    """
    environ = request.environ
    if "pic_obs.identity" not in environ:
        core = current_app.extensions["pic_obs"].core
        environ["pic_obs.identity"] = core.resolve_identity(request._get_current_object())
    return environ["pic_obs.identity"]


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
