"""Proposals (微实事 from idea to ballot), their photos, co-proposers, supports (附议),
assessments (可行性评估) and the comments of the deliberation, with their reports.

The lifecycle is the table in ``domain.lifecycle``; the database ties fields to states: a merged
proposal points to the one it joined, a rejected one has a public reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.cycles import Feasibility, ProjectType, Stance
from ..domain.lifecycle import ProposalState
from .accounts import Organization, User
from .base import Model, enum_check, enum_type, utcnow
from .cycles import Cycle
from .places import Community

if TYPE_CHECKING:
    from .offers import ServiceOffer


class Proposal(Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(enum_check("state", ProposalState), name="state_known"),
        CheckConstraint(enum_check("project_type", ProjectType), name="type_known"),
        CheckConstraint(
            "(state = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_into_self"),
        CheckConstraint(
            "state <> 'rejected' OR length(rejection_reason) > 0", name="rejected_has_reason"
        ),
        CheckConstraint("estimated_cost_fen >= 0", name="cost_positive"),
        CheckConstraint(
            "revised_cost_fen IS NULL OR revised_cost_fen >= 0", name="revised_positive"
        ),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="both_coordinates"),
        # A withdrawn draft was never submitted; every other state past draft was.
        CheckConstraint(
            "state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL", name="submitted_dated"
        ),
        Index("ix_proposals_cycle_state", "cycle_id", "state"),
        # Typed in for someone: at the office ("office") or by a grid worker at the door
        # ("door"), who must have had the resident's consent to submit it under their name.
        CheckConstraint(
            "entry_channel IS NULL OR entry_channel IN ('office', 'door')", name="channel_known"
        ),
        CheckConstraint(
            "entry_channel IS NULL OR entry_channel <> 'door' OR consent_at IS NOT NULL",
            name="door_has_consent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    state: Mapped[ProposalState] = mapped_column(
        enum_type(ProposalState, 12), default=ProposalState.DRAFT
    )
    title: Mapped[str] = mapped_column(String(80))
    ballot_title: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    project_type: Mapped[ProjectType] = mapped_column(
        enum_type(ProjectType, 12), default=ProjectType.SERVICE
    )
    location: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    estimated_cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    revised_cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    cost_note: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[str] = mapped_column(String(200), default="")
    tag_small: Mapped[bool] = mapped_column(default=False)  # 微
    tag_urgent: Mapped[bool] = mapped_column(default=False)  # 急
    tag_hard: Mapped[bool] = mapped_column(default=False)  # 难
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    # Proposals brought to the office on paper or by word of mouth: who typed it in, for whom.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf_of: Mapped[str] = mapped_column(String(60), default="")
    entry_channel: Mapped[str | None] = mapped_column(String(6))
    consent_at: Mapped[datetime | None]
    # A proposal the committee made from a resident's small wish (微心愿), at most one per wish.
    wish_id: Mapped[int | None] = mapped_column(
        ForeignKey("wishes.id", ondelete="RESTRICT"), index=True, unique=True
    )
    # A proposal made from an offer of the service menu (点单): the offer, and its price and
    # the quantity ordered as they were then (the offer may change later; this does not).
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_offers.id", ondelete="RESTRICT"), index=True
    )
    offer_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    offer_quantity: Mapped[int | None]
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT")
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    cycle: Mapped[Cycle] = relationship()
    community: Mapped[Community] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organization: Mapped[Organization | None] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])
    offer: Mapped[ServiceOffer | None] = relationship(viewonly=True)
    photos: Mapped[list[ProposalPhoto]] = relationship(
        back_populates="proposal", order_by="ProposalPhoto.position", cascade="all, delete-orphan"
    )
    co_proposers: Mapped[list[CoProposer]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan"
    )

    @property
    def cost_fen(self) -> int:
        """The cost that counts: the committee's revision if there is one."""
        return (
            self.revised_cost_fen if self.revised_cost_fen is not None else self.estimated_cost_fen
        )

    @property
    def display_title(self) -> str:
        return self.ballot_title or self.title

    def snapshot(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "title": self.title,
            "ballot_title": self.ballot_title,
            "estimated_cost_fen": self.estimated_cost_fen,
            "revised_cost_fen": self.revised_cost_fen,
        }


class ProposalPhoto(Model):
    __tablename__ = "proposal_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    # A random name under the upload folder: nothing of the uploader's file name is kept.
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="photos")


class CoProposer(Model):
    __tablename__ = "co_proposers"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    proposal: Mapped[Proposal] = relationship(back_populates="co_proposers")
    user: Mapped[User] = relationship()


class Support(Model):
    """A resident's support (附议): once per proposal, enforced here."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assessment(Model):
    """A committee member's feasibility assessment (可行性评估), with the checklist answered."""

    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint(enum_check("feasibility", Feasibility), name="known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answers: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    feasibility: Mapped[Feasibility] = mapped_column(enum_type(Feasibility, 16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class Comment(Model):
    """A comment of the deliberation, one level of replies deep, with a stance."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(enum_check("stance", Stance), name="stance_known"),
        CheckConstraint(
            "(hidden_at IS NULL) OR length(hidden_reason) > 0", name="hidden_has_reason"
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[Stance] = mapped_column(enum_type(Stance, 8), default=Stance.NEUTRAL)
    is_official: Mapped[bool] = mapped_column(default=False)  # the committee's reply
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Hidden pending review (by reports) or by the committee, always with a public reason.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id")
    reports: Mapped[list[CommentReport]] = relationship(
        back_populates="comment", cascade="all, delete-orphan"
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentReport(Model):
    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="reports")


class Notification(Model):
    """Something that happened to a proposal one follows, shown in the account."""

    __tablename__ = "notifications"
    # A notice that must reach each person once (an announcement, a project's outcome) has a
    # key; the others have none, and NULLs do not collide.
    __table_args__ = (UniqueConstraint("user_id", "once_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    once_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    proposal: Mapped[Proposal | None] = relationship()
