"""The WSGI entry point gunicorn loads in each worker: ``pic_obs.wsgi:app``."""

from .app import create_app

app = create_app()
