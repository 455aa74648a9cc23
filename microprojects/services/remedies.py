"""Remedies (纠正措施): when the committee upholds an objection to provisional results, it says
what it corrects, publicly and with a reason: a project withdrawn from the result, or its cost
corrected. The remedies wait for the committee's next count (``counting.run_count`` with a
reason), which counts the same ballots with the corrections and marks them applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..domain.characters import clean_text
from ..domain.counting import CORRECTION_KINDS
from ..domain.implementation import ObjectionStatus, ResultsStatus
from ..domain.pabulib import WITHDRAWN_COST
from ..extensions import db
from ..models import Cycle, Objection, Remedy, User
from . import audit
from .counting import latest_count, pending_remedies
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError
from .publication import MAX_REASON, status_of

# Just under ten million yuan, more than any 微实事 project: a cost at the Pabulib export's
# withdrawn marker, in fen or in yuan, would read back as a withdrawn project.
MAX_COST_FEN = WITHDRAWN_COST - 1


def add_remedy(
    actor: User,
    cycle: Cycle,
    objection: Objection,
    *,
    proposal_id: int,
    kind: str,
    cost_fen: int | None,
    reason: str,
    now: datetime,
) -> Remedy:
    """A correction of one project of the cycle's latest count, in answer to ``objection``
    (upheld, of this cycle), while the results are provisional. It waits for the next count."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    if objection.cycle_id != cycle.id:
        raise ServiceError(ErrorCode.REMEDY_OBJECTION_OTHER_CYCLE)
    if status_of(cycle, now) is not ResultsStatus.PROVISIONAL:
        raise ServiceError(ErrorCode.REMEDY_NOT_PROVISIONAL)
    if objection.status != ObjectionStatus.UPHELD.value:
        raise ServiceError(ErrorCode.REMEDY_OBJECTION_NOT_UPHELD)
    if kind not in CORRECTION_KINDS:
        raise ServiceError(ErrorCode.REMEDY_KIND_UNKNOWN)
    count = latest_count(cycle)
    assert count is not None  # provisional results exist
    # On the ballot, and not withdrawn already (before voting, or by an earlier remedy).
    on_ballot = {o.proposal_id for o in count.outcomes}
    if proposal_id not in on_ballot or str(proposal_id) in count.params.get("withdrawn", ()):
        raise ServiceError(ErrorCode.REMEDY_PROJECT_UNKNOWN)
    if kind == "cost":
        if cost_fen is None or not 0 < cost_fen <= MAX_COST_FEN:
            raise ServiceError(ErrorCode.REMEDY_COST_INVALID)
    else:
        cost_fen = None
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if len(reason) > MAX_REASON:
        raise ServiceError(ErrorCode.TOO_LONG)
    if any(r.proposal_id == proposal_id for r in pending_remedies(cycle)):
        raise ServiceError(ErrorCode.REMEDY_DUPLICATE)
    remedy = Remedy(
        cycle_id=cycle.id,
        objection_id=objection.id,
        proposal_id=proposal_id,
        kind=kind,
        cost_fen=cost_fen,
        reason=reason,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(remedy)
    try:
        db.session.flush()
    except IntegrityError:
        # The same project's remedy was stored meanwhile (one waiting per project).
        db.session.rollback()
        raise ServiceError(ErrorCode.REMEDY_DUPLICATE) from None
    audit.record(
        actor,
        "remedy.add",
        "remedy",
        remedy.id,
        community_id=cycle.community_id,
        after={
            "cycle": cycle.id,
            "objection": objection.id,
            "proposal": proposal_id,
            "kind": kind,
            "cost_fen": cost_fen,
            "reason": reason,
        },
        now=now,
    )
    db.session.commit()
    return remedy


def cancel_remedy(actor: User, remedy: Remedy, *, now: datetime) -> None:
    """Take back a remedy the next count has not applied yet (made by mistake)."""
    if not can_manage(actor, remedy.cycle):
        raise PermissionDenied()
    if remedy.applied_count_id is not None:
        raise ServiceError(ErrorCode.REMEDY_APPLIED)
    if status_of(remedy.cycle, now) is not ResultsStatus.PROVISIONAL:
        raise ServiceError(ErrorCode.REMEDY_NOT_PROVISIONAL)
    audit.record(
        actor,
        "remedy.cancel",
        "remedy",
        remedy.id,
        community_id=remedy.cycle.community_id,
        before={
            "cycle": remedy.cycle_id,
            "proposal": remedy.proposal_id,
            "kind": remedy.kind,
            "cost_fen": remedy.cost_fen,
            "reason": remedy.reason,
        },
        now=now,
    )
    db.session.delete(remedy)
    db.session.commit()


def find_remedy(remedy_id: int, community_id: int) -> Remedy | None:
    """A remedy of a cycle the community's committee runs (None: none such there)."""
    remedy = db.session.get(Remedy, remedy_id)
    if remedy is None or remedy.cycle.community_id != community_id:
        return None
    return remedy
