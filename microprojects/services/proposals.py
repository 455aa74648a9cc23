"""Proposals from a resident's idea to the ballot: drafting, submitting, supports, photos, and
the committee's screening (assess, revise, return, approve, reject, merge).

Every change checks ``domain.lifecycle.allowed_actions`` (the same answer the page used to show
its buttons), writes an audit row that the proposal's public decision log is made of, notifies
the people who follow the proposal, and commits once.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..domain.characters import clean_line, clean_text
from ..domain.cycles import Feasibility, ProjectType
from ..domain.lifecycle import (
    ProposalAction,
    ProposalState,
    Viewer,
    allowed_actions,
    next_state,
)
from ..domain.permissions import Action, can
from ..domain.phases import Phase
from ..extensions import db
from ..models import (
    Assessment,
    Community,
    CoProposer,
    Cycle,
    Proposal,
    ProposalPhoto,
    Support,
    User,
)
from . import audit, screening
from .accounts import actor_for
from .cycles import participation_problem
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .photos import PhotoError, clean_photo, forget_variants
from .rows import rows_changed
from .shortlist import refuse_if_shortlist_frozen

MAX_PHOTOS = 4
TITLE_MAX = 80


@dataclass
class ProposalInput:
    title: str
    description: str
    category: str
    project_type: ProjectType
    estimated_cost_fen: int
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    beneficiaries: str = ""
    tag_small: bool = False
    tag_urgent: bool = False
    tag_hard: bool = False


def find_proposal(proposal_id: int) -> Proposal | None:
    """The proposal, whatever its state: whether the asker may see it is ``can_view``'s answer."""
    return db.session.get(Proposal, proposal_id)


# --- who may do what ----------------------------------------------------------------------


def is_author(user: User | None, proposal: Proposal) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if proposal.author_id == user.id:
        return True
    org = user.organization_membership
    return (
        proposal.organization_id is not None
        and org is not None
        and (org.organization_id == proposal.organization_id)
    )


def can_screen(user: User | None, proposal: Proposal) -> bool:
    return can(actor_for(user), Action.SCREEN_PROPOSALS, proposal.community_id)


def viewer_for(user: User | None, proposal: Proposal, now: datetime) -> Viewer:
    supported = False
    if user is not None and user.is_authenticated:
        supported = bool(
            db.session.scalar(
                select(Support.id).filter_by(proposal_id=proposal.id, user_id=user.id)
            )
        )
    return Viewer(
        is_author=is_author(user, proposal),
        is_resident=participation_problem(user, proposal.cycle, now) is None,
        is_committee=can_screen(user, proposal),
        has_supported=supported,
    )


def actions_for(user: User | None, proposal: Proposal, now: datetime) -> frozenset[ProposalAction]:
    phase = proposal.cycle.phase(now)
    return allowed_actions(proposal.state, viewer_for(user, proposal, now), phase)


def _lock(proposal: Proposal) -> None:
    """Hold the proposal's row until the commit and read it as it is, so that two requests at
    once (a double tap, a replayed form) decide one after the other, the second on the state
    the first left. An UPDATE that changes nothing takes the write lock on either database (a
    row lock on PostgreSQL, the database's on SQLite, whose reads take none)."""
    rows_changed(
        update(Proposal).where(Proposal.id == proposal.id).values(updated_at=Proposal.updated_at)
    )
    db.session.refresh(proposal)


def _require(user: User | None, proposal: Proposal, action: ProposalAction, now: datetime) -> None:
    if action not in actions_for(user, proposal, now):
        phase = proposal.cycle.phase(now)
        raise ServiceError(
            ErrorCode.ACTION_NOT_ALLOWED,
            action=action.value,
            state=proposal.state,
            phase=phase.value,
        )
    refuse_if_shortlist_frozen(proposal, action)


def can_view(user: User | None, proposal: Proposal) -> bool:
    """Drafts are the author's alone (and the member's who entered one)."""
    if proposal.state is not ProposalState.DRAFT:
        return True
    if is_author(user, proposal):
        return True
    return user is not None and user.is_authenticated and proposal.entered_by_id == user.id


