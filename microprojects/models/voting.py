"""Voting: who voted (participation) kept apart from what was voted (ballot).

- ``participations`` is the one registry of who voted, on the web or on paper: one row per
  cycle and voting unit (a person or a household), enforced by a unique constraint. It records
  the channel (web, paper, or import for an election loaded from a Pabulib file) and the day,
  not the time.
- ``sealed_ballots`` holds each ballot as cast: sealed to the ballot key, which the database
  does not hold, so that the row written beside the participation says nothing to whoever reads
  the database or a backup of it.
- ``ballots`` holds what was chosen, written by the mixer (``services.mixing``) in batches of
  several voters, shuffled, in transactions that touch no participation. A ballot has no link to
  a person, participation or account, no time, and a random identifier; on SQLite it is stored
  without a rowid. Where the cycle allows revision it keeps a revision tag of its receipt, never
  published.
- ``receipts`` is the public list of receipt digests of the mixed ballots, shuffled apart from
  them: a voter finds theirs there, and nothing ties it to a ballot.
- ``paper_entries`` are paper ballots typed in at the office or at a polling station, each typed
  twice by two people (``paper_keyings``, sealed like ballots). Two typings that agree turn the
  entry into a participation and a sealed ballot and erase the typings, so that afterwards
  nothing links the resident to the ballot. An entry is for a person on the roster (with or
  without an account) or for a residency verified without a roster entry; it carries the voting
  unit's key, so that one voting unit has at most one entry waiting.
- ``polling_stations`` are the places a cycle's paper ballots are taken in (the office, a
  school, a square): opened, and closed with the count of ballots received, spoiled and blank.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.people import IdentityCheck
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .residency import Residency, RosterEntry


class Participation(Model):
    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("cycle_id", "voter_key"),
        CheckConstraint("channel IN ('web', 'paper', 'import')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    # The voting unit: "entry:<roster entry>" or "residency:<id>" per person, "household:<id>".
    voter_key: Mapped[str] = mapped_column(String(40))
    residency_id: Mapped[int | None] = mapped_column(
        ForeignKey("residencies.id", ondelete="SET NULL")
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(6))
    day: Mapped[date]
    # ``domain.secrecy.commitment`` of the voter's receipt (none on paper): revising needs it.
    receipt_commitment: Mapped[str | None] = mapped_column(String(64))

    residency: Mapped[Residency | None] = relationship()


class Ballot(Model):
    __tablename__ = "ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    choices: Mapped[list[str]] = mapped_column(JSON)
    points: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    revision_tag: Mapped[str | None] = mapped_column(String(64), unique=True)


class SealedBallot(Model):
    """A ballot as cast, sealed to the ballot key, until the mixer opens it."""

    __tablename__ = "sealed_ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PublishedReceipt(Model):
    """The published digest of a mixed ballot's receipt, with nothing that ties it to one."""

    __tablename__ = "receipts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)


class PollingStation(Model):
    """A place where a cycle's paper ballots are taken in and typed (the community office, a
    school, a square), opened by the committee. Closing it records the ballots received, spoiled
    and blank; the service checks that they add up with the entries typed there."""

    __tablename__ = "polling_stations"
    __table_args__ = (
        # Named as its migration created it (the convention's name would be longer).
        UniqueConstraint("cycle_id", "community_id", "name", name="uq_polling_stations_cycle_id"),
        # The reconciliation's numbers are there exactly when the station is closed.
        CheckConstraint(
            "(closed_at IS NULL AND received IS NULL AND spoiled IS NULL AND blank IS NULL)"
            " OR (closed_at IS NOT NULL AND received IS NOT NULL AND spoiled IS NOT NULL"
            " AND blank IS NOT NULL)",
            name="reconciled_when_closed",
        ),
        CheckConstraint(
            "received IS NULL OR (received >= 0 AND spoiled >= 0 AND blank >= 0)",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(60))
    place: Mapped[str] = mapped_column(String(200), default="")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    received: Mapped[int | None]
    spoiled: Mapped[int | None]
    blank: Mapped[int | None]

    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PaperEntry(Model):
    """A paper ballot of a person on the roster (``roster_entry_id``, whether or not they have an
    account) or of a residency verified without a roster entry (``residency_id``). It counts
    once two different people have typed it alike (``PaperKeying``), each without seeing the
    other's typing; typings that differ leave it in dispute until a further typing agrees with
    one of them, or it is discarded with a reason."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'mismatch', 'confirmed', 'discarded')", name="status_known"
        ),
        # Decided exactly when confirmed or discarded.
        CheckConstraint(
            "(status IN ('pending', 'mismatch') AND decided_at IS NULL)"
            " OR (status IN ('confirmed', 'discarded') AND decided_at IS NOT NULL)",
            name="decided_when_closed",
        ),
        CheckConstraint(
            "roster_entry_id IS NOT NULL OR residency_id IS NOT NULL", name="voter_named"
        ),
        CheckConstraint(enum_check("identity_check", IdentityCheck), name="identity_check_known"),
        # One entry waiting per voting unit (a person, or a household where the cycle votes so).
        Index(
            "uq_paper_entries_open",
            "cycle_id",
            "voter_key",
            unique=True,
            sqlite_where=text("status IN ('pending', 'mismatch')"),
            postgresql_where=text("status IN ('pending', 'mismatch')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    residency_id: Mapped[int | None] = mapped_column(
        ForeignKey("residencies.id", ondelete="RESTRICT")
    )
    roster_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_entries.id", ondelete="RESTRICT")
    )
    # The voting unit's key, as the participation will have it.
    voter_key: Mapped[str] = mapped_column(String(40))
    station_id: Mapped[int | None] = mapped_column(
        ForeignKey("polling_stations.id", ondelete="RESTRICT"), index=True
    )
    identity_check: Mapped[IdentityCheck] = mapped_column(enum_type(IdentityCheck, 16))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(300), default="")

    residency: Mapped[Residency | None] = relationship()
    roster_entry: Mapped[RosterEntry | None] = relationship()
    station: Mapped[PollingStation | None] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    keyings: Mapped[list[PaperKeying]] = relationship(
        back_populates="entry", order_by="PaperKeying.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "mismatch")

    @property
    def full_name(self) -> str:
        if self.roster_entry is not None:
            return self.roster_entry.full_name
        assert self.residency is not None
        return self.residency.full_name

    @property
    def address(self) -> str:
        if self.roster_entry is not None:
            return self.roster_entry.household.address
        assert self.residency is not None
        return self.residency.address


class PaperKeying(Model):
    """One person's typing of a paper ballot, sealed to the ballot key like a cast ballot; the
    sealed text is erased once the entry is confirmed or discarded. One typing per person and
    entry: a second look at the paper by the same person replaces their typing."""

    __tablename__ = "paper_keyings"
    # Named as its migration created it (the convention's name would be longer).
    __table_args__ = (
        UniqueConstraint("entry_id", "keyed_by_id", name="uq_paper_keyings_entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("paper_entries.id", ondelete="CASCADE"), index=True
    )
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    keyed_at: Mapped[datetime]
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    entry: Mapped[PaperEntry] = relationship(back_populates="keyings")
    keyed_by: Mapped[User | None] = relationship()
