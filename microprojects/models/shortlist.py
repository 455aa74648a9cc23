"""The shortlist's 公示 before voting (候选项目公示): its publication, once per cycle, and the
residents' objections to it with the committee's public answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.implementation import ObjectionStatus
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .cycles import Cycle
from .proposals import Proposal


class ShortlistPublication(Model):
    """A cycle's shortlist, published once: the unique cycle decides a double publish."""

    __tablename__ = "shortlist_publications"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
        CheckConstraint("ends_at > published_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), unique=True)
    days: Mapped[int]
    published_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cycle: Mapped[Cycle] = relationship()
    published_by: Mapped[User | None] = relationship()


class ShortlistObjection(Model):
    """An objection to the published shortlist, about one proposal or the list as a whole."""

    __tablename__ = "shortlist_objections"
    __table_args__ = (
        CheckConstraint(enum_check("status", ObjectionStatus), name="status_known"),
        CheckConstraint("length(reason) > 0", name="has_reason"),
        CheckConstraint(
            "status = 'open' OR (length(answer) > 0 AND answered_at IS NOT NULL)",
            name="answered_has_answer",
        ),
        # Only an upheld objection about a proposal reopens it.
        CheckConstraint(
            "reopened_at IS NULL OR (status = 'upheld' AND proposal_id IS NOT NULL)",
            name="reopened_when_upheld",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_type(ObjectionStatus, 10), default=ObjectionStatus.OPEN
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
