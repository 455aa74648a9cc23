"""Small wishes (点亮微心愿): a resident's need sent all year, and the committee's one answer.
The database holds what each answer needs (``domain.wishes``) as CHECKs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.wishes import WishStatus
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .places import Community
from .proposals import Proposal


class Wish(Model):
    __tablename__ = "wishes"
    __table_args__ = (
        CheckConstraint(enum_check("status", WishStatus), name="status_known"),
        CheckConstraint("length(text) > 0", name="has_text"),
        # Open: no answer yet. Answered: who and when.
        CheckConstraint("(status = 'open') = (answered_at IS NULL)", name="answered_when_not_open"),
        CheckConstraint(
            "status <> 'open' OR (answer = '' AND referred_to = '' AND answered_by_id IS NULL)",
            name="open_has_no_answer",
        ),
        # A referral says where to and what was answered; a decline gives its reason.
        CheckConstraint(
            "(status = 'referred') = (length(referred_to) > 0)", name="referred_has_where"
        ),
        CheckConstraint(
            "status NOT IN ('referred', 'declined') OR length(answer) > 0",
            name="answer_has_text",
        ),
        CheckConstraint("(photo_filename IS NULL) = (photo_mime IS NULL)", name="photo_has_mime"),
        Index("ix_wishes_community_id_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(60), default="")
    photo_filename: Mapped[str | None] = mapped_column(String(80), unique=True)
    photo_mime: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[WishStatus] = mapped_column(enum_type(WishStatus, 10), default=WishStatus.OPEN)
    answer: Mapped[str] = mapped_column(Text, default="")
    referred_to: Mapped[str] = mapped_column(String(40), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    proposal: Mapped[Proposal | None] = relationship(
        primaryjoin="Wish.id == foreign(Proposal.wish_id)", viewonly=True, uselist=False
    )

    def snapshot(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "answer": self.answer,
            "referred_to": self.referred_to,
        }
