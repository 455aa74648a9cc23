"""Acceptance (验收) of a funded project: the committee records each inspection (who inspected,
what they found, the result, its documents) and types in the answers of the paper satisfaction
survey; the project's page shows both, with the residents' online stars beside the paper.

An inspection is recorded only for a project whose work is completed, by the committee of its
own community. Each change is one transaction with its audit row. Photos among the documents are
cleaned as progress photos are; a PDF is checked by its first bytes and its size, and kept under
a generated name. The form carries the round it records (the number of inspections before it,
plus one): the same form sent twice records it once.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain.acceptance import Answer, InspectorRole, Result, Satisfaction, closes, satisfaction
from ..domain.characters import clean_line, clean_text
from ..domain.implementation import Status
from ..extensions import db
from ..models import (
    Acceptance,
    AcceptanceDocument,
    AcceptanceInspector,
    CommitteeMembership,
    Implementation,
    PaperSurvey,
    Proposal,
    Rating,
    User,
)
from . import audit
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError
from .implementation import audience
from .notifications import notify
from .photos import PhotoError, clean_photo
from .proposals import upload_dir

MAX_TEXT = 2000
MAX_INSPECTORS = 12
MAX_DOCUMENTS = 6
PDF_MAGIC = b"%PDF-"
PDF_MAX_BYTES = 5 * 1024 * 1024  # below the 8 MB a whole request may carry
MAX_SURVEY_COUNT = 100_000


@dataclass(frozen=True)
class Inspector:
    name: str
    role: str
    user_id: int | None = None


@dataclass(frozen=True)
class Document:
    title: str  # the name it was uploaded with, shown beside the download
    data: bytes


def _require_committee(actor: User, proposal: Proposal) -> None:
    if not can_manage(actor, proposal.cycle):
        raise PermissionDenied()


def _lock(record: Implementation) -> None:
    """Holds the record's row, so that two inspections sent at once are recorded one after the
    other (the second then finds its round taken)."""
    db.session.execute(
        select(Implementation.id).where(Implementation.id == record.id).with_for_update()
    )


def history(record: Implementation) -> list[Acceptance]:
    """The project's inspections, latest first; the first is the current one."""
    return list(
        db.session.scalars(
            select(Acceptance)
            .where(Acceptance.implementation_id == record.id)
            .order_by(Acceptance.round.desc())
            .options(selectinload(Acceptance.inspectors), selectinload(Acceptance.documents))
        )
    )


def next_round(record: Implementation) -> int:
    done = db.session.scalar(
        select(func.max(Acceptance.round)).where(Acceptance.implementation_id == record.id)
    )
    return (done or 0) + 1


def _clean_inspectors(
    inspectors: Sequence[Inspector], proposal: Proposal
) -> list[AcceptanceInspector]:
    kept: list[AcceptanceInspector] = []
    for person in inspectors:
        name = clean_line(person.name)
        if not name:
            continue
        if len(name) > 60:
            raise ServiceError(ErrorCode.TOO_LONG)
        try:
            role = InspectorRole(person.role)
        except ValueError:
            raise ServiceError(ErrorCode.ACCEPTANCE_ROLE_UNKNOWN) from None
        if person.user_id is not None and not db.session.scalar(
            select(CommitteeMembership.id).filter_by(
                user_id=person.user_id, community_id=proposal.community_id
            )
        ):
            raise ServiceError(ErrorCode.ACCEPTANCE_INSPECTOR_ACCOUNT)
        kept.append(
            AcceptanceInspector(position=len(kept), name=name, role=role, user_id=person.user_id)
        )
    if not kept:
        raise ServiceError(ErrorCode.ACCEPTANCE_NO_INSPECTORS)
    if len(kept) > MAX_INSPECTORS:
        raise ServiceError(ErrorCode.TOO_LONG)
    return kept


