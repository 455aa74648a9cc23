"""Telling people what happened to the proposals they follow, and what the committee announces:
a notice in their account always, and by e-mail and SMS for those who chose them (see
``models.notices``). ``notify`` adds to the caller's transaction: the notices and the outbox's
messages; the messages are tried after the commit, never holding it up (``services.outbox``).
The account's list of notices is read here too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from ..domain.notices import Channel
from ..extensions import db
from ..models import NoticeSettings, Notification, Proposal, Residency, User
from . import outbox


def notify(
    user_ids: list[int], kind: str, proposal: Proposal | None, params: dict[str, Any], *,
    now: datetime, once_key: str | None = None,
) -> dict[str, int]:  # fmt: skip
    """Tell each of ``user_ids``, in the account and by the channels they chose; with
    ``once_key``, those told under that key before are not told again. Returns how many were
    reached by each channel ("app", "email", "sms")."""
    ids = sorted(set(user_ids))
    if once_key is not None and ids:
        told = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.once_key == once_key, Notification.user_id.in_(ids)
                )
            )
        )
        ids = [i for i in ids if i not in told]
    reached = {"app": 0, "email": 0, "sms": 0}
    if not ids:
        return reached
    for user_id in ids:
        db.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                proposal_id=proposal.id if proposal else None,
                params=params,
                once_key=once_key,
                created_at=now,
            )
        )
    reached["app"] = len(ids)
    words = {k: v for k, v in params.items() if isinstance(v, str | int | bool)}
    if proposal is not None:
        words["title"] = proposal.display_title
        words["proposal"] = proposal.id
    rows = db.session.execute(
        select(
            User.id,
            User.email,
            NoticeSettings.email_on,
            NoticeSettings.sms_on,
            NoticeSettings.sms_phone,
            NoticeSettings.sms_confirmed_at,
            Residency.community_id,
        )
        .outerjoin(NoticeSettings, NoticeSettings.user_id == User.id)
        .outerjoin(Residency, Residency.user_id == User.id)
        .where(User.id.in_(ids), User.deleted_at.is_(None))
    ).all()
    for user_id, email, email_on, sms_on, phone, confirmed_at, community_id in rows:
        channels: list[tuple[Channel, str]] = []
        if email and email_on is not False:
            channels.append((Channel.EMAIL, email))
        if sms_on and phone and confirmed_at is not None:
            channels.append((Channel.SMS, phone))
        for channel, address in channels:
            outbox.queue(
                user_id=user_id,
                channel=channel,
                address=address,
                kind=kind,
                params=words,
                community_id=community_id,
                once_key=once_key,
                now=now,
            )
            reached[channel.value] += 1
    return reached


def unread_count(user: User) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(user: User, *, now: datetime) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    db.session.commit()


# The account's page shows the latest; older notices stay stored but are not worth scrolling to.
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
