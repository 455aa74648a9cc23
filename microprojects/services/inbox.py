"""A person's notices as their account lists them. Writing notices and marking them read is
``services.notifications``; this module only reads."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Notification

# The page shows the latest; older notices stay stored but are not worth scrolling to.
NOTICES_SHOWN = 100


def list_recent_notices(user_id: int, limit: int = NOTICES_SHOWN) -> list[Notification]:
    """The person's latest notices, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .filter_by(user_id=user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )
