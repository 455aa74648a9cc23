"""Implementation (实施) of funded projects: the committee keeps the record (contractor, planned
budget, spending, milestones, dated updates with photos); residents follow a project, rate it
once it is completed and report problems, which the committee answers publicly.

Every change is one transaction with its audit row; photos are cleaned (metadata stripped,
shrunk) before they are kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain.characters import clean_line, clean_text
from ..domain.contracts import payment_problem, payments
from ..domain.implementation import (
    MilestoneView,
    ResultsStatus,
    SpendingSummary,
    Status,
    can_move,
    can_rate,
    progress_for,
    rating_summary,
    spending_summary,
)
from ..domain.money import format_yuan
from ..extensions import db
from ..models import (
    CountOutcome,
    Cycle,
    DeliveryContract,
    Follow,
    Implementation,
    Milestone,
    ProblemReport,
    ProgressPhoto,
    ProgressUpdate,
    Proposal,
    Rating,
    Spending,
    User,
)
from . import audit
from .counting import latest_count, read_project_names
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .photos import PhotoError, clean_photo
from .proposals import followers, upload_dir
from .publication import status_of
from .rows import rows_changed

MAX_TEXT = 2000
MAX_PHOTOS_PER_UPDATE = 6


# --- reading ----------------------------------------------------------------------------------


def funded_outcome(proposal: Proposal) -> CountOutcome | None:
    """The proposal's line in its cycle's latest count, if it was counted."""
    count = latest_count(proposal.cycle)
    if count is None:
        return None
    return db.session.scalar(
        select(CountOutcome).where(
            CountOutcome.count_id == count.id, CountOutcome.proposal_id == proposal.id
        )
    )


def is_funded(proposal: Proposal, now: datetime) -> bool:
    """Funded by the cycle's final result."""
    return funded_by_final_result(proposal, funded_outcome(proposal), now)


def funded_by_final_result(proposal: Proposal, outcome: CountOutcome | None, now: datetime) -> bool:
    """Whether ``outcome``, the proposal's line in the latest count, funds it for good."""
    return (
        outcome is not None
        and outcome.funded
        and status_of(proposal.cycle, now, outcome.count) is ResultsStatus.FINAL
    )


def implementation_of(proposal: Proposal) -> Implementation | None:
    return db.session.scalar(select(Implementation).filter_by(proposal_id=proposal.id))


def summary(implementation: Implementation) -> SpendingSummary:
    return spending_summary(
        implementation.planned_fen, (s.amount_fen for s in implementation.spending)
    )


def shown_progress(implementation: Implementation) -> int:
    return progress_for(Status(implementation.status), implementation.progress_pct)


@dataclass(frozen=True)
class Ratings:
    number: int
    mean: float | None
    counts: dict[int, int]


def ratings(proposal: Proposal) -> Ratings:
    stars = db.session.scalars(select(Rating.stars).where(Rating.proposal_id == proposal.id))
    return Ratings(*rating_summary(stars))


def is_following(user: User | None, proposal: Proposal) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(
        db.session.scalar(select(Follow.id).filter_by(proposal_id=proposal.id, user_id=user.id))
    )


def audience(proposal: Proposal, *, exclude: User | None = None) -> list[int]:
    """Who hears of progress: those who follow it, and its proposers and supporters."""
    ids = set(followers(proposal, exclude=exclude))
    ids |= set(db.session.scalars(select(Follow.user_id).where(Follow.proposal_id == proposal.id)))
    if exclude is not None:
        ids.discard(exclude.id)
    return sorted(ids)


# --- the committee's record -----------------------------------------------------------------


def _require_committee(actor: User, proposal: Proposal) -> None:
    if not can_manage(actor, proposal.cycle):
        raise PermissionDenied()


def _require_open(record: Implementation) -> None:
    """An accepted (验收) project is closed: its record takes no more changes."""
    if Status(record.status) is Status.ACCEPTED:
        raise ServiceError(ErrorCode.PROJECT_CLOSED)


def start(actor: User, proposal: Proposal, *, now: datetime) -> Implementation:
    """Open the implementation record of a project funded by the final result (idempotent)."""
    _require_committee(actor, proposal)
    existing = implementation_of(proposal)
    if existing is not None:
        return existing
    if not is_funded(proposal, now):
        raise ServiceError(ErrorCode.NOT_FUNDED)
    record = Implementation(
        proposal_id=proposal.id,
        cycle_id=proposal.cycle_id,
        planned_fen=proposal.cost_fen,
        created_at=now,
        updated_at=now,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # opened by someone else at the same moment
        found = implementation_of(proposal)
        assert found is not None
        return found
    audit.record(
        actor, "implementation.start", "proposal", proposal.id,
        community_id=proposal.community_id, after={"planned_fen": record.planned_fen}, now=now,
    )  # fmt: skip
    db.session.commit()
    return record


def update_details(
    actor: User, record: Implementation, *, contractor: str, planned_fen: int, now: datetime
) -> None:
    _require_committee(actor, record.proposal)
    _require_open(record)
    contractor = clean_line(contractor)
    if len(contractor) > 120:
        raise ServiceError(ErrorCode.TOO_LONG)
    if planned_fen < 0:
        raise ServiceError(ErrorCode.AMOUNT_NOT_POSITIVE)
    before = {"contractor": record.contractor, "planned_fen": record.planned_fen}
    after = {"contractor": contractor, "planned_fen": planned_fen}
    if before == after:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    record.contractor = contractor
    record.planned_fen = planned_fen
    record.updated_at = now
    audit.record(
        actor, "implementation.details", "proposal", record.proposal_id,
        community_id=record.proposal.community_id, before=before, after=after, now=now,
    )  # fmt: skip
    db.session.commit()


def _contract_for_payment(record: Implementation, amount_fen: int) -> DeliveryContract | None:
    """The project's delivery contract, its row held until the transaction ends, when
    ``amount_fen`` may be paid against it: two payments at once are weighed one after the
    other, the second against what the first paid. None: the project has no contract."""
    contract_id = db.session.scalar(
        select(DeliveryContract.id).where(DeliveryContract.implementation_id == record.id)
    )
    if contract_id is None:
        return None
    rows_changed(
        update(DeliveryContract)
        .where(DeliveryContract.id == contract_id)
        .values(amount_fen=DeliveryContract.amount_fen)
    )
    contract = db.session.get(DeliveryContract, contract_id, populate_existing=True)
    assert contract is not None
    paid = contract_paid(contract_id)
    if payment_problem(contract.amount_fen, paid, amount_fen) is not None:
        left = payments(contract.amount_fen, paid).remaining
        raise ServiceError(
            ErrorCode.CONTRACT_OVERPAID, amount=format_yuan(amount_fen),
            contract=format_yuan(contract.amount_fen), paid=format_yuan(paid),
            remaining=format_yuan(left),
        )  # fmt: skip
    return contract


def contract_paid(contract_id: int) -> int:
    """What has been paid against a contract, in fen."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Spending.amount_fen), 0)).where(
                Spending.contract_id == contract_id
            )
        )
        or 0
    )


def add_spending(
    actor: User, record: Implementation, *, amount_fen: int, spent_on: date, note: str,
    now: datetime,
) -> Spending:  # fmt: skip
    _require_committee(actor, record.proposal)
    _require_open(record)
    if amount_fen <= 0:
        raise ServiceError(ErrorCode.AMOUNT_NOT_POSITIVE)
    if spent_on > now.date():
        raise ServiceError(ErrorCode.DATE_IN_FUTURE)
    note = clean_line(note)
    if len(note) > 300:
        raise ServiceError(ErrorCode.TOO_LONG)
    contract = _contract_for_payment(record, amount_fen)
    entry = Spending(
        implementation_id=record.id, amount_fen=amount_fen, spent_on=spent_on, note=note,
        created_at=now, created_by_id=actor.id,
        contract_id=contract.id if contract is not None else None,
    )  # fmt: skip
    db.session.add(entry)
    record.updated_at = now
    db.session.flush()
    audit.record(
        actor, "implementation.spend", "proposal", record.proposal_id,
        community_id=record.proposal.community_id,
        after={"spending": entry.id, "amount_fen": amount_fen, "on": spent_on.isoformat(),
               "note": note, "contract": entry.contract_id},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return entry


def remove_spending(actor: User, entry: Spending, *, reason: str, now: datetime) -> None:
    """Take back an entry made by mistake; the audit log keeps what it said and why."""
    record = entry.implementation
    _require_committee(actor, record.proposal)
    _require_open(record)
    reason = clean_line(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    audit.record(
        actor, "implementation.unspend", "proposal", record.proposal_id,
        community_id=record.proposal.community_id,
        before={"spending": entry.id, "amount_fen": entry.amount_fen,
                "on": entry.spent_on.isoformat(), "note": entry.note},
        after={"reason": reason},
        now=now,
    )  # fmt: skip
    db.session.delete(entry)
    record.updated_at = now
    db.session.commit()


def add_milestone(
    actor: User, record: Implementation, *, title: str, planned_on: date | None, now: datetime
) -> Milestone:
    _require_committee(actor, record.proposal)
    _require_open(record)
    title = clean_line(title)
    if not title:
        raise ServiceError(ErrorCode.REQUIRED)
    if len(title) > 120:
        raise ServiceError(ErrorCode.TOO_LONG)
    milestone = Milestone(
        implementation_id=record.id, title=title, planned_on=planned_on,
        position=len(record.milestones),
    )  # fmt: skip
    db.session.add(milestone)
    db.session.flush()
    audit.record(
        actor, "implementation.milestone", "proposal", record.proposal_id,
        community_id=record.proposal.community_id,
        after={"milestone": milestone.id, "title": title,
               "planned_on": planned_on.isoformat() if planned_on else None},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return milestone


def complete_milestone(actor: User, milestone: Milestone, *, done_on: date, now: datetime) -> None:
    record = milestone.implementation
    _require_committee(actor, record.proposal)
    _require_open(record)
    if done_on > now.date():
        raise ServiceError(ErrorCode.DATE_IN_FUTURE)
    before = {"done_on": milestone.done_on.isoformat() if milestone.done_on else None}
    milestone.done_on = done_on
    audit.record(
        actor, "implementation.milestone_done", "proposal", record.proposal_id,
        community_id=record.proposal.community_id, before=before,
        after={"milestone": milestone.id, "done_on": done_on.isoformat()}, now=now,
    )  # fmt: skip
    db.session.commit()


def _keep_photo(data: bytes) -> tuple[str, str, int, int, int]:
    try:
        photo = clean_photo(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    except PhotoError as error:
        raise ServiceError(ErrorCode(f"photo_{error.code}"), **error.params) from None
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    (upload_dir() / name).write_bytes(photo.content)
    return name, photo.mime, photo.width, photo.height, len(photo.content)


def attach_photos(
    update: ProgressUpdate, photos: Sequence[tuple[str, bytes]], kept: list[str]
) -> None:
    """Cleans and keeps each (kind, data) photo for ``update``, naming each file kept in
    ``kept`` so that the caller removes them again if its transaction fails."""
    if len(photos) > MAX_PHOTOS_PER_UPDATE:
        raise ServiceError(ErrorCode.TOO_MANY_PHOTOS, max=MAX_PHOTOS_PER_UPDATE)
    for kind, data in photos:
        if kind not in ("before", "during", "after"):
            raise ServiceError(ErrorCode.PHOTO_KIND_UNKNOWN)
        name, mime, width, height, size = _keep_photo(data)
        kept.append(name)
        update.photos.append(
            ProgressPhoto(kind=kind, filename=name, mime=mime, width=width, height=height,
                          size=size)
        )  # fmt: skip


def post_update(
    actor: User,
    record: Implementation,
    *,
    body: str,
    status: str,
    progress_pct: int,
    photos: Sequence[tuple[str, bytes]] = (),
    now: datetime,
) -> ProgressUpdate:
    """A dated public note, moving the status and the percentage, with before/during/after
    photos; everyone following the project is told."""
    _require_committee(actor, record.proposal)
    body = clean_text(body)
    if not body:
        raise ServiceError(ErrorCode.REQUIRED)
    if len(body) > MAX_TEXT:
        raise ServiceError(ErrorCode.TOO_LONG)
    try:
        new = Status(status)
    except ValueError:
        raise ServiceError(ErrorCode.STATUS_UNKNOWN) from None
    current = Status(record.status)
    if not can_move(current, new):
        raise ServiceError(ErrorCode.STATUS_MOVE, current=current.value, new=new.value)
    _require_open(record)
    if not 0 <= progress_pct <= 100:
        raise ServiceError(ErrorCode.PROGRESS_RANGE)
    if len(photos) > MAX_PHOTOS_PER_UPDATE:
        raise ServiceError(ErrorCode.TOO_MANY_PHOTOS, max=MAX_PHOTOS_PER_UPDATE)
    kept: list[str] = []
    try:
        update = ProgressUpdate(
            implementation_id=record.id, body=body, status=new.value,
            progress_pct=progress_for(new, progress_pct), created_at=now, author_id=actor.id,
        )  # fmt: skip
        attach_photos(update, photos, kept)
        before = {"status": record.status, "progress_pct": record.progress_pct}
        record.status = new
        record.progress_pct = update.progress_pct
        record.updated_at = now
        if new is Status.COMPLETED and record.completed_on is None:
            record.completed_on = now.date()
        if new is Status.IN_PROGRESS:
            record.completed_on = None
        if new is Status.ACCEPTED:
            record.accepted_on = now.date()
        db.session.add(update)
        db.session.flush()
        audit.record(
            actor, "implementation.update", "proposal", record.proposal_id,
            community_id=record.proposal.community_id, before=before,
            after={"status": new.value, "progress_pct": update.progress_pct,
                   "update": update.id, "photos": len(kept)},
            now=now,
        )  # fmt: skip
        notify(
            audience(record.proposal, exclude=actor), "progress", record.proposal,
            {"status": new.value, "progress": update.progress_pct}, now=now,
        )  # fmt: skip
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in kept:
            (upload_dir() / name).unlink(missing_ok=True)
        raise
    return update


# --- residents ------------------------------------------------------------------------------


def _resident_problem(user: User | None, proposal: Proposal) -> ErrorCode | None:
    if user is None or not user.is_authenticated:
        return ErrorCode.NOT_LOGGED_IN
    residency = user.residency
    if residency is None or not residency.is_verified:
        return ErrorCode.NOT_VERIFIED
    if residency.community_id != proposal.community_id:
        return ErrorCode.OTHER_COMMUNITY
    return None


def follow(user: User, proposal: Proposal, *, now: datetime) -> bool:
    """Follow a project; False if already following (a double click adds nothing)."""
    if is_following(user, proposal):
        return False
    db.session.add(Follow(proposal_id=proposal.id, user_id=user.id, created_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def unfollow(user: User, proposal: Proposal) -> None:
    found = db.session.scalar(select(Follow).filter_by(proposal_id=proposal.id, user_id=user.id))
    if found is not None:
        db.session.delete(found)
        db.session.commit()


def rating_problem(user: User | None, proposal: Proposal) -> ErrorCode | None:
    record = implementation_of(proposal)
    if record is None or not can_rate(Status(record.status)):
        return ErrorCode.RATING_NOT_OPEN
    problem = _resident_problem(user, proposal)
    if problem:
        return ErrorCode(f"cannot_rate_{problem}")
    return None


def rate(user: User, proposal: Proposal, *, stars: int, comment: str, now: datetime) -> Rating:
    problem = rating_problem(user, proposal)
    if problem:
        raise ServiceError(problem)
    if not 1 <= stars <= 5:
        raise ServiceError(ErrorCode.STARS_RANGE)
    comment = clean_line(comment)
    if len(comment) > 300:
        raise ServiceError(ErrorCode.TOO_LONG)
    rating = Rating(
        proposal_id=proposal.id, user_id=user.id, stars=stars, comment=comment, created_at=now
    )
    db.session.add(rating)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.ALREADY_RATED) from None
    return rating


def own_rating(user: User | None, proposal: Proposal) -> Rating | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Rating).filter_by(proposal_id=proposal.id, user_id=user.id))


def report_problem_problem(user: User | None, proposal: Proposal) -> ErrorCode | None:
    if implementation_of(proposal) is None:
        return ErrorCode.REPORTS_NOT_OPEN
    problem = _resident_problem(user, proposal)
    if problem:
        return ErrorCode(f"cannot_report_{problem}")
    return None


def report_problem(
    user: User, proposal: Proposal, *, body: str, photo: bytes | None, now: datetime
) -> ProblemReport:
    problem = report_problem_problem(user, proposal)
    if problem:
        raise ServiceError(problem)
    body = clean_text(body)
    if not body:
        raise ServiceError(ErrorCode.REQUIRED)
    if len(body) > MAX_TEXT:
        raise ServiceError(ErrorCode.TOO_LONG)
    name = mime = None
    if photo:
        name, mime, *_ = _keep_photo(photo)
    report = ProblemReport(
        proposal_id=proposal.id, author_id=user.id, body=body, photo_filename=name,
        photo_mime=mime, created_at=now,
    )  # fmt: skip
    db.session.add(report)
    try:
        db.session.flush()
        audit.record(
            user, "problem.report", "proposal", proposal.id, community_id=proposal.community_id,
            after={"report": report.id, "photo": bool(name)}, now=now,
        )  # fmt: skip
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if name:
            (upload_dir() / name).unlink(missing_ok=True)
        raise
    return report


def answer_problem(actor: User, report: ProblemReport, *, answer: str, now: datetime) -> None:
    proposal = db.session.get(Proposal, report.proposal_id)
    assert proposal is not None
    _require_committee(actor, proposal)
    answer = clean_text(answer)
    if not answer:
        raise ServiceError(ErrorCode.REQUIRED)
    if len(answer) > MAX_TEXT:
        raise ServiceError(ErrorCode.TOO_LONG)
    before = {"answer": report.answer}
    report.answer = answer
    report.answered_by_id = actor.id
    report.answered_at = now
    audit.record(
        actor, "problem.answer", "proposal", proposal.id, community_id=proposal.community_id,
        before=before, after={"report": report.id, "answer": answer}, now=now,
    )  # fmt: skip
    if report.author_id is not None:
        notify([report.author_id], "problem_answered", proposal, {}, now=now)
    db.session.commit()


def problem_reports(proposal: Proposal) -> list[ProblemReport]:
    return list(
        db.session.scalars(
            select(ProblemReport)
            .where(ProblemReport.proposal_id == proposal.id)
            .order_by(ProblemReport.created_at.desc())
        )
    )


def rating_count(proposal_ids: Sequence[int]) -> dict[int, tuple[int, float]]:
    """For lists: (number, mean) of ratings per proposal, in one query."""
    rows = db.session.execute(
        select(Rating.proposal_id, func.count(), func.avg(Rating.stars))
        .where(Rating.proposal_id.in_(proposal_ids))
        .group_by(Rating.proposal_id)
    ).all()
    return {pid: (int(n), round(float(mean), 1)) for pid, n, mean in rows}


# --- what the pages show ----------------------------------------------------------------------


def find_public_proposal(proposal_id: int) -> Proposal | None:
    """A proposal residents may follow, rate or report on: any but a draft."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state == "draft":
        return None
    return proposal


def find_community_proposal(proposal_id: int, community_id: int) -> Proposal | None:
    """A proposal of a cycle the community's committee runs (None: none such there)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.cycle.community_id != community_id:
        return None
    return proposal


class _OfAProject(Protocol):
    implementation: Implementation


_Row = TypeVar("_Row", bound=_OfAProject)


def find_of_community(model: type[_Row], row_id: int, community_id: int) -> _Row | None:
    """A row of ``model`` (a spending entry, a milestone, a contract, an update…) that belongs
    to one of the community's projects; None: none such there."""
    found = db.session.get(model, row_id)
    if found is None or found.implementation.proposal.community_id != community_id:
        return None
    return found


def find_spending(spending_id: int, community_id: int) -> Spending | None:
    """A spending entry of one of the community's projects (None: none such there)."""
    return find_of_community(Spending, spending_id, community_id)


def find_milestone(milestone_id: int, community_id: int) -> Milestone | None:
    """A milestone of one of the community's projects (None: none such there)."""
    return find_of_community(Milestone, milestone_id, community_id)


def find_problem_report(report_id: int, community_id: int) -> ProblemReport | None:
    """A problem reported on one of the community's projects (None: none such there)."""
    found = db.session.get(ProblemReport, report_id)
    proposal = db.session.get(Proposal, found.proposal_id) if found else None
    if found is None or proposal is None or proposal.community_id != community_id:
        return None
    return found


def load_record(proposal: Proposal) -> Implementation | None:
    """The record with its spending, milestones and updates (and their photos) loaded at once."""
    return db.session.scalar(
        select(Implementation)
        .filter_by(proposal_id=proposal.id)
        .options(
            selectinload(Implementation.spending),
            selectinload(Implementation.milestones),
            selectinload(Implementation.updates).selectinload(ProgressUpdate.photos),
        )
    )


@dataclass(frozen=True)
class ProjectStory:
    """What a proposal's page shows after the count: its line in the latest count (and the
    names of the count's projects, which the explanation of that line may cite), then its
    implementation as ``user`` sees it."""

    outcome: CountOutcome | None
    names: dict[str, str]
    record: Implementation | None
    summary: SpendingSummary | None
    progress: int
    ratings: Ratings | None
    own_rating: Rating | None
    rating_problem: ErrorCode | None
    report_problem: ErrorCode | None
    reports: list[ProblemReport]
    following: bool
    milestone_late: dict[int, bool]
    funded_final: bool


def load_story(proposal: Proposal, user: User | None, now: datetime) -> ProjectStory:
    outcome = funded_outcome(proposal)
    names = read_project_names(outcome.count) if outcome is not None else {}
    record = load_record(proposal)
    return ProjectStory(
        outcome=outcome,
        names=names,
        record=record,
        summary=summary(record) if record else None,
        progress=shown_progress(record) if record else 0,
        ratings=ratings(proposal) if record else None,
        own_rating=own_rating(user, proposal) if record else None,
        rating_problem=rating_problem(user, proposal) if record else None,
        report_problem=report_problem_problem(user, proposal) if record else None,
        reports=problem_reports(proposal) if record else [],
        following=is_following(user, proposal),
        milestone_late={
            m.id: MilestoneView(m.title, m.planned_on, m.done_on).late(now.date())
            for m in (record.milestones if record else [])
        },
        funded_final=funded_by_final_result(proposal, outcome, now),
    )


@dataclass(frozen=True)
class FundedProjects:
    """The committee's list of a cycle's funded projects: each line of the latest count that
    funds one, in rank order, its record (by proposal id) with the record's spending summed,
    and whether the result that funds them is final."""

    funded: list[CountOutcome]
    records: dict[int, Implementation]
    summaries: dict[int, SpendingSummary]
    final: bool


def load_funded_projects(cycle: Cycle, now: datetime) -> FundedProjects:
    count = latest_count(cycle)
    funded = (
        list(
            db.session.scalars(
                select(CountOutcome)
                .where(CountOutcome.count_id == count.id, CountOutcome.funded)
                .order_by(CountOutcome.rank)
                .options(selectinload(CountOutcome.proposal))
            )
        )
        if count
        else []
    )
    records = {
        r.proposal_id: r
        for r in db.session.scalars(
            select(Implementation)
            .where(Implementation.cycle_id == cycle.id)
            .options(selectinload(Implementation.spending))
        )
    }
    return FundedProjects(
        funded=funded,
        records=records,
        summaries={pid: summary(r) for pid, r in records.items()},
        final=bool(funded) and is_funded(funded[0].proposal, now),
    )
