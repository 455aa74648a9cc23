"""What the committee's pages of one community read: what waits for the committee and the
dashboard's figures, a page of the
roster, the household codes still out, the verification requests, a page of the audit log, a
cycle's proposals by state, the screening queue and the moderation queue.

Read only: nothing here writes or commits, so nothing here is audited. The pages check the
committee's permission before they ask; the changes those pages make are the use cases of
``services.residency``, ``services.cycles``, ``services.proposals`` and ``services.comments``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..domain.contracts import UpdateReview
from ..domain.implementation import ObjectionStatus
from ..domain.lifecycle import ProposalState
from ..domain.people import Basis
from ..domain.wishes import WishStatus
from ..extensions import db
from ..models import (
    AuditEntry,
    Comment,
    CommentReport,
    CommitteeMembership,
    Cycle,
    Household,
    HouseholdCode,
    Implementation,
    Objection,
    PaperEntry,
    ProgressUpdate,
    Proposal,
    Residency,
    ResidencyStatus,
    RosterEntry,
    ShortlistObjection,
    Support,
    Wish,
)
from .rows import contains_pattern

PAGE_SIZE = 50
# The screens of the queues show what a committee can get through, not the whole history.
RECENT_DECISIONS = 30
MODERATION_ROWS = 200


@dataclass(frozen=True)
class DashboardFigures:
    households: int
    roster: int
    claimed: int
    live_codes: int
    pending: int


@dataclass(frozen=True)
class Waiting:
    """Work that waits for the committee: ``kind`` says what (``screen``, ``reports``,
    ``paper``, ``objections``, ``shortlist_objections``, ``wishes``, ``supplier_updates``,
    ``verifications``), ``count`` how many, ``cycle`` in which cycle (None for the community's
    own queues), ``proposal`` about which project (for a supplier's updates)."""

    kind: str
    count: int
    cycle: Cycle | None = None
    proposal: Proposal | None = None  # the project it is about, for a supplier's updates


@dataclass(frozen=True)
class Dashboard:
    waiting: list[Waiting]
    figures: DashboardFigures
    verified_by_basis: dict[Basis, int]
    members: list[CommitteeMembership]


@dataclass(frozen=True)
class RosterPage:
    entries: list[RosterEntry]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class CodeCounts:
    live_by_grid: dict[int | None, int]
    without_code: int


@dataclass(frozen=True)
class VerificationQueue:
    pending: list[Residency]
    decided: list[Residency]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    has_next: bool


def _count(query: Select[tuple[int]]) -> int:
    return int(db.session.scalar(query) or 0)


def _live_code() -> tuple[ColumnElement[bool], ...]:
    """The conditions of a code handed out and still usable."""
    return (HouseholdCode.claimed_at.is_(None), HouseholdCode.revoked_at.is_(None))


def _per_cycle(query: Select[tuple[int, int]]) -> dict[int, int]:
    return {cycle_id: int(n) for cycle_id, n in db.session.execute(query).tuples() if n}


def _waiting(community_id: int, pending_verifications: int) -> list[Waiting]:
    """What waits for the committee, in the order it is shown: proposals to screen, reports
    to decide, paper ballots to confirm, objections to a count and to a published shortlist to
    answer, wishes to answer, suppliers' progress updates to approve, verifications to check."""
    to_screen = _per_cycle(
        select(Proposal.cycle_id, func.count())
        .where(
            Proposal.community_id == community_id,
            Proposal.state == ProposalState.SUBMITTED.value,
        )
        .group_by(Proposal.cycle_id)
    )
    paper = _per_cycle(
        select(PaperEntry.cycle_id, func.count())
        .where(
            PaperEntry.community_id == community_id,
            PaperEntry.status.in_(("pending", "mismatch")),
        )
        .group_by(PaperEntry.cycle_id)
    )
    objections = _per_cycle(
        select(Objection.cycle_id, func.count())
        .join(Cycle, Objection.cycle_id == Cycle.id)
        .where(Cycle.community_id == community_id, Objection.status == ObjectionStatus.OPEN.value)
        .group_by(Objection.cycle_id)
    )
    shortlist_objections = _per_cycle(
        select(ShortlistObjection.cycle_id, func.count())
        .join(Cycle, ShortlistObjection.cycle_id == Cycle.id)
        .where(
            Cycle.community_id == community_id,
            ShortlistObjection.status == ObjectionStatus.OPEN.value,
        )
        .group_by(ShortlistObjection.cycle_id)
    )
    wishes = _count(
        select(func.count())
        .select_from(Wish)
        .where(Wish.community_id == community_id, Wish.status == WishStatus.OPEN.value)
    )
    ids = set(to_screen) | set(paper) | set(objections) | set(shortlist_objections)
    cycles = (
        {c.id: c for c in db.session.scalars(select(Cycle).where(Cycle.id.in_(ids)))} if ids else {}
    )

    def per_cycle(kind: str, counts: dict[int, int]) -> list[Waiting]:
        return [
            Waiting(kind, n, cycles[cycle_id])
            for cycle_id, n in sorted(counts.items(), key=lambda kv: -cycles[kv[0]].id)
        ]

    reports = len(list_moderation_queue(community_id))
    waiting = per_cycle("screen", to_screen)
    if reports:
        waiting.append(Waiting("reports", reports))
    waiting += per_cycle("paper", paper)
    waiting += per_cycle("objections", objections)
    waiting += per_cycle("shortlist_objections", shortlist_objections)
    if wishes:
        waiting.append(Waiting("wishes", wishes))
    supplier_updates = db.session.execute(
        select(Proposal, func.count())
        .join(Implementation, Implementation.proposal_id == Proposal.id)
        .join(ProgressUpdate, ProgressUpdate.implementation_id == Implementation.id)
        .where(
            Proposal.community_id == community_id,
            ProgressUpdate.review_status == UpdateReview.PENDING.value,
        )
        .group_by(Proposal.id)
        .order_by(Proposal.id)
    ).tuples()
    waiting += [Waiting("supplier_updates", int(n), proposal=p) for p, n in supplier_updates]
    if pending_verifications:
        waiting.append(Waiting("verifications", pending_verifications))
    return waiting


def load_dashboard(community_id: int) -> Dashboard:
    figures = DashboardFigures(
        households=_count(
            select(func.count()).select_from(Household).filter_by(community_id=community_id)
        ),
        roster=_count(
            select(func.count()).select_from(RosterEntry).filter_by(community_id=community_id)
        ),
        claimed=_count(
            select(func.count())
            .select_from(RosterEntry)
            .where(RosterEntry.community_id == community_id, RosterEntry.claimed_at.is_not(None))
        ),
        live_codes=_count(
            select(func.count())
            .select_from(HouseholdCode)
            .where(HouseholdCode.community_id == community_id, *_live_code())
        ),
        pending=_count(
            select(func.count())
            .select_from(Residency)
            .filter_by(community_id=community_id, status=ResidencyStatus.PENDING.value)
        ),
    )
    by_basis = dict(
        db.session.execute(
            select(Residency.basis, func.count())
            .filter_by(community_id=community_id, status=ResidencyStatus.VERIFIED.value)
            .group_by(Residency.basis)
        )
        .tuples()
        .all()
    )
    members = db.session.scalars(
        select(CommitteeMembership)
        .filter_by(community_id=community_id)
        .options(selectinload(CommitteeMembership.user))
    ).all()
    return Dashboard(
        waiting=_waiting(community_id, figures.pending),
        figures=figures,
        verified_by_basis=by_basis,
        members=list(members),
    )


def list_roster(
    community_id: int, *, q: str = "", grid_id: int = 0, page: int = 1, page_size: int = PAGE_SIZE
) -> RosterPage:
    """One page of the roster in address order, narrowed to names or addresses containing
    ``q`` and to one grid (``grid_id`` 0: every grid)."""
    query = (
        select(RosterEntry)
        .join(Household)
        .where(RosterEntry.community_id == community_id)
        .options(selectinload(RosterEntry.household).selectinload(Household.grid))
    )
    if q:
        pattern = contains_pattern(q)
        query = query.where(
            or_(
                RosterEntry.full_name.like(pattern, escape="\\"),
                Household.address.like(pattern, escape="\\"),
            )
        )
    if grid_id:
        query = query.where(Household.grid_id == grid_id)
    total = _count(select(func.count()).select_from(query.subquery()))
    entries = db.session.scalars(
        query.order_by(Household.address, RosterEntry.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return RosterPage(
        entries=list(entries), total=total, page=page, pages=max(1, -(-total // page_size))
    )


def count_codes(community_id: int) -> CodeCounts:
    """The codes out and unused, by grid, and how many unclaimed people have none."""
    live_by_grid = dict(
        db.session.execute(
            select(Household.grid_id, func.count())
            .select_from(HouseholdCode)
            .join(RosterEntry, HouseholdCode.roster_entry_id == RosterEntry.id)
            .join(Household, RosterEntry.household_id == Household.id)
            .where(HouseholdCode.community_id == community_id, *_live_code())
            .group_by(Household.grid_id)
        )
        .tuples()
        .all()
    )
    without_code = _count(
        select(func.count())
        .select_from(RosterEntry)
        .where(
            RosterEntry.community_id == community_id,
            RosterEntry.claimed_at.is_(None),
            ~RosterEntry.id.in_(select(HouseholdCode.roster_entry_id).where(*_live_code())),
        )
    )
    return CodeCounts(live_by_grid=live_by_grid, without_code=without_code)


def list_verifications(community_id: int) -> VerificationQueue:
    """The requests waiting, oldest first, and the latest decisions."""
    pending = db.session.scalars(
        select(Residency)
        .filter_by(community_id=community_id, status=ResidencyStatus.PENDING.value)
        .order_by(Residency.requested_at)
        .options(selectinload(Residency.user))
    ).all()
    decided = db.session.scalars(
        select(Residency)
        .where(
            Residency.community_id == community_id,
            Residency.status != ResidencyStatus.PENDING.value,
        )
        .order_by(Residency.decided_at.desc())
        .limit(RECENT_DECISIONS)
        .options(selectinload(Residency.user), selectinload(Residency.decided_by))
    ).all()
    return VerificationQueue(pending=list(pending), decided=list(decided))


def list_audit_entries(
    community_id: int, *, page: int = 1, page_size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the community's audit log, newest first."""
    # One row more than the page tells whether there is a next page, without counting them all.
    entries = db.session.scalars(
        select(AuditEntry)
        .filter_by(community_id=community_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
        .options(selectinload(AuditEntry.actor))
    ).all()
    return AuditPage(
        entries=list(entries[:page_size]), page=page, has_next=len(entries) > page_size
    )


def count_proposals_by_state(cycle_id: int, community_id: int) -> dict[str, int]:
    """How many of the community's proposals in the cycle are in each state."""
    return dict(
        db.session.execute(
            select(Proposal.state, func.count())
            .where(Proposal.cycle_id == cycle_id, Proposal.community_id == community_id)
            .group_by(Proposal.state)
        )
        .tuples()
        .all()
    )


def list_screening_queue(
    cycle_id: int, community_id: int, state: str
) -> list[tuple[Proposal, int]]:
    """The community's proposals of the cycle in ``state``, each with its number of supports,
    the most supported first."""
    supports = (
        select(func.count(Support.id)).where(Support.proposal_id == Proposal.id).scalar_subquery()
    )
    return list(
        db.session.execute(
            select(Proposal, supports.label("supports"))
            .where(
                Proposal.cycle_id == cycle_id,
                Proposal.community_id == community_id,
                Proposal.state == state,
            )
            .order_by(supports.desc(), Proposal.submitted_at)
        ).tuples()
    )


def list_moderation_queue(community_id: int) -> list[tuple[Comment, int]]:
    """The comments on the community's proposals that wait for the committee's decision, each
    with its number of reports: hidden by reports, or reported, and not yet decided; the
    oldest first. A decision takes a comment out for good (see ``comments.decide_comment``):
    reports after it neither hide it nor bring it back."""
    reports = (
        select(func.count(CommentReport.id))
        .where(CommentReport.comment_id == Comment.id)
        .scalar_subquery()
    )
    return list(
        db.session.execute(
            select(Comment, reports.label("reports"))
            .join(Proposal, Comment.proposal_id == Proposal.id)
            .where(
                Proposal.community_id == community_id,
                or_(Comment.hidden_at.is_not(None), reports > 0),
                Comment.reviewed_at.is_(None),
            )
            .order_by(Comment.created_at, Comment.id)
            .options(selectinload(Comment.author), selectinload(Comment.reports))
            .limit(MODERATION_ROWS)
        ).tuples()
    )


def list_moderation_decided(community_id: int) -> list[Comment]:
    """The community's comments the committee decided on, the latest decision first."""
    return list(
        db.session.scalars(
            select(Comment)
            .join(Proposal, Comment.proposal_id == Proposal.id)
            .where(
                Proposal.community_id == community_id,
                Comment.reviewed_at.is_not(None),
            )
            .order_by(Comment.reviewed_at.desc(), Comment.id.desc())
            .options(selectinload(Comment.author), selectinload(Comment.reports))
            .limit(RECENT_DECISIONS)
        )
    )


def moderation_history(comment_ids: list[int]) -> dict[int, list[AuditEntry]]:
    """Each comment's moderation decisions, the oldest first, with who decided and why."""
    history: dict[int, list[AuditEntry]] = {i: [] for i in comment_ids}
    if not comment_ids:
        return history
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.subject_type == "comment",
            AuditEntry.subject_id.in_([str(i) for i in comment_ids]),
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
        .options(selectinload(AuditEntry.actor))
    )
    for entry in entries:
        history[int(entry.subject_id or 0)].append(entry)
    return history
