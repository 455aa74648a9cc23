"""The resident's now: what the home page and the page after login show a person. Their
community, each of its cycles that is under way with its phase and when that phase ends, the one
thing to do in that phase, and whether (when, on which channel) they voted. A visitor, or an
account not yet verified, sees the cycles open to proposals or votes across the city instead.

Reads only, but for ``set_elder_mode``, a person's own display preference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..domain.phases import Phase
from ..extensions import db
from ..models import Community, Cycle, Participation, Residency, User
from .errors import ServiceError
from .proposals import proposer_community
from .voting import voter_key

# The phases a resident is shown on the home page; a cycle before or after them is not news.
SHOWN = (
    Phase.COLLECTING,
    Phase.SCREENING,
    Phase.VOTING,
    Phase.PUBLICATION,
    Phase.IMPLEMENTATION,
)
# The one thing to do in each phase; screening asks nothing of a resident but to read, and a
# cycle not started or closed asks nothing at all ("").
ACTIONS: dict[Phase, str] = {
    Phase.COLLECTING: "propose",
    Phase.SCREENING: "read",
    Phase.VOTING: "vote",
    Phase.PUBLICATION: "results",
    Phase.IMPLEMENTATION: "progress",
}
# Open to everyone's part: what a visitor is invited to.
OPEN = (Phase.COLLECTING, Phase.VOTING)


@dataclass(frozen=True)
class Vote:
    """That a person voted: the day and the channel, never what."""

    day: date
    channel: str


@dataclass(frozen=True)
class CycleNow:
    cycle: Cycle
    phase: Phase
    # When the phase ends (the next one starts); None for a phase without end.
    ends: datetime | None
    # "propose", "read", "vote", "results", "progress", or "" before and after the cycle; a
    # resident who voted is shown their vote instead of the call to vote.
    action: str
    vote: Vote | None
    # Whether the person may propose in it now (a verified resident, or an organization's
    # member, of a community it covers, while proposals are collected).
    may_propose: bool = False


@dataclass(frozen=True)
class ResidentNow:
    """``community`` is the person's verified community, None for a visitor or an account not
    yet verified; ``cycles`` are theirs, or the city's open ones when there is no community."""

    community: Community | None
    cycles: list[CycleNow]


def _vote(residency: Residency, cycle: Cycle) -> Vote | None:
    try:
        key = voter_key(residency, cycle)
    except ServiceError:  # the roster entry is gone: no vote to find
        return None
    row = db.session.execute(
        select(Participation.day, Participation.channel).where(
            Participation.cycle_id == cycle.id, Participation.voter_key == key
        )
    ).first()
    return None if row is None else Vote(row.day, row.channel)


def _may_propose(user: User | None, cycle: Cycle, now: datetime) -> bool:
    if user is None or not user.is_authenticated:
        return False
    try:
        proposer_community(user, cycle, now)
    except ServiceError:
        return False
    return True


def _cycle_now(
    cycle: Cycle, now: datetime, user: User | None, residency: Residency | None
) -> CycleNow:
    phase = cycle.phase(now)
    upcoming = cycle.next(now)
    vote = None
    if residency is not None and phase in (Phase.VOTING, Phase.PUBLICATION, Phase.IMPLEMENTATION):
        vote = _vote(residency, cycle)
    return CycleNow(
        cycle=cycle,
        phase=phase,
        ends=upcoming[1] if upcoming else None,
        action=ACTIONS.get(phase, ""),
        vote=vote,
        may_propose=phase is Phase.COLLECTING and _may_propose(user, cycle, now),
    )


def read_cycle_now(user: User | None, cycle: Cycle, now: datetime) -> CycleNow:
    """One cycle as ``user`` stands in it: its phase, when that ends, and their vote, if any."""
    residency = user.residency if user is not None and user.is_authenticated else None
    if residency is not None and not residency.is_verified:
        residency = None
    return _cycle_now(cycle, now, user, residency)


def read_now(user: User | None, now: datetime) -> ResidentNow:
    """What is under way for ``user`` at ``now``, the phase that asks most of them first."""
    residency = user.residency if user is not None and user.is_authenticated else None
    if residency is not None and residency.is_verified:
        community = residency.community
        query = select(Cycle).where(
            or_(Cycle.community_id == community.id, Cycle.street_id == community.street_id)
        )
        cycles = db.session.scalars(query.order_by(Cycle.collecting_at.desc())).all()
        shown = [_cycle_now(c, now, user, residency) for c in cycles if c.phase(now) in SHOWN]
        return ResidentNow(community, sorted(shown, key=_urgency))
    cycles = db.session.scalars(
        select(Cycle)
        .where(Cycle.collecting_at <= now, Cycle.publication_at > now)
        .order_by(Cycle.collecting_at.desc())
        .options(selectinload(Cycle.community), selectinload(Cycle.street))
    ).all()
    shown = [_cycle_now(c, now, user, None) for c in cycles if c.phase(now) in OPEN]
    return ResidentNow(None, sorted(shown, key=_urgency))


def _urgency(item: CycleNow) -> tuple[int, datetime]:
    """A vote not yet cast first, then proposals wanted, then the rest; sooner deadlines first."""
    order = {"vote": 0, "propose": 1}.get(item.action, 2)
    if item.action == "vote" and item.vote is not None:
        order = 2
    return (order, item.ends or datetime.max)


def set_elder_mode(user: User, on: bool) -> None:
    """Elder mode (长辈模式) for the account's pages. A preference of the person's own, like
    their language: no audit row."""
    user.elder_mode = on
    db.session.commit()