def proposer_community(user: User, cycle: Cycle, now: datetime) -> tuple[int, int | None]:
    """(community, organization) a new proposal by ``user`` belongs to, or ServiceError."""
    problem = participation_problem(user, cycle, now)
    if problem is None:
        assert user.residency is not None
        return user.residency.community_id, None
    org = user.organization_membership
    if org is not None and org.organization.community_id in cycle.community_ids:
        return org.organization.community_id, org.organization_id
    raise ServiceError(ErrorCode(f"cannot_propose_{problem}"))


# --- the author ---------------------------------------------------------------------------


def _validate(cycle: Cycle, data: ProposalInput) -> dict[str, Any]:
    title = clean_line(data.title)
    if not title:
        raise ServiceError(ErrorCode.REQUIRED, field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError(ErrorCode.TOO_LONG, field="title")
    if data.category not in cycle.categories:
        raise ServiceError(ErrorCode.UNKNOWN_CATEGORY)
    if data.estimated_cost_fen <= 0:
        raise ServiceError(ErrorCode.COST_REQUIRED)
    cap = cycle.caps.over_cap(data.estimated_cost_fen, data.project_type)
    if cap is not None:
        raise ServiceError(ErrorCode.OVER_CAP, cap_fen=cap)
    if (data.latitude is None) != (data.longitude is None):
        raise ServiceError(ErrorCode.COORDINATES_INCOMPLETE)
    if data.latitude is not None and not (-90 <= data.latitude <= 90):
        raise ServiceError(ErrorCode.COORDINATES_INVALID)
    if data.longitude is not None and not (-180 <= data.longitude <= 180):
        raise ServiceError(ErrorCode.COORDINATES_INVALID)
    return {
        "title": title,
        "description": clean_text(data.description),
        "category": data.category,
        "project_type": data.project_type.value,
        "estimated_cost_fen": data.estimated_cost_fen,
        "location": clean_line(data.location),
        "latitude": data.latitude,
        "longitude": data.longitude,
        "beneficiaries": clean_line(data.beneficiaries),
        "tag_small": data.tag_small,
        "tag_urgent": data.tag_urgent,
        "tag_hard": data.tag_hard,
    }


def create_proposal(
    user: User, cycle: Cycle, data: ProposalInput, *, submit: bool, now: datetime,
    link: dict[str, int] | None = None,
) -> Proposal:  # fmt: skip
    """A new proposal, kept as a draft or submitted at once. Only while proposals are
    collected (征集), by an eligible resident or an organization of the cycle's communities.
    ``link``: the columns that tie it to where it came from (an offer of the service menu),
    kept with it and in its audit row."""
    if cycle.phase(now) is not Phase.COLLECTING:
        raise ServiceError(ErrorCode.NOT_COLLECTING)
    community_id, organization_id = proposer_community(user, cycle, now)
    values = _validate(cycle, data)
    proposal = Proposal(
        cycle_id=cycle.id,
        community_id=community_id,
        author_id=user.id,
        organization_id=organization_id,
        state=(ProposalState.SUBMITTED if submit else ProposalState.DRAFT).value,
        submitted_at=now if submit else None,
        created_at=now,
        updated_at=now,
        **values,
        **(link or {}),
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        user,
        "proposal.submit" if submit else "proposal.draft",
        "proposal",
        proposal.id,
        community_id=community_id,
        after={**proposal.snapshot(), **(link or {})},
        now=now,
    )
    db.session.commit()
    return proposal


def enter_on_behalf(
    actor: User,
    cycle: Cycle,
    community: Community,
    data: ProposalInput,
    *,
    on_behalf_of: str,
    now: datetime,
    link: dict[str, int] | None = None,
) -> Proposal:
    """A committee member types in a proposal brought to the office on paper or in person.
    It is submitted at once, and marked as entered by that member for that person. ``link``
    as for :func:`create_proposal`."""
    if not can(actor_for(actor), Action.SCREEN_PROPOSALS, community.id):
        raise PermissionDenied()
    if community.id not in cycle.community_ids:
        raise ServiceError(ErrorCode.WRONG_COMMUNITY)
    if cycle.phase(now) not in (Phase.COLLECTING, Phase.SCREENING):
        raise ServiceError(ErrorCode.NOT_COLLECTING)
    name = clean_line(on_behalf_of)
    if not name:
        raise ServiceError(ErrorCode.REQUIRED, field="on_behalf_of")
    proposal = add_entered(
        actor, cycle, community.id, _validate(cycle, data), on_behalf_of=name, channel="office",
        action="proposal.enter_on_behalf", columns=link, noted=link, now=now,
    )  # fmt: skip
    db.session.commit()
    return proposal


def add_entered(
    actor: User,
    cycle: Cycle,
    community_id: int,
    values: Mapping[str, Any],
    *,
    on_behalf_of: str,
    channel: str,
    action: str,
    now: datetime,
    columns: Mapping[str, Any] | None = None,
    noted: Mapping[str, Any] | None = None,
) -> Proposal:
    """A proposal someone typed in for a person who brought it (``on_behalf_of``): at the
    office, at the door (``channel``), from a wish. Submitted at once, with no author account,
    marked as entered by ``actor``; ``values`` are its validated fields, ``columns`` what ties
    it to where it came from. Audited as ``action`` with ``noted`` beside its snapshot. Added
    and flushed, not committed: the caller commits, with its own rows and notices in the same
    transaction, after its own checks."""
    proposal = Proposal(
        cycle_id=cycle.id,
        community_id=community_id,
        author_id=None,
        entered_by_id=actor.id,
        on_behalf_of=on_behalf_of,
        entry_channel=channel,
        state=ProposalState.SUBMITTED.value,
        submitted_at=now,
        created_at=now,
        updated_at=now,
        **values,
        **(columns or {}),
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        actor,
        action,
        "proposal",
        proposal.id,
        community_id=community_id,
        after={**proposal.snapshot(), "on_behalf_of": on_behalf_of, **(noted or {})},
        now=now,
    )
    return proposal


def update_proposal(user: User, proposal: Proposal, data: ProposalInput, *, now: datetime) -> None:
    """Change what a proposal says: a draft, one returned for revision, or one submitted while
    proposals are still collected (its revision is in the public decision log)."""
    _lock(proposal)
    _require(user, proposal, ProposalAction.EDIT, now)
    before = proposal.snapshot()
    for key, value in _validate(proposal.cycle, data).items():
        setattr(proposal, key, value)
    proposal.updated_at = now
    audit.record(
        user,
        "proposal.edit",
        "proposal",
        proposal.id,
        community_id=proposal.community_id,
        before=before,
        after=proposal.snapshot(),
        now=now,
    )
    db.session.commit()


def _transition(
    actor: User,
    proposal: Proposal,
    action: ProposalAction,
    *,
    now: datetime,
    note: str = "",
    extra: dict[str, Any] | None = None,
    notify_kind: str | None = None,
) -> None:
    before = proposal.snapshot()
    proposal.state = next_state(proposal.state, action)
    proposal.updated_at = now
    if action is ProposalAction.SUBMIT and proposal.submitted_at is None:
        proposal.submitted_at = now
    if action in (ProposalAction.APPROVE, ProposalAction.REJECT, ProposalAction.MERGE):
        proposal.decided_at = now
    after = {**proposal.snapshot(), **(extra or {})}
    if note:
        after["note"] = note
    audit.record(
        actor,
        f"proposal.{action.value}",
        "proposal",
        proposal.id,
        community_id=proposal.community_id,
        before=before,
        after=after,
        now=now,
    )
    if notify_kind:
        notify(followers(proposal, exclude=actor), notify_kind, proposal, {"note": note}, now=now)


def submit_proposal(user: User, proposal: Proposal, *, now: datetime) -> None:
    _require(user, proposal, ProposalAction.SUBMIT, now)
    _transition(user, proposal, ProposalAction.SUBMIT, now=now)
    db.session.commit()


def withdraw_proposal(user: User, proposal: Proposal, *, now: datetime) -> None:
    _lock(proposal)
    _require(user, proposal, ProposalAction.WITHDRAW, now)
    _transition(user, proposal, ProposalAction.WITHDRAW, now=now, notify_kind="withdrawn")
    db.session.commit()


# --- supports ----------------------------------------------------------------------------


def support(user: User, proposal: Proposal, *, now: datetime) -> bool:
    """Add ``user``'s support; True if it is new. Twice, or two requests at once, count once:
    the unique constraint decides and the loser is told it already counts."""
    _require(user, proposal, ProposalAction.SUPPORT, now)
    db.session.add(Support(proposal_id=proposal.id, user_id=user.id, created_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def withdraw_support(user: User, proposal: Proposal, *, now: datetime) -> bool:
    if proposal.cycle.phase(now) not in (Phase.COLLECTING, Phase.SCREENING):
        raise ServiceError(ErrorCode.ACTION_NOT_ALLOWED, action="support", state=proposal.state)
    removed = rows_changed(
        delete(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
    )
    db.session.commit()
    return bool(removed)


def support_counts(proposal_ids: list[int]) -> dict[int, int]:
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(Support.proposal_id, func.count())
        .where(Support.proposal_id.in_(proposal_ids))
        .group_by(Support.proposal_id)
    )
    return {pid: count for pid, count in rows}


def followers(proposal: Proposal, *, exclude: User | None = None) -> list[int]:
    """Who hears of what happens to a proposal: its author, co-proposers and supporters."""
    ids = set(db.session.scalars(select(Support.user_id).where(Support.proposal_id == proposal.id)))
    ids |= {c.user_id for c in proposal.co_proposers}
    if proposal.author_id is not None:
        ids.add(proposal.author_id)
    if exclude is not None:
        ids.discard(exclude.id)
    return sorted(ids)


# --- photos ----------------------------------------------------------------------------


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def find_photo(photo_id: int) -> ProposalPhoto | None:
    return db.session.get(ProposalPhoto, photo_id)


def add_photo(user: User, proposal: Proposal, data: bytes, *, now: datetime) -> ProposalPhoto:
    """Check that ``data`` is a real photo, strip its metadata (GPS), shrink it, keep it."""
    if not (is_author(user, proposal) or can_screen(user, proposal)):
        raise PermissionDenied()
    if ProposalAction.EDIT not in actions_for(user, proposal, now) and not can_screen(
        user, proposal
    ):
        raise ServiceError(ErrorCode.ACTION_NOT_ALLOWED, action="edit", state=proposal.state)
    if len(proposal.photos) >= MAX_PHOTOS:
        raise ServiceError(ErrorCode.TOO_MANY_PHOTOS, max=MAX_PHOTOS)
    try:
        photo = clean_photo(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    except PhotoError as error:
        raise ServiceError(ErrorCode(f"photo_{error.code}"), **error.params) from None
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    (upload_dir() / name).write_bytes(photo.content)
    record = ProposalPhoto(
        proposal_id=proposal.id,
        filename=name,
        mime=photo.mime,
        width=photo.width,
        height=photo.height,
        size=len(photo.content),
        position=len(proposal.photos),
        created_at=now,
    )
    db.session.add(record)
    _record_photo(user, proposal, "proposal.photo_add", name, now)
    try:
        db.session.commit()
    except Exception:
        (upload_dir() / name).unlink(missing_ok=True)
        raise
    return record


def _record_photo(user: User, proposal: Proposal, action: str, name: str, now: datetime) -> None:
    """A photo added to or taken from a proposal others can see is part of its record; a
    draft's photos are its author's business."""
    if proposal.state is ProposalState.DRAFT:
        return
    audit.record(
        user,
        action,
        "proposal",
        proposal.id,
        community_id=proposal.community_id,
        after={"photo": name},
        now=now,
    )


def remove_photo(user: User, photo: ProposalPhoto, *, now: datetime) -> None:
    proposal = photo.proposal
    if not (is_author(user, proposal) or can_screen(user, proposal)):
        raise PermissionDenied()
    if ProposalAction.EDIT not in actions_for(user, proposal, now) and not can_screen(
        user, proposal
    ):
        raise ServiceError(ErrorCode.ACTION_NOT_ALLOWED, action="edit", state=proposal.state)
    name = photo.filename
    db.session.delete(photo)
    _record_photo(user, proposal, "proposal.photo_remove", name, now)
    db.session.commit()
    (upload_dir() / name).unlink(missing_ok=True)
    forget_variants(upload_dir(), name)


# --- co-proposers ------------------------------------------------------------------------


def add_co_proposer(user: User, proposal: Proposal, other: User, *, now: datetime) -> None:
    _require(user, proposal, ProposalAction.EDIT, now)
    if other.id == proposal.author_id:
        raise ServiceError(ErrorCode.ALREADY_CO_PROPOSER)
    if participation_problem(other, proposal.cycle, now) is not None:
        raise ServiceError(ErrorCode.CO_PROPOSER_NOT_ELIGIBLE)
    db.session.add(CoProposer(proposal_id=proposal.id, user_id=other.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.ALREADY_CO_PROPOSER) from None


# --- the committee's screening ------------------------------------------------------------


def assess(
    actor: User,
    proposal: Proposal,
    *,
    answers: dict[str, bool],
    feasibility: Feasibility,
    note: str,
    now: datetime,
) -> Assessment:
    _require(actor, proposal, ProposalAction.ASSESS, now)
    screening.require_no_conflict(actor, proposal)
    checklist = proposal.cycle.checklist
    unknown = set(answers) - set(checklist)
    if unknown:
        raise ServiceError(ErrorCode.UNKNOWN_CHECKLIST_ITEM)
    record = Assessment(
        proposal_id=proposal.id,
        author_id=actor.id,
        answers={item: bool(answers.get(item, False)) for item in checklist},
        feasibility=feasibility.value,
        note=clean_text(note),
        created_at=now,
    )
    db.session.add(record)
    audit.record(
        actor,
        "proposal.assess",
        "proposal",
        proposal.id,
        community_id=proposal.community_id,
        after={"feasibility": feasibility.value, "answers": record.answers, "note": record.note},
        now=now,
    )
    db.session.commit()
    return record


def revise(
    actor: User,
    proposal: Proposal,
    *,
    cost_fen: int | None,
    ballot_title: str | None,
    note: str,
    now: datetime,
) -> None:
    """Revise the cost or the title that goes on the ballot. The original stays visible and
    the explanation is public."""
    _require(actor, proposal, ProposalAction.REVISE, now)
    note = clean_text(note)
    if not note:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    before = proposal.snapshot()
    if cost_fen is not None:
        if cost_fen <= 0:
            raise ServiceError(ErrorCode.COST_REQUIRED)
        cap = proposal.cycle.caps.over_cap(cost_fen, proposal.project_type)
        if cap is not None:
            raise ServiceError(ErrorCode.OVER_CAP, cap_fen=cap)
        proposal.revised_cost_fen = cost_fen
        proposal.cost_note = note
    if ballot_title is not None:
        title = clean_line(ballot_title)
        if len(title) > TITLE_MAX:
            raise ServiceError(ErrorCode.TOO_LONG, field="ballot_title")
        proposal.ballot_title = title or None
    if proposal.snapshot() == before:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    proposal.updated_at = now
    audit.record(
        actor,
        "proposal.revise",
        "proposal",
        proposal.id,
        community_id=proposal.community_id,
        before=before,
        after={**proposal.snapshot(), "note": note},
        now=now,
    )
    notify(followers(proposal, exclude=actor), "revised", proposal, {"note": note}, now=now)
    db.session.commit()


def return_for_revision(actor: User, proposal: Proposal, *, message: str, now: datetime) -> None:
    _lock(proposal)
    _require(actor, proposal, ProposalAction.RETURN, now)
    screening.require_no_conflict(actor, proposal)
    message = clean_text(message)
    if not message:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    _transition(
        actor, proposal, ProposalAction.RETURN, now=now, note=message, notify_kind="returned"
    )
    db.session.commit()


def approve(actor: User, proposal: Proposal, *, note: str, now: datetime) -> None:
    """Put the proposal on the ballot. ``note``, the public reason, is required, and so are an
    assessment and, in a cycle screened by resolution, the meetings' resolutions
    (``screening.check_approval``)."""
    _lock(proposal)
    _require(actor, proposal, ProposalAction.APPROVE, now)
    screening.hold_mode(proposal)
    note = clean_text(note)
    screening.check_approval(actor, proposal, note)
    _transition(actor, proposal, ProposalAction.APPROVE, now=now, note=note,
                notify_kind="approved")  # fmt: skip
    db.session.commit()


def reject(actor: User, proposal: Proposal, *, reason: str, now: datetime) -> None:
    _lock(proposal)
    _require(actor, proposal, ProposalAction.REJECT, now)
    screening.hold_mode(proposal)
    reason = clean_text(reason)
    screening.check_rejection(actor, proposal, reason)
    proposal.rejection_reason = reason
    _transition(
        actor, proposal, ProposalAction.REJECT, now=now, note=reason, notify_kind="rejected"
    )
    db.session.commit()


def merge(actor: User, proposal: Proposal, into: Proposal, *, note: str, now: datetime) -> int:
    """Merge a duplicate into ``into``: the pointer is kept and its supporters are carried
    over (each counted once). Returns how many supports moved. The note, public, is required:
    the proposer and the supporters read why their proposal was folded into another."""
    _lock(proposal)
    _require(actor, proposal, ProposalAction.MERGE, now)
    screening.require_no_conflict(actor, proposal)
    if into.id == proposal.id or into.cycle_id != proposal.cycle_id:
        raise ServiceError(ErrorCode.MERGE_TARGET_INVALID)
    if into.state not in (ProposalState.SUBMITTED, ProposalState.RETURNED, ProposalState.APPROVED):
        raise ServiceError(ErrorCode.MERGE_TARGET_INVALID)
    if not can_screen(actor, into):
        raise PermissionDenied()
    screening.require_no_conflict(actor, into)  # merging into one's own proposal gains it supports
    note = clean_text(note)
    if not note:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    audience = followers(proposal, exclude=actor)  # before the supports move
    already = select(Support.user_id).where(Support.proposal_id == into.id)
    # Its own proposers do not support the target: that would count them twice.
    own = [uid for uid in [into.author_id] + [c.user_id for c in into.co_proposers] if uid]
    moved = rows_changed(
        update(Support)
        .where(
            Support.proposal_id == proposal.id,
            Support.user_id.not_in(already),
            Support.user_id.not_in(own),
        )
        .values(proposal_id=into.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Support).where(Support.proposal_id == proposal.id))
    if proposal.author_id is not None and proposal.author_id != into.author_id:
        exists = db.session.scalar(
            select(CoProposer.id).filter_by(proposal_id=into.id, user_id=proposal.author_id)
        )
        if not exists:
            db.session.add(CoProposer(proposal_id=into.id, user_id=proposal.author_id))
    proposal.merged_into_id = into.id
    _transition(
        actor,
        proposal,
        ProposalAction.MERGE,
        now=now,
        note=note,
        extra={"merged_into": into.id, "supports_moved": moved},
    )
    notify(audience, "merged", proposal, {"note": note, "into": into.id}, now=now)
    db.session.commit()
    return int(moved or 0)
