"""WSGI entry point: ``gunicorn wsgi:app``."""

from cohort import create_app

app = create_app()
