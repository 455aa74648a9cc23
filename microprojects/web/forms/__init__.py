"""Flask-WTF forms. They check the shape of input; choices that need the database are filled
in by the view. No queries here."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A one-button action: only the CSRF token."""
