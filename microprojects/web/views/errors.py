"""Error pages: one template for every status, with a message the visitor understands."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ...domain.characters import has_control_character
from ...extensions import login_manager
from ...services.database import abandon_transaction
from ...services.errors import PermissionDenied

MESSAGES: dict[int, tuple[Any, Any]] = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account is not allowed to see or do this.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The file is larger than the site accepts.")),
    429: (
        _l("Too many attempts"),
        _l("You have tried too many times in a short while. Wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l(
            "An error occurred on our side. If you were casting your ballot, open the ballot page "
            "again: it says whether your vote was counted."
        ),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "The service cannot reach its database; try again shortly. If you were casting your "
            "ballot, open the ballot page again then: it says whether your vote was counted."
        ),
    ),
}


MESSAGES_INPUT: dict[int, Any] = {
    400: _l(
        "The request holds a character that cannot be stored (NUL) or a number far too large. "
        "Go back and correct it."
    ),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors.html", code=code, title=title, message=detail or message), code


# Beyond this a number typed into a form or an address is no id, page or amount of the app (a
# receipt code of digits alone has 16); it could not be bound to a 64-bit column either.
MAX_DIGITS = 16


def _unreadable_input() -> int | None:
    """400 for a NUL character (no database stores it in text) or an absurdly long number in the
    query or the form; 404 for such a number in the address, or a control character in a word of
    it (a slug or a file name never holds one), before any view asks the database for it. None
    when the request is fine."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and len(str(abs(value))) > MAX_DIGITS:
            return 404
        if isinstance(value, str) and has_control_character(value):
            return 404
    sources = [request.args] + ([request.form] if request.method == "POST" else [])
    for source in sources:
        for _, value in source.items(multi=True):
            if "\x00" in value:
                return 400
            digits = value.strip().lstrip("+-")
            if digits.isdigit() and len(digits) > MAX_DIGITS:
                return 400
    return None


def register(app: Flask) -> None:
    @app.before_request
    def refuse_unreadable_input() -> tuple[str, int] | None:
        code = _unreadable_input()
        if code is None:
            return None
        return render_error(code, str(MESSAGES_INPUT[code]) if code in MESSAGES_INPUT else None)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            str(
                _l(
                    "The form had expired or did not come from this site. "
                    "Reload the page and submit it again."
                )
            ),
        )

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied) -> tuple[str, int]:
        return render_error(403)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> tuple[str, int]:
        # A limit may say why in its own words (``error_message``); else the general message.
        return render_error(429, error.description if error.limit.error_message else None)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError) -> tuple[str, int]:
        abandon_transaction()
        app.logger.error("database error on %s: %s", request.path, error)
        # The page must not ask the database who is logged in: it is shown as to a visitor.
        g._login_user = login_manager.anonymous_user()
        return render_error(503)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        abandon_transaction()
        return render_error(500)
