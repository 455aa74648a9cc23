"""Publication (公示): while a cycle's results are provisional, verified residents of its
communities object (异议) with a reason; the committee answers each objection publicly and, when
it agrees, corrects and counts again (``counting.run_count`` with a reason). Also what the
visitors' results page depends on, read in one query, for the copy of it that is kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from ..domain.characters import clean_text
from ..domain.implementation import ObjectionStatus, ResultsStatus, results_status
from ..domain.phases import Schedule, current_phase
from ..extensions import db
from ..models import Count, Cycle, Objection, Proposal, Remedy, User
from ..standby import read_connection
from . import audit
from .counting import latest_count
from .cycles import can_manage, participation_problem
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify

MAX_OPEN_PER_PERSON = 3
MAX_REASON = 2000


def status_of(cycle: Cycle, now: datetime, count: Count | None = None) -> ResultsStatus:
    counted = count is not None or latest_count(cycle) is not None
    return results_status(cycle.phase(now), counted)


def objection_problem(user: User | None, cycle: Cycle, now: datetime) -> ErrorCode | None:
    """Why ``user`` may not object to the cycle's results now (None: they may)."""
    if status_of(cycle, now) is not ResultsStatus.PROVISIONAL:
        return ErrorCode.OBJECTIONS_CLOSED
    problem = participation_problem(user, cycle, now)
    if problem:
        return ErrorCode(f"cannot_object_{problem}")
    return None


def file_objection(
    user: User, cycle: Cycle, *, reason: str, proposal_id: int | None, now: datetime
) -> Objection:
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
        if proposal is None or proposal.cycle_id != cycle.id:
            raise ServiceError(ErrorCode.OBJECTION_PROJECT_UNKNOWN)
    open_ones = db.session.scalar(
        select(func.count())
        .select_from(Objection)
        .where(
            Objection.cycle_id == cycle.id,
            Objection.author_id == user.id,
            Objection.status == ObjectionStatus.OPEN.value,
        )
    )
    if (open_ones or 0) >= MAX_OPEN_PER_PERSON:
        raise ServiceError(ErrorCode.OBJECTIONS_TOO_MANY, max=MAX_OPEN_PER_PERSON)
    count = latest_count(cycle)
    assert count is not None  # provisional results exist
    objection = Objection(
        cycle_id=cycle.id,
        count_id=count.id,
        proposal_id=proposal_id,
        author_id=user.id,
        reason=reason,
        created_at=now,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        user,
        "objection.file",
        "objection",
        objection.id,
        community_id=cycle.community_id,
        after={"cycle": cycle.id, "count": count.number, "proposal": proposal_id},
        now=now,
    )
    db.session.commit()
    return objection


def answer_objection(
    actor: User, objection: Objection, *, decision: str, answer: str, now: datetime
) -> None:
    """The committee's public answer: upheld (it will correct and count again) or dismissed."""
    if not can_manage(actor, objection.cycle):
        raise PermissionDenied()
    if objection.status != ObjectionStatus.OPEN.value:
        raise ServiceError(ErrorCode.OBJECTION_ANSWERED)
    if decision not in (ObjectionStatus.UPHELD.value, ObjectionStatus.DISMISSED.value):
        raise ServiceError(ErrorCode.OBJECTION_DECISION_UNKNOWN)
    answer = clean_text(answer)
    if not answer:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    objection.status = ObjectionStatus(decision)
    objection.answer = answer
    objection.answered_by_id = actor.id
    objection.answered_at = now
    audit.record(
        actor,
        "objection.answer",
        "objection",
        objection.id,
        community_id=objection.cycle.community_id,
        before={"status": ObjectionStatus.OPEN.value},
        after={"status": decision, "answer": answer},
        now=now,
    )
    if objection.author_id is not None and objection.author_id != actor.id:
        notify(
            [objection.author_id],
            "objection_answered",
            objection.proposal,
            {"cycle": objection.cycle_id, "decision": decision},
            now=now,
        )
    db.session.commit()


def objections(cycle: Cycle) -> list[Objection]:
    """Every objection to the cycle's results, the newest first."""
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.cycle_id == cycle.id)
            .order_by(Objection.created_at.desc(), Objection.id.desc())
        )
    )


def find_objection(objection_id: int, community_id: int) -> Objection | None:
    """An objection to a cycle the community's committee runs (None: none such there)."""
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.cycle.community_id != community_id:
        return None
    return objection


def _changes() -> Any:
    """What the visitors' results page depends on, beside the language and the clock: one row
    of a cycle, with its latest count, its objections and their answers, its proposals'
    revisions, its remedies."""
    objections = select(Objection).where(Objection.cycle_id == Cycle.id)
    return select(
        Cycle.title,
        Cycle.collecting_at, Cycle.screening_at, Cycle.voting_at,
        Cycle.publication_at, Cycle.implementation_at, Cycle.closed_at,
        select(func.max(Count.id)).where(Count.cycle_id == Cycle.id).scalar_subquery(),
        objections.with_only_columns(func.count(Objection.id)).scalar_subquery(),
        objections.with_only_columns(func.max(Objection.id)).scalar_subquery(),
        objections.with_only_columns(func.max(Objection.answered_at)).scalar_subquery(),
        select(func.max(Proposal.updated_at))
        .where(Proposal.cycle_id == Cycle.id)
        .scalar_subquery(),
        # Remedies: added (a higher id), taken back (fewer) or applied (by the count, above).
        select(func.count(Remedy.id)).where(Remedy.cycle_id == Cycle.id).scalar_subquery(),
        select(func.max(Remedy.id)).where(Remedy.cycle_id == Cycle.id).scalar_subquery(),
    ).where(Cycle.id == bindparam("cycle_id"))  # fmt: skip


# Built once: every visit runs it, and building the statement would cost more than running it.
_CHANGES = _changes()


def read_results_version(cycle_id: int, now: datetime) -> tuple[object, ...] | None:
    """All that the visitors' results page shows of the cycle, as a key that changes when the
    page does (its status at ``now`` included), read in one query; None when there is no such
    cycle. One statement needs no transaction: read in autocommit, a page served from a cache
    costs PostgreSQL one round trip, not BEGIN, the query and ROLLBACK. Read where the page is
    read (a visitor's, from the hot standby when there is one): a key read on the primary could
    file a page rendered from a standby behind it under a version it does not show."""
    with read_connection() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        row = autocommit.execute(_CHANGES, {"cycle_id": cycle_id}).one_or_none()
    if row is None:
        return None
    title, *dates = row[:7]
    count_id, *changes = row[7:]
    status = results_status(current_phase(Schedule(*dates), now), count_id is not None)
    return (cycle_id, count_id, status.value, tuple(dates), title, *changes)
