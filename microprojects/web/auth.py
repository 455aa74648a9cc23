"""Flask-Login wiring: the login cookie carries the account id and its session token, so that
a password change, a reset, a deletion or a logout ends every other session of that account;
and the start and end of a session in the browser."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import COOKIE_NAME, LoginManager, login_user, logout_user

from ..models import User
from ..services.accounts import find_session_user

# Forms whose answer is a page (with the header that shows the user's roles), not a redirect.
POSTS_THAT_SHOW_A_PAGE = frozenset({"voting.review"})


def configure_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to continue.")  # type: ignore[assignment]
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        ident, _, token = user_id.partition(":")
        if not ident.isdigit():
            return None
        # A page shows the user's roles in its header; an action (a POST) mostly redirects,
        # but the review of a ballot is a page.
        pages = request.method == "GET" or request.endpoint in POSTS_THAT_SHOW_A_PAGE
        return find_session_user(int(ident), token, with_roles=pages)


# What a visitor's session may hand on to the account they log in as: the language they chose,
# which the page they logged in on was shown in. Nothing of an account's session is handed on.
VISITOR_KEYS = ("lang",)


def start_session(user: User, *, remember: bool = False) -> None:
    """Log ``user`` in on a new session. Nothing of the browser's session before survives:
    another account's ballot drafts, receipts and ballot tokens, the form secret, and its
    "keep me logged in" cookie (else, once the browser closes, that account would be back)."""
    kept = {} if "_user_id" in session else {k: session[k] for k in VISITOR_KEYS if k in session}
    session.clear()
    session.update(kept)
    if not remember and _remember_cookie() in request.cookies:
        session["_remember"] = "clear"  # Flask-Login deletes the cookie with the answer
    login_user(user, remember=remember)


def end_session() -> None:
    """Log out in this browser: the session emptied, the "keep me logged in" cookie deleted.
    The account's token must have changed first, for a copy of the cookies to be worthless."""
    session.clear()
    logout_user()


def _remember_cookie() -> str:
    return str(current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME))
