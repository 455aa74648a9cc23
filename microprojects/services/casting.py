"""The cast's fast path: reading the cycle a ballot is cast in, and writing the participation and
the sealed ballot. The use cases around a cast (eligibility, the receipt, revision, paper
ballots) are in :mod:`.voting`, which calls this module.

On voting day the load is casts, so this module departs from the plain ORM code of the others,
and each departure stays only for what it is measured to save of a cast: more than 5% of its
time. Measured on 2026-12-05, PostgreSQL 15, on a 2-core machine, two ways, each comparing the
code as it is with the same code less one trick:

- in process: CPU ms of the app's process (``time.process_time``) and wall ms per cast request,
  through Flask's test client, production settings; 100 residents cast in turn, each variant in
  a cycle of its own (five projects), rounds interleaved in random order, the median of the
  rounds' means. The code as it is: 3.39 ms CPU and 5.25 ms wall a cast (5 rounds);
- the benchmark, ``python -m bench --only http --backend postgresql`` (3 rounds, the machine
  otherwise idle): the cast request alone, as a ratio to baseline B of the same round. The code
  as it is: 0.350 x B (330 casts/s) and, 35 minutes later, 0.379 x B (366 casts/s). The same
  code moves by 8% from run to run: the benchmark confirms the large figures below, and only
  the in-process measure resolves the small ones.

The tricks kept, and what a cast costs without each (in process, two runs of 5 rounds, the
first on the code before the removals below; the benchmark, one run):

- The participation's writes are compiled once, to SQL text (``_Written``): SQLAlchemy gives a
  dialect's INSERT ... ON CONFLICT no cache key, so it would compile it at every cast. Without:
  +58% and +63% CPU, +38% and +28% wall; 0.243 x B (238 casts/s).
- The cycle is read as plain rows (``VotingCycle``, ``find_voting_cycle``), its ballot's costs
  and titles in the same statement, rather than as the ORM ``Cycle`` and then its projects.
  Without: +41% and +54% CPU, +29% and +45% wall; 0.250 x B (243 casts/s).
- PostgreSQL writes the participation and the sealed ballot in one statement (a data-modifying
  WITH), which also says how many sealed ballots wait for the mixer; SQLite, which has no such
  WITH, takes two inserts and the mixer's count. Without (SQLite's way on PostgreSQL): +24% and
  +29% CPU, +21% and +20% wall; 0.265 x B (252 casts/s).
- The participation's INSERT ... SELECT reads the voting unit and grid from the roster, rather
  than a query before it. Without: +15% and +14% CPU, +9% and +1% wall; 0.315 x B (305
  casts/s).

ON CONFLICT DO NOTHING is no speed trick: a plain INSERT costs 3% to 4% less CPU. It stays so
that a second ballot for the same voting unit leaves no error line in the database's log, where
it would name the voter and the time.

Measured and removed, each worth less than 5% of a cast in process: running the statements on
the session's connection around the ORM (3.2%, 6.8% and 3.2% of CPU in three comparisons, 4% of
wall or less; the benchmark with it: 0.370 x B, 378 casts/s); the ballot's costs packed in one
string ("id:fen,...") and its titles in a JSON object, by a statement of each database's own,
rather than a row for each project (the packing was 0.8% and 1.3% slower; the benchmark with it:
0.372 x B, 355 casts/s); a receipt drawn as one random number rather than sixteen characters
(1.9%, 1.0% and 0.1%). The code with all three, as it was before: 0.391 x B (366 casts/s),
within the benchmark's run-to-run spread of the code as it is.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    TextClause,
    and_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.lifecycle import ProposalState
from ..extensions import db
from ..models import (
    Community,
    Cycle,
    Household,
    Participation,
    Proposal,
    Residency,
    RosterEntry,
    SealedBallot,
)
from ..models.cycles import rule_of, schedule_of
from .voting_cycle import CastingCycle, VotingCycle

# --- the cycle ---------------------------------------------------------------------------------

_ON_BALLOT = and_(Proposal.cycle_id == Cycle.id, Proposal.state == ProposalState.APPROVED.value)
# A street's communities as one column ("id,id"), so that a street's cycle is one statement too.
_STREET_COMMUNITIES = select(func.aggregate_strings(cast(Community.id, String), ",")).where(
    Community.street_id == Cycle.street_id
)
_CAST_COLUMNS = (
    "id", "community_id", "collecting_at", "screening_at", "voting_at", "publication_at",
    "implementation_at", "closed_at", "ballot_kind", "ballot_min", "ballot_max", "budget_fen",
    "ballot_min_share_pct", "points_total", "points_max", "rank_k", "vote_unit",
    "allow_revision", "min_age", "allow_work", "allow_study", "title", "shortlist_days",
)  # fmt: skip
_cycles = Cycle.__table__.c
# The cycle's columns, on each of its ballot's projects (one row with none): its id, cost and
# ballot title.
_VOTING_CYCLE = (
    select(
        *(_cycles[name] for name in _CAST_COLUMNS),
        _STREET_COMMUNITIES.scalar_subquery().label("street_communities"),
        Proposal.id.label("project_id"),
        func.coalesce(Proposal.revised_cost_fen, Proposal.estimated_cost_fen).label("cost"),
        func.coalesce(Proposal.ballot_title, Proposal.title).label("project_title"),
    )
    .select_from(Cycle)
    .outerjoin(Proposal, _ON_BALLOT)
    .where(_cycles.id == bindparam("id"))
    .order_by(Proposal.id)
)


def find_voting_cycle(cycle_id: int) -> VotingCycle | None:
    """The cycle a ballot is cast in, with its ballot's costs and titles, in one statement."""
    rows = db.session.execute(_VOTING_CYCLE, {"id": cycle_id}).all()
    if not rows:
        return None
    row = rows[0]
    if row.community_id is not None:
        communities = [row.community_id]
    else:
        communities = [int(c) for c in (row.street_communities or "").split(",") if c]
    projects = [r for r in rows if r.project_id is not None]
    return VotingCycle(
        id=row.id,
        title=row.title,
        schedule=schedule_of(row),
        rule=rule_of(row),
        ballot_kind=row.ballot_kind,
        vote_unit=row.vote_unit,
        allow_revision=row.allow_revision,
        community_ids=communities,
        min_age=row.min_age,
        allow_work=row.allow_work,
        allow_study=row.allow_study,
        shortlist_days=row.shortlist_days,
        costs={str(r.project_id): int(r.cost) for r in projects},
        titles={str(r.project_id): r.project_title for r in projects},
    )


