"""Greedy rules: fund projects by score, best first, while the budget lasts.

* ``greedy``: every project that still fits the remaining budget is funded; one that does not fit
  is skipped and the count goes on.
* ``greedy-no-skip``: the count stops at the first eligible project that does not fit.
* ``greedy-reserve`` (Poznań's rule): as ``greedy-no-skip``, but when the budget left covers at
  least ``params.reserve_share`` of the project that does not fit (4/5 unless given), that project
  is funded too, the budget left paying its share and a reserve outside the budget the rest; the
  count then stops. The result's ``reserve_used`` is what the reserve paid.

Both honour ``params.min_score_threshold`` (only ``score >= threshold`` is eligible),
``params.withdrawn`` and mutually exclusive groups (``Project.group``: once a project of a group
is funded, the later ones of that group are excluded by it; a group member that did not fit does
not block the others).

Tie-break: projects with equal scores are considered in the order of the ``projects`` sequence
given to the rule (earlier first). Ids are never compared.

Pure Python; imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .base import (
    Ballot,
    Budget,
    Explanation,
    Project,
    ProjectOutcome,
    TallyParams,
    TallyResult,
    exact_budget,
    total_voters,
)
from .scores import compute_scores, rank_order


def greedy(
    budget: Budget, projects: Sequence[Project], ballots: Sequence[Ballot], params: TallyParams
) -> TallyResult:
    """Greedy by score with skipping. Ties: order of ``projects`` (earlier wins)."""
    return run_greedy(budget, projects, ballots, params, skip=True, rule="greedy")


def greedy_no_skip(
    budget: Budget, projects: Sequence[Project], ballots: Sequence[Ballot], params: TallyParams
) -> TallyResult:
    """Greedy by score, stopping at the first eligible project that does not fit.

    Ties: order of ``projects`` (earlier wins). Withdrawn and below-threshold projects are not
    eligible, so they never stop the count.
    """
    return run_greedy(budget, projects, ballots, params, skip=False, rule="greedy-no-skip")


DEFAULT_RESERVE_SHARE = Fraction(4, 5)


def greedy_reserve(
    budget: Budget, projects: Sequence[Project], ballots: Sequence[Ballot], params: TallyParams
) -> TallyResult:
    """Greedy without skipping, then the first project that does not fit is funded from a
    reserve if the budget left covers ``params.reserve_share`` of its cost (see the module
    docstring). Ties: order of ``projects`` (earlier wins)."""
    share = params.reserve_share if params.reserve_share is not None else DEFAULT_RESERVE_SHARE
    if not 0 <= share <= 1:
        raise ValueError("reserve_share must be between 0 and 1")
    return run_greedy(
        budget, projects, ballots, params, skip=False, rule="greedy-reserve", reserve_share=share
    )


def run_greedy(
    budget: Budget,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    params: TallyParams,
    *,
    skip: bool,
    rule: str,
    scores: dict[str, int] | None = None,
    reserve_share: Fraction | None = None,
) -> TallyResult:
    total = exact_budget(budget)
    reserve_used = Fraction(0)
    if scores is None:
        scores = compute_scores(projects, ballots, params)
    order = rank_order(projects, scores)
    threshold = params.min_score_threshold
    remaining: Fraction = total
    selected: list[str] = []
    group_winner: dict[str, str] = {}
    stopped_at: str | None = None
    explanations: dict[str, Explanation] = {}
    for i in order:
        p = projects[i]
        score = scores[p.id]
        if p.id in params.withdrawn:
            explanations[p.id] = Explanation("withdrawn", cost=p.cost)
        elif threshold is not None and score < threshold:
            explanations[p.id] = Explanation("below_threshold", score=score, threshold=threshold)
        elif stopped_at is not None:
            explanations[p.id] = Explanation(
                "stopped_no_skip", stopped_at=stopped_at, remaining=remaining
            )
        elif p.group is not None and p.group in group_winner:
            explanations[p.id] = Explanation(
                "excluded_by_group", group=p.group, excluded_by=group_winner[p.group]
            )
        elif p.cost <= remaining:
            explanations[p.id] = Explanation(
                "funded", cost=p.cost, score=score, remaining=remaining
            )
            remaining -= p.cost
            selected.append(p.id)
            if p.group is not None:
                group_winner[p.group] = p.id
        elif reserve_share is not None and remaining >= reserve_share * p.cost:
            reserve_used = p.cost - remaining
            explanations[p.id] = Explanation(
                "funded_from_reserve",
                cost=p.cost,
                score=score,
                remaining=remaining,
                reserve=reserve_used,
                reserve_share=reserve_share,
            )
            remaining = Fraction(0)
            selected.append(p.id)
            stopped_at = p.id
        else:
            explanations[p.id] = Explanation(
                "did_not_fit",
                cost=p.cost,
                score=score,
                remaining=remaining,
                reserve_share=reserve_share,
            )
            if not skip:
                stopped_at = p.id
    return build_result(
        rule=rule,
        budget=total,
        projects=projects,
        ballots=ballots,
        scores=scores,
        order=order,
        selected=selected,
        explanations=explanations,
        reserve_used=reserve_used,
    )


def build_result(
    *,
    rule: str,
    budget: Fraction,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    scores: dict[str, int],
    order: Sequence[int],
    selected: Sequence[str],
    explanations: dict[str, Explanation],
    reserve_used: Fraction = Fraction(0),
) -> TallyResult:
    """Assemble a TallyResult; outcomes in projects order, ranks from ``order``."""
    rank = {projects[i].id: r for r, i in enumerate(order, start=1)}
    funded = set(selected)
    cost_by_id = {p.id: p.cost for p in projects}
    cost_used = sum(cost_by_id[pid] for pid in selected)
    outcomes = tuple(
        ProjectOutcome(
            project_id=p.id,
            cost=p.cost,
            score=scores[p.id],
            rank=rank[p.id],
            funded=p.id in funded,
            explanation=explanations[p.id],
        )
        for p in projects
    )
    return TallyResult(
        rule=rule,
        budget=budget,
        num_voters=total_voters(ballots),
        selected=tuple(selected),
        cost_used=cost_used,
        remaining=budget - cost_used + reserve_used,
        outcomes=outcomes,
        reserve_used=reserve_used,
    )
