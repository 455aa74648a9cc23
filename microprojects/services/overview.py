"""The city's overview across communities and years: pure aggregation, read only.

Every figure comes from a GROUP BY over the cycles chosen by district, street and year, so a page
makes the same number of queries however many cycles, projects, ballots or ratings there are.
The year of a cycle is the local year of its own first date, ``collecting_at`` (a cycle that
opens in December and votes in January belongs to the year it opened, the year its title
names). Money is allocated by the funded lines of each cycle's latest count (its stored
``cost_fen``, not the proposal's current cost), spent by the spending entries of its projects'
implementation records.

Turnout is counted as on a cycle's results page (``services.voting.turnout``): participations
over the people who may take part today in the cycle's communities (a street's cycle: every
community of the street), that is the active people on their rosters, with or without an
account, and the residents verified there without a roster entry (``services.electorate``); only
cycles whose voting has opened take part in it. The totals count people, not cycles: a person of
a community with two cycles (or in a street with its own cycle) is one person, and a voter who
voted in both is one voter.

Projects by implementation status are the funded lines of the latest counts, each with its
record's status; a funded project without a record yet (not final, or not opened by the
committee) has made no progress and is counted as not started. So the statuses add up to the
projects funded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload

from ..domain.implementation import Status
from ..domain.phases import BEFORE_VOTING, Phase
from ..extensions import db
from ..models import (
    Community,
    Count,
    CountOutcome,
    Cycle,
    District,
    Implementation,
    Participation,
    Proposal,
    Rating,
    Spending,
    Street,
)
from . import electorate

DONE = (Status.COMPLETED.value, Status.ACCEPTED.value)
# A year typed in the address outside these bounds is no year of this platform.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Filters:
    district_id: int | None = None
    street_id: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class StreetChoice:
    id: int
    name: str
    district_id: int


@dataclass(frozen=True)
class DistrictChoice:
    id: int
    name: str
    streets: tuple[StreetChoice, ...]


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: the districts with their streets, and the years in which
    some cycle votes (newest first)."""

    districts: tuple[DistrictChoice, ...]
    years: tuple[int, ...]

    def street(self, street_id: int) -> StreetChoice | None:
        for district in self.districts:
            for street in district.streets:
                if street.id == street_id:
                    return street
        return None

    def district(self, district_id: int) -> DistrictChoice | None:
        return next((d for d in self.districts if d.id == district_id), None)


@dataclass(frozen=True)
class Problem:
    """A filter value that names nothing: ``code`` says which, ``value`` what was given."""

    code: str  # unknown_district, unknown_street, street_not_in_district, unknown_year
    value: str


@dataclass(frozen=True)
class CycleFigures:
    id: int
    title: str
    community: str | None  # None for a street's cycle
    street: str
    year: int
    phase: Phase
    budget_fen: int
    counted: bool
    allocated_fen: int
    spent_fen: int
    funded: int
    completed: int
    voted: int
    eligible: int

    @property
    def voting_opened(self) -> bool:
        return self.phase not in BEFORE_VOTING and self.phase is not Phase.UPCOMING

    @property
    def turnout(self) -> float | None:
        """Share of the people who may take part who voted; None before voting or without any."""
        if not self.voting_opened or not self.eligible:
            return None
        return self.voted / self.eligible


@dataclass(frozen=True)
class Totals:
    cycles: int
    budget_fen: int
    allocated_fen: int
    spent_fen: int
    funded: int
    completed: int
    voted: int  # distinct voters of the cycles whose voting has opened
    eligible: int  # distinct people who may take part in those cycles' communities
    ratings: int
    mean_stars: float | None

    @property
    def turnout(self) -> float | None:
        return self.voted / self.eligible if self.eligible else None


@dataclass(frozen=True)
class CommunityMoney:
    name: str
    street: str
    allocated_fen: int
    spent_fen: int


@dataclass(frozen=True)
class Overview:
    totals: Totals
    cycles: list[CycleFigures]
    by_community: list[CommunityMoney]  # most allocated first
    by_status: list[tuple[str, int]]  # every implementation status, in its order
    by_category: list[tuple[str, int]]  # allocated fen per category, largest first


