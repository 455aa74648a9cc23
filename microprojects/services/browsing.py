"""What residents and the public read of cycles and proposals: the list of cycles, a cycle's
public proposals filtered, searched, sorted and paged, everything a proposal's page shows (its
deliberation, decision log, assessments, merges, and what the viewer may do), and a kept photo
found by its file name.

Reads only: nothing here changes a row or commits. Related rows are loaded with the queries
that fetch them, so that a page costs the same number of queries whatever it lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..domain.contracts import UpdateReview
from ..domain.implementation import Status
from ..domain.lifecycle import PUBLIC_STATES, ProposalAction, Viewer, allowed_actions
from ..extensions import db
from ..models import (
    VERSION_ROW,
    Assessment,
    AuditEntry,
    Comment,
    Community,
    ContentVersion,
    Count,
    CountOutcome,
    Cycle,
    Implementation,
    ProblemReport,
    ProgressPhoto,
    ProgressUpdate,
    Proposal,
    ProposalPhoto,
    Support,
    User,
)
from .cycles import participation_problem
from .proposals import can_screen, support_counts, viewer_for
from .rows import contains_pattern
from .screening import ScreeningPanel, read_panel
from .shortlist import FROZEN_ACTIONS, frozen_actions

PAGE_SIZE = 20
SORTS = ("newest", "supported", "cost")
QUERY_MAX = 60
PHASE_CHANGES = ("cycle.close_phase", "cycle.extend_phase")
# A proposal may be merged only into one the committee still screens or has put on the ballot.
MERGE_TARGET_STATES = ("submitted", "returned", "approved")


def list_cycles() -> list[Cycle]:
    """Every cycle, the latest to collect proposals first, with its community or street."""
    return list(
        db.session.scalars(
            select(Cycle)
            .order_by(Cycle.collecting_at.desc())
            .options(selectinload(Cycle.community), selectinload(Cycle.street))
        )
    )


# What became of a counted project, as lists and pages say it: funded (work not started),
# in progress, completed (accepted included), or not funded.
OUTCOMES = ("funded", "in_progress", "completed", "not_funded")
_DONE = (Status.COMPLETED.value, Status.ACCEPTED.value)


def read_outcomes(cycle_ids: list[int]) -> dict[int, dict[int, str]]:
    """Each counted cycle's projects and what became of them, by the cycle's latest count:
    ``{cycle id: {proposal id: outcome}}``, one of ``OUTCOMES``. A cycle not counted yet is
    absent. Two queries, whatever the number of cycles."""
    if not cycle_ids:
        return {}
    latest = (
        select(Count.cycle_id, func.max(Count.number).label("number"))
        .where(Count.cycle_id.in_(cycle_ids))
        .group_by(Count.cycle_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Count.cycle_id, CountOutcome.proposal_id, CountOutcome.funded)
        .join(latest, (latest.c.cycle_id == Count.cycle_id) & (latest.c.number == Count.number))
        .join(CountOutcome, CountOutcome.count_id == Count.id)
    ).all()
    statuses: dict[int, str] = {
        proposal_id: Status(status).value
        for proposal_id, status in db.session.execute(
            select(Implementation.proposal_id, Implementation.status).where(
                Implementation.cycle_id.in_(cycle_ids)
            )
        )
    }
    found: dict[int, dict[int, str]] = {}
    for cycle_id, proposal_id, funded in rows:
        status = statuses.get(proposal_id)
        if not funded:
            outcome = "not_funded"
        elif status in _DONE:
            outcome = "completed"
        elif status == Status.IN_PROGRESS.value:
            outcome = "in_progress"
        else:
            outcome = "funded"
        found.setdefault(cycle_id, {})[proposal_id] = outcome
    return found


def summarize_outcomes(outcomes: dict[int, str]) -> dict[str, int]:
    """How many projects of a count had each outcome, every outcome named (0 if none)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes.values():
        counts[outcome] += 1
    return counts


