"""The outbox: every SMS and e-mail a notice sends is a row of ``outgoing_messages``, added in
the transaction of what it tells of, and tried once that transaction has committed (never
holding up the request: at most ``OUTBOX_SEND_AT_ONCE`` at once, errors caught and recorded).
A failed message waits a little longer after each try and is tried again by
``flask notices send`` (a timer runs it), until ``MAX_ATTEMPTS``: then it is given up, and
the committee sees it on its "通知发送" page, where it can try it again. Nothing is dropped.

SMS in all are held to ``SMS_PER_MINUTE``: a message over the cap keeps its place and waits a
minute, its tries not counted. The words of a message come from
``app.extensions["message_words"]`` (set by the web layer: services do not translate).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from ..domain.notices import (
    PHONE_CODE,
    WAITING,
    Channel,
    MessageStatus,
    after_failure,
    code_expired,
)
from ..domain.permissions import Action, can
from ..extensions import db
from ..models import Community, OutgoingMessage, User, utcnow
from . import audit, sms
from .accounts import actor_for
from .errors import ErrorCode, PermissionDenied, ServiceError

log = logging.getLogger("microprojects.outbox")

ERROR_SHOWN = 500  # characters of a provider's answer kept with the message


def queue(
    *,
    user_id: int | None,
    channel: Channel,
    address: str,
    kind: str,
    params: dict[str, Any],
    community_id: int | None,
    now: datetime,
    once_key: str | None = None,
) -> OutgoingMessage:
    """Add a message to the caller's transaction; it is tried once that commits."""
    message = OutgoingMessage(
        user_id=user_id,
        community_id=community_id,
        channel=channel,
        address=address,
        kind=kind,
        params=params,
        once_key=once_key,
        status=MessageStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    # The first try is made at the moment of the use case that queued it (its ``now``).
    db.session.info["outbox_now"] = now
    return message


# --- after the commit -----------------------------------------------------------------------


@event.listens_for(db.session, "after_flush")
def _note_new(session: Session, _context: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, OutgoingMessage)]
    if new:
        session.info.setdefault("outbox_ids", []).extend(m.id for m in new)


@event.listens_for(db.session, "after_commit")
def _send_new(session: Session) -> None:
    ids = session.info.pop("outbox_ids", [])
    moment = session.info.pop("outbox_now", None)
    if not ids:
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    try:
        at_once = ids[: int(app.config.get("OUTBOX_SEND_AT_ONCE", 20))]
        deliver(app, at_once, now=moment or utcnow())
    except Exception:  # the request has done its work; the messages wait for the timer
        log.exception("the outbox could not be tried after a commit")


@event.listens_for(db.session, "after_rollback")
def _forget_new(session: Session) -> None:
    session.info.pop("outbox_ids", None)
    session.info.pop("outbox_now", None)


@dataclass(frozen=True)
class Tally:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    waiting: int = 0


def send_due(app: Flask, *, now: datetime, limit: int = 500) -> Tally:
    """Try the messages whose time has come, oldest due first (what the timer runs)."""
    with Session(db.engine) as session:
        ids = list(
            session.scalars(
                select(OutgoingMessage.id)
                .where(
                    OutgoingMessage.status.in_([s.value for s in WAITING]),
                    OutgoingMessage.next_attempt_at <= now,
                )
                .order_by(OutgoingMessage.next_attempt_at, OutgoingMessage.id)
                .limit(limit)
            )
        )
    return deliver(app, ids, now=now)


def deliver(app: Flask, ids: Iterable[int], *, now: datetime) -> Tally:
    """Try each message (still waiting and due) once, each in a transaction of its own,
    outside the caller's session."""
    counts = {"sent": 0, "failed": 0, "given_up": 0, "waiting": 0}
    sender: sms.Sender | None = None
    for message_id in ids:
        with Session(db.engine, expire_on_commit=False) as session:
            query = select(OutgoingMessage).where(
                OutgoingMessage.id == message_id,
                OutgoingMessage.status.in_([s.value for s in WAITING]),
                OutgoingMessage.next_attempt_at <= now,
            )
            if session.get_bind().dialect.name == "postgresql":
                # Two timers at once: each message is tried by one of them.
                query = query.with_for_update(skip_locked=True)
            message = session.scalar(query)
            if message is None:
                continue
            if message.kind == PHONE_CODE and code_expired(message.created_at, now):
                _expire_code(message)
                session.commit()
                counts["given_up"] += 1
                continue
            if message.channel is Channel.SMS and _over_sms_cap(session, app, now):
                message.next_attempt_at = now + timedelta(minutes=1)
                session.commit()
                counts["waiting"] += 1
                continue
            if message.channel is Channel.SMS and sender is None:
                sender = sms.sender_from(app.config)
            _attempt(app, session, message, sender, now)
            session.commit()
            counts[
                "sent"
                if message.status is MessageStatus.SENT
                else "given_up"
                if message.status is MessageStatus.GIVEN_UP
                else "failed"
            ] += 1
    return Tally(**counts)


def _expire_code(message: OutgoingMessage) -> None:
    """A confirmation code that could not go out while it worked is not sent at all; its words
    are dropped."""
    message.status = MessageStatus.GIVEN_UP
    message.next_attempt_at = None
    message.last_error = "code expired before it could be sent"
    message.params = {}