# --- the write ---------------------------------------------------------------------------------

_PARTICIPATION_COLUMNS = [
    "cycle_id", "voter_key", "residency_id", "community_id", "grid_id", "channel", "day",
    "receipt_commitment",
]  # fmt: skip
_PARTICIPATIONS = Participation.metadata.tables[Participation.__tablename__]
_SEALED = SealedBallot.metadata.tables[SealedBallot.__tablename__]
_DIALECTS = ("postgresql", "sqlite")


def _insert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of a participation, with the dialect's ON CONFLICT."""
    return (
        postgresql.insert(_PARTICIPATIONS)
        if dialect == "postgresql"
        else sqlite.insert(_PARTICIPATIONS)
    )


def _participation_from_roster(dialect: str, unit: str) -> Any:
    """INSERT ... SELECT: the participation of a resident on the roster, its voting unit's key
    and grid read from the roster in the same statement. A second one for the same voting unit
    is not written (ON CONFLICT DO NOTHING), so that a double submission leaves no error line in
    the database's log, where it would name the voter and the time."""
    unit_id = Household.id if unit == "household" else RosterEntry.id
    prefix = "household:" if unit == "household" else "entry:"
    return (
        _insert(dialect)
        .from_select(
            _PARTICIPATION_COLUMNS,
            select(
                bindparam("cycle_id", type_=Integer),
                literal(prefix, String) + cast(unit_id, String),
                bindparam("residency_id", type_=Integer),
                bindparam("community_id", type_=Integer),
                Household.grid_id,
                bindparam("channel", type_=String),
                bindparam("day", type_=Date),
                bindparam("receipt_commitment", type_=String),
            )
            .join_from(RosterEntry, Household, Household.id == RosterEntry.household_id)
            .where(RosterEntry.id == bindparam("entry_id")),
        )
        .on_conflict_do_nothing(index_elements=["cycle_id", "voter_key"])
    )


def _participation_unlisted(dialect: str) -> Any:
    """The participation of a resident verified without a roster entry."""
    return (
        _insert(dialect)
        .values({name: bindparam(name) for name in _PARTICIPATION_COLUMNS})
        .on_conflict_do_nothing(index_elements=["cycle_id", "voter_key"])
    )


