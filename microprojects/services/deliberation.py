"""Deliberative bodies and their meetings (议事会议): the committee manages a community's bodies
and their members, schedules meetings with an agenda of proposals or other items, records who
is present, records the vote on each item (members tied to the proposal recused automatically),
keeps the minutes and publishes the resolutions, which then appear in each proposal's public
decision log. Each use case is one transaction with an audit row; the committee of the body's
community or an administrator may act.

A meeting without quorum resolves nothing: the vote is refused with the numbers (present X of
N, needs Y). One resolution per item, which the database holds under a double tap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain.characters import clean_line, clean_text
from ..domain.deliberation import (
    DEFAULT_RULES,
    BodyKind,
    Choice,
    MajorityBase,
    MeetingStatus,
    Presence,
    RecusalReason,
    VoteMode,
    outcome,
    quorum_needed,
    recusals,
    tally_named,
)
from ..domain.lifecycle import ProposalState
from ..domain.permissions import Action
from ..domain.phases import Phase
from ..extensions import db
from ..models import (
    AgendaItem,
    Attendance,
    Body,
    BodyMember,
    Community,
    CoProposer,
    Cycle,
    Meeting,
    MemberVote,
    Proposal,
    Resolution,
    Support,
    User,
)
from . import audit
from .accounts import find_login, require
from .errors import ErrorCode, NotFound, ServiceError

ACTION = Action.MANAGE_MEETINGS
# Proposals that may be on an agenda: submitted and not withdrawn or merged away.
AGENDA_STATES = (
    ProposalState.SUBMITTED,
    ProposalState.RETURNED,
    ProposalState.APPROVED,
    ProposalState.REJECTED,
)
MAX_ITEMS = 20


# --- reading ----------------------------------------------------------------------------------


def list_bodies(community: Community) -> list[Body]:
    return list(
        db.session.scalars(
            select(Body)
            .where(Body.community_id == community.id)
            .order_by(Body.id)
            .options(selectinload(Body.members).selectinload(BodyMember.user))
        )
    )


def find_body(community: Community, body_id: int) -> Body | None:
    body = db.session.get(Body, body_id)
    return body if body is not None and body.community_id == community.id else None


def find_member(body: Body, member_id: int) -> BodyMember | None:
    member = db.session.get(BodyMember, member_id)
    return member if member is not None and member.body_id == body.id else None


def find_meeting(community: Community, meeting_id: int) -> Meeting | None:
    meeting = db.session.scalars(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.community_id == community.id)
        .options(
            selectinload(Meeting.body),
            selectinload(Meeting.items).selectinload(AgendaItem.proposal),
            selectinload(Meeting.items)
            .selectinload(AgendaItem.resolution)
            .selectinload(Resolution.votes),
            selectinload(Meeting.attendance).selectinload(Attendance.member),
        )
    ).one_or_none()
    return meeting


def list_meetings(community: Community) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.community_id == community.id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .options(selectinload(Meeting.body), selectinload(Meeting.attendance))
        )
    )


def agenda_candidates(community: Community, now: datetime) -> list[Proposal]:
    """The proposals of the community's cycles still running that may go on an agenda."""
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.community_id == community.id, Proposal.state.in_(AGENDA_STATES))
        .order_by(Proposal.id)
        .options(selectinload(Proposal.cycle))
    )
    return [p for p in proposals if p.cycle.phase(now) is not Phase.CLOSED]


@dataclass(frozen=True)
class Recusal:
    member: BodyMember
    reason: RecusalReason


