"""The shortlist's 公示 before voting (候选项目公示): the committee publishes the approved and
rejected proposals for the cycle's ``shortlist_days``, residents object, the committee answers
each objection publicly and, upholding one about a proposal, may reopen it for screening.

From the publication on, the screening of the cycle is frozen (``refuse_if_shortlist_frozen``,
called from the proposals' permission check) but for proposals reopened by an objection; and
voting waits until the 公示 is complete (``voting_gate_problem``, called where voting is
allowed or refused)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..domain.characters import clean_text
from ..domain.implementation import ObjectionStatus
from ..domain.lifecycle import ProposalAction, ProposalState, next_state
from ..domain.phases import Phase
from ..domain.shortlist import (
    Missing,
    ShortlistState,
    ShortlistStatus,
    days_valid,
    in_window,
    latest_publication,
    publish_problem,
    window_end,
)
from ..extensions import db
from ..models import (
    CoProposer,
    Cycle,
    Proposal,
    ShortlistObjection,
    ShortlistPublication,
    Support,
    User,
)
from . import audit
from .cycles import can_manage, participation_problem
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .rows import rows_changed

OPEN_FOR_DAYS = frozenset({Phase.UPCOMING, Phase.COLLECTING, Phase.SCREENING})
MAX_OPEN_PER_PERSON = 3
MAX_REASON = 2000
UNDECIDED = (ProposalState.SUBMITTED.value, ProposalState.RETURNED.value)
# The committee's screening actions the published shortlist freezes.
FROZEN_ACTIONS = frozenset(
    {
        ProposalAction.APPROVE,
        ProposalAction.REJECT,
        ProposalAction.RETURN,
        ProposalAction.MERGE,
        ProposalAction.REVISE,
    }
)


def publication_of(cycle_id: int) -> ShortlistPublication | None:
    return db.session.scalar(
        select(ShortlistPublication).where(ShortlistPublication.cycle_id == cycle_id)
    )


def _undecided(cycle_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(Proposal.cycle_id == cycle_id, Proposal.state.in_(UNDECIDED))
        )
        or 0
    )


def _open_objections(cycle_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(ShortlistObjection)
            .where(
                ShortlistObjection.cycle_id == cycle_id,
                ShortlistObjection.status == ObjectionStatus.OPEN.value,
            )
        )
        or 0
    )


def state_of(cycle_id: int, days: int) -> ShortlistState:
    """What is known of the cycle's shortlist 公示, read in a few queries."""
    published = publication_of(cycle_id)
    if published is None:
        return ShortlistState(days=days, published_at=None, ends_at=None)
    return ShortlistState(
        days=days,
        published_at=published.published_at,
        ends_at=published.ends_at,
        open_objections=_open_objections(cycle_id),
        undecided=_undecided(cycle_id),
    )


def reopened_ids(cycle_id: int) -> set[int]:
    """The proposals an upheld objection reopened for screening."""
    return set(
        db.session.scalars(
            select(ShortlistObjection.proposal_id).where(
                ShortlistObjection.cycle_id == cycle_id,
                ShortlistObjection.reopened_at.is_not(None),
            )
        )
    )


# --- the freeze and the gate ------------------------------------------------------------------


def frozen_actions(proposal: Proposal) -> frozenset[ProposalAction]:
    """The screening decisions the published shortlist forbids on this proposal: all of
    ``FROZEN_ACTIONS`` once the shortlist of its cycle is published, none before, and none on a
    proposal an upheld objection reopened."""
    if publication_of(proposal.cycle_id) is None or proposal.id in reopened_ids(proposal.cycle_id):
        return frozenset()
    return FROZEN_ACTIONS


def refuse_if_shortlist_frozen(proposal: Proposal, action: ProposalAction) -> None:
    """Refuse a screening decision on a proposal of a cycle whose shortlist is published
    (``SHORTLIST_FROZEN``), unless an upheld objection reopened that proposal."""
    if action in FROZEN_ACTIONS and action in frozen_actions(proposal):
        raise ServiceError(ErrorCode.SHORTLIST_FROZEN)


