"""After the count: objections (异议) to provisional results, and the implementation (实施) of each
funded project, with its spending, milestones, dated updates and photos; residents follow it,
rate it once it is completed (once each, enforced here) and report problems."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.contracts import UpdateReview
from ..domain.implementation import ObjectionStatus, Status
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .counting import Count
from .cycles import Cycle
from .proposals import Proposal


class Objection(Model):
    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint(enum_check("status", ObjectionStatus), name="status_known"),
        CheckConstraint("length(reason) > 0", name="has_reason"),
        # An answered objection has its public answer.
        CheckConstraint(
            "status = 'open' OR (length(answer) > 0 AND answered_at IS NOT NULL)",
            name="answered_has_answer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("counts.id", ondelete="RESTRICT"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_type(ObjectionStatus, 10), default=ObjectionStatus.OPEN
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    count: Mapped[Count] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class Implementation(Model):
    __tablename__ = "implementations"
    __table_args__ = (
        CheckConstraint(enum_check("status", Status), name="status_known"),
        CheckConstraint("progress_pct >= 0 AND progress_pct <= 100", name="progress_range"),
        CheckConstraint("planned_fen >= 0", name="planned_positive"),
        # The target of a procurement package item's (implementation, cycle) key.
        Index("uq_implementations_id_cycle", "id", "cycle_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), unique=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    contractor: Mapped[str] = mapped_column(String(120), default="")
    planned_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[Status] = mapped_column(enum_type(Status, 12), default=Status.NOT_STARTED)
    progress_pct: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_on: Mapped[date | None]
    accepted_on: Mapped[date | None]

    proposal: Mapped[Proposal] = relationship()
    spending: Mapped[list[Spending]] = relationship(
        back_populates="implementation",
        order_by="(Spending.spent_on, Spending.id)",
        cascade="all, delete-orphan",
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="implementation",
        order_by="(Milestone.position, Milestone.id)",
        cascade="all, delete-orphan",
    )
    # Only published updates: a supplier's update waiting for the committee's approval (or
    # returned) is shown on no public page, report or export.
    updates: Mapped[list[ProgressUpdate]] = relationship(
        primaryjoin="and_(ProgressUpdate.implementation_id == Implementation.id, "
        "ProgressUpdate.review_status == 'published')",
        order_by="ProgressUpdate.created_at.desc()",
        viewonly=True,
    )


class Spending(Model):
    __tablename__ = "spending"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(
        ForeignKey("implementations.id", ondelete="CASCADE"), index=True
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    spent_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A payment against the project's delivery contract (every entry made once it has one).
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_contracts.id", ondelete="RESTRICT"), index=True
    )

    implementation: Mapped[Implementation] = relationship(back_populates="spending")


class Milestone(Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(
        ForeignKey("implementations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    planned_on: Mapped[date | None]
    done_on: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)

    implementation: Mapped[Implementation] = relationship(back_populates="milestones")


class ProgressUpdate(Model):
    """A dated public note on the work, with the status and percentage at that moment. One
    posted by the supplier's organization is pending until the committee approves it."""

    __tablename__ = "progress_updates"
    __table_args__ = (
        CheckConstraint(enum_check("review_status", UpdateReview), name="review_known"),
        CheckConstraint(
            "review_status = 'published' OR organization_id IS NOT NULL", name="only_orgs_wait"
        ),
        CheckConstraint(
            "review_status <> 'returned' OR length(return_reason) > 0", name="returned_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(
        ForeignKey("implementations.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    progress_pct: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_status: Mapped[UpdateReview] = mapped_column(
        enum_type(UpdateReview, 10), default=UpdateReview.PUBLISHED, server_default="published"
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    implementation: Mapped[Implementation] = relationship()
    photos: Mapped[list[ProgressPhoto]] = relationship(
        back_populates="update", order_by="ProgressPhoto.id", cascade="all, delete-orphan"
    )


class ProgressPhoto(Model):
    __tablename__ = "progress_photos"
    __table_args__ = (CheckConstraint("kind IN ('before', 'during', 'after')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("progress_updates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(6))
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]

    update: Mapped[ProgressUpdate] = relationship(back_populates="photos")


class Follow(Model):
    """A person who asked to hear of a project's progress."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(Model):
    """One resident's judgement of a finished project: once each, enforced by the database."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint("stars >= 1 AND stars <= 5", name="stars_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stars: Mapped[int]
    comment: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class ProblemReport(Model):
    """A resident's report of a problem with a funded project, answered publicly."""

    __tablename__ = "problem_reports"
    __table_args__ = (
        CheckConstraint("length(body) > 0", name="has_body"),
        CheckConstraint("answered_at IS NULL OR length(answer) > 0", name="answered_has_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    photo_filename: Mapped[str | None] = mapped_column(String(80), unique=True)
    photo_mime: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