def item_recusals(meeting: Meeting, item: AgendaItem) -> list[Recusal]:
    """The meeting's members tied to the item's proposal (none for a free-text item)."""
    if item.proposal_id is None or item.proposal is None:
        return []
    proposal = item.proposal
    co = db.session.scalars(
        select(CoProposer.user_id).where(CoProposer.proposal_id == proposal.id)
    ).all()
    supporters = db.session.scalars(
        select(Support.user_id).where(Support.proposal_id == proposal.id)
    ).all()
    members = {a.member_id: a.member for a in meeting.attendance}
    authors = [proposal.author_id] if proposal.author_id is not None else []
    found = recusals({m.id: m.user_id for m in members.values()}, authors, co, supporters)
    return [Recusal(members[i], reason) for i, reason in sorted(found.items())]


@dataclass(frozen=True)
class Quorum:
    expected: int
    present: int
    needed: int

    @property
    def met(self) -> bool:
        return self.expected > 0 and self.present >= self.needed


def quorum_of(meeting: Meeting) -> Quorum:
    return Quorum(
        meeting.expected, meeting.present, quorum_needed(meeting.body.rule, meeting.expected)
    )


def proposal_resolutions(proposal: Proposal) -> list[Resolution]:
    """The published resolutions on ``proposal``, oldest first."""
    return list(
        db.session.scalars(
            select(Resolution)
            .where(Resolution.proposal_id == proposal.id, Resolution.published_at.is_not(None))
            .order_by(Resolution.published_at, Resolution.id)
            .options(selectinload(Resolution.body), selectinload(Resolution.meeting))
        )
    )


def cycle_meetings(cycle: Cycle) -> list[Meeting]:
    """The meetings of ``cycle`` (by their agenda's proposals), not cancelled, oldest first."""
    on_agenda = select(AgendaItem.meeting_id).join(Proposal).where(Proposal.cycle_id == cycle.id)
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                or_(Meeting.cycle_id == cycle.id, Meeting.id.in_(on_agenda)),
                Meeting.status != MeetingStatus.CANCELLED,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .options(
                selectinload(Meeting.body),
                selectinload(Meeting.attendance),
                selectinload(Meeting.items).selectinload(AgendaItem.proposal),
                selectinload(Meeting.items).selectinload(AgendaItem.resolution),
            )
        )
    )


# --- bodies and members -----------------------------------------------------------------------


@dataclass(frozen=True)
class BodyInput:
    kind: str
    name: str
    quorum_num: int
    quorum_den: int
    majority_num: int
    majority_den: int
    majority_base: str = MajorityBase.PRESENT
    vote_mode: str = VoteMode.OPEN


def default_body_input(kind: BodyKind, name: str) -> BodyInput:
    rule = DEFAULT_RULES[kind]
    return BodyInput(
        kind,
        name,
        rule.quorum.numerator,
        rule.quorum.denominator,
        rule.majority.numerator,
        rule.majority.denominator,
        rule.majority_base,
        rule.vote_mode,
    )


def _body_fields(data: BodyInput) -> dict[str, object]:
    name = clean_line(data.name)
    if not name:
        raise ServiceError(ErrorCode.REQUIRED, field="name")
    if len(name) > 60:
        raise ServiceError(ErrorCode.TOO_LONG, field="name", max=60)
    try:
        kind = BodyKind(data.kind)
        base = MajorityBase(data.majority_base)
        mode = VoteMode(data.vote_mode)
        quorum = Fraction(data.quorum_num, data.quorum_den)
        majority = Fraction(data.majority_num, data.majority_den)
    except (ValueError, ZeroDivisionError):
        raise ServiceError(ErrorCode.BODY_RULE_INVALID) from None
    if not (0 < quorum <= 1 and 0 <= majority < 1) or max(data.quorum_den, data.majority_den) > 100:
        raise ServiceError(ErrorCode.BODY_RULE_INVALID)
    return {
        "kind": kind,
        "name": name,
        "quorum_num": quorum.numerator,
        "quorum_den": quorum.denominator,
        "majority_num": majority.numerator,
        "majority_den": majority.denominator,
        "majority_base": base,
        "vote_mode": mode,
    }


def _flush_body() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.BODY_NAME_TAKEN) from None


