"""Paper artefacts (纸质材料): what the printable ballot, the shortlist notice, the 公示 notice, a
project's completion notice and the cycle's archive (台账) read, who may read each, and the one
thing the committee writes for them: where and when paper ballots are cast (``paper_where``).

Reading only, but for ``set_paper_where`` (one transaction with its audit row). The archive is
public once the cycle is closed: everything it holds is public by then on the site's own pages
(proposals past their draft with their decisions and public notes, the counts with their
SHA-256 and tallies, turnout as counts, objections without their authors, implementation and
spending), and its audit trail keeps to the committee's own actions (who, what, when and the
public note), never a ballot, a participation, a roster entry or a resident's request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from ..domain.characters import clean_text
from ..domain.implementation import SpendingSummary, Status
from ..domain.lifecycle import ProposalState
from ..domain.permissions import Action, can
from ..domain.phases import Phase
from ..domain.printed import (
    Access,
    archive_access,
    completion_access,
    list_access,
    results_notice_access,
)
from ..extensions import db
from ..models import (
    AuditEntry,
    Count,
    CountOutcome,
    Cycle,
    Implementation,
    Meeting,
    Objection,
    PollingStation,
    ProgressUpdate,
    Proposal,
    User,
)
from . import acceptance, audit
from .acceptance import AcceptanceStory
from .accounts import actor_for
from .counting import latest_count, load_latest_count, read_turnout
from .cycles import can_manage
from .deliberation import cycle_meetings
from .errors import ErrorCode, PermissionDenied, ServiceError
from .implementation import summary
from .publication import status_of
from .rows import rows_changed
from .voting import Turnout

PAPER_WHERE_MAX = 300

# The decisions a proposal's record in the archive lists (its public decision log without the
# author's own edits and photos): what was decided about it, when, and the public note.
DECISIONS = (
    "proposal.submit",
    "proposal.enter_on_behalf",
    "proposal.return",
    "proposal.approve",
    "proposal.reject",
    "proposal.merge",
    "proposal.revise",
    "proposal.assess",
    "proposal.withdraw",
    "proposal.reopen",
)

# The audit trail of the archive: the committee's (and the administrator's) actions on the
# cycle, its proposals and its projects. Residents' own actions (a submission, an objection, a
# problem report), paper ballots and anything of the roster stay out.
TRAIL = (
    "cycle.create",
    "cycle.close_phase",
    "cycle.extend_phase",
    "cycle.voting_settings",
    "cycle.paper_keyer",
    "cycle.paper_where",
    "cycle.grid_workers_paper",
    "cycle.counted",
    "cycle.imported",
    "proposal.enter_on_behalf",
    "proposal.return",
    "proposal.approve",
    "proposal.reject",
    "proposal.merge",
    "proposal.revise",
    "proposal.assess",
    "objection.answer",
    "cycle.shortlist_days",
    "cycle.shortlist_publish",
    "proposal.reopen",
    "implementation.start",
    "implementation.details",
    "implementation.spend",
    "implementation.unspend",
    "implementation.milestone",
    "implementation.milestone_done",
    "implementation.update",
    "problem.answer",
)

# What of an audit row's ``after`` the archive prints: the public notes only.
PUBLIC_NOTES = ("note", "reason", "paper_where")


# --- who may read what ----------------------------------------------------------------------


def is_committee_of(user: User | None, cycle: Cycle) -> bool:
    """A committee member of a community that takes part in ``cycle``, or the administrator:
    who prints the cycle's papers before they are public."""
    actor = actor_for(user)
    return any(can(actor, Action.VIEW_COMMITTEE, cid) for cid in cycle.community_ids)


def may_read(user: User | None, cycle: Cycle, access: Access) -> bool:
    if access is Access.PUBLIC:
        return True
    return access is Access.COMMITTEE and is_committee_of(user, cycle)


def ballot_access(cycle: Cycle, now: datetime) -> Access:
    """The printable ballot and the shortlist notice."""
    return list_access(cycle.phase(now))


def results_access(cycle: Cycle, count: Count | None, now: datetime) -> Access:
    return results_notice_access(status_of(cycle, now, count), count is not None)


def project_access(record: Implementation | None) -> Access:
    return completion_access(Status(record.status) if record is not None else None)


def cycle_archive_access(cycle: Cycle, now: datetime) -> Access:
    return archive_access(cycle.phase(now))


# --- the committee's words for the paper ballot -----------------------------------------------


