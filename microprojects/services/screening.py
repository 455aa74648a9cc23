"""The guards on the committee's screening decisions, and screening by resolution (四议两公开).

Nobody decides on a proposal they wrote, co-proposed or supported; approving and rejecting need
the screening checklist answered (an assessment of the proposal) and a public reason; in a cycle
screened by resolution, approving needs the community's meetings' PASSED resolutions in order
(两委会, 党员大会, 居民代表会议) and rejecting a FAILED one. The rules are the domain's
(``domain/screening.py``); here they are read from the database and raised as ``ServiceError``.
``services/proposals.py`` calls these checks inside its use cases, under the proposal's lock;
the pages call them first, to show a form error before asking for confirmation.

Nothing here commits; only ``hold_mode`` writes (a lock).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..domain.deliberation import RecusalReason
from ..domain.screening import (
    Chain,
    ScreeningMode,
    Step,
    StepName,
    Vote,
    chain,
    decision_conflict,
)
from ..extensions import db
from ..models import (
    Assessment,
    Body,
    CoProposer,
    Cycle,
    Meeting,
    Proposal,
    Resolution,
    Support,
    User,
)
from .errors import ErrorCode, ServiceError
from .rows import rows_changed

_MISSING = {
    StepName.CONSULT: ErrorCode.RESOLUTION_MISSING_CONSULT,
    StepName.REVIEW: ErrorCode.RESOLUTION_MISSING_REVIEW,
    StepName.RESOLVE: ErrorCode.RESOLUTION_MISSING_RESOLVE,
}


def conflict(user: User | None, proposal: Proposal) -> RecusalReason | None:
    """Why ``user`` may not decide on ``proposal`` (wrote it, for themselves or for their
    organization; co-proposed it; supported it), or None."""
    if user is None or not user.is_authenticated:
        return None
    authors = [proposal.author_id] if proposal.author_id is not None else []
    org = user.organization_membership
    if (
        proposal.organization_id is not None
        and org is not None
        and org.organization_id == proposal.organization_id
    ):
        authors.append(user.id)
    co = db.session.scalars(
        select(CoProposer.user_id).where(
            CoProposer.proposal_id == proposal.id, CoProposer.user_id == user.id
        )
    ).all()
    supporters = db.session.scalars(
        select(Support.user_id).where(
            Support.proposal_id == proposal.id, Support.user_id == user.id
        )
    ).all()
    return decision_conflict(user.id, authors, co, supporters)


def require_no_conflict(user: User, proposal: Proposal) -> None:
    """ServiceError when ``user`` is tied to ``proposal`` and must stand aside (回避)."""
    tie = conflict(user, proposal)
    if tie is not None:
        raise ServiceError(ErrorCode(f"screening_conflict_{tie.value}"))


def hold_mode(proposal: Proposal) -> None:
    """Hold the proposal's cycle's row until the commit and read its screening mode as it is:
    a decision and a change of the mode at once are made one after the other, so that no
    proposal is decided under a mode that was being replaced (``cycles.set_screening_mode``
    refuses once a decision is recorded)."""
    rows_changed(
        update(Cycle)
        .where(Cycle.id == proposal.cycle_id)
        .values(screening_mode=Cycle.screening_mode)
    )
    db.session.refresh(proposal.cycle)


def is_assessed(proposal: Proposal) -> bool:
    """Whether the screening checklist has been answered for ``proposal`` (any assessment)."""
    found = db.session.scalar(
        select(Assessment.id).where(Assessment.proposal_id == proposal.id).limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class ResolutionChain:
    """The chain of resolutions as the domain reads it, with the rows it names."""

    chain: Chain
    resolutions: dict[int, Resolution]

    def row(self, vote: Vote | None) -> Resolution | None:
        return None if vote is None else self.resolutions[vote.ref]


def resolution_chain(proposal: Proposal) -> ResolutionChain:
    """The resolutions on ``proposal`` of its community's bodies (recorded, published or not)
    and the steps of 四议两公开 they make."""
    rows = db.session.scalars(
        select(Resolution)
        .join(Body, Body.id == Resolution.body_id)
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.proposal_id == proposal.id, Body.community_id == proposal.community_id)
        .order_by(Meeting.starts_at, Resolution.id)
        .options(selectinload(Resolution.body), selectinload(Resolution.meeting))
    ).all()
    votes = [Vote(r.id, r.body.kind, r.meeting.starts_at, r.decision) for r in rows]
    return ResolutionChain(chain(votes), {r.id: r for r in rows})


def _require_assessed(proposal: Proposal) -> None:
    if not is_assessed(proposal):
        raise ServiceError(ErrorCode.ASSESSMENT_REQUIRED)


def check_approval(actor: User, proposal: Proposal, note: str) -> None:
    """Refuse an approval that breaks a guard: a tie to the proposal, no assessment, no public
    reason, or (screened by resolution) a step of the chain still missing. ``note`` is the
    cleaned reason."""
    require_no_conflict(actor, proposal)
    if not note:
        raise ServiceError(ErrorCode.APPROVAL_NOTE_REQUIRED)
    _require_assessed(proposal)
    if proposal.cycle.screening_mode is ScreeningMode.RESOLUTION:
        missing = resolution_chain(proposal).chain.missing
        if missing is not None:
            raise ServiceError(_MISSING[missing.name])


def check_rejection(actor: User, proposal: Proposal, reason: str) -> None:
    """Refuse a rejection that breaks a guard: a tie to the proposal, no public reason, no
    assessment, or (screened by resolution) no FAILED resolution at any step."""
    require_no_conflict(actor, proposal)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    _require_assessed(proposal)
    if (
        proposal.cycle.screening_mode is ScreeningMode.RESOLUTION
        and not resolution_chain(proposal).chain.rejectable
    ):
        raise ServiceError(ErrorCode.REJECTION_NEEDS_FAILED_RESOLUTION)


@dataclass(frozen=True)
class StepView:
    step: Step
    done: Resolution | None
    failed: Resolution | None


@dataclass(frozen=True)
class ScreeningPanel:
    """What the committee's screening of one proposal shows besides its forms."""

    conflict: RecusalReason | None
    assessed: bool
    mode: ScreeningMode
    steps: list[StepView]
    missing: Step | None
    rejectable: bool


def read_panel(user: User | None, proposal: Proposal) -> ScreeningPanel:
    mode = proposal.cycle.screening_mode
    steps: list[StepView] = []
    missing: Step | None = None
    rejectable = False
    if mode is ScreeningMode.RESOLUTION:
        found = resolution_chain(proposal)
        steps = [
            StepView(s.step, found.row(s.done), found.row(s.failed)) for s in found.chain.steps
        ]
        missing = found.chain.missing
        rejectable = found.chain.rejectable
    return ScreeningPanel(
        conflict=conflict(user, proposal),
        assessed=is_assessed(proposal),
        mode=mode,
        steps=steps,
        missing=missing,
        rejectable=rejectable,
    )
