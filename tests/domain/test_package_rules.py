"""Procurement package rules: the award bounded by the projects' planned total, removal keeping
the award covered, a package fixed once it has a supplier and payments."""

from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.packages import (
    AwardProblem,
    award_problem,
    is_fixed,
    may_remove,
    over_planned,
    planned_total,
)

fen = st.integers(min_value=0, max_value=10**14)
plans = st.lists(fen, max_size=8)


@given(st.integers(min_value=-(10**14), max_value=10**15), plans)
def test_an_award_is_accepted_exactly_when_positive_and_within_the_plans(amount, planned):
    problem = award_problem(amount, planned)
    if not planned:
        assert problem is AwardProblem.NO_PROJECTS
    elif amount <= 0:
        assert problem is AwardProblem.NOT_POSITIVE
    elif amount > sum(planned):
        assert problem is AwardProblem.OVER_PLANNED
    else:
        assert problem is None
    assert (problem is None) == (bool(planned) and 0 < amount <= planned_total(planned))


@given(plans, st.permutations(range(8)))
def test_the_order_of_the_projects_does_not_matter(planned, order):
    reordered = [planned[i] for i in order if i < len(planned)]
    for amount in (1, planned_total(planned), planned_total(planned) + 1):
        assert award_problem(amount, planned) == award_problem(amount, reordered)


@given(st.integers(min_value=1, max_value=10**14), plans)
def test_a_removal_never_leaves_an_award_uncovered(awarded, remaining):
    allowed = may_remove(awarded, remaining)
    assert allowed == (bool(remaining) and awarded <= sum(remaining))
    if allowed:
        assert not over_planned(awarded, remaining)


@given(plans)
def test_without_an_award_any_project_may_leave(remaining):
    assert may_remove(None, remaining)
    assert not over_planned(None, remaining)


@given(st.integers(min_value=1, max_value=10**14), plans, fen)
def test_adding_a_project_keeps_an_accepted_award_accepted(amount, planned, more):
    if award_problem(amount, planned) is None:
        assert award_problem(amount, [*planned, more]) is None


def test_fixed_only_with_a_supplier_and_a_payment():
    assert is_fixed(True, True)
    assert not is_fixed(True, False)
    assert not is_fixed(False, True)
    assert not is_fixed(False, False)