@dataclass(frozen=True)
class ProposalFilters:
    """How a cycle's list of proposals is narrowed and ordered. An empty value narrows nothing;
    a state that is not public is ignored, as is a community of 0."""

    category: str = ""
    state: str = ""
    community: int = 0
    q: str = ""
    sort: str = "newest"

    @classmethod
    def clean(
        cls,
        *,
        category: str | None,
        state: str | None,
        community: int | None,
        q: str | None,
        sort: str | None,
    ) -> ProposalFilters:
        """The filters as typed in a query string, trimmed, the search cut short and an
        unknown sort replaced by the newest first."""
        return cls(
            category=(category or "").strip(),
            state=(state or "").strip(),
            community=community or 0,
            q=(q or "").strip()[:QUERY_MAX],
            sort=sort if sort in SORTS else "newest",
        )


@dataclass(frozen=True)
class CyclePage:
    """One page of a cycle's public proposals, each with its number of supports."""

    rows: list[Row[tuple[Proposal, int]]]
    total: int
    page: int
    pages: int
    communities: list[Community]
    # The committee's early closes and extensions of a phase, which the page explains.
    changes: list[AuditEntry]
    # After a count: what became of each counted proposal (see ``read_outcomes``).
    outcomes: dict[int, str]


def _proposal_query(cycle: Cycle, filters: ProposalFilters) -> Select[Any]:
    supports = (
        select(func.count(Support.id)).where(Support.proposal_id == Proposal.id).scalar_subquery()
    )
    public = [s.value for s in PUBLIC_STATES]
    query = select(Proposal, supports.label("supports")).where(
        Proposal.cycle_id == cycle.id, Proposal.state.in_(public)
    )
    if filters.category:
        query = query.where(Proposal.category == filters.category)
    if filters.state in public:
        query = query.where(Proposal.state == filters.state)
    if filters.community:
        query = query.where(Proposal.community_id == filters.community)
    if filters.q:
        pattern = contains_pattern(filters.q)
        columns = (Proposal.title, Proposal.ballot_title, Proposal.description, Proposal.location)
        query = query.where(or_(*(column.like(pattern, escape="\\") for column in columns)))
    if filters.sort == "supported":
        return query.order_by(supports.desc(), Proposal.id)
    if filters.sort == "cost":
        cost = func.coalesce(Proposal.revised_cost_fen, Proposal.estimated_cost_fen)
        return query.order_by(cost, Proposal.id)
    return query.order_by(Proposal.submitted_at.desc(), Proposal.id.desc())


def read_cycle_page(cycle: Cycle, filters: ProposalFilters, page: int) -> CyclePage:
    """Page ``page`` (from 1) of the cycle's public proposals as ``filters`` ask."""
    query = _proposal_query(cycle, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.options(selectinload(Proposal.photos), selectinload(Proposal.community))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    communities = db.session.scalars(
        select(Community).where(Community.id.in_(cycle.community_ids)).order_by(Community.name)
    ).all()
    changes = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.subject_type == "cycle",
            AuditEntry.subject_id == str(cycle.id),
            AuditEntry.action.in_(PHASE_CHANGES),
        )
        .order_by(AuditEntry.created_at)
    ).all()
    return CyclePage(
        rows=list(rows),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        communities=list(communities),
        changes=list(changes),
        outcomes=read_outcomes([cycle.id]).get(cycle.id, {}),
    )


@dataclass(frozen=True)
class ProposalPage:
    """What a proposal's page shows besides the proposal, as one viewer sees it."""

    actions: frozenset[ProposalAction]
    viewer: Viewer
    supports: int
    # Top-level comments, each with its replies and their authors.
    comments: list[Comment]
    log: list[AuditEntry]
    assessments: list[Assessment]
    merged_here: list[Proposal]
    # The proposals this one may be merged into, when the viewer may merge it.
    merge_targets: list[Proposal]
    participation: str | None
    # For a committee member who may screen it: the guards and the resolutions' steps.
    screening: ScreeningPanel | None = None
    # Screening decisions were withheld because the cycle's shortlist is published.
    shortlist_frozen: bool = False