def _over_sms_cap(session: Session, app: Flask, now: datetime) -> bool:
    cap = int(app.config.get("SMS_PER_MINUTE", 60))
    sent = session.scalar(
        select(func.count())
        .select_from(OutgoingMessage)
        .where(
            OutgoingMessage.channel == Channel.SMS.value,
            OutgoingMessage.status == MessageStatus.SENT.value,
            OutgoingMessage.sent_at > now - timedelta(minutes=1),
        )
    )
    return (sent or 0) >= cap


def _attempt(
    app: Flask,
    session: Session,
    message: OutgoingMessage,
    sender: sms.Sender | None,
    now: datetime,
) -> None:
    message.attempts += 1
    try:
        message.provider_id = _send(app, session, message, sender) or None
    except (sms.SendFailed, OSError, smtplib.SMTPException) as error:
        message.last_error = (str(error) or type(error).__name__)[:ERROR_SHOWN]
        message.status, message.next_attempt_at = after_failure(message.attempts, now)
        log.warning("message %s (%s) failed: %s", message.id, message.channel, error)
    else:
        message.status = MessageStatus.SENT
        message.sent_at = now
        message.next_attempt_at = None
    if message.kind == PHONE_CODE and message.status not in WAITING:
        # The code is kept hashed; its words need not outlive their sending.
        message.params = {}


def _words(app: Flask, message: OutgoingMessage, locale: str) -> tuple[str, str]:
    """(subject, text) of the message in ``locale``."""
    words = app.extensions.get("message_words")
    if words is None:
        return "[微实事]", f"{message.kind} {message.params}"
    subject, text = words(message.kind, message.params, locale)
    return str(subject), str(text)


def _send(app: Flask, session: Session, message: OutgoingMessage, sender: sms.Sender | None) -> str:
    user = session.get(User, message.user_id) if message.user_id else None
    locale = (user.locale if user else None) or str(app.config.get("BABEL_DEFAULT_LOCALE"))
    subject, text = _words(app, message, locale)
    if message.channel is Channel.SMS:
        assert sender is not None
        params = {k: str(v) for k, v in message.params.items() if not k.startswith("_")}
        return sender.send(
            sms.SmsMessage(message.address, message.kind, params, text, locale=locale)
        )
    if not app.config.get("MAIL_SERVER"):
        log.info("e-mail to user %s: %s", message.user_id, text.replace("\n", " "))
        return ""
    send_mail(message.address, subject, text)
    return ""


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one message through the configured SMTP server."""
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(mail)


# --- what the committee sees ----------------------------------------------------------------


def _may_see(actor: User, community_id: int | None) -> bool:
    return can(actor_for(actor), Action.VIEW_COMMITTEE, community_id)


@dataclass(frozen=True)
class OutboxView:
    by_status: dict[str, int]
    troubled: list[OutgoingMessage]  # failed and given up, the latest first


SHOWN = 200


def load_outbox(actor: User, community: Community | None) -> OutboxView:
    """The messages to ``community``'s people (None: everyone's, for the administrator)."""
    if community is None and not actor.is_admin:
        raise PermissionDenied()
    if community is not None and not _may_see(actor, community.id):
        raise PermissionDenied()
    scope = [] if community is None else [OutgoingMessage.community_id == community.id]
    by_status = {
        str(status): int(number)
        for status, number in db.session.execute(
            select(OutgoingMessage.status, func.count())
            .where(*scope)
            .group_by(OutgoingMessage.status)
        )
    }
    troubled = list(
        db.session.scalars(
            select(OutgoingMessage)
            .options(selectinload(OutgoingMessage.user))
            .where(
                *scope,
                OutgoingMessage.status.in_(
                    [MessageStatus.FAILED.value, MessageStatus.GIVEN_UP.value]
                ),
            )
            .order_by(OutgoingMessage.created_at.desc(), OutgoingMessage.id.desc())
            .limit(SHOWN)
        )
    )
    return OutboxView(by_status=by_status, troubled=troubled)


def retry_now(
    actor: User, message_id: int, community: Community | None, *, now: datetime
) -> OutgoingMessage:
    """Try a failed or given-up message again at once (a given-up one gets one more try, and
    is given up again if that fails too)."""
    message = db.session.get(OutgoingMessage, message_id)
    if message is None or (community is not None and message.community_id != community.id):
        raise ServiceError(ErrorCode.NOT_FOUND)
    if community is None and not actor.is_admin:
        raise PermissionDenied()
    if not _may_see(actor, message.community_id) and not actor.is_admin:
        raise PermissionDenied()
    if message.status not in (MessageStatus.FAILED, MessageStatus.GIVEN_UP):
        raise ServiceError(ErrorCode.MESSAGE_NOT_FAILED)
    if message.kind == PHONE_CODE and (
        message.status is MessageStatus.GIVEN_UP or code_expired(message.created_at, now)
    ):
        raise ServiceError(ErrorCode.PHONE_CODE_NOT_RESENT)
    before = {"status": message.status.value, "attempts": message.attempts}
    message.status = MessageStatus.FAILED
    message.next_attempt_at = now
    audit.record(
        actor,
        "notice.retry",
        "outgoing_message",
        message.id,
        community_id=message.community_id,
        before=before,
        after={"status": "retry"},
        now=now,
    )
    db.session.commit()
    deliver(current_app._get_current_object(), [message.id], now=now)  # type: ignore[attr-defined]
    db.session.refresh(message)
    return message