def voting_gate_problem(cycle_id: int, days: int, now: datetime) -> ErrorCode | None:
    """``SHORTLIST_PENDING`` while voting must wait for the shortlist's 公示: unpublished, its
    window running, an objection unanswered or a reopened proposal undecided. No query for a
    cycle without a shortlist 公示."""
    if days <= 0:
        return None
    return ErrorCode.SHORTLIST_PENDING if state_of(cycle_id, days).missing(now) else None


# --- the committee publishes ------------------------------------------------------------------


def set_shortlist_days(actor: User, cycle: Cycle, days: int, *, now: datetime) -> None:
    """Change how many days the shortlist is published for: before voting, while it is not
    published yet."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    _lock_cycle(cycle)
    if not days_valid(days):
        raise ServiceError(ErrorCode.SHORTLIST_DAYS_INVALID)
    if cycle.phase(now) not in OPEN_FOR_DAYS or publication_of(cycle.id) is not None:
        raise ServiceError(ErrorCode.SHORTLIST_DAYS_CLOSED)
    before = cycle.shortlist_days
    if before == days:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    cycle.shortlist_days = days
    audit.record(
        actor,
        "cycle.shortlist_days",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before={"shortlist_days": before},
        after={"shortlist_days": days},
        now=now,
    )
    db.session.commit()


def _lock_cycle(cycle: Cycle) -> None:
    rows_changed(update(Cycle).where(Cycle.id == cycle.id).values(title=Cycle.title))
    db.session.refresh(cycle)


def publish_shortlist(actor: User, cycle: Cycle, *, now: datetime) -> ShortlistPublication:
    """Publish the cycle's approved and rejected proposals for ``shortlist_days`` days. Once:
    a second publication, also at the same moment, is refused by the unique cycle."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    _lock_cycle(cycle)
    if publication_of(cycle.id) is not None:
        raise ServiceError(ErrorCode.SHORTLIST_ALREADY_PUBLISHED)
    undecided = _undecided(cycle.id)
    problem = publish_problem(
        phase=cycle.phase(now),
        now=now,
        days=cycle.shortlist_days,
        voting_at=cycle.voting_at,
        undecided=undecided,
    )
    if problem == "too_late":
        raise ServiceError(
            ErrorCode.SHORTLIST_TOO_LATE,
            latest=latest_publication(cycle.voting_at, cycle.shortlist_days),
            days=cycle.shortlist_days,
        )
    if problem == "undecided":
        raise ServiceError(ErrorCode.SHORTLIST_UNDECIDED, count=undecided)
    if problem is not None:
        raise ServiceError(ErrorCode(f"shortlist_{problem}"))
    published = ShortlistPublication(
        cycle_id=cycle.id,
        days=cycle.shortlist_days,
        published_at=now,
        ends_at=window_end(now, cycle.shortlist_days),
        published_by_id=actor.id,
    )
    db.session.add(published)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.SHORTLIST_ALREADY_PUBLISHED) from None
    audit.record(
        actor,
        "cycle.shortlist_publish",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        after={
            "days": published.days,
            "ends_at": published.ends_at.isoformat(sep=" "),
            "approved": [p.id for p in _decided(cycle.id, ProposalState.APPROVED)],
            "rejected": [p.id for p in _decided(cycle.id, ProposalState.REJECTED)],
        },
        now=now,
    )
    db.session.commit()
    return published


# --- residents object -------------------------------------------------------------------------


def objection_problem(user: User | None, cycle: Cycle, now: datetime) -> ErrorCode | None:
    """Why ``user`` may not object to the cycle's shortlist now (None: they may)."""
    published = publication_of(cycle.id)
    if published is None or not in_window(published.published_at, published.ends_at, now):
        return ErrorCode.SHORTLIST_OBJECTIONS_CLOSED
    problem = participation_problem(user, cycle, now)
    if problem:
        return ErrorCode(f"cannot_object_{problem}")
    return None


