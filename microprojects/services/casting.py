"""The cast's fast path: reading the cycle a ballot is cast in, and writing the participation and
the sealed ballot. On voting day the load is casts, so each trick here is kept only for what it is
measured to save of a cast (``python -m bench --only http --backend postgresql``, the cast
request alone against baseline B of the same round; figures to come).

The use cases around a cast (eligibility, the receipt, revision, paper ballots) are in
:mod:`.voting`, which calls this module.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    TextClause,
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


def _run(statement: Any, params: dict[str, Any]) -> Any:
    """A statement on the session's own connection (in its transaction), around the ORM."""
    return db.session.connection().execute(statement, params)


# --- the cycle ---------------------------------------------------------------------------------

_COST = func.coalesce(Proposal.revised_cost_fen, Proposal.estimated_cost_fen)
_ON_BALLOT = Proposal.state == ProposalState.APPROVED.value
# The costs of the ballot's projects as one string ("id:fen,id:fen", "" for none), and a street's
# communities, each as one column of the cycle's row.
_PAIR = cast(Proposal.id, String) + ":" + cast(_COST, String)
_ALL_PAIRS = select(func.aggregate_strings(_PAIR, ",")).where(
    Proposal.cycle_id == Cycle.id, _ON_BALLOT
)
_STREET_COMMUNITIES = select(func.aggregate_strings(cast(Community.id, String), ",")).where(
    Community.street_id == Cycle.street_id
)
_CAST_COLUMNS = (
    "id", "community_id", "collecting_at", "screening_at", "voting_at", "publication_at",
    "implementation_at", "closed_at", "ballot_kind", "ballot_min", "ballot_max", "budget_fen",
    "ballot_min_share_pct", "points_total", "points_max", "rank_k", "vote_unit",
    "allow_revision", "min_age", "allow_work", "allow_study", "title",
)  # fmt: skip
_cycles = Cycle.__table__.c
_TITLE = func.coalesce(Proposal.ballot_title, Proposal.title)
# The ballot titles of its projects as one JSON object (id -> title), for the receipt page that
# answers the cast, in the same statement: each database has its own aggregate.
_TITLE_OBJECTS = {
    "postgresql": func.json_object_agg(cast(Proposal.id, String), _TITLE),
    "sqlite": func.json_group_object(cast(Proposal.id, String), _TITLE),
}
_VOTING_CYCLE = {
    dialect: select(
        *(_cycles[name] for name in _CAST_COLUMNS),
        func.coalesce(_ALL_PAIRS.scalar_subquery(), "").label("ballot_costs"),
        _STREET_COMMUNITIES.scalar_subquery().label("street_communities"),
        select(titles)
        .where(Proposal.cycle_id == Cycle.id, _ON_BALLOT)
        .scalar_subquery()
        .label("ballot_titles"),
    ).where(_cycles.id == bindparam("id"))
    for dialect, titles in _TITLE_OBJECTS.items()
}


def _split(text: str | None) -> list[str]:
    return [item for item in (text or "").split(",") if item]


def _json_object(value: Any) -> dict[str, str]:
    """A JSON object from the database: PostgreSQL's driver reads it, SQLite gives its text."""
    if value is None:
        return {}
    found = json.loads(value) if isinstance(value, str) else value
    return {str(k): str(v) for k, v in found.items()}


def find_voting_cycle(cycle_id: int) -> VotingCycle | None:
    """The cycle a ballot is cast in, with its ballot's costs and titles, in one statement."""
    statement = _VOTING_CYCLE[db.session.get_bind().dialect.name]
    row = _run(statement, {"id": cycle_id}).one_or_none()
    if row is None:
        return None
    if row.community_id is not None:
        communities = [row.community_id]
    else:
        communities = [int(c) for c in _split(row.street_communities)]
    pairs = (item.partition(":") for item in _split(row.ballot_costs))
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
        costs={pid: int(fen) for pid, _, fen in pairs},
        titles=_json_object(row.ballot_titles),
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
    _run(_ADD_SEALED, {"id": secrets.token_hex(16), "cycle_id": cycle_id, "sealed": sealed})


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
    dialect = db.session.get_bind().dialect.name
    together = dialect == "postgresql"
    entry_id = residency.roster_entry_id
    unit = "unlisted" if entry_id is None else cycle.vote_unit
    unit = unit if unit in ("unlisted", "household") else "person"
    params: dict[str, Any] = {
        "cycle_id": cycle.id,
        "residency_id": residency.id,
        "community_id": residency.community_id,
        "channel": channel,
        "day": day,
        "receipt_commitment": receipt_commitment,
    }
    if entry_id is None:
        params.update(voter_key=f"residency:{residency.id}", grid_id=None)
    else:
        params["entry_id"] = entry_id
    if together:
        params.update(sealed_id=secrets.token_hex(16), sealed=sealed)
    statement = _WRITES[dialect, unit]
    written = _run(statement.sql, {**statement.fixed, **params}).first()
    if written is None:
        return None
    if together:
        return Written(waiting=int(written[1]))
    add_sealed(cycle.id, sealed)
    return Written(waiting=None)
