"""Reads from a hot standby: the database session that sends a request's reads there.

With ``DATABASE_READ_URL`` set, the app has a second engine, the bind ``standby`` (a PostgreSQL
hot standby fed by streaming replication). The web layer marks the requests that only read
public pages (:func:`read_from_standby`); in such a request the session sends each plain SELECT
to the standby and everything else to the primary: flushes, INSERT, UPDATE and DELETE,
SELECT ... FOR UPDATE, statements written as text; and once the session has written, its reads
as well, so that it reads what it wrote. A standby that does not answer is left alone for
``STANDBY_REST_SECONDS``, its reads going to the primary meanwhile: a page, never an error.
Requests that are not marked, commands and tests use the primary alone.

Wiring, like ``extensions``: in no layer; services may use :func:`read_connection`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

STANDBY = "standby"  # the bind key of the standby's engine
STANDBY_REST_SECONDS = 5.0
_MARK = "reads_from_standby"
_RESTS_UNTIL = "standby_rests_until"

log = logging.getLogger(__name__)


def binds_for(read_url: str) -> dict[str, str]:
    """``SQLALCHEMY_BINDS`` for a read-only database URL (none when it is empty)."""
    return {STANDBY: read_url} if read_url else {}


def read_from_standby() -> None:
    """This request only reads public pages: its plain reads may go to the standby."""
    g.setdefault(_MARK, True)


def _marked() -> bool:
    return has_app_context() and bool(g.get(_MARK))


def _plain_read(clause: Any) -> bool:
    """A SELECT that takes no lock: what a hot standby can answer."""
    return isinstance(clause, sa.Select | sa.CompoundSelect) and clause._for_update_arg is None


def _resting() -> bool:
    return time.monotonic() < current_app.extensions.get(_RESTS_UNTIL, 0.0)


def _unreachable(error: DBAPIError) -> None:
    current_app.extensions[_RESTS_UNTIL] = time.monotonic() + STANDBY_REST_SECONDS
    log.warning("standby unreachable, reading from the primary for a while: %s", error.orig)


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, which sends the plain reads of a marked request to the
    standby (see the module's docstring); ``wrote``: this session has written, or asked for a
    lock, and so reads from the primary from then on."""

    def __init__(self, db: Any, **kwargs: Any) -> None:
        super().__init__(db, **kwargs)
        self.wrote = False

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        if bind is None and _marked():
            if self._flushing or (clause is not None and not _plain_read(clause)):
                self.wrote = True
            elif clause is not None and not self.wrote:
                standby = self._standby()
                if standby is not None:
                    return standby
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def _standby(self) -> Engine | None:
        """The standby's engine, with a connection in this session's transaction; None when
        there is none, or it does not answer."""
        engine = self._db.engines.get(STANDBY)
        if engine is None or _resting():
            return None
        try:
            self.connection(bind_arguments={"bind": engine})
        except DBAPIError as error:
            _unreachable(error)
            return None
        return engine


@contextmanager
def read_connection() -> Iterator[Connection]:
    """A connection of its own, outside the session, to where this context reads: the standby
    in a marked request (unless the session has written), else, or when the standby does not
    answer, the primary."""
    from .extensions import db

    connection = None
    engine = db.engines.get(STANDBY) if _marked() else None
    if engine is not None and not _resting():
        session = db.session.registry() if db.session.registry.has() else None
        if not isinstance(session, RoutingSession) or not session.wrote:
            try:
                connection = engine.connect()
            except DBAPIError as error:
                _unreachable(error)
    with connection or db.engine.connect() as chosen:
        yield chosen
