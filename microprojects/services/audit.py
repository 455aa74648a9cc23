"""Writing the audit log. ``record`` adds a row to the caller's transaction; it never commits."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEntry, User
from ..models.base import utcnow


def record(
    actor: User | None,
    action: str,
    subject_type: str,
    subject_id: object = None,
    *,
    community_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: Any = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        community_id=community_id,
        before=before,
        after=after,
        created_at=now or utcnow(),
    )
    db.session.add(entry)
    return entry
