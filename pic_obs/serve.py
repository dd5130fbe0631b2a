"""``pic-obs serve``: the API under gunicorn, configured in code rather than a file."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # older gunicorns lack some settings
                self.cfg.set(key, value)

    def load(self):
        # Imported in each worker (no preload): every worker builds its own app,
        # loads its plugins and starts its own level watcher.
        from .wsgi import app

        return app


def serve(host: str, port: int, workers: int) -> None:
    Server({
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": None,  # requests are logged to data/logs/api.log, without query strings
        "errorlog": "-",
        "graceful_timeout": 10,
        # gunicorn >= 24 opens a control socket at one fixed path per user; two
        # cells (or two test servers) on one host would fight over it.
        "control_socket_disable": True,
    }).run()