def _body_snapshot(body: Body) -> dict[str, object]:
    return {
        "name": body.name,
        "kind": str(body.kind),
        "quorum": f"{body.quorum_num}/{body.quorum_den}",
        "majority": f"{body.majority_num}/{body.majority_den}",
        "base": str(body.majority_base),
        "mode": str(body.vote_mode),
    }


def create_body(actor: User, community: Community, data: BodyInput, *, now: datetime) -> Body:
    require(actor, ACTION, community.id)
    body = Body(community_id=community.id, created_at=now, **_body_fields(data))
    db.session.add(body)
    _flush_body()
    audit.record(
        actor,
        "body.create",
        "body",
        body.id,
        community_id=community.id,
        after=_body_snapshot(body),
        now=now,
    )
    db.session.commit()
    return body


def update_body(actor: User, body: Body, data: BodyInput, *, now: datetime) -> None:
    require(actor, ACTION, body.community_id)
    before = _body_snapshot(body)
    for key, value in _body_fields(data).items():
        setattr(body, key, value)
    _flush_body()
    after = _body_snapshot(body)
    if after == before:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    audit.record(
        actor,
        "body.update",
        "body",
        body.id,
        community_id=body.community_id,
        before=before,
        after=after,
        now=now,
    )
    db.session.commit()


def add_member(
    actor: User, body: Body, *, login: str = "", name: str = "", role: str = "", now: datetime
) -> BodyMember:
    """Add an account (by login name or phone) or a named person without one."""
    require(actor, ACTION, body.community_id)
    user = None
    if login.strip():
        user = find_login(login)
        if user is None:
            raise ServiceError(ErrorCode.MEMBER_UNKNOWN_ACCOUNT)
    shown = clean_line(name) or (user.display_name if user is not None else "")
    if not shown:
        raise ServiceError(ErrorCode.REQUIRED, field="name")
    role = clean_line(role)
    if len(shown) > 60 or len(role) > 20:
        raise ServiceError(ErrorCode.TOO_LONG, field="name", max=60)
    if user is not None:
        existing = db.session.scalars(
            select(BodyMember).where(BodyMember.body_id == body.id, BodyMember.user_id == user.id)
        ).one_or_none()
        if existing is not None and existing.left_at is None:
            raise ServiceError(ErrorCode.MEMBER_ALREADY)
        if existing is not None:  # back again: the same row, so their past votes stay theirs
            existing.left_at = None
            existing.name, existing.role, existing.joined_at = shown, role, now
            member = existing
        else:
            member = BodyMember(body_id=body.id, user_id=user.id, name=shown, role=role)
            member.joined_at = now
            db.session.add(member)
    else:
        member = BodyMember(body_id=body.id, name=shown, role=role, joined_at=now)
        db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.MEMBER_ALREADY) from None
    audit.record(
        actor,
        "body.member_add",
        "body",
        body.id,
        community_id=body.community_id,
        after={"member_id": member.id, "name": shown, "role": role, "user_id": member.user_id},
        now=now,
    )
    db.session.commit()
    return member


def remove_member(actor: User, member: BodyMember, *, now: datetime) -> None:
    """The member leaves the body; meetings already scheduled keep them on their roster."""
    body = member.body
    require(actor, ACTION, body.community_id)
    if member.left_at is not None:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    member.left_at = now
    audit.record(
        actor,
        "body.member_remove",
        "body",
        body.id,
        community_id=body.community_id,
        before={"member_id": member.id, "name": member.name},
        now=now,
    )
    db.session.commit()


# --- meetings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingInput:
    title: str
    starts_at: datetime
    place: str = ""
    proposal_ids: tuple[int, ...] = ()
    other_items: tuple[str, ...] = ()
    secretary_id: int | None = None


