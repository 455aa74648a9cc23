"""Helpers shared by the models. Times are stored as naive UTC; pages show them in local time.

A column that holds one of a fixed set of names (a state, a kind, a rule) gets its CHECK from the
enum or the registry that lists them, so that the list is written once; a column of an enum's
values reads back as the enum's member (:func:`enum_type`), and one assigned as a string becomes
the member at once, so that ``is`` holds however the value came in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Enum, event
from sqlalchemy.orm import Mapper

from ..extensions import db

if TYPE_CHECKING:
    # Flask-SQLAlchemy builds ``db.Model`` at run time from the declarative base it is given, so
    # to a type checker it is an attribute, not a class to subclass. It adds nothing the models
    # use beyond that base (no ``Model.query``), so the base stands for it in type checking.
    from ..extensions import Base as Model
else:
    Model = db.Model

__all__ = ["Model", "enum_check", "enum_type", "in_check", "utcnow"]


def utcnow() -> datetime:
    """The current time as naive UTC, the form every DateTime column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def in_check(column: str, values: Iterable[str]) -> str:
    """``column IN ('a', 'b', ...)``, the text of a CHECK, in the order given."""
    quoted = []
    for value in values:
        # The names are the code's own; a quote in one would be a mistake, not data to escape.
        if "'" in value:
            raise ValueError(f"a quote in {value!r}")
        quoted.append(f"'{value}'")
    return f"{column} IN ({', '.join(quoted)})"


def enum_check(column: str, enum: type[StrEnum]) -> str:
    """The CHECK that ``column`` holds one of the values of ``enum``."""
    return in_check(column, (member.value for member in enum))


def enum_type(enum: type[StrEnum], length: int) -> Enum:
    """A VARCHAR(``length``) of ``enum``'s values (not its members' names) that reads back as the
    members. The named CHECK stays the model's own (:func:`enum_check`), as the migrations made
    it. Strings outside the enum pass through to SQL unchanged, so that a filter on a value
    from a request finds nothing rather than failing."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=False,
    )


def _to_member(enum: type[StrEnum] | type[Any]) -> Callable[[Any, Any, Any, Any], Any]:
    def convert(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
        return value if value is None else enum(value)

    return convert


@event.listens_for(Mapper, "mapper_configured")
def _enum_columns_take_members(mapper: Mapper[Any], _class: type) -> None:
    for attribute in mapper.column_attrs:
        for column in attribute.columns:
            if isinstance(column.type, Enum) and column.type.enum_class is not None:
                enum = column.type.enum_class
                event.listen(attribute.class_attribute, "set", _to_member(enum), retval=True)
