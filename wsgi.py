"""WSGI entry point: `gunicorn wsgi:app`."""
from fluxnote import create_app

app = create_app()
