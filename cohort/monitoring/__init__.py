"""Seeing Cohort in production: Prometheus metrics at /metrics and one log line per request.

Under gunicorn the workers share their figures through ``PROMETHEUS_MULTIPROC_DIR`` (set up by
``gunicorn.conf.py``), so whichever worker answers a scrape reports the whole server.
"""

from flask import Flask

from . import requests
from .views import bp


def init_app(app: Flask) -> None:
    requests.init_app(app)
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
