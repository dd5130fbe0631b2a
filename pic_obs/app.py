"""The standalone app: ``create_app()`` builds the API with pic-obs and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException

from .blueprint import json_http_error
from .extension import init_app


def create_app(config: Mapping[str, Any] | None = None, *, plugins: Iterable[object] = ()) -> Flask:
    """Build the pic-obs API. ``config`` keys override the environment's ``PIC_OBS_*``."""
    app = Flask("pic_obs")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.json.sort_keys = False  # answers keep the order the docs show
    if config:
        app.config.update(config)
    # Routes outside the blueprint (a 404 on an unknown path, a 405) answer JSON too.
    app.register_error_handler(HTTPException, json_http_error)
    init_app(app, plugins=plugins)
    return app