def choices(zone: tzinfo) -> Choices:
    """The filter form's options, in two queries."""
    rows = db.session.execute(
        select(District.id, District.name, Street.id, Street.name)
        .outerjoin(Street, Street.district_id == District.id)
        .order_by(District.name, District.id, Street.name, Street.id)
    ).all()
    streets: dict[int, list[StreetChoice]] = defaultdict(list)
    names: dict[int, str] = {}
    for district_id, district_name, street_id, street_name in rows:
        names[district_id] = district_name
        if street_id is not None:
            streets[district_id].append(StreetChoice(street_id, street_name, district_id))
    districts = tuple(DistrictChoice(i, n, tuple(streets[i])) for i, n in names.items())
    starts = db.session.scalars(select(Cycle.collecting_at).distinct()).all()
    years = sorted({local_year(at, zone) for at in starts}, reverse=True)
    return Choices(districts, tuple(years))


def resolve(
    choices: Choices, *, district: str = "", street: str = "", year: str = ""
) -> tuple[Filters, list[Problem]]:
    """The filters that the form's raw values name; a value that names nothing is dropped and
    reported, never an error."""
    problems: list[Problem] = []
    district, street, year = district.strip(), street.strip(), year.strip()
    district_id = _number(district)
    if district and (district_id is None or choices.district(district_id) is None):
        problems.append(Problem("unknown_district", district[:40]))
        district_id = None
    street_id = _number(street)
    found = choices.street(street_id) if street_id is not None else None
    if street and found is None:
        problems.append(Problem("unknown_street", street[:40]))
        street_id = None
    elif found is not None and district_id is not None and found.district_id != district_id:
        problems.append(Problem("street_not_in_district", found.name))
        street_id = None
    year_value = _number(year)
    if year and (year_value is None or not FIRST_YEAR <= year_value <= LAST_YEAR):
        problems.append(Problem("unknown_year", year[:40]))
        year_value = None
    return Filters(district_id, street_id, year_value), problems


def _number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def local_year(moment: datetime, zone: tzinfo) -> int:
    """The year, where the city is, of a stored (naive UTC) time."""
    return moment.replace(tzinfo=UTC).astimezone(zone).year


