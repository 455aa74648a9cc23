"""Helpers shared by the models. Times are stored as naive UTC; pages show them in local time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..extensions import db

if TYPE_CHECKING:
    # Flask-SQLAlchemy builds ``db.Model`` at run time from the declarative base it is given, so
    # to a type checker it is an attribute, not a class to subclass. It adds nothing the models
    # use beyond that base (no ``Model.query``), so the base stands for it in type checking.
    from ..extensions import Base as Model
else:
    Model = db.Model

__all__ = ["Model", "utcnow"]


def utcnow() -> datetime:
    """The current time as naive UTC, the form every DateTime column holds."""
    return datetime.now(UTC).replace(tzinfo=None)
