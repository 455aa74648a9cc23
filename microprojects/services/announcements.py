"""What the committee tells every verified resident of a cycle's communities (voting is open;
the results are published), each kind once per cycle; and what the proposers and supporters of
each project on the ballot are told once it is counted (funded or not), once per person and
project. Both go through ``notifications.notify``: in the account, and by the channels each
person chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..domain.notices import OUTCOME, AnnouncementKind
from ..domain.phases import Phase, phase_end
from ..extensions import db
from ..models import Announcement, Count, Cycle, Residency, ResidencyStatus, User
from . import audit
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .proposals import followers
from .rows import rows_changed


def fitting_kinds(cycle: Cycle, now: datetime) -> list[AnnouncementKind]:
    """The announcements that fit the cycle's phase now."""
    phase = cycle.phase(now)
    if phase is Phase.VOTING:
        return [AnnouncementKind.VOTING_OPEN]
    counted = db.session.scalar(select(Count.id).where(Count.cycle_id == cycle.id).limit(1))
    if phase in (Phase.PUBLICATION, Phase.IMPLEMENTATION) and counted is not None:
        return [AnnouncementKind.RESULTS_PUBLISHED]
    return []


def made(cycle: Cycle) -> dict[str, Announcement]:
    """The cycle's announcements by kind."""
    return {
        a.kind.value: a
        for a in db.session.scalars(select(Announcement).where(Announcement.cycle_id == cycle.id))
    }


def announce(
    actor: User, cycle: Cycle, kind: str, *, now: datetime, link: str = ""
) -> Announcement:
    """Tell every verified resident of the cycle's communities; ``link`` is the results page's
    address (for "results are published")."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    # Held until the commit: a second tap waits for the first and then finds it made.
    rows_changed(update(Cycle).where(Cycle.id == cycle.id).values(closed_at=Cycle.closed_at))
    if kind not in [k.value for k in fitting_kinds(cycle, now)]:
        raise ServiceError(ErrorCode.ANNOUNCEMENT_NOT_NOW)
    if kind in made(cycle):
        raise ServiceError(ErrorCode.ANNOUNCEMENT_MADE)
    announcement = Announcement(
        cycle_id=cycle.id, kind=AnnouncementKind(kind), created_by_id=actor.id, created_at=now
    )
    db.session.add(announcement)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.ANNOUNCEMENT_MADE) from None
    residents = list(
        db.session.scalars(
            select(Residency.user_id)
            .join(User, User.id == Residency.user_id)
            .where(
                Residency.community_id.in_(cycle.community_ids),
                Residency.status == ResidencyStatus.VERIFIED.value,
                User.deleted_at.is_(None),
            )
        )
    )
    params: dict[str, str | int] = {"cycle": cycle.title, "cycle_id": cycle.id}
    if kind == AnnouncementKind.VOTING_OPEN.value:
        end = phase_end(cycle.schedule, Phase.VOTING)
        params["end_at"] = end.isoformat() if end else ""
    else:
        params["link"] = link
    reached = notify(residents, kind, None, params, now=now, once_key=f"{kind}:{cycle.id}")
    announcement.reached = reached
    audit.record(
        actor,
        "notice.announce",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        after={"kind": kind, "reached": reached},
        now=now,
    )
    db.session.commit()
    return announcement


def notify_outcomes(count: Count, *, now: datetime) -> int:
    """Tell the proposers and supporters of each project of ``count`` whether it is funded;
    in the caller's transaction. Each person hears of each project once, whatever later
    counts say (a correction is published with its reason on the results page). Returns how
    many notices were added."""
    told = 0
    cycle = count.cycle
    for outcome in count.outcomes:
        proposal = outcome.proposal
        reached = notify(
            followers(proposal),
            OUTCOME,
            proposal,
            {
                "funded": outcome.funded,
                "cycle": cycle.title,
                "cycle_id": cycle.id,
                "project": proposal.display_title,
            },
            now=now,
            once_key=f"{OUTCOME}:{proposal.id}",
        )
        told += reached["app"]
    return told
