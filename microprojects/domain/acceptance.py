"""Acceptance (验收) of a funded project and the satisfaction of its residents, as pure code.

An inspection ends in one of three results: *accepted* closes the project (its record takes no
more spending or updates); *accepted with fixes* names the fixes and the day they are due, and a
later inspection checks them; *not accepted* says what must be redone, the work goes back in
progress and a new inspection follows. The latest inspection is the current one.

Satisfaction combines the residents' online stars with the answers of the paper survey, which
the committee types in from the forms: 满意 (satisfied), 基本满意 (basically satisfied), 不满意
(dissatisfied). Online, 4 or 5 stars count as satisfied, 3 as basically satisfied, 1 or 2 as
dissatisfied. The satisfaction rate is the share of satisfied and basically satisfied answers
among all answers, online and on paper.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_FIXES = "accepted_with_fixes"
    NOT_ACCEPTED = "not_accepted"


class InspectorRole(StrEnum):
    COMMITTEE = "committee"  # a member of the residents' committee
    RESIDENT = "resident"  # a resident representative
    SUPPLIER = "supplier"  # the contractor or supplier


class Answer(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


def closes(result: Result) -> bool:
    """Whether the result closes the project: only a plain acceptance does."""
    return result is Result.ACCEPTED


def answer_for_stars(stars: int) -> Answer:
    if not 1 <= stars <= 5:
        raise ValueError(f"a rating is 1 to 5 stars, not {stars}")
    if stars >= 4:
        return Answer.SATISFIED
    if stars == 3:
        return Answer.BASICALLY
    return Answer.DISSATISFIED


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """Online: how many rated and their mean; paper: how many answered, per answer; combined:
    per answer and the rate (percent, one decimal; None when nobody answered)."""

    online_number: int
    online_mean: float | None
    paper_number: int
    paper: dict[Answer, int]
    combined: dict[Answer, int]
    rate: float | None

    @property
    def total(self) -> int:
        return self.online_number + self.paper_number


def satisfaction(star_counts: Mapping[int, int], paper: Mapping[Answer, int]) -> Satisfaction:
    """``star_counts``: how many online ratings gave each number of stars; ``paper``: how many
    paper answers gave each answer. Counts are never negative."""
    if any(n < 0 for n in star_counts.values()) or any(n < 0 for n in paper.values()):
        raise ValueError("a count is never negative")
    online = dict.fromkeys(Answer, 0)
    for stars, n in star_counts.items():
        online[answer_for_stars(stars)] += n
    on_paper = {a: paper.get(a, 0) for a in Answer}
    combined = {a: online[a] + on_paper[a] for a in Answer}
    online_number = sum(star_counts.values())
    mean = (
        round(sum(s * n for s, n in star_counts.items()) / online_number, 1)
        if online_number
        else None
    )
    total = sum(combined.values())
    happy = combined[Answer.SATISFIED] + combined[Answer.BASICALLY]
    rate = round(happy * 100 / total, 1) if total else None
    return Satisfaction(
        online_number=online_number,
        online_mean=mean,
        paper_number=sum(on_paper.values()),
        paper=on_paper,
        combined=combined,
        rate=rate,
    )