def read_content_version() -> int | None:
    """The content version, which every write of what a public page shows raises (see
    ``models/versions.py``); None if its row is missing, when no page may be kept."""
    found = db.session.execute(
        select(ContentVersion.version).where(ContentVersion.id == VERSION_ROW)
    ).scalar()
    return None if found is None else int(found)


def read_proposal_page(user: User | None, proposal: Proposal, now: datetime) -> ProposalPage:
    viewer = viewer_for(user, proposal, now)
    actions = allowed_actions(proposal.state, viewer, proposal.cycle.phase(now))
    # Decisions the published shortlist forbids are not offered (the service refuses them too).
    frozen = frozen_actions(proposal) & actions if actions & FROZEN_ACTIONS else frozenset()
    actions = actions - frozen
    supports = support_counts([proposal.id]).get(proposal.id, 0)
    comments = db.session.scalars(
        select(Comment)
        .filter_by(proposal_id=proposal.id, parent_id=None)
        .order_by(Comment.id)
        .options(
            selectinload(Comment.author),
            selectinload(Comment.replies).selectinload(Comment.author),
        )
    ).all()
    # The draft is the author's own business; the log starts with the submission.
    log = db.session.scalars(
        select(AuditEntry)
        .filter_by(subject_type="proposal", subject_id=str(proposal.id))
        .where(AuditEntry.action != "proposal.draft")
        .order_by(AuditEntry.created_at, AuditEntry.id)
        .options(selectinload(AuditEntry.actor))
    ).all()
    assessments = db.session.scalars(
        select(Assessment).filter_by(proposal_id=proposal.id).order_by(Assessment.id)
    ).all()
    merged_here = db.session.scalars(
        select(Proposal).filter_by(merged_into_id=proposal.id).order_by(Proposal.id)
    ).all()
    targets: list[Proposal] = []
    if ProposalAction.MERGE in actions:
        candidates = db.session.scalars(
            select(Proposal)
            .where(
                Proposal.cycle_id == proposal.cycle_id,
                Proposal.id != proposal.id,
                Proposal.state.in_(MERGE_TARGET_STATES),
            )
            .order_by(Proposal.id)
        ).all()
        targets = [t for t in candidates if can_screen(user, t)]
    return ProposalPage(
        actions=actions,
        viewer=viewer,
        supports=supports,
        comments=list(comments),
        log=list(log),
        assessments=list(assessments),
        merged_here=list(merged_here),
        merge_targets=targets,
        participation=participation_problem(user, proposal.cycle, now),
        screening=read_panel(user, proposal) if viewer.is_committee else None,
        shortlist_frozen=bool(frozen),
    )


@dataclass(frozen=True)
class KeptPhoto:
    """A kept photo's type, and the proposal it belongs to when it is a proposal's photo (who
    may see it depends on the proposal); ``unpublished``: the supplier's progress update it
    belongs to, while that update waits for approval or was returned (not public)."""

    mime: str
    proposal: Proposal | None
    unpublished: ProgressUpdate | None = None


def find_kept_photo(name: str) -> KeptPhoto | None:
    """The photo kept under file name ``name``: of a proposal, of a progress update, or of a
    problem report."""
    photo = db.session.scalar(select(ProposalPhoto).filter_by(filename=name))
    if photo is not None:
        proposal = db.session.get(Proposal, photo.proposal_id)
        return None if proposal is None else KeptPhoto(photo.mime, proposal)
    progress = db.session.scalar(select(ProgressPhoto).filter_by(filename=name))
    if progress is not None:
        update = db.session.get(ProgressUpdate, progress.update_id)
        published = update is None or update.review_status == UpdateReview.PUBLISHED
        return KeptPhoto(progress.mime, None, None if published else update)
    problem = db.session.scalar(select(ProblemReport).filter_by(photo_filename=name))
    if problem is not None and problem.photo_mime is not None:
        return KeptPhoto(problem.photo_mime, None)
    return None
