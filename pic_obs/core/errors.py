"""Errors the core raises and plugins may raise.

Each carries a machine-readable ``code`` and an HTTP ``status`` so the HTTP layer
can turn it into a JSON error without knowing where it came from.
"""

from __future__ import annotations

from typing import Any


class PicObsError(Exception):
    """Base class: ``code`` names the failure, ``message`` says how to fix it."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class InvalidRequest(PicObsError):
    """The caller's input is wrong; nothing was changed.

    ``details`` lists one ``{"path": "python.services.netwrk", "message": ...}``
    per problem, so a client can point at every mistake at once.
    """

    code = "invalid_request"
    status = 400

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.details = details or []

    def to_json(self) -> dict[str, Any]:
        body = super().to_json()
        body["details"] = self.details
        return body


class TargetError(PicObsError):
    """Raised by a plugin when it cannot act on its target.

    Use a code and status that tell the admin what to do, e.g.
    ``TargetError("Docker is not reachable at unix:///var/run/docker.sock",
    code="docker_unavailable", status=503)``.
    """

    code = "target_error"
    status = 502
