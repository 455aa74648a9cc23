"""How each person is told: in the account always; by e-mail if an address is given (unless
they turn it off); by SMS only to a number they confirmed with a code sent to it.

The number confirmed is one the person types for notices; it starts as the account's mobile
number, and may differ from it (a relative's phone, say). A code is six digits, kept hashed,
valid ten minutes, five tries; a number gets at most one code a minute and ten a day, whoever
asks. Changing the number ends its confirmation and SMS notices until the new one is confirmed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..domain.notices import (
    CODE_DIGITS,
    CODE_TRIES,
    CODE_VALID,
    CODES_PER_DAY,
    PHONE_CODE,
    Channel,
    code_refusal,
)
from ..domain.people import normalize_phone
from ..extensions import db
from ..models import NoticeSettings, PhoneCode, User
from . import audit, outbox
from .errors import ErrorCode, ServiceError
from .rows import rows_changed


def settings_of(user: User) -> NoticeSettings:
    """The person's choices (not stored until they change one)."""
    found = db.session.get(NoticeSettings, user.id)
    if found is None:
        found = NoticeSettings(user_id=user.id, email_on=True, sms_on=False)
    return found


def _stored_settings(user: User) -> NoticeSettings:
    found = db.session.get(NoticeSettings, user.id)
    if found is None:
        found = NoticeSettings(user_id=user.id, email_on=True, sms_on=False)
        db.session.add(found)
    return found


def _hash(user_id: int, phone: str, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, f"{user_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _hold_number(number: str) -> None:
    """Requests for one number take their turn until the commit, so that two at once (a double
    tap, two accounts asking for the same phone) cannot both find no recent code and both send
    one. PostgreSQL: a transaction-scoped advisory lock on the number. SQLite: a write (that
    changes nothing) takes the database's write lock, and the reads after it see every commit
    made before."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("phone:" + number))))
    else:
        rows_changed(update(PhoneCode).where(PhoneCode.id == -1).values(attempts=0))


def request_phone_code(user: User, phone: str, *, now: datetime) -> str:
    """Send a confirmation code to ``phone`` for ``user``; returns the number as stored."""
    number = normalize_phone(phone)
    if number is None:
        raise ServiceError(ErrorCode.PHONE_INVALID)
    _hold_number(number)
    sent = list(
        db.session.scalars(
            select(PhoneCode.created_at).where(
                PhoneCode.phone == number, PhoneCode.created_at > now - timedelta(days=1)
            )
        )
    )
    wait = code_refusal(sent, now)
    if wait is not None:
        if len(sent) >= CODES_PER_DAY:
            raise ServiceError(ErrorCode.PHONE_CODE_TOO_MANY)
        raise ServiceError(ErrorCode.PHONE_CODE_TOO_SOON, seconds=int(wait.total_seconds()) + 1)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    settings = _stored_settings(user)
    if settings.sms_phone != number:
        settings.sms_phone = number
        settings.sms_confirmed_at = None
        settings.sms_on = False
    db.session.add(
        PhoneCode(
            user_id=user.id,
            phone=number,
            code_hash=_hash(user.id, number, code),
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    )
    residency = user.residency
    outbox.queue(
        user_id=user.id,
        channel=Channel.SMS,
        address=number,
        kind=PHONE_CODE,
        params={"code": code},
        community_id=residency.community_id if residency else None,
        now=now,
    )
    audit.record(
        user,
        "notice.phone_code",
        "user",
        user.id,
        after={"phone": number[:3] + "****" + number[-4:]},
        now=now,
    )
    db.session.commit()
    return number


def confirm_phone(user: User, code: str, *, now: datetime) -> None:
    """Check the code typed against the latest sent to the person's number."""
    settings = db.session.get(NoticeSettings, user.id)
    phone = settings.sms_phone if settings else None
    latest = (
        db.session.scalar(
            select(PhoneCode)
            .where(PhoneCode.user_id == user.id, PhoneCode.phone == phone)
            .order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
            .limit(1)
        )
        if phone
        else None
    )
    if settings is None or latest is None or latest.used_at is not None:
        raise ServiceError(ErrorCode.PHONE_CODE_NONE)
    if latest.expires_at <= now:
        raise ServiceError(ErrorCode.PHONE_CODE_EXPIRED)
    if latest.attempts >= CODE_TRIES:
        raise ServiceError(ErrorCode.PHONE_CODE_TRIES_USED)
    # The try is counted before the code is compared, in one statement that refuses when the
    # tries are used up: guesses sent at once cannot all read the same count and all be tried.
    counted = rows_changed(
        update(PhoneCode)
        .where(PhoneCode.id == latest.id, PhoneCode.attempts < CODE_TRIES)
        .values(attempts=PhoneCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not counted:
        db.session.rollback()
        raise ServiceError(ErrorCode.PHONE_CODE_TRIES_USED)
    db.session.refresh(latest)
    typed = "".join(ch for ch in code if ch.isdigit())
    if not hmac.compare_digest(latest.code_hash, _hash(user.id, latest.phone, typed)):
        left = CODE_TRIES - latest.attempts
        db.session.commit()
        if left <= 0:
            raise ServiceError(ErrorCode.PHONE_CODE_TRIES_USED)
        raise ServiceError(ErrorCode.PHONE_CODE_WRONG, left=left)
    if latest.used_at is not None:  # the same right code, sent twice at once: the first used it
        db.session.rollback()
        raise ServiceError(ErrorCode.PHONE_CODE_NONE)
    latest.used_at = now
    settings.sms_confirmed_at = now
    settings.sms_on = True
    audit.record(
        user,
        "notice.phone_confirmed",
        "user",
        user.id,
        after={"phone": latest.phone[:3] + "****" + latest.phone[-4:]},
        now=now,
    )
    db.session.commit()


def set_channels(user: User, *, email_on: bool, sms_on: bool, now: datetime) -> None:
    """Turn e-mail and SMS notices on or off; SMS needs a confirmed number."""
    settings = _stored_settings(user)
    if sms_on and settings.sms_confirmed_at is None:
        raise ServiceError(ErrorCode.PHONE_NOT_CONFIRMED)
    before = {"email": settings.email_on, "sms": settings.sms_on}
    settings.email_on = email_on
    settings.sms_on = sms_on
    audit.record(
        user,
        "notice.channels",
        "user",
        user.id,
        before=before,
        after={"email": email_on, "sms": sms_on},
        now=now,
    )
    db.session.commit()
