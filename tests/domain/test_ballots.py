import pytest

from microprojects.domain.ballots import (
    BallotKind,
    BallotRule,
    Choice,
    summarize,
    tally_vote_type,
    validate,
)

PROJECTS = {"1": 30_000_00, "2": 50_000_00, "3": 20_000_00, "4": 10_000_00}


def codes(rule, *choices):
    return [p.code for p in validate(rule, PROJECTS, list(choices))]


def c(pid, points=1):
    return Choice(pid, points)


def test_approval_between_min_and_max():
    rule = BallotRule(BallotKind.APPROVAL, min_choices=1, max_choices=2)
    assert codes(rule, c("1")) == []
    assert codes(rule, c("1"), c("2")) == []
    assert codes(rule) == ["too_few"]
    assert codes(rule, c("1"), c("2"), c("3")) == ["too_many"]
    problem = validate(rule, PROJECTS, [c("1"), c("2"), c("3")])[0]
    assert dict(problem.params) == {"maximum": 2, "chosen": 3}


def test_unknown_and_duplicate_projects():
    rule = BallotRule(BallotKind.APPROVAL)
    assert codes(rule, c("9")) == ["unknown_project"]
    assert codes(rule, c("1"), c("1")) == ["duplicate_project"]


def test_approval_without_max_allows_all():
    rule = BallotRule(BallotKind.APPROVAL, min_choices=0)
    assert codes(rule) == []
    assert codes(rule, *[c(i) for i in PROJECTS]) == []


def test_budget_ballot_must_fit_and_may_need_a_share():
    rule = BallotRule(BallotKind.BUDGET, budget=80_000_00, min_share_pct=50)
    assert codes(rule, c("1"), c("2")) == []  # exactly the budget
    assert codes(rule, c("1"), c("2"), c("4")) == ["over_budget"]
    assert codes(rule, c("4")) == ["under_min_share"]  # 10,000 < 40,000
    problem = validate(rule, PROJECTS, [c("1"), c("2"), c("3")])[0]
    assert dict(problem.params) == {"budget": 80_000_00, "spent": 100_000_00}


def test_choose_one():
    rule = BallotRule(BallotKind.CHOOSE_ONE)
    assert codes(rule, c("2")) == []
    assert codes(rule) == ["choose_exactly_one"]
    assert codes(rule, c("2"), c("3")) == ["choose_exactly_one"]


def test_points_distribute_exactly_with_a_cap():
    rule = BallotRule(BallotKind.POINTS, points_total=10, points_max=6)
    assert codes(rule, c("1", 6), c("2", 4)) == []
    assert codes(rule, c("1", 5), c("2", 4)) == ["points_total"]
    assert codes(rule, c("1", 7), c("2", 3)) == ["points_over_max"]
    assert codes(rule, c("1", 10), c("2", 0)) == ["points_not_positive"]


def test_ranking_top_k():
    rule = BallotRule(BallotKind.RANKING, rank_k=3, min_choices=1)
    assert codes(rule, c("2"), c("1"), c("3")) == []
    assert codes(rule, c("2")) == []
    assert codes(rule) == ["too_few"]
    assert codes(rule, c("1"), c("2"), c("3"), c("4")) == ["too_many"]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (BallotRule(BallotKind.APPROVAL, min_choices=3, max_choices=2), "max_below_min"),
        (BallotRule(BallotKind.BUDGET, budget=None), "budget_missing"),
        (BallotRule(BallotKind.BUDGET, budget=100, min_share_pct=120), "share_range"),
        (BallotRule(BallotKind.POINTS, points_total=0), "points_missing"),
        (BallotRule(BallotKind.RANKING, rank_k=0), "rank_k_range"),
    ],
)
def test_inconsistent_rules_are_named(rule, problem):
    assert problem in rule.problems()


def test_summary_and_vote_types():
    assert summarize(PROJECTS, [c("1"), c("3", 4)]).cost == 50_000_00
    assert summarize(PROJECTS, [c("1", 3), c("3", 4)]).points == 7
    assert tally_vote_type(BallotKind.POINTS) == "cumulative"
    assert tally_vote_type(BallotKind.RANKING) == "ordinal"
    assert tally_vote_type(BallotKind.BUDGET) == "approval"
