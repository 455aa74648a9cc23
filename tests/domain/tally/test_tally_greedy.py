"""Greedy and greedy-no-skip on small hand-made elections, plus scoring and result plumbing."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest

from microprojects.domain.tally import (
    RULES,
    Ballot,
    Explanation,
    Project,
    Rule,
    TallyParams,
    compute_scores,
    greedy,
    greedy_no_skip,
)

Projects = Callable[..., list[Project]]
Approvals = Callable[..., list[Ballot]]
APPROVAL = TallyParams()


def test_registry_names() -> None:
    assert set(RULES) == {
        "greedy",
        "greedy-no-skip",
        "greedy-reserve",
        "equal-shares",
        "equal-shares-comparison",
    }


def test_greedy_skips_what_does_not_fit(projects: Projects, approvals: Approvals) -> None:
    ps = projects(A=60, B=50, C=40)
    result = greedy(100, ps, approvals("ABC", "AB", "A"), APPROVAL)
    assert result.selected == ("A", "C")
    assert (result.cost_used, result.remaining) == (100, 0)
    assert result.outcome("A").explanation == Explanation(
        "funded", cost=60, score=3, remaining=Fraction(100)
    )
    assert result.outcome("B").explanation == Explanation(
        "did_not_fit", cost=50, score=2, remaining=Fraction(40)
    )
    assert [o.rank for o in result.outcomes] == [1, 2, 3]


def test_no_skip_stops_at_the_first_that_does_not_fit(
    projects: Projects, approvals: Approvals
) -> None:
    ps = projects(A=60, B=50, C=40)
    result = greedy_no_skip(100, ps, approvals("ABC", "AB", "A"), APPROVAL)
    assert result.selected == ("A",)
    assert result.outcome("B").explanation.code == "did_not_fit"
    assert result.outcome("C").explanation == Explanation(
        "stopped_no_skip", stopped_at="B", remaining=Fraction(40)
    )


@pytest.mark.parametrize("rule", [greedy, greedy_no_skip])
def test_equal_scores_go_to_the_earlier_project(rule: Rule, projects: Projects) -> None:
    # "10" sorts before "9" as a string and after it as a number: neither may decide.
    forward = projects(**{"9": 70, "10": 70})
    backward = list(reversed(forward))
    ballots = [Ballot(("10", "9")), Ballot(("10",)), Ballot(("9",))]
    assert rule(100, forward, ballots, APPROVAL).selected == ("9",)
    assert rule(100, backward, ballots, APPROVAL).selected == ("10",)


def test_a_project_costing_more_than_the_whole_budget(
    projects: Projects, approvals: Approvals
) -> None:
    ps = projects(B=1_000, S=10)
    ballots = approvals("B", "B", "S")
    result = greedy(100, ps, ballots, APPROVAL)
    assert result.selected == ("S",)
    assert result.outcome("B").explanation == Explanation(
        "did_not_fit", cost=1_000, score=2, remaining=Fraction(100)
    )
    assert greedy_no_skip(100, ps, ballots, APPROVAL).selected == ()


def test_threshold(projects: Projects, approvals: Approvals) -> None:
    ps = projects(A=10, B=10, C=10)
    params = TallyParams(min_score_threshold=2)
    result = greedy(100, ps, approvals("AB", "AB", "AC"), params)
    assert result.selected == ("A", "B")
    assert result.outcome("C").explanation == Explanation("below_threshold", score=1, threshold=2)
    # Below-threshold projects are not eligible, so they never stop a no-skip count.
    big = [Project("A", 10), Project("LOW", 500), Project("B", 10)]
    ballots = [Ballot(("A", "LOW", "B")), Ballot(("A", "B"))]
    assert greedy_no_skip(100, big, ballots, params).selected == ("A", "B")


def test_exclusive_groups(approvals: Approvals) -> None:
    ps = [
        Project("A", 50, group="g"),
        Project("B", 40, group="g"),
        Project("C", 30),
    ]
    result = greedy(200, ps, approvals("ABC", "AB", "A"), APPROVAL)
    assert result.selected == ("A", "C")
    assert result.outcome("B").explanation == Explanation(
        "excluded_by_group", group="g", excluded_by="A"
    )


def test_a_group_member_that_does_not_fit_does_not_block_the_others(
    approvals: Approvals,
) -> None:
    ps = [Project("A", 500, group="g"), Project("B", 40, group="g")]
    result = greedy(100, ps, approvals("AB", "A"), APPROVAL)
    assert result.selected == ("B",)
    assert result.outcome("A").explanation.code == "did_not_fit"


def test_withdrawn(projects: Projects, approvals: Approvals) -> None:
    ps = projects(W=10, A=10)
    params = TallyParams(withdrawn=frozenset({"W"}))
    for rule in (greedy, greedy_no_skip):
        result = rule(100, ps, approvals("WA", "W"), params)
        assert result.selected == ("A",)
        assert result.outcome("W").explanation == Explanation("withdrawn", cost=10)


def test_empty_ballots_and_zero_voters(projects: Projects) -> None:
    ps = projects(A=60, B=60)
    for ballots in ([], [Ballot(()), Ballot(())]):
        result = greedy(100, ps, ballots, APPROVAL)
        # Nobody supports anything: every score is 0 and the declared order decides.
        assert [o.score for o in result.outcomes] == [0, 0]
        assert result.selected == ("A",)
        assert result.num_voters == len(ballots)
    assert greedy(100, ps, [], TallyParams(min_score_threshold=1)).selected == ()


def test_weights_count_as_that_many_voters(projects: Projects) -> None:
    ps = projects(A=60, B=60)
    ballots = [Ballot(("A",), weight=2), Ballot(("B",), weight=3)]
    result = greedy(100, ps, ballots, APPROVAL)
    assert result.selected == ("B",)
    assert result.num_voters == 5


def test_cumulative_scores() -> None:
    ps = [Project("A", 1), Project("B", 1)]
    ballots = [Ballot(("A", "B"), (3, 7)), Ballot(("B",), (10,), weight=2)]
    assert compute_scores(ps, ballots, TallyParams(vote_type="cumulative")) == {"A": 3, "B": 27}
    assert compute_scores(ps, ballots, TallyParams(vote_type="scoring")) == {"A": 3, "B": 27}
    with pytest.raises(ValueError):
        compute_scores(ps, [Ballot(("A",))], TallyParams(vote_type="cumulative"))


def test_ordinal_scores() -> None:
    ps = [Project("A", 1), Project("B", 1), Project("C", 1)]
    ballots = [Ballot(("A", "B", "C")), Ballot(("C", "A"))]
    # K = longest ballot = 3: A 3+2, B 2, C 1+3.
    assert compute_scores(ps, ballots, TallyParams(vote_type="ordinal")) == {
        "A": 5,
        "B": 2,
        "C": 4,
    }
    # K from max_length; positions beyond K score 0, not negative.
    params = TallyParams(vote_type="ordinal", max_length=2)
    assert compute_scores(ps, ballots, params) == {"A": 3, "B": 1, "C": 2}
    result = greedy(2, ps, ballots, TallyParams(vote_type="ordinal"))
    assert result.selected == ("A", "C")


def test_approval_counts_a_project_once_per_ballot() -> None:
    ps = [Project("A", 1)]
    assert compute_scores(ps, [Ballot(("A", "A"))], APPROVAL) == {"A": 1}


def test_unknown_project_in_a_ballot_is_an_error(projects: Projects) -> None:
    with pytest.raises(ValueError, match="unknown project"):
        greedy(100, projects(A=1), [Ballot(("Z",))], APPROVAL)


def test_bad_inputs(projects: Projects) -> None:
    with pytest.raises(TypeError):
        greedy(100.0, projects(A=1), [], APPROVAL)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        greedy(-1, projects(A=1), [], APPROVAL)
    with pytest.raises(ValueError, match="duplicate"):
        greedy(1, [Project("A", 1), Project("A", 2)], [], APPROVAL)
    for rule in RULES.values():
        with pytest.raises(ValueError, match="weight"):
            rule(1, projects(A=1), [Ballot(("A",), weight=0)], APPROVAL)


def test_fractional_budgets_stay_exact(projects: Projects, approvals: Approvals) -> None:
    ps = projects(A=100, B=20)
    for budget in (Decimal("120.5"), Fraction(241, 2)):
        result = greedy(budget, ps, approvals("A", "B"), APPROVAL)
        assert result.budget == Fraction(241, 2)
        assert result.remaining == Fraction(1, 2)
    # 119.99 is just short of both projects together.
    assert greedy(Decimal("119.99"), ps, approvals("A", "A", "B"), APPROVAL).selected == ("A",)


def test_to_dict_is_json_with_exact_fraction_strings(
    projects: Projects, approvals: Approvals
) -> None:
    result = greedy(Fraction(301, 3), projects(A=60, B=50), approvals("A", "B"), APPROVAL)
    data = result.to_dict()
    json.dumps(data)
    assert data["budget"] == "301/3"
    assert data["remaining"] == "121/3"
    assert data["cost_used"] == 60
    outcomes = data["outcomes"]
    assert isinstance(outcomes, list)
    assert outcomes[1] == {
        "project_id": "B",
        "cost": 50,
        "score": 1,
        "rank": 2,
        "funded": False,
        "explanation": {"code": "did_not_fit", "cost": 50, "score": 1, "remaining": "121/3"},
    }
