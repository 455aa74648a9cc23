"""Who may vote, counted: the denominator of every turnout figure.

The roster is the electorate. A cycle's voters are its voting units: each active person on the
roster of its communities (or each household with one, where the cycle votes by household),
whether or not they have an account, and each resident verified without a roster entry (working
or studying there). A person who moved away or died is not counted; one who has an account is
counted once, by their roster entry. The cycle's rules apply as at the vote: the bases it
allows, and the age on the day voting opens where the date of birth is known (an unknown age is
let through, as ``domain.cycles.Eligibility`` does).

Counts only, never who: one GROUP BY per kind of voter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from ..domain.people import Basis, RosterStanding
from ..extensions import db
from ..models import Cycle, Residency, ResidencyStatus, RosterEntry


def _years_before(day: date, years: int) -> date:
    """The last birthday on which someone is ``years`` old on ``day`` (29 February: 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _rules(
    basis: InstrumentedAttribute[Basis],
    birth: InstrumentedAttribute[date | None],
    cycle: Cycle | None,
) -> list[ColumnElement[bool]]:
    if cycle is None:
        return []
    allowed = [Basis.LIVE.value]
    if cycle.allow_work:
        allowed.append(Basis.WORK.value)
    if cycle.allow_study:
        allowed.append(Basis.STUDY.value)
    rules: list[ColumnElement[bool]] = [basis.in_(allowed)]
    if cycle.min_age > 0:
        cutoff = _years_before(cycle.voting_at.date(), cycle.min_age)
        rules.append(or_(birth.is_(None), birth <= cutoff))
    return rules


def by_community(community_ids: Iterable[int] | None, cycle: Cycle | None = None) -> dict[int, int]:
    """The voting units per community: of ``cycle`` under its rules, or, without a cycle, every
    person who may take part in some cycle of the community (``community_ids`` None: every
    community)."""
    ids = None if community_ids is None else sorted(set(community_ids))
    household = cycle is not None and cycle.vote_unit == "household"
    unit = RosterEntry.household_id if household else RosterEntry.id
    on_roster = select(RosterEntry.community_id, func.count(func.distinct(unit))).where(
        RosterEntry.standing == RosterStanding.ACTIVE.value,
        *_rules(RosterEntry.basis, RosterEntry.birth_date, cycle),
    )
    off_roster = select(Residency.community_id, func.count()).where(
        and_(
            Residency.status == ResidencyStatus.VERIFIED.value,
            Residency.roster_entry_id.is_(None),
            *_rules(Residency.basis, Residency.birth_date, cycle),
        )
    )
    if ids is not None:
        on_roster = on_roster.where(RosterEntry.community_id.in_(ids))
        off_roster = off_roster.where(Residency.community_id.in_(ids))
    counts: dict[int, int] = defaultdict(int)
    for query, column in (
        (on_roster, RosterEntry.community_id),
        (off_roster, Residency.community_id),
    ):
        for community_id, n in db.session.execute(query.group_by(column)).tuples():
            counts[community_id] += int(n)
    return dict(counts)
