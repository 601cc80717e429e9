"""WSGI entry point: `gunicorn wsgi:app`."""

from dotenv import load_dotenv

from fluxnote import create_app

load_dotenv()
app = create_app()
