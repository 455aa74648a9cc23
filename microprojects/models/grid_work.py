"""Grid workers (网格员): an account given one grid of a community by its committee, until the
committee ends it. The assignment's row stays when it ends, so that who worked where, given and
ended by whom, is kept.

The database keeps one live assignment per account and grid (a partial unique index, as for the
live household codes): a double tap gives it once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import User
from .base import Model, utcnow
from .places import Grid


class GridAssignment(Model):
    __tablename__ = "grid_assignments"
    __table_args__ = (
        CheckConstraint("ended_by_id IS NULL OR ended_at IS NOT NULL", name="end_dated"),
        CheckConstraint("ended_at IS NULL OR ended_at >= given_at", name="ends_after_start"),
        Index(
            "uq_grid_assignments_live",
            "user_id",
            "grid_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"), index=True)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    grid: Mapped[Grid] = relationship()
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def is_live(self) -> bool:
        return self.ended_at is None
