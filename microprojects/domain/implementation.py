"""Publication (公示) and implementation (实施) rules, as pure code.

Publication: a cycle's count is *provisional* during its publication phase, when the residents
of the community may object (异议); it becomes *final* when the implementation phase begins. The
length of the publication phase is the publication period (Meilan posted for 3 days; 5 to 7 are
common elsewhere); the committee can extend it like any phase, with a public reason.

Implementation: a funded project moves forward through four statuses, never skipping one; it
may go back from completed to in progress (a problem found at the check), never from accepted
(验收), which is final. Residents rate it once it is completed.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .phases import Phase


class ResultsStatus(StrEnum):
    NONE = "none"  # not counted yet
    PROVISIONAL = "provisional"  # counted, in the publication period: objections welcome
    FINAL = "final"


def results_status(phase: Phase, counted: bool) -> ResultsStatus:
    if not counted or phase in (Phase.UPCOMING, Phase.COLLECTING, Phase.SCREENING, Phase.VOTING):
        return ResultsStatus.NONE
    if phase is Phase.PUBLICATION:
        return ResultsStatus.PROVISIONAL
    return ResultsStatus.FINAL


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the committee agrees; it corrects and counts again
    DISMISSED = "dismissed"  # the committee explains why the result stands


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ACCEPTED = "accepted"  # 验收: checked and accepted


ORDER: tuple[Status, ...] = tuple(Status)

MOVES: dict[Status, frozenset[Status]] = {
    Status.NOT_STARTED: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
    Status.ACCEPTED: frozenset(),
}


def can_move(current: Status, new: Status) -> bool:
    return new == current or new in MOVES[current]


def progress_for(status: Status, progress_pct: int) -> int:
    """The percentage shown: 0 before work starts, 100 once completed, else as reported."""
    if status is Status.NOT_STARTED:
        return 0
    if status in (Status.COMPLETED, Status.ACCEPTED):
        return 100
    return max(0, min(progress_pct, 99))


def can_rate(status: Status) -> bool:
    return status in (Status.COMPLETED, Status.ACCEPTED)


@dataclass(frozen=True, slots=True)
class SpendingSummary:
    """Planned against actual, in fen. ``left`` is negative when spending went over plan."""

    planned: int
    actual: int
    left: int
    over: bool
    used_pct: int  # actual as a share of planned, rounded down; 0 when nothing was planned


def spending_summary(planned: int, amounts: Iterable[int]) -> SpendingSummary:
    actual = sum(amounts)
    left = planned - actual
    used = (actual * 100 // planned) if planned > 0 else 0
    return SpendingSummary(planned=planned, actual=actual, left=left, over=left < 0, used_pct=used)


@dataclass(frozen=True, slots=True)
class MilestoneView:
    title: str
    planned_on: date | None
    done_on: date | None

    def late(self, today: date) -> bool:
        """Not done by its planned date, or done after it."""
        if self.planned_on is None:
            return False
        if self.done_on is None:
            return today > self.planned_on
        return self.done_on > self.planned_on


def rating_summary(stars: Iterable[int]) -> tuple[int, float | None, dict[int, int]]:
    """(number of ratings, mean rounded to one decimal or None, how many gave each star)."""
    counts = dict.fromkeys(range(1, 6), 0)
    for s in stars:
        if s not in counts:
            raise ValueError(f"a rating is 1 to 5 stars, not {s}")
        counts[s] += 1
    n = sum(counts.values())
    mean = round(sum(k * v for k, v in counts.items()) / n, 1) if n else None
    return n, mean, counts
