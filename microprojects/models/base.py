"""Helpers shared by the models. Times are stored as naive UTC; pages show them in local time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as naive UTC, the form every DateTime column holds."""
    return datetime.now(UTC).replace(tzinfo=None)
