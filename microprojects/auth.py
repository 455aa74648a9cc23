"""Flask-Login wiring: the login cookie carries the account id and its session token, so that
a password change, a reset or a deletion ends every other session of that account."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import User

# A page shows the user's roles in its header: they come in the same query as the user. An
# action (a POST) mostly redirects, and reads the residency alone (casting a ballot, supporting,
# commenting); roles it needs are loaded when asked. Both statements are built once: every
# request of a logged-in user runs one, and building it would cost as much as running it.
_BY_ID = select(User).where(User.id == bindparam("id"))
FOR_PAGE = _BY_ID.options(
    joinedload(User.residency),
    joinedload(User.committee_memberships),
    joinedload(User.organization_membership),
)
FOR_ACTION = _BY_ID.options(joinedload(User.residency))


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
        statement = FOR_PAGE if request.method == "GET" else FOR_ACTION
        user = db.session.execute(statement, {"id": int(ident)}).unique().scalar_one_or_none()
        if user is None or user.is_deleted or user.session_token != token:
            return None
        return user
