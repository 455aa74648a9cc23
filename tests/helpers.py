"""Helpers that tests of several areas share; imported as ``helpers``, like ``factories``."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from microprojects.extensions import db


def row_count(model: type[Any], /, *, app: Flask | None = None, **where: Any) -> int:
    """How many rows of ``model`` match ``where`` (column=value). Service tests call it inside
    their app context; page tests, which hold none between requests, pass ``app``."""
    if app is not None:
        with app.app_context():
            return row_count(model, **where)
    rows: int = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
    return rows