def set_paper_where(actor: User, cycle: Cycle, text: str, *, now: datetime) -> None:
    """Where and when residents cast paper ballots, printed on the ballot; empty clears it.
    Only until voting closes: afterwards the ballot is a record and no longer changes."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    if cycle.phase(now) not in (Phase.UPCOMING, Phase.COLLECTING, Phase.SCREENING, Phase.VOTING):
        raise ServiceError(ErrorCode.VOTING_CLOSED)
    value = clean_text(text).strip()
    if len(value) > PAPER_WHERE_MAX:
        raise ServiceError(ErrorCode.PAPER_WHERE_TOO_LONG, max=PAPER_WHERE_MAX)
    # Hold the cycle's row and read the text as it is (an UPDATE that changes nothing locks it
    # on either database): two saves at once, a double tap, are made one after the other, and
    # the second, finding its text there, records nothing.
    rows_changed(update(Cycle).where(Cycle.id == cycle.id).values(paper_where=Cycle.paper_where))
    db.session.refresh(cycle)
    before = cycle.paper_where
    if before == (value or None):
        db.session.commit()
        return
    cycle.paper_where = value or None
    audit.record(
        actor,
        "cycle.paper_where",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before={"paper_where": before},
        after={"paper_where": cycle.paper_where},
        now=now,
    )
    db.session.commit()


# --- what the papers read ---------------------------------------------------------------------


def ballot_projects(cycle: Cycle) -> list[Proposal]:
    """The projects on the ballot, in the order the web ballot lists them (by id)."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.cycle_id == cycle.id, Proposal.state == ProposalState.APPROVED)
            .order_by(Proposal.id)
        )
    )


def ballot_stations(cycle: Cycle) -> list[PollingStation]:
    """The cycle's polling stations still open, where the ballot says paper is taken in."""
    return list(
        db.session.scalars(
            select(PollingStation)
            .where(PollingStation.cycle_id == cycle.id, PollingStation.closed_at.is_(None))
            .order_by(PollingStation.id)
        )
    )


@dataclass(frozen=True)
class Shortlist:
    approved: list[Proposal]
    # Rejected and merged proposals, each with its public reason (or the proposal it joined).
    not_on_ballot: list[Proposal]
    # The committee's public note on each merge, by proposal id.
    merge_notes: dict[int, str] = field(default_factory=dict)


def shortlist(cycle: Cycle) -> Shortlist:
    decided = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.cycle_id == cycle.id,
            Proposal.state.in_(
                [ProposalState.APPROVED, ProposalState.REJECTED, ProposalState.MERGED]
            ),
        )
        .order_by(Proposal.id)
        .options(selectinload(Proposal.merged_into))
    ).all()
    merged = [str(p.id) for p in decided if p.state == ProposalState.MERGED]
    notes: dict[int, str] = {}
    if merged:
        for entry in db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.subject_type == "proposal",
                AuditEntry.subject_id.in_(merged),
                AuditEntry.action == "proposal.merge",
            )
            .order_by(AuditEntry.created_at, AuditEntry.id)
        ):
            note = (entry.after or {}).get("note")
            if note and entry.subject_id:
                notes[int(entry.subject_id)] = str(note)
    return Shortlist(
        approved=[p for p in decided if p.state == ProposalState.APPROVED],
        not_on_ballot=[p for p in decided if p.state != ProposalState.APPROVED],
        merge_notes=notes,
    )


@dataclass(frozen=True)
class Completion:
    proposal: Proposal
    record: Implementation
    summary: SpendingSummary
    outcome: CountOutcome | None
    started_on: datetime | None
    photos: list[Any]  # at most two ProgressPhoto, the "after" ones first
    acceptance: AcceptanceStory | None = None  # its inspections (验收) and satisfaction


def load_record(proposal: Proposal) -> Implementation | None:
    return db.session.scalar(
        select(Implementation)
        .filter_by(proposal_id=proposal.id)
        .options(
            selectinload(Implementation.spending),
            selectinload(Implementation.milestones),
            selectinload(Implementation.updates).selectinload(ProgressUpdate.photos),
        )
    )


def completion(proposal: Proposal, record: Implementation) -> Completion:
    count = latest_count(proposal.cycle)
    outcome = (
        db.session.scalar(
            select(CountOutcome).where(
                CountOutcome.count_id == count.id, CountOutcome.proposal_id == proposal.id
            )
        )
        if count is not None
        else None
    )
    photos = [ph for u in record.updates for ph in u.photos]
    photos.sort(key=lambda ph: (ph.kind != "after", ph.kind != "before", -ph.id))
    first_update = min((u.created_at for u in record.updates), default=None)
    return Completion(
        proposal=proposal,
        record=record,
        summary=summary(record),
        outcome=outcome,
        started_on=first_update,
        photos=photos[:2],
        acceptance=acceptance.load(record),
    )