def _year_bounds(year: int, zone: tzinfo) -> tuple[datetime, datetime]:
    def start(y: int) -> datetime:
        return datetime(y, 1, 1, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

    return start(year), start(year + 1)


def scope(filters: Filters, zone: tzinfo) -> Select[tuple[int]]:
    """The ids of the chosen cycles, as a subquery for ``IN``: a community's cycle is in its
    community's street; a street's cycle in its street."""
    street_of = func.coalesce(Cycle.street_id, Community.street_id)
    query = select(Cycle.id).outerjoin(Community, Cycle.community_id == Community.id)
    if filters.street_id is not None:
        query = query.where(street_of == filters.street_id)
    if filters.district_id is not None:
        query = query.join(Street, Street.id == street_of).where(
            Street.district_id == filters.district_id
        )
    if filters.year is not None:
        start, end = _year_bounds(filters.year, zone)
        query = query.where(Cycle.collecting_at >= start, Cycle.collecting_at < end)
    return query


def overview(filters: Filters, *, now: datetime, zone: tzinfo) -> Overview:
    """Every figure of the chosen cycles, in twelve queries whatever their number."""
    chosen = scope(filters, zone)
    cycles = db.session.scalars(
        select(Cycle)
        .where(Cycle.id.in_(chosen))
        .options(
            joinedload(Cycle.community).joinedload(Community.street),
            joinedload(Cycle.street),
        )
        .order_by(Cycle.collecting_at.desc(), Cycle.id.desc())
    ).all()
    money = _allocations(chosen)
    spent, community_spent = _spending(chosen)
    statuses, completed = _implementation(chosen)
    voted, verified, verified_in_street, streets = _turnout(chosen)
    ratings, mean = db.session.execute(
        select(func.count(Rating.id), func.avg(Rating.stars))
        .join(Proposal, Proposal.id == Rating.proposal_id)
        .where(Proposal.cycle_id.in_(chosen))
    ).one()

    rows = []
    for cycle in cycles:
        if cycle.community is not None:
            eligible = verified.get(cycle.community.id, 0)
            street = cycle.community.street
        else:
            assert cycle.street is not None
            eligible = verified_in_street.get(cycle.street.id, 0)
            street = cycle.street
        n_funded, fen = money.per_cycle.get(cycle.id, (0, 0))
        rows.append(
            CycleFigures(
                id=cycle.id,
                title=cycle.title,
                community=cycle.community.name if cycle.community is not None else None,
                street=street.name,
                year=local_year(cycle.collecting_at, zone),
                phase=cycle.phase(now),
                budget_fen=cycle.budget_fen,
                counted=cycle.id in money.counted,
                allocated_fen=fen,
                spent_fen=spent.get(cycle.id, 0),
                funded=n_funded,
                completed=completed.get(cycle.id, 0),
                voted=voted.get(cycle.id, 0),
                eligible=eligible,
            )
        )
    opened_ids = {r.id for r in rows if r.voting_opened}
    # Each community once, whether one cycle, two, or its street's cycle covers it.
    communities: set[int] = set()
    for cycle in cycles:
        if cycle.id not in opened_ids:
            continue
        if cycle.community is not None:
            communities.add(cycle.community.id)
        else:
            communities.update(c for c, s in streets.items() if s == cycle.street_id)
    voters = _distinct_voters(opened_ids)
    totals = Totals(
        cycles=len(rows),
        budget_fen=sum(r.budget_fen for r in rows),
        allocated_fen=sum(r.allocated_fen for r in rows),
        spent_fen=sum(r.spent_fen for r in rows),
        funded=sum(r.funded for r in rows),
        completed=sum(r.completed for r in rows),
        voted=voters,
        eligible=sum(verified.get(c, 0) for c in communities),
        ratings=int(ratings or 0),
        mean_stars=round(float(mean), 2) if mean is not None else None,
    )
    return Overview(
        totals=totals,
        cycles=rows,
        by_community=_by_community(money.by_community, community_spent),
        by_status=list(statuses.items()),
        by_category=money.by_category,
    )


@dataclass(frozen=True)
class _Allocations:
    per_cycle: dict[int, tuple[int, int]]  # cycle id -> (projects funded, fen)
    counted: set[int]  # the cycles with a count
    by_category: list[tuple[str, int]]
    by_community: dict[int, int]  # community id -> fen


def _allocations(chosen: Select[tuple[int]]) -> _Allocations:
    """The funded lines of each chosen cycle's latest count (the highest ``number``)."""
    latest = (
        select(Count.cycle_id, func.max(Count.number).label("number"))
        .where(Count.cycle_id.in_(chosen))
        .group_by(Count.cycle_id)
        .subquery()
    )

    def funded(*columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .select_from(Count)
            .join(
                latest, and_(Count.cycle_id == latest.c.cycle_id, Count.number == latest.c.number)
            )
            .join(CountOutcome, CountOutcome.count_id == Count.id)
            .join(Proposal, Proposal.id == CountOutcome.proposal_id)
            .where(CountOutcome.funded.is_(True))
        )

    cost = func.sum(CountOutcome.cost_fen)
    per_cycle = {
        cycle_id: (int(n), int(fen or 0))
        for cycle_id, n, fen in db.session.execute(
            funded(Count.cycle_id, func.count(CountOutcome.id), cost).group_by(Count.cycle_id)
        )
    }
    by_category = sorted(
        ((name, int(fen or 0)) for name, fen in db.session.execute(
            funded(Proposal.category, cost).group_by(Proposal.category)
        )),
        key=lambda kv: (-kv[1], kv[0]),
    )  # fmt: skip
    by_community = {
        community_id: int(fen or 0)
        for community_id, fen in db.session.execute(
            funded(Proposal.community_id, cost).group_by(Proposal.community_id)
        )
    }
    return _Allocations(
        per_cycle=per_cycle,
        counted=set(db.session.scalars(select(latest.c.cycle_id))),
        by_category=by_category,
        by_community=by_community,
    )


def _spending(chosen: Select[tuple[int]]) -> tuple[dict[int, int], dict[int, int]]:
    """Fen spent per cycle, and per community (the project's)."""
    per_cycle = {
        cycle_id: int(fen or 0)
        for cycle_id, fen in db.session.execute(
            select(Implementation.cycle_id, func.sum(Spending.amount_fen))
            .join(Spending, Spending.implementation_id == Implementation.id)
            .where(Implementation.cycle_id.in_(chosen))
            .group_by(Implementation.cycle_id)
        )
    }
    per_community = {
        community_id: int(fen or 0)
        for community_id, fen in db.session.execute(
            select(Proposal.community_id, func.sum(Spending.amount_fen))
            .select_from(Implementation)
            .join(Spending, Spending.implementation_id == Implementation.id)
            .join(Proposal, Proposal.id == Implementation.proposal_id)
            .where(Implementation.cycle_id.in_(chosen))
            .group_by(Proposal.community_id)
        )
    }
    return per_cycle, per_community


def _implementation(chosen: Select[tuple[int]]) -> tuple[dict[str, int], dict[int, int]]:
    """The funded projects of the latest counts per status (every status, in order; one
    without a record is not started), and completed or accepted records per cycle."""
    statuses: dict[str, int] = {s.value: 0 for s in Status}
    latest = (
        select(Count.cycle_id, func.max(Count.number).label("number"))
        .where(Count.cycle_id.in_(chosen))
        .group_by(Count.cycle_id)
        .subquery()
    )
    status = func.coalesce(Implementation.status, Status.NOT_STARTED.value)
    for name, n in db.session.execute(
        select(status, func.count())
        .select_from(Count)
        .join(latest, and_(Count.cycle_id == latest.c.cycle_id, Count.number == latest.c.number))
        .join(CountOutcome, CountOutcome.count_id == Count.id)
        .outerjoin(Implementation, Implementation.proposal_id == CountOutcome.proposal_id)
        .where(CountOutcome.funded.is_(True))
        .group_by(status)
    ):
        statuses[name] = statuses.get(name, 0) + int(n)
    completed: dict[int, int] = defaultdict(int)
    for cycle_id, n in db.session.execute(
        select(Implementation.cycle_id, func.count())
        .where(Implementation.cycle_id.in_(chosen), Implementation.status.in_(DONE))
        .group_by(Implementation.cycle_id)
    ):
        completed[cycle_id] += int(n)
    return statuses, completed


def _turnout(
    chosen: Select[tuple[int]],
) -> tuple[dict[int, int], dict[int, int], dict[int, int], dict[int, int]]:
    """Participations per cycle; the people who may take part (``services.electorate``) per
    community and per street; the street of every community that has any."""
    voted = {
        cycle_id: int(n)
        for cycle_id, n in db.session.execute(
            select(Participation.cycle_id, func.count())
            .where(Participation.cycle_id.in_(chosen))
            .group_by(Participation.cycle_id)
        )
    }
    verified = electorate.by_community(None)
    verified_in_street: dict[int, int] = defaultdict(int)
    streets: dict[int, int] = {}
    for community_id, street_id in db.session.execute(
        select(Community.id, Community.street_id).where(Community.id.in_(sorted(verified)))
    ).tuples():
        verified_in_street[street_id] += verified[community_id]
        streets[community_id] = street_id
    return voted, verified, verified_in_street, streets


def _distinct_voters(cycle_ids: set[int]) -> int:
    """Voters of these cycles, each once however many of them they voted in."""
    if not cycle_ids:
        return 0
    return int(
        db.session.scalar(
            select(func.count(func.distinct(Participation.voter_key))).where(
                Participation.cycle_id.in_(sorted(cycle_ids))
            )
        )
        or 0
    )


def _by_community(allocated: dict[int, int], spent: dict[int, int]) -> list[CommunityMoney]:
    ids = set(allocated) | set(spent)
    if not ids:
        return []
    names = db.session.execute(
        select(Community.id, Community.name, Street.name)
        .join(Street, Street.id == Community.street_id)
        .where(Community.id.in_(ids))
    ).all()
    money = [
        CommunityMoney(name, street, allocated.get(cid, 0), spent.get(cid, 0))
        for cid, name, street in names
    ]
    return sorted(money, key=lambda m: (-m.allocated_fen, -m.spent_fen, m.street, m.name))
