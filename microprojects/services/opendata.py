"""What the public open-data API reads: cycles filtered by place and year, which of them have
a count, a count's lines, the projects (every proposal but drafts) and what a list of projects
needs beyond them: supports, lines of the latest counts, implementation records and ratings, and
their delivery: the service-menu offer a project came from, its contract and what was paid
against it, its procurement package, its latest acceptance and the paper survey's answers.

Reads only, nothing about a person: no account, name or voter key is loaded here. Every read
costs a fixed number of queries, whatever the number of projects or ballots: related rows are
loaded with ``selectinload`` and figures with aggregate queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..domain.lifecycle import ProposalState
from ..extensions import db
from ..models import (
    Acceptance,
    Community,
    Count,
    CountOutcome,
    Cycle,
    DeliveryContract,
    District,
    Implementation,
    PackageItem,
    PaperSurvey,
    ProcurementPackage,
    ProgressUpdate,
    Proposal,
    Rating,
    ServiceOffer,
    Spending,
    Street,
    Support,
)

DRAFT = ProposalState.DRAFT.value


# --- cycles -----------------------------------------------------------------------------------


def find_district_ids(name: str) -> list[int]:
    """The districts of that name (in different cities they may share it)."""
    return list(db.session.scalars(select(District.id).where(District.name == name)))


def find_street_ids(name: str) -> list[int]:
    return list(db.session.scalars(select(Street.id).where(Street.name == name)))


def find_community(slug: str) -> Community | None:
    return db.session.scalar(select(Community).where(Community.slug == slug))


@dataclass(frozen=True)
class CycleFilters:
    """Which cycles to list; what is None narrows nothing. A cycle's place is its community's
    street, or its own street for a street's cycle."""

    district_ids: Sequence[int] | None = None
    street_ids: Sequence[int] | None = None
    community: Community | None = None
    # The cycle opens (its first date, ``collecting_at``) in [opens_from, opens_until), both
    # stored times (UTC): the year of a cycle, as the city overview files it.
    opens_from: datetime | None = None
    opens_until: datetime | None = None


def _with_places() -> Any:
    return (
        selectinload(Cycle.community).selectinload(Community.street).selectinload(Street.district),
        selectinload(Cycle.street).selectinload(Street.district),
    )


def find_cycles(filters: CycleFilters) -> list[Cycle]:
    """The cycles ``filters`` ask for, the latest first, with their places loaded."""
    place = aliased(Community)
    street_of = func.coalesce(Cycle.street_id, place.street_id)
    stmt = (
        select(Cycle)
        .outerjoin(place, Cycle.community_id == place.id)
        .options(*_with_places())
        .order_by(Cycle.collecting_at.desc(), Cycle.id.desc())
    )
    if filters.district_ids is not None:
        in_districts = select(Street.id).where(Street.district_id.in_(filters.district_ids))
        stmt = stmt.where(street_of.in_(in_districts))
    if filters.street_ids is not None:
        stmt = stmt.where(street_of.in_(filters.street_ids))
    if filters.community is not None:
        community = filters.community
        # The community's own cycles and its street's, in which it takes part too.
        stmt = stmt.where(
            or_(Cycle.community_id == community.id, Cycle.street_id == community.street_id)
        )
    if filters.opens_from is not None:
        stmt = stmt.where(Cycle.collecting_at >= filters.opens_from)
    if filters.opens_until is not None:
        stmt = stmt.where(Cycle.collecting_at < filters.opens_until)
    return list(db.session.scalars(stmt))


def find_cycle_with_places(cycle_id: int) -> Cycle | None:
    return db.session.scalar(select(Cycle).where(Cycle.id == cycle_id).options(*_with_places()))


def cycle_exists(cycle_id: int) -> bool:
    return db.session.get(Cycle, cycle_id) is not None


def find_counted(cycle_ids: Sequence[int]) -> set[int]:
    """Which of the cycles have a count, in one query."""
    if not cycle_ids:
        return set()
    return set(
        db.session.scalars(select(Count.cycle_id).where(Count.cycle_id.in_(cycle_ids)).distinct())
    )


# --- counts -----------------------------------------------------------------------------------


def list_outcomes(count: Count) -> list[CountOutcome]:
    """The count's lines by rank, with their proposals, in two queries whatever their number."""
    return list(
        db.session.scalars(
            select(CountOutcome)
            .where(CountOutcome.count_id == count.id)
            .options(selectinload(CountOutcome.proposal))
            .order_by(CountOutcome.rank, CountOutcome.position)
        )
    )


# --- projects ---------------------------------------------------------------------------------


def _projects(stmt: Select[tuple[Proposal]]) -> list[Proposal]:
    return list(
        db.session.scalars(
            stmt.where(Proposal.state != DRAFT).options(
                selectinload(Proposal.community),
                selectinload(Proposal.photos),
                selectinload(Proposal.cycle),
            )
        )
    )


def list_projects(cycle_id: int | None = None) -> list[Proposal]:
    """Every project, or a cycle's, by cycle and id, with community, photos and cycle."""
    stmt = select(Proposal).order_by(Proposal.cycle_id, Proposal.id)
    if cycle_id is not None:
        stmt = stmt.where(Proposal.cycle_id == cycle_id)
    return _projects(stmt)


def find_project(proposal_id: int) -> Proposal | None:
    """The project, loaded as ``list_projects`` loads them; None for a draft."""
    found = _projects(select(Proposal).where(Proposal.id == proposal_id))
    return found[0] if found else None


