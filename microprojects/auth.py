"""Flask-Login wiring: the login cookie carries the account id and its session token, so that
a password change, a reset or a deletion ends every other session of that account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import User


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
        # What every page asks of the user (roles, residency) comes in the same query.
        user = db.session.get(
            User,
            int(ident),
            options=[
                joinedload(User.residency),
                joinedload(User.committee_memberships),
                joinedload(User.organization_membership),
            ],
        )
        if user is None or user.is_deleted or user.session_token != token:
            return None
        return user
