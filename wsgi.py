"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from improvement_tracker import create_app

app = create_app()