@dataclass
class ProjectExtras:
    """What a list of projects needs beyond the proposals, by proposal id."""

    supports: dict[int, int] = field(default_factory=dict)
    # The project's line in its cycle's latest count, with that count's number.
    lines: dict[int, tuple[int, CountOutcome]] = field(default_factory=dict)
    # Implementation records with spending, milestones, and updates with their photos.
    records: dict[int, Implementation] = field(default_factory=dict)
    # How many ratings gave each number of stars.
    stars: dict[int, dict[int, int]] = field(default_factory=dict)
    # Delivery, by implementation record id: the contract with what was paid against it, the
    # procurement package, the latest acceptance, the paper survey's answers by answer.
    contracts: dict[int, tuple[DeliveryContract, int]] = field(default_factory=dict)
    packages: dict[int, ProcurementPackage] = field(default_factory=dict)
    acceptances: dict[int, Acceptance] = field(default_factory=dict)
    surveys: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    # The service-menu offers the projects came from, by offer id.
    offers: dict[int, ServiceOffer] = field(default_factory=dict)


def load_project_extras(proposals: Sequence[Proposal]) -> ProjectExtras:
    """The extras of ``proposals`` in a fixed number of queries."""
    extras = ProjectExtras()
    ids = [p.id for p in proposals]
    if not ids:
        return extras
    extras.supports = {
        pid: int(n)
        for pid, n in db.session.execute(
            select(Support.proposal_id, func.count())
            .where(Support.proposal_id.in_(ids))
            .group_by(Support.proposal_id)
        )
    }
    latest = (
        select(Count.cycle_id, func.max(Count.number).label("number"))
        .group_by(Count.cycle_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CountOutcome, Count.number)
        .join(Count, CountOutcome.count_id == Count.id)
        .join(latest, and_(latest.c.cycle_id == Count.cycle_id, latest.c.number == Count.number))
        .where(CountOutcome.proposal_id.in_(ids))
    )
    extras.lines = {o.proposal_id: (number, o) for o, number in rows}
    extras.records = {
        r.proposal_id: r
        for r in db.session.scalars(
            select(Implementation)
            .where(Implementation.proposal_id.in_(ids))
            .options(
                selectinload(Implementation.spending),
                selectinload(Implementation.milestones),
                selectinload(Implementation.updates).selectinload(ProgressUpdate.photos),
            )
        )
    }
    for pid, stars, n in db.session.execute(
        select(Rating.proposal_id, Rating.stars, func.count())
        .where(Rating.proposal_id.in_(ids))
        .group_by(Rating.proposal_id, Rating.stars)
    ):
        extras.stars.setdefault(pid, {})[int(stars)] = int(n)
    _load_delivery(extras, [r.id for r in extras.records.values()])
    offer_ids = {p.offer_id for p in proposals if p.offer_id is not None}
    if offer_ids:
        extras.offers = {
            o.id: o
            for o in db.session.scalars(
                select(ServiceOffer)
                .where(ServiceOffer.id.in_(offer_ids))
                .options(selectinload(ServiceOffer.organization))
            )
        }
    return extras


def _load_delivery(extras: ProjectExtras, record_ids: list[int]) -> None:
    """The delivery of the implementation records ``record_ids``, in five queries."""
    if not record_ids:
        return
    paid = {
        contract_id: int(total or 0)
        for contract_id, total in db.session.execute(
            select(Spending.contract_id, func.sum(Spending.amount_fen))
            .join(DeliveryContract, DeliveryContract.id == Spending.contract_id)
            .where(DeliveryContract.implementation_id.in_(record_ids))
            .group_by(Spending.contract_id)
        )
    }
    extras.contracts = {
        c.implementation_id: (c, int(paid.get(c.id) or 0))
        for c in db.session.scalars(
            select(DeliveryContract)
            .where(DeliveryContract.implementation_id.in_(record_ids))
            .options(selectinload(DeliveryContract.organization))
        )
    }
    extras.packages = {
        item.implementation_id: item.package
        for item in db.session.scalars(
            select(PackageItem)
            .where(PackageItem.implementation_id.in_(record_ids))
            .options(
                selectinload(PackageItem.package).selectinload(ProcurementPackage.organization)
            )
        )
    }
    latest = (
        select(Acceptance.implementation_id, func.max(Acceptance.round).label("round"))
        .where(Acceptance.implementation_id.in_(record_ids))
        .group_by(Acceptance.implementation_id)
        .subquery()
    )
    extras.acceptances = {
        a.implementation_id: a
        for a in db.session.scalars(
            select(Acceptance)
            .join(
                latest,
                and_(
                    latest.c.implementation_id == Acceptance.implementation_id,
                    latest.c.round == Acceptance.round,
                ),
            )
            .options(selectinload(Acceptance.inspectors), selectinload(Acceptance.documents))
        )
    }
    extras.surveys = {
        record_id: (int(satisfied or 0), int(basically or 0), int(dissatisfied or 0))
        for record_id, satisfied, basically, dissatisfied in db.session.execute(
            select(
                PaperSurvey.implementation_id,
                func.sum(PaperSurvey.satisfied),
                func.sum(PaperSurvey.basically),
                func.sum(PaperSurvey.dissatisfied),
            )
            .where(PaperSurvey.implementation_id.in_(record_ids))
            .group_by(PaperSurvey.implementation_id)
        )
    }
