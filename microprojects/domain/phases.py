"""The phases of a cycle (轮次), derived from its dates and ``now``: nothing stored says
"current phase", so a page never disagrees with the calendar.

A cycle has six boundaries in order: proposal collection opens (征集), screening and
deliberation (协商审核), voting (投票), publication of results (公示), implementation (实施),
closed. Before the first it is ``upcoming``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class Phase(StrEnum):
    UPCOMING = "upcoming"
    COLLECTING = "collecting"
    SCREENING = "screening"
    VOTING = "voting"
    PUBLICATION = "publication"
    IMPLEMENTATION = "implementation"
    CLOSED = "closed"


# The phases that have a start date, in order.
DATED: tuple[Phase, ...] = (
    Phase.COLLECTING,
    Phase.SCREENING,
    Phase.VOTING,
    Phase.PUBLICATION,
    Phase.IMPLEMENTATION,
    Phase.CLOSED,
)
BEFORE_VOTING = frozenset({Phase.COLLECTING, Phase.SCREENING})


@dataclass(frozen=True)
class Schedule:
    """When each dated phase starts (naive UTC)."""

    collecting: datetime
    screening: datetime
    voting: datetime
    publication: datetime
    implementation: datetime
    closed: datetime

    def start_of(self, phase: Phase | str) -> datetime:
        phase = Phase(phase)
        if phase is Phase.UPCOMING:
            raise ValueError("the upcoming phase has no start")
        value: datetime = getattr(self, phase.value)
        return value

    def problems(self) -> list[str]:
        """Codes for what is wrong: a phase that starts before the one it follows."""
        starts = [self.start_of(p) for p in DATED]
        return [
            f"{DATED[i + 1].value}_before_{DATED[i].value}"
            for i in range(len(DATED) - 1)
            if starts[i + 1] < starts[i]
        ]

    def with_start(self, phase: Phase, when: datetime) -> Schedule:
        return replace(self, **{phase.value: when})


def current_phase(schedule: Schedule, now: datetime) -> Phase:
    """The phase at ``now``: the last one whose start has come (a start is inclusive)."""
    phase = Phase.UPCOMING
    for candidate in DATED:
        if schedule.start_of(candidate) <= now:
            phase = candidate
    return phase


def next_phase(schedule: Schedule, now: datetime) -> tuple[Phase, datetime] | None:
    """The next phase and when it starts, or None once the cycle is closed."""
    for candidate in DATED:
        start = schedule.start_of(candidate)
        if start > now:
            return candidate, start
    return None


def phase_end(schedule: Schedule, phase: Phase) -> datetime | None:
    """When ``phase`` ends: the start of the next dated phase (None for closed)."""
    if phase is Phase.UPCOMING:
        return schedule.collecting
    index = DATED.index(phase)
    return schedule.start_of(DATED[index + 1]) if index + 1 < len(DATED) else None


def close_early(schedule: Schedule, phase: Phase, now: datetime) -> Schedule:
    """End ``phase`` at ``now``: the next phase starts now. Later phases keep their dates
    unless they would come before, in which case they move up to ``now`` too."""
    index = DATED.index(phase)
    if index + 1 >= len(DATED):
        raise ValueError("a closed cycle has nothing to end")
    result = schedule.with_start(DATED[index + 1], now)
    for later in DATED[index + 2 :]:
        if result.start_of(later) < now:
            result = result.with_start(later, now)
    return result


def extend(schedule: Schedule, phase: Phase, until: datetime) -> Schedule:
    """Let ``phase`` run until ``until``: the next phase starts then, and every later phase is
    pushed back by the same amount so that their lengths are kept."""
    index = DATED.index(phase)
    if index + 1 >= len(DATED):
        raise ValueError("a closed cycle cannot be extended")
    following = DATED[index + 1]
    shift = until - schedule.start_of(following)
    result = schedule
    for later in DATED[index + 1 :]:
        result = result.with_start(later, result.start_of(later) + shift)
    return result
