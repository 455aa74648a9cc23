"""The shortlist's 公示 (候选项目公示): before voting opens, the committee publishes the approved
and rejected proposals for ``shortlist_days`` days; residents object during that window and the
committee answers each objection publicly before voting opens.

Pure rules of the window and of what voting waits for; the dates are naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .phases import Phase

MAX_DAYS = 30


class ShortlistStatus(StrEnum):
    NOT_REQUIRED = "not_required"  # shortlist_days == 0: no 公示 before voting
    UNPUBLISHED = "unpublished"
    OPEN = "open"  # published, its window running: residents object
    ANSWERING = "answering"  # the window is over; objections still wait for an answer
    DONE = "done"  # the window is over and every objection answered


class Missing(StrEnum):
    """What voting waits for, in the order it is worked through."""

    UNPUBLISHED = "unpublished"
    WINDOW_RUNNING = "window_running"
    OBJECTIONS_OPEN = "objections_open"
    UNDECIDED = "undecided"  # a proposal reopened by an objection not decided again


def days_valid(days: int) -> bool:
    return 0 <= days <= MAX_DAYS


def window_end(published_at: datetime, days: int) -> datetime:
    """The end of the objection window of a shortlist published at ``published_at``."""
    return published_at + timedelta(days=days)


def latest_publication(voting_at: datetime, days: int) -> datetime:
    """The last moment the shortlist can be published so that its window ends by the start of
    voting."""
    return voting_at - timedelta(days=days)


def publish_problem(
    *, phase: Phase, now: datetime, days: int, voting_at: datetime, undecided: int
) -> str | None:
    """Why the shortlist cannot be published now (None: it can). The codes are
    ``not_required``, ``not_screening``, ``too_late`` and ``undecided``."""
    if days <= 0:
        return "not_required"
    if phase is not Phase.SCREENING:
        return "not_screening"
    if window_end(now, days) > voting_at:
        return "too_late"
    if undecided > 0:
        return "undecided"
    return None


def in_window(published_at: datetime | None, ends_at: datetime | None, now: datetime) -> bool:
    """Whether residents may object at ``now``: from the publication until the window ends."""
    if published_at is None or ends_at is None:
        return False
    return published_at <= now < ends_at


@dataclass(frozen=True)
class ShortlistState:
    """What is known of a cycle's shortlist 公示 at a moment."""

    days: int
    published_at: datetime | None
    ends_at: datetime | None
    open_objections: int = 0
    undecided: int = 0

    def status(self, now: datetime) -> ShortlistStatus:
        if self.days <= 0 and self.published_at is None:
            return ShortlistStatus.NOT_REQUIRED
        if self.published_at is None or self.ends_at is None:
            return ShortlistStatus.UNPUBLISHED
        if now < self.ends_at:
            return ShortlistStatus.OPEN
        if self.open_objections:
            return ShortlistStatus.ANSWERING
        return ShortlistStatus.DONE

    def missing(self, now: datetime) -> list[Missing]:
        """What voting still waits for (empty: voting may open on this list)."""
        if self.days <= 0 and self.published_at is None:
            return []
        if self.published_at is None or self.ends_at is None:
            return [Missing.UNPUBLISHED]
        result = []
        if now < self.ends_at:
            result.append(Missing.WINDOW_RUNNING)
        if self.open_objections:
            result.append(Missing.OBJECTIONS_OPEN)
        if self.undecided:
            result.append(Missing.UNDECIDED)
        return result
