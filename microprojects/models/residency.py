"""Who may take part: the roster of households and people, household codes, and the verified
residency that links one account to one community.

The invariants of one-person-one-vote live here, in the database:
- an account has at most one residency (``residencies.user_id`` unique), so it is verified for
  exactly one community;
- a roster entry backs at most one residency (``residencies.roster_entry_id`` unique), and once
  claimed keeps ``claimed_at`` for good, even when the account that claimed it is deleted;
- a code is claimed at most once, and a member has at most one live (unclaimed, unrevoked) code.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.people import Basis, RosterStanding
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .places import Community, Grid


class ResidencyStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"  # the account was deleted or the committee ended the residency


class VerificationMethod(StrEnum):
    CODE = "code"  # claimed a household code
    ROSTER = "roster"  # matched to the roster by the committee
    MANUAL = "manual"  # work or study basis, checked by the committee in person


class Household(Model):
    """A household (户) of the roster, known by its address within the community."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("community_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(200))

    community: Mapped[Community] = relationship()
    grid: Mapped[Grid | None] = relationship()
    members: Mapped[list[RosterEntry]] = relationship(
        back_populates="household", order_by="RosterEntry.id"
    )


class RosterEntry(Model):
    """One person on a community's roster (居民名册)."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        UniqueConstraint("household_id", "full_name"),
        CheckConstraint(enum_check("basis", Basis), name="basis_known"),
        CheckConstraint("claimed_by_id IS NULL OR claimed_at IS NOT NULL", name="claim_dated"),
        CheckConstraint(enum_check("standing", RosterStanding), name="standing_known"),
        # Whoever is marked moved away or deceased is marked so on a day.
        CheckConstraint(
            "standing = 'active' OR standing_changed_at IS NOT NULL", name="standing_dated"
        ),
        CheckConstraint("id_tail IS NULL OR length(id_tail) BETWEEN 4 AND 6", name="id_tail_short"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="RESTRICT"))
    full_name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(11))
    birth_date: Mapped[date | None]
    basis: Mapped[Basis] = mapped_column(enum_type(Basis, 10), default=Basis.LIVE)
    # The last digits (4 to 6) of the person's ID card number, to find them at a polling
    # station; never the whole number.
    id_tail: Mapped[str | None] = mapped_column(String(6))
    standing: Mapped[RosterStanding] = mapped_column(
        enum_type(RosterStanding, 10), default=RosterStanding.ACTIVE
    )
    standing_changed_at: Mapped[datetime | None]
    standing_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once when an account claims this person, never cleared: deleting that account later
    # must not free the entry for a second account (and so a second vote).
    claimed_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    community: Mapped[Community] = relationship()
    household: Mapped[Household] = relationship(back_populates="members")
    claimed_by: Mapped[User | None] = relationship()

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None

    @property
    def is_active(self) -> bool:
        return self.standing is RosterStanding.ACTIVE


class HouseholdCode(Model):
    """A single-use code (入户码) for one roster entry, handed out on paper by grid workers."""

    __tablename__ = "household_codes"
    __table_args__ = (
        CheckConstraint("claimed_by_id IS NULL OR claimed_at IS NOT NULL", name="claim_dated"),
        CheckConstraint("NOT (claimed_at IS NOT NULL AND revoked_at IS NOT NULL)", name="one_end"),
        # At most one live code per person: issuing a new one revokes the old.
        Index(
            "uq_household_codes_live_entry",
            "roster_entry_id",
            unique=True,
            sqlite_where=text("claimed_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=text("claimed_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    roster_entry_id: Mapped[int] = mapped_column(
        ForeignKey("roster_entries.id", ondelete="RESTRICT")
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    roster_entry: Mapped[RosterEntry] = relationship()

    @property
    def is_live(self) -> bool:
        return self.claimed_at is None and self.revoked_at is None


class Residency(Model):
    """An account's request to take part in a community, and the committee's decision on it."""

    __tablename__ = "residencies"
    __table_args__ = (
        CheckConstraint(enum_check("status", ResidencyStatus), name="status_known"),
        CheckConstraint(enum_check("basis", Basis), name="basis_known"),
        CheckConstraint(
            "method IS NULL OR " + enum_check("method", VerificationMethod), name="method_known"
        ),
        # A verified residency says how and when; living there is proved by the roster.
        CheckConstraint(
            "status <> 'verified' OR (method IS NOT NULL AND decided_at IS NOT NULL)",
            name="verified_has_method",
        ),
        CheckConstraint(
            "status <> 'verified' OR basis <> 'live' OR roster_entry_id IS NOT NULL",
            name="live_needs_roster",
        ),
        CheckConstraint(
            "status NOT IN ('rejected', 'revoked') OR decided_at IS NOT NULL", name="end_dated"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    roster_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_entries.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[ResidencyStatus] = mapped_column(
        enum_type(ResidencyStatus, 10), default=ResidencyStatus.PENDING
    )
    basis: Mapped[Basis] = mapped_column(enum_type(Basis, 10), default=Basis.LIVE)
    method: Mapped[VerificationMethod | None] = mapped_column(enum_type(VerificationMethod, 10))
    full_name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(11))
    birth_date: Mapped[date | None]
    address: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="residency")
    community: Mapped[Community] = relationship()
    roster_entry: Mapped[RosterEntry | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_verified(self) -> bool:
        return self.status == ResidencyStatus.VERIFIED