def on_the_list(cycle: Cycle) -> list[Proposal]:
    """The proposals of the published list: approved and rejected, and those reopened."""
    decided = (ProposalState.APPROVED.value, ProposalState.REJECTED.value)
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.cycle_id == cycle.id,
                or_(Proposal.state.in_(decided), Proposal.id.in_(reopened_ids(cycle.id))),
            )
            .order_by(Proposal.id)
        )
    )


def file_objection(
    user: User, cycle: Cycle, *, reason: str, proposal_id: int | None, now: datetime
) -> ShortlistObjection:
    problem = objection_problem(user, cycle, now)
    if problem:
        raise ServiceError(problem)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if len(reason) > MAX_REASON:
        raise ServiceError(ErrorCode.TOO_LONG)
    if proposal_id is not None:
        proposal = db.session.get(Proposal, proposal_id)
        if (
            proposal is None
            or proposal.cycle_id != cycle.id
            or proposal.state not in (ProposalState.APPROVED, ProposalState.REJECTED)
        ):
            raise ServiceError(ErrorCode.SHORTLIST_PROPOSAL_UNKNOWN)
    open_ones = db.session.scalar(
        select(func.count())
        .select_from(ShortlistObjection)
        .where(
            ShortlistObjection.cycle_id == cycle.id,
            ShortlistObjection.author_id == user.id,
            ShortlistObjection.status == ObjectionStatus.OPEN.value,
        )
    )
    if (open_ones or 0) >= MAX_OPEN_PER_PERSON:
        raise ServiceError(ErrorCode.OBJECTIONS_TOO_MANY, max=MAX_OPEN_PER_PERSON)
    objection = ShortlistObjection(
        cycle_id=cycle.id,
        proposal_id=proposal_id,
        author_id=user.id,
        reason=reason,
        created_at=now,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        user,
        "shortlist_objection.file",
        "shortlist_objection",
        objection.id,
        community_id=cycle.community_id,
        after={"cycle": cycle.id, "proposal": proposal_id},
        now=now,
    )
    db.session.commit()
    return objection


# --- the committee answers --------------------------------------------------------------------


def _followers(proposal: Proposal) -> set[int]:
    ids = set(db.session.scalars(select(Support.user_id).where(Support.proposal_id == proposal.id)))
    ids |= set(
        db.session.scalars(select(CoProposer.user_id).where(CoProposer.proposal_id == proposal.id))
    )
    if proposal.author_id is not None:
        ids.add(proposal.author_id)
    return ids


def answer_objection(
    actor: User,
    objection: ShortlistObjection,
    *,
    decision: str,
    answer: str,
    reopen: bool = False,
    now: datetime,
) -> None:
    """The committee's public answer, until voting opens: upheld or dismissed. Upholding an
    objection about a proposal of the list may reopen it: it goes back to ``submitted`` and
    the committee screens it again."""
    cycle = objection.cycle
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    _lock_objection(objection)
    if objection.status != ObjectionStatus.OPEN.value:
        raise ServiceError(ErrorCode.OBJECTION_ANSWERED)
    if now >= cycle.voting_at:
        raise ServiceError(ErrorCode.SHORTLIST_ANSWERS_CLOSED)
    if decision not in (ObjectionStatus.UPHELD.value, ObjectionStatus.DISMISSED.value):
        raise ServiceError(ErrorCode.OBJECTION_DECISION_UNKNOWN)
    answer = clean_text(answer)
    if not answer:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if len(answer) > MAX_REASON:
        raise ServiceError(ErrorCode.TOO_LONG)
    proposal = objection.proposal
    if reopen and (
        decision != ObjectionStatus.UPHELD.value
        or proposal is None
        or (proposal.state, ProposalAction.REOPEN) not in _REOPENABLE
    ):
        raise ServiceError(ErrorCode.SHORTLIST_REOPEN_INVALID)
    objection.status = ObjectionStatus(decision)
    objection.answer = answer
    objection.answered_by_id = actor.id
    objection.answered_at = now
    audit.record(
        actor,
        "shortlist_objection.answer",
        "shortlist_objection",
        objection.id,
        community_id=cycle.community_id,
        before={"status": ObjectionStatus.OPEN.value},
        after={"status": decision, "answer": answer, "reopen": reopen},
        now=now,
    )
    told: set[int] = set()
    if reopen:
        assert proposal is not None
        _reopen(actor, proposal, objection, now=now)
        told = _followers(proposal) - {actor.id}
        notify(sorted(told), "reopened", proposal, {"note": answer}, now=now)
    if objection.author_id is not None and objection.author_id not in told | {actor.id}:
        notify(
            [objection.author_id],
            "shortlist_objection_answered",
            proposal,
            {"cycle": cycle.id, "decision": decision},
            now=now,
        )
    db.session.commit()


