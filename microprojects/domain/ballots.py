"""Ballot rules: what a valid ballot is, for each kind of vote a cycle may hold.

Pure: a rule, the projects on the ballot (id -> cost) and a resident's choices in; the problems
found out, as codes with parameters that the pages word in the reader's language. The count and
the Pabulib import use the same definitions (``tally_vote_type``).

- approval: choose between ``min_choices`` and ``max_choices`` projects;
- budget (knapsack): choose projects whose total cost fits ``budget``, optionally spending at
  least ``min_share_pct`` per cent of it;
- choose_one: exactly one project;
- points (cumulative): distribute exactly ``points_total`` points, at most ``points_max`` on one;
- ranking: rank ``rank_k`` projects (fewer allowed down to ``min_choices``), best first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .tally import VoteType


class BallotKind(StrEnum):
    APPROVAL = "approval"
    BUDGET = "budget"
    CHOOSE_ONE = "choose_one"
    POINTS = "points"
    RANKING = "ranking"


@dataclass(frozen=True)
class BallotRule:
    kind: BallotKind = BallotKind.APPROVAL
    min_choices: int = 1
    max_choices: int | None = None  # None: as many as there are projects
    budget: int | None = None  # fen, for BUDGET
    min_share_pct: int = 0  # for BUDGET: spend at least this share of the budget
    points_total: int = 10  # for POINTS
    points_max: int | None = None  # for POINTS: the most on one project
    rank_k: int = 3  # for RANKING

    def problems(self) -> list[str]:
        """What is inconsistent in the rule itself (the committee's settings)."""
        found = []
        if self.min_choices < 0:
            found.append("min_negative")
        if self.max_choices is not None and self.max_choices < max(1, self.min_choices):
            found.append("max_below_min")
        if self.kind is BallotKind.BUDGET and (self.budget is None or self.budget <= 0):
            found.append("budget_missing")
        if not 0 <= self.min_share_pct <= 100:
            found.append("share_range")
        if self.kind is BallotKind.POINTS and self.points_total <= 0:
            found.append("points_missing")
        if self.kind is BallotKind.POINTS and self.points_max is not None and self.points_max <= 0:
            found.append("points_max_range")
        if self.kind is BallotKind.RANKING and self.rank_k <= 0:
            found.append("rank_k_range")
        return found


@dataclass(frozen=True)
class Choice:
    project_id: str
    points: int = 1  # points given (POINTS); 1 otherwise


@dataclass(frozen=True)
class Problem:
    code: str
    params: Mapping[str, int | str]


def _problem(code: str, **params: int | str) -> Problem:
    return Problem(code, params)


def validate(
    rule: BallotRule, projects: Mapping[str, int], choices: Sequence[Choice]
) -> list[Problem]:
    """Every problem with ``choices`` under ``rule``; an empty list means the ballot is valid.

    ``projects`` maps each project on the ballot to its cost in fen. For a ranking, the order of
    ``choices`` is the ranking, best first.
    """
    found: list[Problem] = []
    ids = [c.project_id for c in choices]
    unknown = [i for i in ids if i not in projects]
    if unknown:
        found.append(_problem("unknown_project", project=unknown[0]))
    if len(set(ids)) != len(ids):
        found.append(_problem("duplicate_project"))
    if found:
        return found
    count = len(ids)
    kind = rule.kind
    if kind is BallotKind.CHOOSE_ONE:
        if count != 1:
            found.append(_problem("choose_exactly_one", chosen=count))
        return found
    if kind is BallotKind.RANKING:
        most = min(rule.rank_k, len(projects))
        least = min(max(rule.min_choices, 1), most)
        if count < least:
            found.append(_problem("too_few", minimum=least, chosen=count))
        if count > most:
            found.append(_problem("too_many", maximum=most, chosen=count))
        return found
    if kind is BallotKind.POINTS:
        points = [c.points for c in choices]
        if any(p <= 0 for p in points):
            found.append(_problem("points_not_positive"))
            return found
        total = sum(points)
        if total != rule.points_total:
            found.append(_problem("points_total", total=rule.points_total, given=total))
        if rule.points_max is not None and max(points, default=0) > rule.points_max:
            found.append(_problem("points_over_max", maximum=rule.points_max))
        return found
    least = rule.min_choices
    most = rule.max_choices if rule.max_choices is not None else len(projects)
    if count < least:
        found.append(_problem("too_few", minimum=least, chosen=count))
    if count > most:
        found.append(_problem("too_many", maximum=most, chosen=count))
    if kind is BallotKind.BUDGET:
        assert rule.budget is not None
        spent = sum(projects[i] for i in ids)
        if spent > rule.budget:
            found.append(_problem("over_budget", budget=rule.budget, spent=spent))
        minimum = rule.budget * rule.min_share_pct // 100
        if rule.min_share_pct and spent < minimum:
            found.append(_problem("under_min_share", minimum=minimum, spent=spent))
    return found


@dataclass(frozen=True)
class Summary:
    """The running figures a ballot page shows while choosing."""

    chosen: int
    cost: int
    points: int


def summarize(projects: Mapping[str, int], choices: Sequence[Choice]) -> Summary:
    return Summary(
        chosen=len(choices),
        cost=sum(projects.get(c.project_id, 0) for c in choices),
        points=sum(c.points for c in choices),
    )


def tally_vote_type(kind: BallotKind) -> VoteType:
    """The Pabulib vote type a ballot kind is counted as."""
    vote_types: dict[BallotKind, VoteType] = {
        BallotKind.APPROVAL: "approval",
        BallotKind.BUDGET: "approval",
        BallotKind.CHOOSE_ONE: "choose-1",
        BallotKind.POINTS: "cumulative",
        BallotKind.RANKING: "ordinal",
    }
    return vote_types[kind]


def same_ballot(kind: BallotKind, first: Sequence[Choice], second: Sequence[Choice]) -> bool:
    """Whether two typings of one paper ballot say the same: the same projects (with the same
    points, for POINTS), in the same order only for a RANKING, where order is the vote."""
    if kind is BallotKind.RANKING:
        return list(first) == list(second)
    return sorted(first, key=lambda c: c.project_id) == sorted(second, key=lambda c: c.project_id)
