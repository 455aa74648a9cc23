"""Telling people what happened to the proposals they follow: a notice in their account, and
an e-mail when an SMTP server is configured (logged to the console otherwise). ``notify`` adds
to the caller's transaction; the e-mail goes after the commit, never holding it up. The mail's
words for a notice's kind come from ``app.extensions["notice_wording"]``, which the web layer
sets (services do not import it). The account's list of notices is read here too."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Notification, Proposal, User

log = logging.getLogger("microprojects.notifications")


def notify(
    user_ids: list[int], kind: str, proposal: Proposal | None, params: dict[str, Any], *,
    now: datetime,
) -> None:  # fmt: skip
    for user_id in user_ids:
        db.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                proposal_id=proposal.id if proposal else None,
                params=params,
                created_at=now,
            )
        )
    if user_ids:
        title = proposal.display_title if proposal else ""
        addresses = db.session.execute(
            select(User.id, User.email).where(User.id.in_(user_ids))
        ).all()
        pending = db.session.info.setdefault("outgoing_mail", [])
        pending.extend((uid, email, kind, title) for uid, email in addresses)


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


@event.listens_for(db.session, "after_commit")
def _send_mail(session: Session) -> None:
    outgoing = session.info.pop("outgoing_mail", [])
    if not outgoing:
        return
    try:
        # current_app is typed as the Flask it stands for, not as the proxy that it is.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    wording = app.extensions.get("notice_wording", str)

    server = app.config.get("MAIL_SERVER")
    for user_id, email, kind, title in outgoing:
        subject = f"[微实事] {title}"
        body = f"{wording(kind)}\n\n{title}"
        if not server or not email:
            log.info("notice for user %s: %s", user_id, body.replace("\n", " "))
            continue
        try:
            send_mail(email, subject, body)
        except (OSError, smtplib.SMTPException) as error:
            # The notice is in the account already; a mail server being down loses nothing.
            log.warning("could not e-mail user %s: %s", user_id, error)


@event.listens_for(db.session, "after_rollback")
def _drop_mail(session: Session) -> None:
    session.info.pop("outgoing_mail", None)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one message through the configured SMTP server."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


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
