"""The OpenAPI 3.1 description of the pic-obs API, served at ``GET /api/openapi.json``.

Tests hold the real answers to it, so it cannot drift from what the API does.
"""

from __future__ import annotations

from typing import Any

from .core.engine import MAX_AUDIT_LIMIT, MAX_LINES, MAX_QUERY, MAX_SEARCH_LIMIT
from .core.levels import LEVELS, SERVICES
from .core.logsetup import LOG_SOURCES

LEVEL = {"type": "string", "enum": list(LEVELS)}
ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {
            "type": "object", "required": ["path", "message"],
            "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
ERROR_TEXT = {
    400: "invalid input, with details", 401: "no valid token", 403: "not an admin", 404: "not found",
    405: "method not allowed", 413: "body over 64 KiB", 415: "body is not JSON",
    502: "a container's program or Docker failed",
    503: "Docker unreachable, or the record could not be written", 507: "could not be saved",
}
PART_ERRORS = {"type": "object", "additionalProperties": {
    "type": "object", "required": ["error", "message", "status"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}}}}
VERBOSITY = {
    "type": "object",
    "required": ["python", "containers", "pending_restart", "levels"],
    "properties": {
        "python": {"type": "object", "required": ["root", "services"], "properties": {
            "root": LEVEL,
            "services": {"type": "object", "required": list(SERVICES), "additionalProperties": False,
                         "properties": {s: LEVEL for s in SERVICES}}}},
        "containers": {"type": "object", "additionalProperties": {"anyOf": [LEVEL, {"type": "null"}]}},
        "pending_restart": {"type": "array", "items": {"type": "string"}},
        "levels": {"type": "array", "items": LEVEL},
        "unknown": {"type": "object", "additionalProperties": {"type": "string"}},
        "applied": {"type": "object", "additionalProperties": {"enum": ["hot", "pending_restart"]}},
        "errors": PART_ERRORS,
    },
}
ENTRY = {
    "type": "object",
    "required": ["seq", "ts", "actor", "role", "ip", "action", "target_type", "target_id", "result",
                 "status", "summary", "prev_hash", "hash"],
    "properties": {
        "seq": {"type": "integer", "minimum": 1}, "ts": {"type": "string"}, "actor": {"type": "string"},
        "role": {"type": "string"}, "ip": {"type": "string"}, "action": {"type": "string"},
        "target_type": {"type": "string"}, "target_id": {"type": "string"},
        "result": {"enum": ["success", "failure"]}, "status": {"type": "integer"},
        "summary": {"type": "string"},
        "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
}
AUDIT_FILTERS = [
    {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("actor", "action", "target_type", "target_id")
] + [
    {"name": "result", "in": "query", "schema": {"enum": ["success", "failure"]}},
    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def document() -> dict[str, Any]:
    auth = _errors(401, 403)
    source = [
        {"name": "service", "in": "query", "schema": {"enum": list(LOG_SOURCES)}},
        {"name": "container", "in": "query", "schema": {"type": "string", "pattern": "^[a-z0-9_-]+$"}},
    ]
    plugin = _object(["name", "status", "hooks"], name={"type": "string"}, version={"type": ["string", "null"]},
                     status={"enum": ["loaded", "failed", "disabled"]},
                     source={"enum": ["default", "entry_point", "app"]},
                     hooks={"type": "array", "items": {"type": "string"}}, error={"type": ["string", "null"]})
    put_body = {"type": "object", "additionalProperties": False, "properties": {
        "python": {"type": "object", "additionalProperties": False, "properties": {
            "root": LEVEL,
            "services": {"type": "object", "additionalProperties": False,
                         "properties": {s: {"enum": [*LEVELS, None]} for s in SERVICES}}}},
        "containers": {"type": "object", "additionalProperties": LEVEL},
        "levels": {"type": "array"}, "pending_restart": {"type": "array"}, "unknown": {"type": "object"}}}
    match = _object(["file", "line_number", "line"], file={"type": "string"}, line_number={"type": "integer"},
                    line={"type": "string"})
    paths: dict[str, dict[str, Any]] = {
        "/api/health": {"get": {"summary": "Liveness, no token", "security": [], "responses": {
            "200": _json(_object(["status"], status={"const": "ok"}), "up")}}},
        "/api/openapi.json": {"get": {"summary": "This document", "responses": {
            "200": _json(_object(["openapi", "paths"]), "the API"), **auth}}},
        "/api/plugins": {"get": {"summary": "Plugins and their status", "responses": {
            "200": _json(_object(["plugins"], plugins={"type": "array", "items": plugin}), "the plugins"),
            **auth}}},
        "/api/logs/verbosity": {
            "get": {"summary": "Python and container log levels", "responses": {
                "200": _json(VERBOSITY, "the levels"), **auth}},
            "put": {"summary": "Set levels; the whole body is checked before anything changes",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": put_body}}},
                    "responses": {"200": _json(VERBOSITY, "the levels, with what was applied"),
                                  **_errors(400, 401, 403, 404, 413, 415, 502, 503, 507)}}},
        "/api/logs/verbosity/restart": {"post": {
            "summary": "Recreate containers whose level waits for a restart",
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False,
                "properties": {"containers": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"200": _json(_object(["restarted"], restarted={
                "type": "object", "additionalProperties": {"enum": ["ok", "failed"]}}, errors=PART_ERRORS),
                "what was recreated"), **_errors(400, 401, 403, 404, 409, 413, 415, 502, 503)}}},
        "/api/logs": {"get": {"summary": "The last lines of a log, oldest first", "parameters": [
            *source, {"name": "lines", "in": "query",
                      "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LINES}}],
            "responses": {"200": _json(_object(["lines"], lines={"type": "array", "items": {"type": "string"}}),
                                       "the lines"), **_errors(400, 401, 403, 404, 502, 503)}}},
        "/api/logs/search": {"get": {"summary": "Lines holding a text, newest first", "parameters": [
            *source,
            {"name": "q", "in": "query", "required": True,
             "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY}},
            {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_LIMIT}}],
            "responses": {"200": _json(_object(["query", "matches", "truncated"], query={"type": "string"},
                                               truncated={"type": "boolean"},
                                               matches={"type": "array", "items": match}), "the matches"),
                          **_errors(400, 401, 403, 404, 502, 503)}}},
        "/api/audit": {"get": {"summary": "The audit trail, newest first", "parameters": [
            *AUDIT_FILTERS,
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_AUDIT_LIMIT}}],
            "responses": {"200": _json(_object(["entries", "total", "limit", "offset"],
                                               entries={"type": "array", "items": ENTRY}, total={"type": "integer"},
                                               limit={"type": "integer"}, offset={"type": "integer"}), "a page"),
                          **_errors(400, 401, 403, 404)}}},
        "/api/audit/export": {"get": {"summary": "The trail as a CSV or JSONL attachment, oldest first",
                                      "parameters": [*AUDIT_FILTERS,
                                                     {"name": "limit", "in": "query",
                                                      "schema": {"type": "integer", "minimum": 1}},
                                                     {"name": "format", "in": "query",
                                                      "schema": {"enum": ["csv", "jsonl"]}}],
                                      "responses": {"200": {"description": "the attachment", "content": {
                                          "text/csv": {"schema": {"type": "string"}},
                                          "application/x-ndjson": {"schema": {"type": "string"}}}},
                                          **_errors(400, 401, 403, 404)}}},
        "/api/audit/verify": {"get": {"summary": "Whether the hash chain is intact", "responses": {
            "200": _json(_object(["intact", "entries", "first_seq", "last_seq", "files", "problems"],
                                 intact={"type": "boolean"}, entries={"type": "integer"},
                                 problems={"type": "array", "items": _object(
                                     ["kind", "seq", "file", "line", "detail"])}), "the verdict"),
            **_errors(401, 403, 404)}}},
        "/api/backup": {"post": {"summary": "Write a backup archive of everything a restore needs", "responses": {
            "201": _json(_object(["backup"], backup={"type": "string"}), "its name"),
            **_errors(401, 403, 413, 503, 507)}}},
    }
    for item in paths.values():
        for op in item.values():
            op.setdefault("security", [{"bearer": []}])
    return {
        "openapi": "3.1.0",
        "info": {"title": "pic-obs", "version": "1",
                 "description": "Logging, log levels and the audit trail of a Personal Internet Cell."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR},
            "responses": {f"E{c}": _json(ERROR, d) for c, d in ERROR_TEXT.items()} | {
                "E409": _json(ERROR, "nothing to restart")},
        },
    }
