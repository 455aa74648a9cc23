"""Flask-WTF forms. They check the shape of input; choices that need the database are filled
in by the view. No queries here.

Every form is a :class:`PageForm`: Flask-WTF's, whose messages (WTForms' own, such as "not a valid
choice") come from a catalog read once per process and language, where Flask-WTF reads it from
its file again on every request that makes a form."""

from functools import cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _messages(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PageForm(FlaskForm):
    """A Flask-WTF form whose WTForms messages are in the page's language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: object) -> support.Translations:
            return _messages(str(get_locale()))


class ConfirmForm(PageForm):
    """A one-button action: only the CSRF token."""