def _keep_document(document: Document) -> AcceptanceDocument:
    """Checks one document and writes it under a generated name (the caller removes it again if
    the transaction fails)."""
    title = clean_line(document.title.replace("\\", "/").rsplit("/", 1)[-1])[:120] or "document"
    data = document.data
    if data.startswith(PDF_MAGIC):
        if len(data) > PDF_MAX_BYTES:
            raise ServiceError(ErrorCode.DOCUMENT_TOO_LARGE, max_mb=PDF_MAX_BYTES // (1024 * 1024))
        content, extension, mime = data, "pdf", "application/pdf"
    else:
        try:
            photo = clean_photo(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
        except PhotoError as error:
            if error.code == "not_an_image":
                raise ServiceError(ErrorCode.DOCUMENT_NOT_PDF_OR_IMAGE) from None
            raise ServiceError(ErrorCode(f"photo_{error.code}"), **error.params) from None
        content, extension, mime = photo.content, photo.extension, photo.mime
    name = f"{secrets.token_hex(16)}.{extension}"
    (upload_dir() / name).write_bytes(content)
    return AcceptanceDocument(filename=name, title=title, mime=mime, size=len(content))


def record_acceptance(
    actor: User,
    record: Implementation,
    *,
    round: int,
    inspected_on: date,
    inspectors: Sequence[Inspector],
    findings: str,
    result: str,
    fixes: str = "",
    fixes_due: date | None = None,
    redo: str = "",
    documents: Sequence[Document] = (),
    now: datetime,
) -> Acceptance:
    """Record inspection number ``round`` of a completed project. Accepted closes the project;
    not accepted sends the work back in progress."""
    proposal = record.proposal
    _require_committee(actor, proposal)
    _lock(record)
    db.session.refresh(record)
    if round != next_round(record):
        raise ServiceError(ErrorCode.ACCEPTANCE_RECORDED)
    status = Status(record.status)
    if status is Status.ACCEPTED:
        raise ServiceError(ErrorCode.PROJECT_CLOSED)
    if status is not Status.COMPLETED:
        raise ServiceError(ErrorCode.ACCEPTANCE_NOT_COMPLETED)
    try:
        outcome = Result(result)
    except ValueError:
        raise ServiceError(ErrorCode.ACCEPTANCE_RESULT_UNKNOWN) from None
    if inspected_on > now.date():
        raise ServiceError(ErrorCode.DATE_IN_FUTURE)
    people = _clean_inspectors(inspectors, proposal)
    findings = clean_text(findings)
    if not findings:
        raise ServiceError(ErrorCode.REQUIRED)
    fixes = clean_text(fixes) if outcome is Result.ACCEPTED_WITH_FIXES else ""
    redo = clean_text(redo) if outcome is Result.NOT_ACCEPTED else ""
    if outcome is not Result.ACCEPTED_WITH_FIXES:
        fixes_due = None
    if max(len(findings), len(fixes), len(redo)) > MAX_TEXT:
        raise ServiceError(ErrorCode.TOO_LONG)
    if outcome is Result.ACCEPTED_WITH_FIXES and (not fixes or fixes_due is None):
        raise ServiceError(ErrorCode.ACCEPTANCE_FIXES_REQUIRED)
    if outcome is Result.NOT_ACCEPTED and not redo:
        raise ServiceError(ErrorCode.ACCEPTANCE_REDO_REQUIRED)
    documents = [d for d in documents if d.data]
    if len(documents) > MAX_DOCUMENTS:
        raise ServiceError(ErrorCode.ACCEPTANCE_TOO_MANY_DOCUMENTS, max=MAX_DOCUMENTS)
    kept: list[str] = []
    try:
        acceptance = Acceptance(
            implementation_id=record.id, round=round, inspected_on=inspected_on,
            findings=findings, result=outcome, fixes=fixes, fixes_due=fixes_due, redo=redo,
            created_at=now, created_by_id=actor.id,
        )  # fmt: skip
        acceptance.inspectors.extend(people)
        for document in documents:
            doc = _keep_document(document)
            kept.append(doc.filename)
            acceptance.documents.append(doc)
        before = {"status": record.status}
        if closes(outcome):
            record.status = Status.ACCEPTED
            record.accepted_on = inspected_on
            record.progress_pct = 100
        elif outcome is Result.NOT_ACCEPTED:
            record.status = Status.IN_PROGRESS
            record.completed_on = None
        record.updated_at = now
        db.session.add(acceptance)
        try:
            db.session.flush()
        except IntegrityError:
            raise ServiceError(ErrorCode.ACCEPTANCE_RECORDED) from None
        audit.record(
            actor, "acceptance.record", "proposal", proposal.id,
            community_id=proposal.community_id, before=before,
            after={"acceptance": acceptance.id, "round": round, "result": outcome.value,
                   "inspected_on": inspected_on.isoformat(), "status": record.status,
                   "inspectors": len(people), "documents": len(kept)},
            now=now,
        )  # fmt: skip
        notify(
            audience(proposal, exclude=actor), "progress", proposal,
            {"status": Status(record.status).value, "progress": record.progress_pct}, now=now,
        )  # fmt: skip
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in kept:
            (upload_dir() / name).unlink(missing_ok=True)
        raise
    return acceptance


# --- the paper survey -------------------------------------------------------------------------


def new_survey_token() -> str:
    return secrets.token_hex(16)


def enter_survey(
    actor: User,
    record: Implementation,
    *,
    token: str,
    satisfied: int,
    basically: int,
    dissatisfied: int,
    note: str = "",
    now: datetime,
) -> PaperSurvey:
    """Add a batch of paper answers, typed in from the forms. The entry form's ``token`` makes
    the same batch sent twice count once: the second time returns the first."""
    proposal = record.proposal
    _require_committee(actor, proposal)
    if Status(record.status) not in (Status.COMPLETED, Status.ACCEPTED):
        raise ServiceError(ErrorCode.ACCEPTANCE_NOT_COMPLETED)
    token = token.strip()
    if not token or len(token) > 40:
        raise ServiceError(ErrorCode.REQUIRED)
    counts = (satisfied, basically, dissatisfied)
    if any(not 0 <= n <= MAX_SURVEY_COUNT for n in counts):
        raise ServiceError(ErrorCode.SURVEY_COUNT_RANGE, max=MAX_SURVEY_COUNT)
    if sum(counts) == 0:
        raise ServiceError(ErrorCode.SURVEY_NO_ANSWERS)
    note = clean_line(note)
    if len(note) > 300:
        raise ServiceError(ErrorCode.TOO_LONG)

    def earlier() -> PaperSurvey | None:
        return db.session.scalar(
            select(PaperSurvey).filter_by(implementation_id=record.id, token=token)
        )

    found = earlier()
    if found is not None:
        return found
    batch = PaperSurvey(
        implementation_id=record.id, token=token, satisfied=satisfied, basically=basically,
        dissatisfied=dissatisfied, note=note, entered_at=now, entered_by_id=actor.id,
    )  # fmt: skip
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        found = earlier()
        assert found is not None
        return found
    audit.record(
        actor, "acceptance.survey", "proposal", proposal.id, community_id=proposal.community_id,
        after={"survey": batch.id, "satisfied": satisfied, "basically": basically,
               "dissatisfied": dissatisfied, "note": note},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return batch


def surveys(record: Implementation) -> list[PaperSurvey]:
    return list(
        db.session.scalars(
            select(PaperSurvey)
            .where(PaperSurvey.implementation_id == record.id)
            .order_by(PaperSurvey.entered_at, PaperSurvey.id)
            .options(selectinload(PaperSurvey.entered_by))
        )
    )


def satisfaction_of(record: Implementation) -> Satisfaction:
    """Online stars and paper answers together."""
    rows = db.session.execute(
        select(Rating.stars, func.count())
        .where(Rating.proposal_id == record.proposal_id)
        .group_by(Rating.stars)
    ).all()
    stars: dict[int, int] = {int(k): int(v) for k, v in rows}
    paper = dict.fromkeys(Answer, 0)
    for batch in surveys(record):
        paper[Answer.SATISFIED] += batch.satisfied
        paper[Answer.BASICALLY] += batch.basically
        paper[Answer.DISSATISFIED] += batch.dissatisfied
    return satisfaction(stars, paper)


# --- what the pages show ----------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptanceStory:
    history: list[Acceptance]
    satisfaction: Satisfaction
    surveys: list[PaperSurvey]

    @property
    def current(self) -> Acceptance | None:
        return self.history[0] if self.history else None


def load(record: Implementation) -> AcceptanceStory:
    return AcceptanceStory(
        history=history(record), satisfaction=satisfaction_of(record), surveys=surveys(record)
    )


def committee_members(proposal: Proposal) -> list[User]:
    """Who an inspector of the committee may be linked to: the community's committee members."""
    return list(
        db.session.scalars(
            select(User)
            .join(CommitteeMembership, CommitteeMembership.user_id == User.id)
            .where(CommitteeMembership.community_id == proposal.community_id)
            .order_by(User.id)
        )
    )


def find_document(name: str) -> AcceptanceDocument | None:
    """A kept document of an inspection, with the proposal public (every funded one is)."""
    found = db.session.scalar(select(AcceptanceDocument).filter_by(filename=name))
    if found is None or found.acceptance.implementation.proposal.state == "draft":
        return None
    return found
