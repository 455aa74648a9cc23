"""The count (计票): stored snapshots of a cycle's result.

A count is taken once voting has closed and is never recomputed: every page and download shows
the stored snapshot. A later count of the same cycle (a correction) is a new row with a higher
``number`` and a reason; the earlier ones stay.

``ballots_digest`` is the SHA-256 of the cycle's canonical Pabulib export (the ballots sorted,
voters numbered 1..n), so anyone holding that file can check it is what was counted and re-run
the rule on it. Amounts in ``result`` are in ``unit``: whole yuan when every cost is whole
yuan (the usual case, and the unit the Add1 completion steps by), otherwise fen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.tally import STORED_RULES
from .accounts import User
from .base import Model, in_check, utcnow
from .cycles import Cycle
from .proposals import Proposal


class Count(Model):
    __tablename__ = "counts"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("unit IN ('yuan', 'fen')", name="unit_known"),
        CheckConstraint(in_check("rule", STORED_RULES), name="rule_known"),
        # A correction always says why.
        CheckConstraint("number = 1 OR length(reason) > 0", name="recount_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int]
    rule: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    unit: Mapped[str] = mapped_column(String(4))
    ballots_digest: Mapped[str] = mapped_column(String(64))
    num_ballots: Mapped[int]
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    cost_used_fen: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Turnout when counted (participations cannot change once voting has closed): the results
    # page shows it without grouping the participations on every request.
    turnout: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cycle: Mapped[Cycle] = relationship()
    created_by: Mapped[User | None] = relationship()
    outcomes: Mapped[list[CountOutcome]] = relationship(
        back_populates="count", order_by="CountOutcome.position", cascade="all, delete-orphan"
    )

    @property
    def fen_per_unit(self) -> int:
        return 100 if self.unit == "yuan" else 1


class CountOutcome(Model):
    """One project's line of a count, in tie-break order."""

    __tablename__ = "count_outcomes"
    __table_args__ = (
        UniqueConstraint("count_id", "proposal_id"),
        UniqueConstraint("count_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("counts.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int]
    rank: Mapped[int]
    score: Mapped[int] = mapped_column(BigInteger)
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    funded: Mapped[bool]
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)

    count: Mapped[Count] = relationship(back_populates="outcomes")
    proposal: Mapped[Proposal] = relationship()