def completion_records(cycle: Cycle) -> list[Implementation]:
    """The cycle's implementation records with their proposals, for the committee's list of
    completion notices."""
    return list(
        db.session.scalars(
            select(Implementation)
            .where(Implementation.cycle_id == cycle.id)
            .order_by(Implementation.proposal_id)
            .options(selectinload(Implementation.proposal))
        )
    )


# --- the archive (台账) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalRecord:
    proposal: Proposal
    decisions: list[AuditEntry]


@dataclass(frozen=True)
class ProjectRecord:
    outcome: CountOutcome
    record: Implementation | None
    summary: SpendingSummary | None


@dataclass(frozen=True)
class Archive:
    cycle: Cycle
    proposals: list[ProposalRecord]
    # The cycle's meetings whose resolutions are published, oldest first (``deliberation``).
    meetings: list[Meeting]
    counts: list[Count]  # the latest first, each with its outcomes
    objections: list[Objection]
    turnout: Turnout | None
    projects: list[ProjectRecord]
    planned_total: int
    spent_total: int
    trail: list[AuditEntry]
    notes: dict[int, dict[str, str]] = field(default_factory=dict)


def _public_notes(entry: AuditEntry) -> dict[str, str]:
    after = entry.after or {}
    return {k: str(after[k]) for k in PUBLIC_NOTES if after.get(k)}


def cycle_archive(cycle: Cycle) -> Archive:
    """Everything of ``cycle`` worth keeping on paper, read at once (nothing is written)."""
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.cycle_id == cycle.id, Proposal.state != ProposalState.DRAFT)
            .order_by(Proposal.id)
            .options(selectinload(Proposal.merged_into))
        )
    )
    objections = list(
        db.session.scalars(
            select(Objection)
            .where(Objection.cycle_id == cycle.id)
            .order_by(Objection.created_at, Objection.id)
        )
    )
    subjects = [(AuditEntry.subject_type == "cycle") & (AuditEntry.subject_id == str(cycle.id))]
    if proposals:
        ids = [str(p.id) for p in proposals]
        subjects.append((AuditEntry.subject_type == "proposal") & AuditEntry.subject_id.in_(ids))
    if objections:
        ids = [str(o.id) for o in objections]
        subjects.append((AuditEntry.subject_type == "objection") & AuditEntry.subject_id.in_(ids))
    entries = list(
        db.session.scalars(
            select(AuditEntry)
            .where(or_(*subjects), AuditEntry.action.in_(sorted(set(DECISIONS) | set(TRAIL))))
            .order_by(AuditEntry.created_at, AuditEntry.id)
            .options(selectinload(AuditEntry.actor))
        )
    )
    by_proposal: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        if entry.subject_type == "proposal" and entry.action in DECISIONS:
            by_proposal.setdefault(entry.subject_id or "", []).append(entry)
    trail = [e for e in entries if e.action in TRAIL]
    counts = list(
        db.session.scalars(
            select(Count)
            .where(Count.cycle_id == cycle.id)
            .order_by(Count.number.desc())
            .options(selectinload(Count.outcomes).selectinload(CountOutcome.proposal))
        )
    )
    latest = counts[0] if counts else None
    records = {
        r.proposal_id: r
        for r in db.session.scalars(
            select(Implementation)
            .where(Implementation.cycle_id == cycle.id)
            .options(
                selectinload(Implementation.spending),
                selectinload(Implementation.updates),
            )
        )
    }
    projects = []
    if latest is not None:
        for outcome in sorted(latest.outcomes, key=lambda o: o.rank):
            if outcome.funded:
                record = records.get(outcome.proposal_id)
                projects.append(ProjectRecord(outcome, record, summary(record) if record else None))
    return Archive(
        cycle=cycle,
        proposals=[ProposalRecord(p, by_proposal.get(str(p.id), [])) for p in proposals],
        meetings=[m for m in cycle_meetings(cycle) if m.published_at is not None],
        counts=counts,
        objections=objections,
        turnout=read_turnout(cycle, latest) if latest is not None else None,
        projects=projects,
        planned_total=sum(p.summary.planned for p in projects if p.summary),
        spent_total=sum(p.summary.actual for p in projects if p.summary),
        trail=trail,
        notes={e.id: _public_notes(e) for e in entries},
    )


def results_count(cycle: Cycle) -> Count | None:
    """The count the 公示 notice prints: the latest, with its outcomes and their proposals."""
    return load_latest_count(cycle)
