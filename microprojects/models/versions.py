"""The content version: one number that changes with every committed write of something a
public page shows, so that pages kept for visitors (see ``web/kept.py``) know when they are
stale, in every process of the deployment, with one indexed read.

Every ORM session is watched: a flush that inserts, changes or deletes a row, and any INSERT,
UPDATE or DELETE run through a session (ORM, Core or plain SQL text), marks the transaction
unless all it touched is in :data:`UNSHOWN` (what no public page shows: votes before their
count, notices, codes, the roster) or is an audit row of a subject in :data:`AUDIT_UNSHOWN`. A
marked transaction raises the version just before it commits, in the same transaction: the new
content and the new number become visible together.
The row is locked last of all, so it cannot close a cycle of locks with another writer; what
casts write is unshown, so voting never waits on it.

Accounts: a new account, a login or a changed password show nowhere; only a changed name does
(:data:`SHOWN_COLUMNS`), and deleting an account does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Integer,
    TextClause,
    event,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from .base import Model

VERSION_ROW: Final = 1

UNSHOWN: Final = frozenset(
    {
        "content_versions",
        # Votes: nothing of them is public before the count, which writes ``counts``.
        "participations",
        "sealed_ballots",
        "ballots",
        "receipts",
        "paper_entries",
        "paper_keyings",
        # Notices, codes and settings of one person.
        "notifications",
        "outgoing_messages",
        "phone_codes",
        "notice_settings",
        "follows",
        # The roster and who is verified.
        "households",
        "household_codes",
        "roster_entries",
        "residencies",
        "grid_assignments",
        # The benchmark's own table.
        "bench_writes",
    }
)
"""Tables whose rows no page kept for visitors shows."""

SHOWN_COLUMNS: Final = {"users": frozenset({"display_name", "username"})}
"""Tables of which only some columns are shown: an update of another column, or a new row,
changes no page (a new account shows nowhere until its holder acts, which is a write of its
own). Deleting a row does."""

AUDIT_UNSHOWN: Final = frozenset(
    {
        "user",
        "residency",
        "roster_entry",
        "household",
        "paper_entry",
        "grid_assignment",
        "outgoing_message",
    }
)
"""Subjects whose audit rows no public page shows (a decision log shows those of proposals, a
cycle's page its schedule's changes)."""

_WRITTEN_TABLE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE
)
_MARK: Final = "content_changed"


class ContentVersion(Model):
    """The one row holding the version (``id`` is always 1)."""

    __tablename__ = "content_versions"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


# The row exists from the table's creation, by a migration or by ``create_all``.
event.listen(
    ContentVersion.__table__,
    "after_create",
    DDL("INSERT INTO content_versions (id, version) VALUES (1, 0)"),  # type: ignore[no-untyped-call]
)


def _shows(table: str, changed_columns: set[str] | None = None, *, inserted: bool = False) -> bool:
    """Whether writing ``table`` (these columns of it, when known) changes a public page."""
    if table in UNSHOWN:
        return False
    shown = SHOWN_COLUMNS.get(table)
    if shown is None:
        return True
    if inserted:
        return False
    return changed_columns is None or bool(changed_columns & shown)


def _mark(session: Session) -> None:
    session.info[_MARK] = True


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    # Before the flush, while each object's history still says what changed.
    for obj in session.new:
        if obj.__table__.name == "audit_entries":
            if obj.subject_type not in AUDIT_UNSHOWN:
                _mark(session)
                return
        elif _shows(obj.__table__.name, inserted=True):
            _mark(session)
            return
    for obj in session.deleted:
        if _shows(obj.__table__.name):
            _mark(session)
            return
    for obj in session.dirty:
        table = obj.__table__.name
        if table in UNSHOWN or not session.is_modified(obj, include_collections=False):
            continue
        if _shows(table, _changed_columns(obj)):
            _mark(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        name = getattr(table, "name", None)
        if name is None:
            _mark(state.session)
            return
        columns: set[str] | None = None
        if state.is_update:
            values = getattr(statement, "_values", None) or {}
            columns = {getattr(k, "key", str(k)) for k in values} or None
        if _shows(name, columns, inserted=state.is_insert):
            _mark(state.session)
    elif isinstance(statement, TextClause) and _text_shows(statement.text):
        _mark(state.session)


@lru_cache(maxsize=256)
def _text_shows(sql: str) -> bool:
    """Whether plain SQL writes a table a public page shows (the same few statements come back
    at every cast: each is read once)."""
    return any(_shows(name.lower()) for name in _WRITTEN_TABLE.findall(sql))


@event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    session.flush()  # what is still pending is looked at before the decision
    if not session.info.pop(_MARK, False):
        return
    session.execute(
        update(ContentVersion)
        .where(ContentVersion.id == VERSION_ROW)
        .values(version=ContentVersion.version + 1)
    )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MARK, None)