_REOPENABLE = frozenset(
    {
        (ProposalState.APPROVED, ProposalAction.REOPEN),
        (ProposalState.REJECTED, ProposalAction.REOPEN),
    }
)


def _lock_objection(objection: ShortlistObjection) -> None:
    rows_changed(
        update(ShortlistObjection)
        .where(ShortlistObjection.id == objection.id)
        .values(status=ShortlistObjection.status)
    )
    db.session.refresh(objection)


def _reopen(
    actor: User, proposal: Proposal, objection: ShortlistObjection, *, now: datetime
) -> None:
    rows_changed(
        update(Proposal).where(Proposal.id == proposal.id).values(updated_at=Proposal.updated_at)
    )
    db.session.refresh(proposal)
    before = proposal.snapshot()
    proposal.state = next_state(proposal.state, ProposalAction.REOPEN)
    proposal.decided_at = None
    proposal.updated_at = now
    objection.reopened_at = now
    audit.record(
        actor,
        "proposal.reopen",
        "proposal",
        proposal.id,
        community_id=proposal.community_id,
        before=before,
        after={**proposal.snapshot(), "note": objection.answer, "objection": objection.id},
        now=now,
    )


def objections(cycle: Cycle) -> list[ShortlistObjection]:
    """Every objection to the cycle's shortlist, the newest first."""
    return list(
        db.session.scalars(
            select(ShortlistObjection)
            .where(ShortlistObjection.cycle_id == cycle.id)
            .order_by(ShortlistObjection.created_at.desc(), ShortlistObjection.id.desc())
        )
    )


def find_objection(objection_id: int, community_id: int) -> ShortlistObjection | None:
    """An objection to a cycle the community's committee runs (None: none such there)."""
    objection = db.session.get(ShortlistObjection, objection_id)
    if objection is None or objection.cycle.community_id != community_id:
        return None
    return objection


@dataclass(frozen=True)
class ShortlistPage:
    """What the public shortlist page and the committee's cycle page show."""

    state: ShortlistState
    status: ShortlistStatus
    missing: list[Missing]
    publication: ShortlistPublication | None
    approved: list[Proposal]
    rejected: list[Proposal]
    reopened: list[Proposal]
    objections: list[ShortlistObjection]
    latest: datetime
    undecided: int
    approved_now: list[Proposal]
    rejected_now: list[Proposal]


def read_page(cycle: Cycle, now: datetime) -> ShortlistPage:
    published = publication_of(cycle.id)
    state = state_of(cycle.id, cycle.shortlist_days)
    reopened = reopened_ids(cycle.id)
    listed = on_the_list(cycle) if published is not None else []
    return ShortlistPage(
        state=state,
        status=state.status(now),
        missing=state.missing(now),
        publication=published,
        approved=[p for p in listed if p.state is ProposalState.APPROVED],
        rejected=[p for p in listed if p.state is ProposalState.REJECTED],
        reopened=[p for p in listed if p.id in reopened and p.state.value in UNDECIDED],
        objections=objections(cycle) if published is not None else [],
        latest=latest_publication(cycle.voting_at, cycle.shortlist_days),
        undecided=_undecided(cycle.id),
        approved_now=_decided(cycle.id, ProposalState.APPROVED),
        rejected_now=_decided(cycle.id, ProposalState.REJECTED),
    )


def _decided(cycle_id: int, state: ProposalState) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.cycle_id == cycle_id, Proposal.state == state.value)
            .order_by(Proposal.id)
        )
    )
