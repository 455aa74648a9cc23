"""The Method of Equal Shares (MES) with cost utilities, its Add1 completion and the comparison
with greedy.

Definition (as used by the Pabulib elections that name ``equalshares``):

* every voter starts with ``budget / voters``; a voter supports the projects named on the ballot
  (points and ranks are ignored: cost utilities);
* each round buys the affordable project whose cost can be shared by its supporters with the
  smallest maximal per-voter payment ``rho`` (supporters with less than ``rho`` pay all they
  have); equivalently the largest effective vote count ``cost / rho``; MES stops when no project
  is affordable by its supporters' remaining money;
* Add1: raise every voter's starting budget by ``params.add1_step`` and run MES again, while
  the outcome still costs no more than the real budget; keep the last outcome within budget.
  The loop also ends once every eligible supported project is bought (or excluded by its group),
  because raising budgets further cannot change anything;
* ``-comparison``: the MES outcome is compared with the greedy outcome by counting voters
  (weighted) who have more of their named projects funded by each; greedy replaces MES only if
  strictly more voters prefer it.

Tie-break: among projects with exactly equal effective vote counts, the one earlier in the
``projects`` sequence is bought first. Ties are decided exactly, never by float rounding.

Speed: identical ballots are grouped (all voters of a group always hold the same money); the
lower-bound trick of equalshares.net is used (a project's effective vote count only falls during
a run, so projects are examined in order of their last value and the scan stops once that value
is below the best found); the Add1 runs use floats, and a run in which any decision is within a
relative 1e-9 of going the other way is redone entirely in exact ``Fraction`` arithmetic. Effective
vote counts of projects whose supporters all pay the same share are whole numbers and are computed
exactly even in floats (``cost * n / cost``), so the common exact ties (Assen) need no redo. The
outcome that is kept is recomputed once in exact arithmetic to produce the explanations.

Exclusive groups (``Project.group``) are honoured: buying a project removes the other members of
its group. Cost-0 eligible projects with at least one supporter are bought first, at no charge.

Pure Python; imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from operator import mul

from .base import (
    Ballot,
    Budget,
    ComparisonInfo,
    Explanation,
    MesInfo,
    Payment,
    Project,
    TallyParams,
    TallyResult,
    check_projects,
    exact_budget,
    total_voters,
)
from .greedy import build_result, run_greedy
from .scores import compute_scores, rank_order

# Float errors after a few thousand operations stay near 1e-13 relative; 1e-9 leaves a wide margin
# while still letting almost every decision through on the fast path.
_TOL = 1e-9
_LO = 1.0 - _TOL
_HI = 1.0 + _TOL
# Below this, cost * voters and its division by cost are exact in a double.
_EXACT_FLOAT_INT = 2**53


class _NearTie(Exception):
    """A float decision was too close to call; the run must be redone exactly."""


@dataclass(slots=True)
class _Instance:
    """Ballots grouped and indexed once per election, shared by all Add1 runs."""

    costs: list[int]
    candidates: list[int]
    free: list[int]
    supporters: list[list[int]]
    support: list[int]
    weights: list[int]
    group_peers: list[list[int]]


@dataclass(frozen=True, slots=True)
class _Purchase:
    round: int
    rho: Fraction
    payments: tuple[Payment, ...]
    money_before: Fraction


def equal_shares(
    budget: Budget, projects: Sequence[Project], ballots: Sequence[Ballot], params: TallyParams
) -> TallyResult:
    """MES with cost utilities and Add1 completion (``params.mes_completion``).

    Tie-break: equal effective vote counts go to the project earlier in ``projects``.
    """
    return _equal_shares(budget, projects, ballots, params, compare=False)


def equal_shares_comparison(
    budget: Budget, projects: Sequence[Project], ballots: Sequence[Ballot], params: TallyParams
) -> TallyResult:
    """MES + Add1, then compared with greedy; greedy wins only if strictly more voters prefer it.

    Tie-break: as in :func:`equal_shares` for MES and as in greedy for greedy (earlier in
    ``projects`` first); an equal number of voters preferring each keeps MES.
    """
    return _equal_shares(budget, projects, ballots, params, compare=True)


def _equal_shares(
    budget: Budget,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    params: TallyParams,
    *,
    compare: bool,
) -> TallyResult:
    total = exact_budget(budget)
    if params.add1_step <= 0:
        raise ValueError("add1_step must be positive")
    scores = compute_scores(projects, ballots, params)
    order = rank_order(projects, scores)
    inst = _prepare(projects, ballots, params, scores)
    n = total_voters(ballots)
    rule = "equal-shares-comparison" if compare else "equal-shares"

    if n == 0:
        per_voter = Fraction(0)
        chosen_b, runs, exact_runs = per_voter, 0, 0
    else:
        per_voter = total / n
        chosen_b, runs, exact_runs = _add1(inst, total, per_voter, params)
    winners, purchases, final_money = _run_exact(inst, chosen_b, record=True)
    if sum(inst.costs[i] for i in winners) > total:  # pragma: no cover - float/exact disagreement
        raise AssertionError("the kept MES outcome exceeds the budget")

    explanations = _mes_explanations(
        projects, params, scores, inst, winners, purchases, final_money
    )
    selected = [projects[i].id for i in winners]
    mes_info = MesInfo(
        initial_budget_per_voter=per_voter,
        budget_per_voter=chosen_b,
        add1_step=params.add1_step,
        runs=runs,
        exact_runs=exact_runs,
    )
    result = build_result(
        rule=rule,
        budget=total,
        projects=projects,
        ballots=ballots,
        scores=scores,
        order=order,
        selected=selected,
        explanations=explanations,
    )
    if not compare:
        return _with(result, mes=mes_info)

    greedy_result = run_greedy(
        total, projects, ballots, params, skip=True, rule=rule, scores=scores
    )
    comparison = _compare(ballots, result.selected, greedy_result.selected)
    chosen = greedy_result if comparison.chosen == "greedy" else result
    return _with(chosen, mes=mes_info, comparison=comparison)


def _with(
    result: TallyResult, *, mes: MesInfo, comparison: ComparisonInfo | None = None
) -> TallyResult:
    return TallyResult(
        rule=result.rule,
        budget=result.budget,
        num_voters=result.num_voters,
        selected=result.selected,
        cost_used=result.cost_used,
        remaining=result.remaining,
        outcomes=result.outcomes,
        mes=mes,
        comparison=comparison,
    )


def _compare(
    ballots: Sequence[Ballot], mes_sel: Sequence[str], greedy_sel: Sequence[str]
) -> ComparisonInfo:
    mes_set, greedy_set = frozenset(mes_sel), frozenset(greedy_sel)
    prefer_mes = prefer_greedy = indifferent = 0
    for ballot in ballots:
        named = set(ballot.choices)
        a, b = len(named & mes_set), len(named & greedy_set)
        if a > b:
            prefer_mes += ballot.weight
        elif b > a:
            prefer_greedy += ballot.weight
        else:
            indifferent += ballot.weight
    return ComparisonInfo(
        prefer_mes=prefer_mes,
        prefer_greedy=prefer_greedy,
        indifferent=indifferent,
        chosen="greedy" if prefer_greedy > prefer_mes else "mes",
        mes_selected=tuple(mes_sel),
        greedy_selected=tuple(greedy_sel),
    )


def _prepare(
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    params: TallyParams,
    scores: dict[str, int],
) -> _Instance:
    index = check_projects(projects)
    threshold = params.min_score_threshold
    eligible = [
        p.id not in params.withdrawn and (threshold is None or scores[p.id] >= threshold)
        for p in projects
    ]
    groups: dict[tuple[int, ...], int] = {}
    for ballot in ballots:
        if ballot.weight <= 0:
            continue
        key = tuple(sorted({i for i in map(index.__getitem__, ballot.choices) if eligible[i]}))
        if key:
            groups[key] = groups.get(key, 0) + ballot.weight
    supporters: list[list[int]] = [[] for _ in projects]
    weights: list[int] = []
    for g, (key, weight) in enumerate(groups.items()):
        weights.append(weight)
        for i in key:
            supporters[i].append(g)
    support = [sum(weights[g] for g in sup) for sup in supporters]
    members: dict[str, list[int]] = {}
    for i, p in enumerate(projects):
        if p.group is not None:
            members.setdefault(p.group, []).append(i)
    group_peers = [
        [] if p.group is None else [j for j in members[p.group] if j != i]
        for i, p in enumerate(projects)
    ]
    costs = [p.cost for p in projects]
    supported = [i for i in range(len(projects)) if eligible[i] and support[i] > 0]
    return _Instance(
        costs=costs,
        candidates=[i for i in supported if costs[i] > 0],
        free=[i for i in supported if costs[i] == 0],
        supporters=supporters,
        support=support,
        weights=weights,
        group_peers=group_peers,
    )


def _start(inst: _Instance) -> tuple[list[int], set[int]]:
    """Winners and excluded projects after the free (cost-0) purchases."""
    winners: list[int] = []
    excluded: set[int] = set()
    for i in inst.free:
        if i not in excluded:
            winners.append(i)
            excluded.update(inst.group_peers[i])
    return winners, excluded


def _add1(
    inst: _Instance, total: Fraction, per_voter: Fraction, params: TallyParams
) -> tuple[Fraction, int, int]:
    """The per-voter budget whose MES outcome is kept, number of runs, number of exact runs."""
    costs = inst.costs
    runs = exact_runs = 0
    chosen: Fraction | None = None
    b = per_voter
    # Once every voter holds more than all the projects that could fit cost together, each such
    # project is paid in equal shares whatever b is: the outcome no longer changes with b, and a
    # project that can never fit (costing more than the budget) would otherwise keep the loop
    # going one unit at a time up to its cost.
    settled = max(total, Fraction(sum(c for i in inst.candidates if (c := costs[i]) <= total)))
    while True:
        runs += 1
        try:
            winners = _run_float(inst, float(b))
        except (_NearTie, OverflowError):  # too close to call, or past the range of floats
            exact_runs += 1
            winners = _run_exact(inst, b, record=False)[0]
        if sum(costs[i] for i in winners) > total:
            break
        chosen = b
        if params.mes_completion == "none" or _exhausted(inst, winners) or b > settled:
            break
        b += params.add1_step
    if chosen is None:  # pragma: no cover - MES cannot overspend budget / voters * voters
        raise AssertionError("MES outcome exceeded the budget on the first run")
    return chosen, runs, exact_runs


def _exhausted(inst: _Instance, winners: list[int]) -> bool:
    done = set(winners)
    for i in winners:
        done.update(inst.group_peers[i])
    return all(i in done for i in inst.candidates)


def _run_float(inst: _Instance, b: float) -> list[int]:
    """One MES run in floats; raises _NearTie when any decision is too close to call."""
    weights = inst.weights
    costs = inst.costs
    supporters = inst.supporters
    support = inst.support
    money = [b] * len(weights)
    getmoney = money.__getitem__
    winners, excluded = _start(inst)
    # Upper bounds of the effective vote counts; with everyone's money equal it is the support.
    bound = [float(s) for s in support]
    alive = [i for i in inst.candidates if i not in excluded]
    # Money left after a near-equal charge may differ from the exact value by rounding, so the
    # "whole number" shortcut for ties is only trusted while no charge was that close.
    fuzzy = False
    while alive:
        # Stable and nearly sorted already; the order among equal bounds does not matter because
        # equal values are all examined and ties are settled by index below.
        alive.sort(key=bound.__getitem__, reverse=True)
        best = -1
        best_eff = best_rho = floor = 0.0
        best_capped = 0
        best_whole = False
        dead: list[int] = []
        for c in alive:
            if bound[c] < floor:
                break
            cost = costs[c]
            sup = supporters[c]
            # Sorting in place keeps the order for the next evaluation, where it is nearly sorted.
            sup.sort(key=getmoney)
            paid = 0.0
            denom = support[c]
            rho = last = 0.0
            capped = 0
            for g in sup:
                last = money[g]
                rho = (cost - paid) / denom
                if rho > last:
                    paid += last * weights[g]
                    denom -= weights[g]
                    capped += 1
                else:
                    break
            else:
                # Everyone pays all they have and it is not enough: not affordable, unless the
                # shortfall is within rounding.
                if paid >= cost * _LO:
                    raise _NearTie
                dead.append(c)
                continue
            if last <= rho * _HI:
                # The poorest payer barely covers rho; all the money left may just equal cost.
                rest = sup[capped:]
                have = paid + sum(map(mul, map(getmoney, rest), map(weights.__getitem__, rest)))
                if have <= cost * _HI:
                    raise _NearTie
            # cost * denom / cost is exact in floats: an integer when nobody was short of money.
            eff = cost * denom / (cost - paid)
            whole = (
                paid == 0.0
                and not fuzzy
                and last > rho * _HI
                and cost * support[c] < _EXACT_FLOAT_INT
            )
            bound[c] = eff
            if best < 0 or eff > best_eff * _HI:
                take = True
            elif eff < best_eff * _LO:
                take = False
            elif whole and best_whole:
                take = eff > best_eff or (eff == best_eff and c < best)
            else:
                raise _NearTie
            if take:
                best, best_eff, best_rho, best_capped, best_whole = c, eff, rho, capped, whole
                floor = best_eff * _LO
        if dead:
            alive = [c for c in alive if c not in dead]
        if best < 0:
            break
        winners.append(best)
        alive.remove(best)
        # supporters[best] is still sorted by money: the capped prefix pays everything.
        sup = supporters[best]
        k = best_capped
        if (k and money[sup[k - 1]] >= best_rho * _LO) or money[sup[k]] <= best_rho * _HI:
            fuzzy = True
        for g in sup[:k]:
            money[g] = 0.0
        for g in sup[k:]:
            money[g] -= best_rho
        for j in inst.group_peers[best]:
            if j in alive:
                alive.remove(j)
    return winners


def _run_exact(
    inst: _Instance, b: Fraction, *, record: bool
) -> tuple[list[int], dict[int, _Purchase], list[Fraction]]:
    """One MES run in exact arithmetic; with ``record`` also what each purchase cost whom."""
    weights = inst.weights
    costs = inst.costs
    supporters = inst.supporters
    support = inst.support
    money: list[Fraction] = [b] * len(weights)
    getmoney = money.__getitem__
    winners, excluded = _start(inst)
    purchases: dict[int, _Purchase] = {}
    if record:
        for r, i in enumerate(winners, start=1):
            free_share = (Payment(Fraction(0), support[i]),)
            purchases[i] = _Purchase(r, Fraction(0), free_share, b * support[i])
    bound: list[Fraction] = [Fraction(s) for s in support]
    alive = [i for i in inst.candidates if i not in excluded]
    zero = Fraction(0)
    while alive:
        alive.sort(key=bound.__getitem__, reverse=True)
        best = -1
        best_eff = best_rho = zero
        best_capped = 0
        dead: list[int] = []
        for c in alive:
            if best >= 0 and bound[c] < best_eff:
                break
            cost = costs[c]
            sup = supporters[c]
            sup.sort(key=getmoney)
            paid = zero
            denom = support[c]
            rho = zero
            capped = 0
            for g in sup:
                rho = (cost - paid) / denom
                if rho > money[g]:
                    paid += money[g] * weights[g]
                    denom -= weights[g]
                    capped += 1
                else:
                    break
            else:
                dead.append(c)
                continue
            eff = cost * denom / (cost - paid)
            bound[c] = eff
            if best < 0 or eff > best_eff or (eff == best_eff and c < best):
                best, best_eff, best_rho, best_capped = c, eff, rho, capped
        if dead:
            alive = [c for c in alive if c not in dead]
        if best < 0:
            break
        winners.append(best)
        alive.remove(best)
        sup = supporters[best]
        k = best_capped
        if record:
            paid_by: Counter[Fraction] = Counter()
            before = zero
            for g in sup:
                before += money[g] * weights[g]
                paid_by[min(money[g], best_rho)] += weights[g]
            payments = tuple(
                Payment(amount, voters) for amount, voters in sorted(paid_by.items(), reverse=True)
            )
            purchases[best] = _Purchase(len(winners), best_rho, payments, before)
        for g in sup[:k]:
            money[g] = zero
        for g in sup[k:]:
            money[g] -= best_rho
        for j in inst.group_peers[best]:
            if j in alive:
                alive.remove(j)
    return winners, purchases, money


def _mes_explanations(
    projects: Sequence[Project],
    params: TallyParams,
    scores: dict[str, int],
    inst: _Instance,
    winners: list[int],
    purchases: dict[int, _Purchase],
    final_money: list[Fraction],
) -> dict[str, Explanation]:
    threshold = params.min_score_threshold
    group_winner: dict[str, str] = {}
    for i in winners:
        group = projects[i].group
        if group is not None:
            group_winner[group] = projects[i].id
    explanations: dict[str, Explanation] = {}
    for i, p in enumerate(projects):
        support = inst.support[i]
        if p.id in params.withdrawn:
            explanations[p.id] = Explanation("withdrawn", cost=p.cost)
        elif threshold is not None and scores[p.id] < threshold:
            explanations[p.id] = Explanation(
                "below_threshold", score=scores[p.id], threshold=threshold
            )
        elif i in purchases:
            bought = purchases[i]
            explanations[p.id] = Explanation(
                "mes_bought",
                cost=p.cost,
                mes_round=bought.round,
                payment_per_voter=bought.rho,
                payments=bought.payments,
                supporters=support,
                supporters_money=bought.money_before,
            )
        elif p.group is not None and p.group in group_winner:
            explanations[p.id] = Explanation(
                "excluded_by_group", group=p.group, excluded_by=group_winner[p.group]
            )
        else:
            left = sum((final_money[g] * inst.weights[g] for g in inst.supporters[i]), Fraction(0))
            explanations[p.id] = Explanation(
                "mes_not_affordable", cost=p.cost, supporters=support, supporters_money=left
            )
    return explanations
