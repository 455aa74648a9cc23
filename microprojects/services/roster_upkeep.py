"""Keeping the roster true: the committee marks a person moved away or deceased (with a reason),
and moves a verified residency to a new account when a resident changes phone.

Neither frees a vote: a person marked so keeps the participation they have (their roster entry
stays, never deleted), and a residency moved to a new account keeps its id and roster entry, so
every voting unit's key stays the same and a vote already cast is still theirs.

May import models, domain and the other services; never the web layer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from ..domain.characters import clean_line, clean_text
from ..domain.people import RosterStanding, normalize_phone
from ..domain.permissions import Action
from ..extensions import db
from ..models import HouseholdCode, Residency, ResidencyStatus, RosterEntry, User
from . import audit
from .accounts import require
from .errors import ErrorCode, ServiceError


def mark_standing(
    actor: User, entry: RosterEntry, *, standing: str, reason: str, now: datetime
) -> None:
    """Mark a person on the roster moved away or deceased (or back on the roster), with a
    reason. Marked away, they take part in nothing new: a verified residency of theirs ends and
    a household code still out for them is revoked. A vote they already cast stays."""
    require(actor, Action.MANAGE_ROSTER, entry.community_id)
    try:
        wanted = RosterStanding(standing)
    except ValueError:
        raise ServiceError(ErrorCode.STANDING_UNKNOWN) from None
    reason = clean_text(reason or "")
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if wanted is entry.standing:
        raise ServiceError(ErrorCode.STANDING_UNCHANGED)
    before = {"standing": entry.standing.value, "note": entry.standing_note}
    entry.standing = wanted
    entry.standing_changed_at = now
    entry.standing_note = reason[:300]
    ended = None
    if wanted is not RosterStanding.ACTIVE:
        residency = db.session.scalar(
            select(Residency).where(
                Residency.roster_entry_id == entry.id,
                Residency.status == ResidencyStatus.VERIFIED,
            )
        )
        if residency is not None:
            residency.status = ResidencyStatus.REVOKED
            residency.decided_at = now
            residency.decided_by_id = actor.id
            residency.decision_note = reason
            ended = residency.id
        db.session.execute(
            update(HouseholdCode)
            .where(
                HouseholdCode.roster_entry_id == entry.id,
                HouseholdCode.claimed_at.is_(None),
                HouseholdCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    audit.record(
        actor,
        "roster.standing",
        "roster_entry",
        entry.id,
        community_id=entry.community_id,
        before=before,
        after={
            "standing": wanted.value,
            "note": entry.standing_note,
            "name": entry.full_name,
            "residency_ended": ended,
        },
        now=now,
    )
    db.session.commit()


def find_account(query: str) -> User | None:
    """The account a resident registered with their new phone, by that phone number or its
    login name (None: none such)."""
    text = clean_line(query or "")[:60]
    if not text:
        return None
    phone = normalize_phone(text)
    conditions = [User.username == text.lower()]
    if phone:
        conditions.append(User.phone == phone)
    return db.session.scalars(select(User).where(or_(*conditions)).limit(1)).first()


def move_residency(actor: User, residency: Residency, target: User, *, now: datetime) -> None:
    """Move a verified residency to another account (a resident's new phone), which has none.
    The residency row itself moves, so its id, roster entry and every voting unit's key stay:
    a vote already cast in an open cycle is the new account's too, and it cannot vote again.
    The old account is no longer verified."""
    require(actor, Action.VERIFY_RESIDENTS, residency.community_id)
    if residency.status != ResidencyStatus.VERIFIED:
        raise ServiceError(ErrorCode.TRANSFER_NOT_VERIFIED)
    if target.id == residency.user_id or db.session.scalar(
        select(Residency.id).where(Residency.user_id == target.id)
    ):
        raise ServiceError(ErrorCode.TRANSFER_TARGET_HAS_RESIDENCY)
    old = residency.user
    residency.user = target
    if residency.roster_entry is not None:
        residency.roster_entry.claimed_by_id = target.id
    after = {"residency": residency.id, "to": target.username, "from": old.username}
    audit.record(
        actor,
        "residency.move_from",
        "user",
        old.id,
        community_id=residency.community_id,
        after=after,
        now=now,
    )
    audit.record(
        actor,
        "residency.move_to",
        "user",
        target.id,
        community_id=residency.community_id,
        after=after,
        now=now,
    )
    db.session.commit()
    db.session.expire_all()
