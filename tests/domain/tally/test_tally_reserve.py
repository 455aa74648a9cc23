"""Poznań's reserve rule (``greedy-reserve``) on hand-made elections: fund by score until the
next project does not fit; if the budget left covers at least the share (80%) of it, a reserve
pays the rest and it is funded too; then the count stops."""

from __future__ import annotations

from fractions import Fraction

import pytest

from microprojects.domain.tally import RULES, Ballot, Project, TallyParams, greedy_reserve

APPROVAL = TallyParams()


def _election(left_for_b: int) -> tuple[int, list[Project], list[Ballot]]:
    """A (cost 600) wins first; B (cost 1000) comes next; C (cost 100) would fit after A.

    The budget leaves ``left_for_b`` once A is funded."""
    projects = [Project("A", 600), Project("B", 1000), Project("C", 100)]
    ballots = [Ballot(("A", "B", "C"))] * 3 + [Ballot(("A", "B"))] * 2 + [Ballot(("A",))]
    return 600 + left_for_b, projects, ballots


def test_80_percent_left_funds_the_next_project_from_the_reserve() -> None:
    budget, projects, ballots = _election(800)
    result = greedy_reserve(budget, projects, ballots, APPROVAL)
    assert result.rule == "greedy-reserve"
    assert result.selected == ("A", "B")
    b = result.outcome("B").explanation
    assert b.code == "funded_from_reserve"
    assert (b.remaining, b.reserve, b.reserve_share) == (800, 200, Fraction(4, 5))
    assert result.cost_used == 1600 and result.reserve_used == 200 and result.remaining == 0
    # The count stops there: C would fit in plain greedy, but is never reached.
    c = result.outcome("C").explanation
    assert (c.code, c.stopped_at) == ("stopped_no_skip", "B")
    assert result.to_dict()["reserve_used"] == "200"


def test_79_percent_left_funds_nothing_more() -> None:
    budget, projects, ballots = _election(790)
    result = greedy_reserve(budget, projects, ballots, APPROVAL)
    assert result.selected == ("A",)
    b = result.outcome("B").explanation
    assert (b.code, b.remaining, b.reserve_share) == ("did_not_fit", 790, Fraction(4, 5))
    assert result.outcome("C").explanation.code == "stopped_no_skip"
    assert result.reserve_used == 0 and result.remaining == 790
    assert "reserve_used" not in result.to_dict()


def test_a_fractional_budget_just_under_80_percent_is_not_enough() -> None:
    _, projects, ballots = _election(0)
    short = Fraction(600) + Fraction(79_999, 100)  # 799.99 left for 1000: 79.999%
    assert "B" not in greedy_reserve(short, projects, ballots, APPROVAL).funded_ids
    assert "B" in greedy_reserve(short + Fraction(1, 100), projects, ballots, APPROVAL).funded_ids


def test_a_project_that_fits_is_funded_from_the_budget() -> None:
    budget, projects, ballots = _election(1000)
    result = greedy_reserve(budget, projects, ballots, APPROVAL)
    assert result.outcome("B").explanation.code == "funded"
    assert result.reserve_used == 0
    # Nothing left, C does not fit; the reserve is for C only if 80% of it is left (it is not).
    assert result.outcome("C").explanation.code == "did_not_fit"


def test_the_share_comes_from_the_params() -> None:
    budget, projects, ballots = _election(700)
    assert "B" not in greedy_reserve(budget, projects, ballots, APPROVAL).funded_ids
    params = TallyParams(reserve_share=Fraction(7, 10))
    result = greedy_reserve(budget, projects, ballots, params)
    assert result.outcome("B").explanation.code == "funded_from_reserve"
    assert result.reserve_used == 300
    with pytest.raises(ValueError, match="between 0 and 1"):
        greedy_reserve(budget, projects, ballots, TallyParams(reserve_share=Fraction(3, 2)))


def test_withdrawn_and_below_threshold_projects_neither_stop_nor_take_the_reserve() -> None:
    budget, projects, ballots = _election(800)
    params = TallyParams(withdrawn=frozenset({"B"}))
    result = greedy_reserve(budget, projects, ballots, params)
    assert result.outcome("B").explanation.code == "withdrawn"
    assert result.selected == ("A", "C") and result.reserve_used == 0
    params = TallyParams(min_score_threshold=6)
    assert greedy_reserve(budget, projects, ballots, params).selected == ("A",)


def test_it_is_registered_for_files_only() -> None:
    budget, projects, ballots = _election(800)
    assert RULES["greedy-reserve"](budget, projects, ballots, APPROVAL).selected == ("A", "B")
    assert RULES["greedy-reserve"].files_only and not RULES["greedy-reserve"].offered
