"""Greedy rules: fund projects by score, best first, while the budget lasts.

* ``greedy``: every project that still fits the remaining budget is funded; one that does not fit
  is skipped and the count goes on.
* ``greedy-no-skip``: the count stops at the first eligible project that does not fit.

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


def run_greedy(
    budget: Budget,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    params: TallyParams,
    *,
    skip: bool,
    rule: str,
    scores: dict[str, int] | None = None,
) -> TallyResult:
    total = exact_budget(budget)
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
        else:
            explanations[p.id] = Explanation(
                "did_not_fit", cost=p.cost, score=score, remaining=remaining
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
        remaining=budget - cost_used,
        outcomes=outcomes,
    )
