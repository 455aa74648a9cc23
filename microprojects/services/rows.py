"""How many rows an UPDATE or a DELETE changed, for the writes that are conditional on it."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update

from ..extensions import db


def rows_changed(statement: Update | Delete) -> int:
    # Session.execute is typed as returning a Result; an UPDATE's or a DELETE's is a
    # CursorResult, which has the row count.
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount
