"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from market_pay import create_app

app = create_app()
