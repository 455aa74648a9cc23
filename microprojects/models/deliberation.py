"""Deliberative bodies of a community (两委会, 居务协商会, 居民代表会议, 党员大会), their members,
meetings, agenda items, attendance and resolutions (决议).

A meeting's roster is fixed when it is scheduled: one attendance row per member then (absent
until marked), so that "应到" stays what it was whoever joins the body later. A resolution names
its body, meeting, item and proposal (if any), the decision and the counts, so that a later step
(screening by resolution) reads it without recomputing anything.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.deliberation import (
    BodyKind,
    Choice,
    Decision,
    MajorityBase,
    MeetingStatus,
    Presence,
    Rule,
    VoteMode,
)
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .cycles import Cycle
from .places import Community
from .proposals import Proposal


class Body(Model):
    __tablename__ = "bodies"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        CheckConstraint(enum_check("kind", BodyKind), name="kind_known"),
        CheckConstraint(enum_check("majority_base", MajorityBase), name="base_known"),
        CheckConstraint(enum_check("vote_mode", VoteMode), name="mode_known"),
        CheckConstraint(
            "quorum_den > 0 AND quorum_num > 0 AND quorum_num <= quorum_den", name="quorum_fraction"
        ),
        CheckConstraint(
            "majority_den > 0 AND majority_num >= 0 AND majority_num < majority_den",
            name="majority_fraction",
        ),
        CheckConstraint("length(name) > 0", name="named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    kind: Mapped[BodyKind] = mapped_column(enum_type(BodyKind, 16))
    name: Mapped[str] = mapped_column(String(60))
    quorum_num: Mapped[int] = mapped_column(default=2)
    quorum_den: Mapped[int] = mapped_column(default=3)
    majority_num: Mapped[int] = mapped_column(default=1)
    majority_den: Mapped[int] = mapped_column(default=2)
    majority_base: Mapped[MajorityBase] = mapped_column(
        enum_type(MajorityBase, 8), default=MajorityBase.PRESENT
    )
    vote_mode: Mapped[VoteMode] = mapped_column(enum_type(VoteMode, 8), default=VoteMode.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship()
    members: Mapped[list[BodyMember]] = relationship(
        back_populates="body", order_by="BodyMember.id"
    )

    @property
    def rule(self) -> Rule:
        return Rule(
            Fraction(self.quorum_num, self.quorum_den),
            Fraction(self.majority_num, self.majority_den),
            self.majority_base,
            self.vote_mode,
        )

    @property
    def current_members(self) -> list[BodyMember]:
        return [m for m in self.members if m.left_at is None]


class BodyMember(Model):
    """A member: an account (resident or committee) or a named person without one."""

    __tablename__ = "body_members"
    __table_args__ = (
        UniqueConstraint("body_id", "user_id"),
        CheckConstraint("length(name) > 0", name="named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20), default="")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    body: Mapped[Body] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()


class Meeting(Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(enum_check("status", MeetingStatus), name="status_known"),
        CheckConstraint("length(title) > 0", name="titled"),
        CheckConstraint(
            "status <> 'cancelled' OR length(cancel_reason) > 0", name="cancelled_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, 10), default=MeetingStatus.SCHEDULED
    )
    secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("body_members.id", ondelete="SET NULL")
    )
    minutes: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship()
    community: Mapped[Community] = relationship()
    cycle: Mapped[Cycle | None] = relationship()
    secretary: Mapped[BodyMember | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", order_by="Attendance.member_id"
    )

    @property
    def expected(self) -> int:
        return len(self.attendance)

    @property
    def present(self) -> int:
        return sum(1 for a in self.attendance if a.presence is Presence.PRESENT)


class AgendaItem(Model):
    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position"),
        CheckConstraint("proposal_id IS NOT NULL OR length(text) > 0", name="has_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    proposal: Mapped[Proposal | None] = relationship()
    resolution: Mapped[Resolution | None] = relationship(back_populates="item")

    @property
    def subject(self) -> str:
        return self.proposal.display_title if self.proposal is not None else self.text


class Attendance(Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        CheckConstraint(enum_check("presence", Presence), name="presence_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("body_members.id", ondelete="RESTRICT"))
    presence: Mapped[Presence] = mapped_column(enum_type(Presence, 8), default=Presence.ABSENT)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[BodyMember] = relationship()


class Resolution(Model):
    """The decision on one agenda item, with the counts it was taken on (one per item)."""

    __tablename__ = "resolutions"
    __table_args__ = (
        UniqueConstraint("item_id"),
        CheckConstraint(enum_check("decision", Decision), name="decision_known"),
        CheckConstraint(
            "votes_for >= 0 AND against >= 0 AND abstain >= 0 AND recused >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint("present <= members AND recused <= present", name="present_fits"),
        CheckConstraint(
            "votes_for + against + abstain <= present - recused", name="votes_fit_present"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="RESTRICT"), index=True
    )
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, 10))
    members: Mapped[int]
    present: Mapped[int]
    recused: Mapped[int]
    votes_for: Mapped[int]
    against: Mapped[int]
    abstain: Mapped[int]
    # Who was recused and why: [{"member_id", "name", "reason"}], as shown at the meeting.
    recusals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    item: Mapped[AgendaItem] = relationship(back_populates="resolution")
    meeting: Mapped[Meeting] = relationship()
    body: Mapped[Body] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    votes: Mapped[list[MemberVote]] = relationship(order_by="MemberVote.member_id")


class MemberVote(Model):
    """A member's vote on an item, for a body that votes by name."""

    __tablename__ = "member_votes"
    __table_args__ = (
        UniqueConstraint("resolution_id", "member_id"),
        CheckConstraint(enum_check("choice", Choice), name="choice_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("body_members.id", ondelete="RESTRICT"))
    choice: Mapped[Choice] = mapped_column(enum_type(Choice, 8))

    member: Mapped[BodyMember] = relationship()
