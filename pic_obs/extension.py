"""The Flask extension: ``PicObs(app)`` or ``PicObs().init_app(app)``.

It adds the one blueprint under ``/api`` and app-wide request hooks, so that every
mutating request of the host app, not only pic-obs's own, reaches the
record-mutation hook.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth import current_identity, source_ip
from .blueprint import bp
from .core.engine import Core
from .core.logsetup import get_logger
from .core.settings import DATA_DIR_ENV, PREFIX, Settings
from .core.types import Mutation
from .marks import AuditSpec

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXTENSION = "pic_obs"

log = get_logger("api")


class PicObs:
    """pic-obs inside a Flask app; its state lives in ``app.extensions["pic_obs"]``."""

    def __init__(self, app: Flask | None = None, *, plugins: Iterable[object] = ()):
        self._plugins = tuple(plugins)
        self.core: Core | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> PicObs:
        # The environment gives defaults; the app's own config wins.
        env = {k: v for k, v in os.environ.items() if k.startswith(PREFIX) or k == DATA_DIR_ENV}
        for key, value in app.config.items():
            if key.startswith(PREFIX) or key == DATA_DIR_ENV:
                env[key] = value
        settings = Settings.from_mapping(env)
        self.core = Core(settings, plugins=self._plugins, own_logging=True)
        app.extensions[EXTENSION] = self

        proxies = int(settings.get(PREFIX + "TRUSTED_PROXIES", 0) or 0)
        if proxies > 0:
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]

        app.register_blueprint(bp)
        app.before_request(_start_timer)
        app.after_request(_after_request)
        app.teardown_request(_teardown_request)
        return self

    @property
    def settings(self) -> Settings:
        assert self.core is not None, "call init_app(app) first"
        return self.core.settings


def init_app(app: Flask, *, plugins: Iterable[object] = ()) -> PicObs:
    """Add pic-obs to an existing Flask app (the PIC API) and return the extension."""
    return PicObs(app, plugins=plugins)


def _start_timer() -> None:
    request.environ["pic_obs.t0"] = time.perf_counter()


def _view():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _to_record() -> bool:
    return request.method in MUTATING and not getattr(_view(), "_pic_obs_not_audited", False) \
        and not request.environ.get("pic_obs.recorded", False)


def _record(status: int) -> None:
    request.environ["pic_obs.recorded"] = True  # once per request, whichever hook gets there
    current_app.extensions[EXTENSION].core.record_mutation(_mutation(status, getattr(_view(), "_pic_obs_audit", None)))


def _teardown_request(exc: BaseException | None) -> None:
    # An exception that escaped Flask's handlers (debug or testing mode) skips
    # after_request; the request still goes on the record, as a 500.
    if exc is not None and _to_record():
        try:
            _record(500)
        except Exception:
            log.exception("could not record %s %s", request.method, request.path)


def _after_request(response: Response) -> Response:
    if _to_record():
        try:
            _record(response.status_code)
        except Exception as exc:
            # The change may have happened but is not on record: say so loudly
            # rather than answer as if all were well.
            log.exception("could not record %s %s", request.method, request.path)
            response = jsonify({
                "error": "record_failed",
                "message": f"the request was handled but could not be recorded: {exc}",
            })
            response.status_code = 503
    elapsed = (time.perf_counter() - request.environ.get("pic_obs.t0", time.perf_counter())) * 1000
    identity = current_identity()
    # The path is logged escaped (it may hold newlines); the query string and the
    # body never are: they may carry secrets.
    log.info(
        "%s %s %d %s %s %.1fms",
        request.method,
        json.dumps(request.path)[1:-1],
        response.status_code,
        identity.user if identity else "anonymous",
        source_ip(),
        elapsed,
    )
    return response


def _mutation(status: int, spec: AuditSpec | None) -> Mutation:
    identity = current_identity()
    action, target_type, target_id = _named_action(spec) if spec else _derived_action()
    return Mutation(
        ts=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        actor=identity.user if identity else "anonymous",
        role=identity.role if identity else "",
        ip=source_ip(),
        method=request.method,
        path=request.path,
        action=action,
        target_type=target_type,
        target_id=target_id,
        status=status,
        result="success" if 200 <= status < 400 else "failure",
        keys=_request_keys(),
    )


def _json_body() -> Any:
    try:
        return request.get_json(silent=True) if request.is_json else None
    except HTTPException:  # e.g. a body over the size limit
        return None


def _request_keys() -> tuple[str, ...]:
    body = _json_body()
    if body is not None:
        return tuple(body_keys(body))
    try:
        return tuple(sorted(request.form))
    except HTTPException:
        return ()


def _named_action(spec: AuditSpec) -> tuple[str, str, str]:
    target_id: Any = ""
    if callable(spec.target_id):
        try:
            target_id = spec.target_id(request)
        except Exception:  # a body without the field: the record still goes on
            target_id = ""
    elif spec.target_id:
        body = _json_body()
        target_id = (request.view_args or {}).get(spec.target_id)
        if target_id is None and isinstance(body, dict):
            target_id = body.get(spec.target_id)
    if not isinstance(target_id, (str, int)):
        target_id = ""  # an id is a name or a number, never a whole structure
    return spec.action, spec.target_type, str(target_id)


VERBS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def _derived_action() -> tuple[str, str, str]:
    """``("peers_delete", "peers", "laptop")`` from ``DELETE /api/peers/<name>``."""
    verb = VERBS[request.method]
    rule = request.url_rule
    if rule is None:
        return f"unrouted_{verb}", "", ""
    statics = [p for p in rule.rule.strip("/").split("/") if p and not p.startswith("<")]
    noun = statics[-1] if statics else "root"
    target_id = next(iter((request.view_args or {}).values()), "")
    return f"{noun}_{verb}", noun, str(target_id)


def body_keys(body: Any, prefix: str = "") -> list[str]:
    """Dotted key names of a JSON body, sorted; list items share their list's path."""
    keys: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            keys.append(path)
            keys.extend(body_keys(value, path))
    elif isinstance(body, list):
        for item in body:
            keys.extend(body_keys(item, f"{prefix}[]"))
    return sorted(set(keys))
