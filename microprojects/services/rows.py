"""Small helpers for the services' statements: how many rows an UPDATE or a DELETE changed (for
the writes that are conditional on it), and a search typed by a person as a LIKE pattern."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update

from ..extensions import db


def rows_changed(statement: Update | Delete) -> int:
    # Session.execute is typed as returning a Result; an UPDATE's or a DELETE's is a
    # CursorResult, which has the row count.
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally (use it with
    ``escape="\\"``): what a person types into a search box is no pattern."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
