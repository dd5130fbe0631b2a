"""The one blueprint: every pic-obs route under ``/api``, admin-only but for health."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from werkzeug.exceptions import HTTPException

from .auth import require_admin
from .core.engine import Core, parse_audit_query
from .core.errors import InvalidRequest, PicObsError
from .marks import audited
from .openapi import document as openapi_document

bp = Blueprint("pic_obs", __name__, url_prefix="/api")

PUBLIC_ENDPOINTS = {"pic_obs.health"}
MAX_BODY = 64 * 1024  # PIC_OBS_MAX_BODY overrides


def core() -> Core:
    return current_app.extensions["pic_obs"].core


@bp.before_request
def _authorize() -> None:
    # The limit holds inside a host app too, whatever the host's own limit is.
    request.max_content_length = int(current_app.config.get("PIC_OBS_MAX_BODY", MAX_BODY))
    if request.content_length is not None and request.content_length > request.max_content_length:
        raise PicObsError(f"the body is over {request.max_content_length} bytes",
                          code="payload_too_large", status=413)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    require_admin()


@bp.errorhandler(PicObsError)
def _pic_obs_error(exc: PicObsError):
    return jsonify(exc.to_json()), exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return json_http_error(exc)


def json_http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    response = jsonify({"error": code, "message": exc.description})
    response.status_code = exc.code or 500
    return response


def _int_arg(name: str, default: int) -> int:
    """A whole-number query argument; the core checks its range."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw, 10)
    except ValueError:
        raise InvalidRequest(
            f"{name} must be a whole number", [{"path": name, "message": f"{raw!r} is not a number"}]
        ) from None


def _source() -> tuple[str, str | None]:
    """(kind, name) from ``service=`` or ``container=``; never both."""
    service, container = request.args.get("service"), request.args.get("container")
    if service is not None and container is not None:
        raise InvalidRequest(
            "give service or container, not both",
            [{"path": "container", "message": "drop one of service and container"}],
        )
    if container is not None:
        return "container", container
    return "service", service


def json_body() -> Any:
    if not request.is_json:
        raise PicObsError(
            "send the body as JSON with 'Content-Type: application/json'",
            code="unsupported_media_type", status=415,
        )
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidRequest("the body is not valid JSON", [{"path": "", "message": "malformed JSON"}])
    return body


@bp.get("/health")
def health():
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/plugins")
def plugins():
    return jsonify({"plugins": core().plugin_info()})


@bp.get("/logs/verbosity")
def get_verbosity():
    return jsonify(core().verbosity())


@bp.put("/logs/verbosity")
@audited("log_level_set", target_type="log_levels")
def put_verbosity():
    answer, status = core().set_verbosity(json_body())
    return jsonify(answer), status


@bp.post("/logs/verbosity/restart")
@audited("container_restart", target_type="containers")
def restart_containers():
    body = json_body() if request.content_length else {}
    answer, status = core().restart(body)
    return jsonify(answer), status


@bp.get("/logs")
def tail_logs():
    kind, name = _source()
    if name is None:
        raise InvalidRequest("service is required", [{"path": "service", "message": "missing"}])
    lines = _int_arg("lines", 100)
    return jsonify({kind: name, "lines": core().tail(kind, name, lines)})


@bp.get("/logs/search")
def search_logs():
    kind, name = _source()
    query = request.args.get("q")
    if query is None:
        raise InvalidRequest("q is required", [{"path": "q", "message": "missing"}])
    limit = _int_arg("limit", 100)
    matches, truncated = core().search(query, kind=kind, name=name, limit=limit)
    return jsonify({
        "query": query,
        "matches": [
            {kind: m.source, "file": m.file, "line_number": m.line_number, "line": m.line} for m in matches
        ],
        "truncated": truncated,
    })


@bp.get("/audit")
def audit():
    return jsonify(core().audit_page(parse_audit_query(request.args)))


@bp.get("/audit/export")
def audit_export():
    query = parse_audit_query(request.args, export=True)
    fmt = request.args.get("format", "csv")
    chunks = core().audit_export(query, fmt)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="pic-audit-{stamp}.{fmt}"'},
    )


@bp.get("/audit/verify")
def audit_verify():
    return jsonify(core().audit_verify())


@bp.post("/backup")
@audited("backup_create", target_type="backup")
def backup():
    path = core().backup()
    return jsonify({"backup": path.name}), 201
