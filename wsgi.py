"""The production entry point: ``gunicorn wsgi:app``."""

from microprojects import create_app

app = create_app()