def _participation_and_sealed(participation: Any) -> Any:
    """PostgreSQL: the participation and the sealed ballot in one statement (a data-modifying
    WITH); the sealed ballot is written only if the participation was."""
    written = participation.returning(_PARTICIPATIONS.c.id).cte("participation")
    sealed = _SEALED
    return (
        sealed.insert()
        .from_select(
            ["id", "cycle_id", "sealed"],
            select(
                bindparam("sealed_id", type_=String),
                bindparam("cycle_id", type_=Integer),
                bindparam("sealed", type_=sealed.c.sealed.type),
            ).select_from(written),
        )
        .add_cte(written)
        # How many sealed ballots of the cycle wait for the mixer, this one included (the
        # statement sees the table as it was before it): the mixer's look costs no query.
        .returning(
            sealed.c.id,
            select(func.count() + 1)
            .select_from(sealed)
            .where(sealed.c.cycle_id == bindparam("cycle_id"))
            .scalar_subquery(),
        )
    )


@dataclass(frozen=True)
class _Written:
    """A dialect's INSERT ... ON CONFLICT as plain SQL, compiled once: SQLAlchemy does not
    cache its dialect-specific inserts, and compiling one cost more than running it. ``fixed``
    holds the values the construct bound itself (the key's prefix)."""

    sql: TextClause
    fixed: dict[str, Any]

    @classmethod
    def of(cls, statement: Any, dialect: str) -> _Written:
        compiled = statement.compile(dialect=_COMPILERS[dialect](paramstyle="named"))
        return cls(text(str(compiled)), dict(compiled.params))


_COMPILERS: dict[str, Any] = {"postgresql": postgresql.dialect, "sqlite": sqlite.dialect}
# Each returns a row for what it wrote: no row, nothing was written (the voting unit has voted,
# or the roster entry is gone).
_WRITES: dict[tuple[str, str], _Written] = {}
for _dialect in _DIALECTS:
    for _unit in ("person", "household", "unlisted"):
        _statement = (
            _participation_unlisted(_dialect)
            if _unit == "unlisted"
            else _participation_from_roster(_dialect, _unit)
        )
        _WRITES[_dialect, _unit] = _Written.of(
            _participation_and_sealed(_statement)
            if _dialect == "postgresql"
            else _statement.returning(_PARTICIPATIONS.c.id),
            _dialect,
        )
_ADD_SEALED = _SEALED.insert()


def add_sealed(cycle_id: int, sealed: bytes) -> None:
    """A sealed ballot, in the current transaction."""
    db.session.execute(
        _ADD_SEALED, {"id": secrets.token_hex(16), "cycle_id": cycle_id, "sealed": sealed}
    )


@dataclass(frozen=True)
class Written:
    """A participation and its sealed ballot were written. ``waiting``: the sealed ballots of the
    cycle, this one included, where the write could say (None: not known)."""

    waiting: int | None


def write(
    cycle: CastingCycle,
    residency: Residency,
    *,
    channel: str,
    day: date,
    receipt_commitment: str | None,
    sealed: bytes,
) -> Written | None:
    """Write the participation and the sealed ballot in the current transaction, the ballot only
    if the participation was written (None: it was not, the voting unit has voted or the roster
    entry is gone). A resident on the roster has the voting unit read in the participation's own
    statement; on PostgreSQL the sealed ballot is written by that statement too."""
    return write_unit(
        cycle,
        entry_id=residency.roster_entry_id,
        residency_id=residency.id,
        community_id=residency.community_id,
        channel=channel,
        day=day,
        receipt_commitment=receipt_commitment,
        sealed=sealed,
    )


def write_unit(
    cycle: CastingCycle,
    *,
    entry_id: int | None,
    residency_id: int | None,
    community_id: int,
    channel: str,
    day: date,
    receipt_commitment: str | None,
    sealed: bytes,
) -> Written | None:
    """:func:`write` for a voting unit named by its roster entry (a person on the roster, with
    an account or none: ``residency_id`` None) or, for a resident verified without a roster
    entry, by the residency alone."""
    dialect = db.session.get_bind().dialect.name
    together = dialect == "postgresql"
    unit = "unlisted" if entry_id is None else cycle.vote_unit
    unit = unit if unit in ("unlisted", "household") else "person"
    params: dict[str, Any] = {
        "cycle_id": cycle.id,
        "residency_id": residency_id,
        "community_id": community_id,
        "channel": channel,
        "day": day,
        "receipt_commitment": receipt_commitment,
    }
    if entry_id is None:
        assert residency_id is not None
        params.update(voter_key=f"residency:{residency_id}", grid_id=None)
    else:
        params["entry_id"] = entry_id
    if together:
        params.update(sealed_id=secrets.token_hex(16), sealed=sealed)
    statement = _WRITES[dialect, unit]
    written = db.session.execute(statement.sql, {**statement.fixed, **params}).first()
    if written is None:
        return None
    if together:
        return Written(waiting=int(written[1]))
    add_sealed(cycle.id, sealed)
    return Written(waiting=None)
