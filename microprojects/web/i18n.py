"""Choosing the language of a page: the visitor's choice (kept in the session or account),
then the browser's preference among ours, then zh-CN."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


@cache
def _locale(name: str) -> Locale:
    # Flask-Babel parses a name on every request, and Babel's parse scans every locale it
    # knows to normalize the name; one of our few languages is parsed once per process.
    return Locale.parse(name)


def select_locale() -> Locale:
    return _locale(_language())


def _language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best in ("zh_CN", "zh"):
        return "zh_CN"
    if best == "en":
        return "en"
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])
