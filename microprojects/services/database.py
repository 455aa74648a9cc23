"""The database connection itself, apart from any use case: whether it answers (the health
check a load balancer asks), and abandoning the transaction a failed request left open."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db


def check_database() -> None:
    """Ask the database the simplest question; an unreachable one raises ``OperationalError``."""
    db.session.execute(select(1))


def abandon_transaction() -> None:
    """Roll back whatever the request had begun, so that the error page (and the next request on
    this connection) starts from a clean session."""
    db.session.rollback()
