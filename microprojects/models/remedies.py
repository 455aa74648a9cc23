"""Remedies (纠正措施): what the committee corrects, in answer to an upheld objection, before it
counts again: a project withdrawn from the result or its cost corrected. A remedy waits until the
next count applies it (``applied_count_id``); the count records the corrections it counted, so
that its export carries them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.counting import CORRECTION_KINDS
from .accounts import User
from .base import Model, in_check, utcnow
from .counting import Count
from .cycles import Cycle
from .implementation import Objection
from .proposals import Proposal


class Remedy(Model):
    __tablename__ = "remedies"
    __table_args__ = (
        CheckConstraint(in_check("kind", CORRECTION_KINDS), name="kind_known"),
        # A corrected cost is positive; a withdrawal has none.
        CheckConstraint(
            "(kind = 'cost' AND cost_fen IS NOT NULL AND cost_fen > 0)"
            " OR (kind = 'withdraw' AND cost_fen IS NULL)",
            name="cost_fits_kind",
        ),
        CheckConstraint("length(reason) > 0", name="has_reason"),
        # One correction of a project waits for the next count at a time.
        Index(
            "uq_remedies_pending",
            "cycle_id",
            "proposal_id",
            unique=True,
            sqlite_where=text("applied_count_id IS NULL"),
            postgresql_where=text("applied_count_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    objection_id: Mapped[int] = mapped_column(
        ForeignKey("objections.id", ondelete="RESTRICT"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_count_id: Mapped[int | None] = mapped_column(
        ForeignKey("counts.id", ondelete="RESTRICT"), index=True
    )

    cycle: Mapped[Cycle] = relationship()
    objection: Mapped[Objection] = relationship()
    proposal: Mapped[Proposal] = relationship()
    created_by: Mapped[User | None] = relationship()
    applied_count: Mapped[Count | None] = relationship()
