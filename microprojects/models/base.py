"""Helpers shared by the models. Times are stored as naive UTC; pages show them in local time.

A column that holds one of a fixed set of names (a state, a kind, a rule) gets its CHECK from the
enum or the registry that lists them, so that the list is written once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum


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