def schedule_meeting(actor: User, body: Body, data: MeetingInput, *, now: datetime) -> Meeting:
    """A meeting of ``body`` with its agenda: the proposals first (in the order given), then the
    other items. Its roster is the body's members now, each absent until marked."""
    require(actor, ACTION, body.community_id)
    title = clean_line(data.title)
    if not title:
        raise ServiceError(ErrorCode.REQUIRED, field="title")
    place = clean_line(data.place)
    if len(title) > 80 or len(place) > 120:
        raise ServiceError(ErrorCode.TOO_LONG, field="title", max=80)
    members = body.current_members
    if not members:
        raise ServiceError(ErrorCode.MEETING_NO_MEMBERS)
    allowed = {p.id: p for p in agenda_candidates(body.community, now)}
    proposal_ids = list(dict.fromkeys(data.proposal_ids))
    if any(pid not in allowed for pid in proposal_ids):
        raise ServiceError(ErrorCode.AGENDA_PROPOSAL_INVALID)
    others = _clean_items(data.other_items)
    if not proposal_ids and not others:
        raise ServiceError(ErrorCode.MEETING_NO_AGENDA)
    if len(proposal_ids) + len(others) > MAX_ITEMS:
        raise ServiceError(ErrorCode.TOO_LONG, field="agenda", max=MAX_ITEMS)
    secretary = None
    if data.secretary_id:
        secretary = next((m for m in members if m.id == data.secretary_id), None)
        if secretary is None:
            raise ServiceError(ErrorCode.SECRETARY_NOT_MEMBER)
    meeting = Meeting(
        body_id=body.id,
        community_id=body.community_id,
        cycle_id=allowed[proposal_ids[0]].cycle_id if proposal_ids else None,
        title=title,
        starts_at=data.starts_at,
        place=place,
        secretary_id=secretary.id if secretary else None,
        created_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    position = 0
    for pid in proposal_ids:
        position += 1
        db.session.add(AgendaItem(meeting_id=meeting.id, position=position, proposal_id=pid))
    for text in others:
        position += 1
        db.session.add(AgendaItem(meeting_id=meeting.id, position=position, text=text))
    for member in members:
        db.session.add(Attendance(meeting_id=meeting.id, member_id=member.id))
    audit.record(
        actor,
        "meeting.schedule",
        "meeting",
        meeting.id,
        community_id=body.community_id,
        after={
            "title": title,
            "body": body.name,
            "starts_at": data.starts_at.isoformat(),
            "proposals": proposal_ids,
            "items": others,
            "members": len(members),
        },
        now=now,
    )
    db.session.commit()
    return meeting


def _open(meeting: Meeting) -> None:
    if meeting.status is MeetingStatus.CANCELLED or meeting.published_at is not None:
        raise ServiceError(ErrorCode.MEETING_CLOSED)


def _clean_items(texts: Iterable[str]) -> list[str]:
    others = [t for t in (clean_line(t) for t in texts) if t]
    if any(len(t) > 200 for t in others):
        raise ServiceError(ErrorCode.TOO_LONG, field="item", max=200)
    return others


def add_agenda_items(
    actor: User,
    meeting: Meeting,
    *,
    proposal_ids: Iterable[int] = (),
    other_items: Iterable[str] = (),
    now: datetime,
) -> int:
    """Put more proposals and other items at the end of the agenda of a meeting still open.
    A proposal already on it is refused (one resolution per proposal and meeting). Returns how
    many items were added."""
    require(actor, ACTION, meeting.community_id)
    _open(meeting)
    allowed = {p.id: p for p in agenda_candidates(meeting.community, now)}
    ids = list(dict.fromkeys(proposal_ids))
    if any(pid not in allowed for pid in ids):
        raise ServiceError(ErrorCode.AGENDA_PROPOSAL_INVALID)
    on_agenda = {i.proposal_id for i in meeting.items if i.proposal_id is not None}
    if on_agenda.intersection(ids):
        raise ServiceError(ErrorCode.AGENDA_ALREADY)
    others = _clean_items(other_items)
    if not ids and not others:
        raise ServiceError(ErrorCode.MEETING_NO_AGENDA)
    if len(meeting.items) + len(ids) + len(others) > MAX_ITEMS:
        raise ServiceError(ErrorCode.TOO_LONG, field="agenda", max=MAX_ITEMS)
    position = max((i.position for i in meeting.items), default=0)
    for pid in ids:
        position += 1
        db.session.add(AgendaItem(meeting_id=meeting.id, position=position, proposal_id=pid))
    for text in others:
        position += 1
        db.session.add(AgendaItem(meeting_id=meeting.id, position=position, text=text))
    if meeting.cycle_id is None and ids:
        meeting.cycle_id = allowed[ids[0]].cycle_id
    audit.record(
        actor,
        "meeting.agenda",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        after={"added_proposals": ids, "added_items": others},
        now=now,
    )
    db.session.commit()
    return len(ids) + len(others)


def remove_agenda_item(actor: User, meeting: Meeting, item: AgendaItem, *, now: datetime) -> None:
    """Take an item off the agenda of a meeting still open: only an item not yet voted on, and
    never the last one (a meeting with nothing to discuss is cancelled, with its reason)."""
    require(actor, ACTION, meeting.community_id)
    if item.meeting_id != meeting.id:
        raise NotFound()
    _open(meeting)
    if item.resolution is not None:
        raise ServiceError(ErrorCode.AGENDA_ITEM_DECIDED)
    if len(meeting.items) <= 1:
        raise ServiceError(ErrorCode.AGENDA_LAST_ITEM)
    audit.record(
        actor,
        "meeting.agenda",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        before={"item": item.subject, "proposal": item.proposal_id},
        after={"removed": True},
        now=now,
    )
    meeting.items.remove(item)
    db.session.delete(item)
    db.session.commit()


def set_secretary(actor: User, meeting: Meeting, member_id: int | None, *, now: datetime) -> None:
    """Name the member who keeps the minutes (None: nobody named). A member of the meeting's
    list only."""
    require(actor, ACTION, meeting.community_id)
    _open(meeting)
    member = None
    if member_id is not None:
        member = next((a.member for a in meeting.attendance if a.member_id == member_id), None)
        if member is None:
            raise ServiceError(ErrorCode.SECRETARY_NOT_MEMBER)
    if meeting.secretary_id == (member.id if member else None):
        return
    before = meeting.secretary.name if meeting.secretary else None
    meeting.secretary_id = member.id if member else None
    audit.record(
        actor,
        "meeting.secretary",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        before={"secretary": before},
        after={"secretary": member.name if member else None},
        now=now,
    )
    db.session.commit()


def record_attendance(
    actor: User, meeting: Meeting, presence: Mapping[int, str], *, now: datetime
) -> int:
    """Mark the members (by member id) present, absent or excused; members not named keep their
    mark. Returns how many marks changed."""
    require(actor, ACTION, meeting.community_id)
    _open(meeting)
    rows = {a.member_id: a for a in meeting.attendance}
    changed: dict[str, str] = {}
    for member_id, value in presence.items():
        row = rows.get(member_id)
        try:
            mark = Presence(value)
        except ValueError:
            raise ServiceError(ErrorCode.REQUIRED, field="presence") from None
        if row is None:
            raise NotFound()
        if row.presence is not mark:
            row.presence = mark
            row.recorded_by_id, row.recorded_at = actor.id, now
            changed[row.member.name] = mark.value
    if changed:
        audit.record(
            actor,
            "meeting.attendance",
            "meeting",
            meeting.id,
            community_id=meeting.community_id,
            after={"marks": changed, "present": meeting.present, "expected": meeting.expected},
            now=now,
        )
    db.session.commit()
    return len(changed)


def check_in(user: User, meeting: Meeting, *, now: datetime) -> bool:
    """A member marks themselves present with the code shown in the room (the web layer checks
    the code). Only a member on the meeting's roster, by their own account; True when the mark
    is new (a second scan changes nothing)."""
    _open(meeting)
    row = next((a for a in meeting.attendance if a.member.user_id == user.id), None)
    if row is None:
        raise ServiceError(ErrorCode.NOT_A_MEMBER)
    if row.presence is Presence.PRESENT:
        return False
    row.presence = Presence.PRESENT
    row.recorded_by_id, row.recorded_at = user.id, now
    audit.record(
        user,
        "meeting.check_in",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        after={"member": row.member.name, "present": meeting.present},
        now=now,
    )
    db.session.commit()
    return True


@dataclass(frozen=True)
class VoteInput:
    votes_for: int = 0
    against: int = 0
    abstain: int = 0
    # For a body that votes by name: member id -> for / against / abstain.
    named: Mapping[int, str] | None = None


def record_vote(
    actor: User, meeting: Meeting, item: AgendaItem, data: VoteInput, *, now: datetime
) -> Resolution:
    """The vote on ``item`` and the resolution it makes. Refused without quorum (with the
    numbers), with more votes than members present and not recused, or when the item already
    has a resolution (a second tap finds the first)."""
    require(actor, ACTION, meeting.community_id)
    if item.meeting_id != meeting.id:
        raise NotFound()
    _open(meeting)
    if item.resolution is not None:
        raise ServiceError(ErrorCode.ITEM_RESOLVED)
    body = meeting.body
    quorum = quorum_of(meeting)
    if not quorum.met:
        raise ServiceError(
            ErrorCode.MEETING_NO_QUORUM,
            present=quorum.present,
            expected=quorum.expected,
            needed=quorum.needed,
        )
    recused = item_recusals(meeting, item)
    recused_ids = {r.member.id for r in recused}
    present_ids = {a.member_id for a in meeting.attendance if a.presence is Presence.PRESENT}
    recused_present = len(recused_ids & present_ids)
    choices: dict[int, Choice] = {}
    if body.vote_mode is VoteMode.NAMED:
        named = data.named or {}
        for member_id, value in named.items():
            if not value:
                continue
            if member_id not in present_ids or member_id in recused_ids:
                raise ServiceError(
                    ErrorCode.VOTES_EXCEED, voters=len(present_ids) - recused_present
                )
            try:
                choices[member_id] = Choice(value)
            except ValueError:
                raise ServiceError(ErrorCode.VOTE_INCOMPLETE) from None
        votes_for, against, abstain = tally_named(choices.values())
    else:
        votes_for, against, abstain = data.votes_for, data.against, data.abstain
        if min(votes_for, against, abstain) < 0:
            raise ServiceError(ErrorCode.VOTES_EXCEED, voters=len(present_ids) - recused_present)
    voters = quorum.present - recused_present
    if votes_for + against + abstain > voters:
        raise ServiceError(ErrorCode.VOTES_EXCEED, voters=voters)
    if votes_for + against + abstain == 0:
        raise ServiceError(ErrorCode.VOTE_INCOMPLETE)
    result = outcome(
        body.rule,
        quorum.expected,
        quorum.present,
        recused_present,
        votes_for,
        against,
        abstain,
        recused_members=len(recused_ids),
    )
    resolution = Resolution(
        item_id=item.id,
        meeting_id=meeting.id,
        body_id=body.id,
        proposal_id=item.proposal_id,
        decision=result.decision,
        members=quorum.expected,
        present=quorum.present,
        recused=recused_present,
        votes_for=votes_for,
        against=against,
        abstain=abstain,
        recusals=[
            {"member_id": r.member.id, "name": r.member.name, "reason": r.reason.value}
            for r in recused
        ],
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    db.session.add(resolution)
    try:
        db.session.flush()
    except IntegrityError:
        # Two taps at once: the database kept the first resolution.
        db.session.rollback()
        raise ServiceError(ErrorCode.ITEM_RESOLVED) from None
    for member_id, choice in choices.items():
        db.session.add(MemberVote(resolution_id=resolution.id, member_id=member_id, choice=choice))
    meeting.status = MeetingStatus.HELD
    audit.record(
        actor,
        "meeting.vote",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        after={
            "item_id": item.id,
            "proposal_id": item.proposal_id,
            "decision": result.decision.value,
            "for": votes_for,
            "against": against,
            "abstain": abstain,
            "recused": recused_present,
            "present": quorum.present,
            "expected": quorum.expected,
        },
        now=now,
    )
    db.session.commit()
    return resolution


def save_minutes(actor: User, meeting: Meeting, text: str, *, now: datetime) -> None:
    require(actor, ACTION, meeting.community_id)
    _open(meeting)
    minutes = clean_text(text or "")
    if len(minutes) > 20000:
        raise ServiceError(ErrorCode.TOO_LONG, field="minutes", max=20000)
    if minutes == meeting.minutes:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    meeting.minutes = minutes
    audit.record(
        actor,
        "meeting.minutes",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        after={"length": len(minutes)},
        now=now,
    )
    db.session.commit()


def publish_meeting(actor: User, meeting: Meeting, *, now: datetime) -> int:
    """Publish the meeting (its minutes and resolutions): each resolution on a proposal goes
    into the proposal's public decision log. Returns how many resolutions were published."""
    require(actor, ACTION, meeting.community_id)
    _open(meeting)
    resolutions = [i.resolution for i in meeting.items if i.resolution is not None]
    if not resolutions:
        raise ServiceError(ErrorCode.NOTHING_TO_PUBLISH)
    meeting.published_at = now
    meeting.status = MeetingStatus.HELD
    for resolution in resolutions:
        resolution.published_at = now
        if resolution.proposal_id is not None:
            audit.record(
                actor,
                "proposal.resolution",
                "proposal",
                resolution.proposal_id,
                community_id=meeting.community_id,
                after=resolution_facts(resolution, meeting),
                now=now,
            )
    audit.record(
        actor,
        "meeting.publish",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        after={"resolutions": len(resolutions)},
        now=now,
    )
    db.session.commit()
    return len(resolutions)


def resolution_facts(resolution: Resolution, meeting: Meeting) -> dict[str, object]:
    """What the decision log shows of a resolution (and what a later step may read)."""
    return {
        "resolution_id": resolution.id,
        "meeting_id": meeting.id,
        "body": meeting.body.name,
        "date": _local_date(meeting.starts_at),
        "starts_at": meeting.starts_at.isoformat(),
        "decision": resolution.decision.value,
        "for": resolution.votes_for,
        "against": resolution.against,
        "abstain": resolution.abstain,
        "recused": resolution.recused,
        "expected": resolution.members,
        "present": resolution.present,
    }


def _local_date(when: datetime) -> str:
    """The meeting's day where it is held (times are stored as naive UTC)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return when.replace(tzinfo=UTC).astimezone(zone).date().isoformat()


def cancel_meeting(actor: User, meeting: Meeting, reason: str, *, now: datetime) -> None:
    require(actor, ACTION, meeting.community_id)
    _open(meeting)
    if any(i.resolution is not None for i in meeting.items):
        raise ServiceError(ErrorCode.MEETING_CLOSED)
    reason = clean_line(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason[:500]
    audit.record(
        actor,
        "meeting.cancel",
        "meeting",
        meeting.id,
        community_id=meeting.community_id,
        after={"note": meeting.cancel_reason},
        now=now,
    )
    db.session.commit()


def published_meeting(meeting_id: int) -> Meeting | None:
    """A meeting for its public page: scheduled, held or published, not cancelled drafts."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    return find_meeting(meeting.community, meeting.id)


def resolutions_published(items: Iterable[AgendaItem]) -> bool:
    return any(i.resolution is not None and i.resolution.published_at for i in items)
