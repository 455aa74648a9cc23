"""The application for the Flask command line: ``flask --app app serve``, ``flask --app app db``."""

from microprojects import create_app

app = create_app()
