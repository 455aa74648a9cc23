"""The Method of Equal Shares, Add1 and the comparison with greedy, on hand-made elections."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microprojects.domain.tally import (
    Ballot,
    Explanation,
    Payment,
    Project,
    TallyParams,
    equal_shares,
    equal_shares_comparison,
)

# The package re-exports the rule function under the module's name, hence importlib.
mes_module = importlib.import_module("microprojects.domain.tally.equal_shares")

Projects = Callable[..., list[Project]]
Approvals = Callable[..., list[Ballot]]
ONCE = TallyParams(mes_completion="none")


def test_explanations_of_a_single_run(projects: Projects) -> None:
    # Four voters, 100 each. P1 (150; a, b, c) costs each of them 50: effective votes 3.
    # P2 (140; a, d) then: a has 50 left and pays it all, d pays the other 90.
    ps = projects(P1=150, P2=140, P3=500)
    ballots = [
        Ballot(("P1", "P2")),
        Ballot(("P1", "P3")),
        Ballot(("P1",)),
        Ballot(("P2", "P3")),
    ]
    result = equal_shares(400, ps, ballots, ONCE)
    assert result.selected == ("P1", "P2")
    assert result.outcome("P1").explanation == Explanation(
        "mes_bought",
        cost=150,
        mes_round=1,
        payment_per_voter=Fraction(50),
        payments=(Payment(Fraction(50), 3),),
        supporters=3,
        supporters_money=Fraction(300),
    )
    assert result.outcome("P2").explanation == Explanation(
        "mes_bought",
        cost=140,
        mes_round=2,
        payment_per_voter=Fraction(90),
        payments=(Payment(Fraction(90), 1), Payment(Fraction(50), 1)),
        supporters=2,
        supporters_money=Fraction(150),
    )
    # b has 50 left and d 10: 60, far from 500.
    assert result.outcome("P3").explanation == Explanation(
        "mes_not_affordable", cost=500, supporters=2, supporters_money=Fraction(60)
    )
    assert result.mes is not None
    assert (result.mes.runs, result.mes.budget_per_voter) == (1, Fraction(100))
    data = result.to_dict()["outcomes"]
    assert isinstance(data, list)
    assert data[1]["explanation"] == {
        "code": "mes_bought",
        "cost": 140,
        "mes_round": 2,
        "supporters": 2,
        "payment_per_voter": "90",
        "supporters_money": "150",
        "payments": [{"amount": "90", "voters": 1}, {"amount": "50", "voters": 1}],
    }


def _tie_election() -> tuple[list[Project], list[Ballot]]:
    # A (200; v1, v2) and C (150; v1, v3) both have effective vote count 2 at the start.
    return (
        [Project("A", 200), Project("B", 100), Project("C", 150)],
        [Ballot(("A", "C")), Ballot(("A",)), Ballot(("B", "C"))],
    )


def test_exact_tie_goes_to_the_earlier_project() -> None:
    ps, ballots = _tie_election()
    assert equal_shares(300, ps, ballots, ONCE).selected == ("A", "B")
    reordered = [ps[2], ps[0], ps[1]]
    assert equal_shares(300, reordered, ballots, ONCE).selected == ("C",)


def test_add1_keeps_the_last_outcome_within_budget() -> None:
    ps, ballots = _tie_election()
    result = equal_shares(300, ps, ballots, TallyParams())
    # From 125 per voter on, after A voter 1 has 25 and voter 3 has 125: C's 150 is exactly
    # affordable, beats B (effective votes 150/125 > 1) and A + C cost 350 > 300. So the run at
    # 124 is the last one kept.
    assert result.selected == ("A", "B")
    assert result.mes is not None
    assert result.mes.budget_per_voter == 124
    assert result.mes.runs == 26


def test_add1_step_is_a_parameter() -> None:
    ps, ballots = _tie_election()
    result = equal_shares(300, ps, ballots, TallyParams(add1_step=10))
    assert result.mes is not None
    assert (result.mes.budget_per_voter, result.mes.runs) == (120, 4)
    with pytest.raises(ValueError):
        equal_shares(300, ps, ballots, TallyParams(add1_step=0))


def test_a_tie_between_short_supporters_is_redone_exactly() -> None:
    # X is bought first and leaves a and b with 20 each. Y (a, c) and Z (b, d) then tie exactly
    # at 120 / 100 with a, resp. b, paying less than the rest: not a whole number, so the float
    # path must hand the run to exact arithmetic, and the declared order decides.
    ballots = [
        Ballot(("X", "Y")),
        Ballot(("X", "Z")),
        Ballot(("Y",)),
        Ballot(("Z",)),
        Ballot(("X",)),
    ]
    ps = [Project("X", 240), Project("Y", 120, "g"), Project("Z", 120, "g")]
    result = equal_shares(500, ps, ballots, ONCE)
    assert result.selected == ("X", "Y")
    assert result.mes is not None and result.mes.exact_runs == 1
    assert result.outcome("Z").explanation == Explanation(
        "excluded_by_group", group="g", excluded_by="Y"
    )
    swapped = [ps[0], ps[2], ps[1]]
    assert equal_shares(500, swapped, ballots, ONCE).selected == ("X", "Z")


def test_money_exactly_equal_to_cost_is_affordable() -> None:
    # After X, b has 20 and d 100: exactly Z's cost.
    ballots = [Ballot(("X", "Y")), Ballot(("X", "Z")), Ballot(("Y",)), Ballot(("Z",))]
    ballots.append(Ballot(("X",)))
    ps = [Project("X", 240), Project("Y", 120), Project("Z", 120)]
    result = equal_shares(500, ps, ballots, ONCE)
    assert result.selected == ("X", "Y", "Z")
    assert result.cost_used == 480


def test_comparison_keeps_mes_unless_more_voters_prefer_greedy(projects: Projects) -> None:
    # 20 per voter. A's 3 supporters cannot afford 110, so MES buys B, C, D; greedy buys A.
    ps = projects(A=110, B=20, C=20, D=20)
    ballots = [Ballot(("A",))] * 3 + [Ballot(("B",)), Ballot(("C",)), Ballot(("D",))]
    compared = equal_shares_comparison(120, ps, ballots, ONCE)
    assert compared.comparison is not None
    info = compared.comparison
    assert (info.mes_selected, info.greedy_selected) == (("B", "C", "D"), ("A",))
    assert (info.prefer_mes, info.prefer_greedy, info.indifferent) == (3, 3, 0)
    assert info.chosen == "mes"
    assert compared.selected == equal_shares(120, ps, ballots, ONCE).selected
    assert compared.outcome("B").explanation.code == "mes_bought"
    # One more A voter (and 20 more budget): greedy now also fits B, and 4 voters prefer it.
    more = [*ballots, Ballot(("A",))]
    compared = equal_shares_comparison(140, ps, more, ONCE)
    assert compared.comparison is not None
    info = compared.comparison
    assert (info.prefer_mes, info.prefer_greedy, info.indifferent) == (2, 4, 1)
    assert info.chosen == "greedy"
    assert compared.selected == ("A", "B")
    assert compared.rule == "equal-shares-comparison"
    assert compared.outcome("A").explanation.code == "funded"
    assert compared.mes is not None


def test_zero_voters_and_empty_ballots(projects: Projects) -> None:
    ps = projects(A=10)
    for ballots in ([], [Ballot(())]):
        result = equal_shares(100, ps, ballots, TallyParams())
        assert result.selected == ()
        assert result.outcome("A").explanation == Explanation(
            "mes_not_affordable", cost=10, supporters=0, supporters_money=Fraction(0)
        )
    result = equal_shares(100, ps, [], TallyParams())
    assert result.mes is not None and result.mes.runs == 0


def test_withdrawn_threshold_and_free_projects(projects: Projects) -> None:
    ps = projects(W=10, LOW=10, FREE=0, A=50)
    ballots = [Ballot(("W", "FREE", "A")), Ballot(("W", "A")), Ballot(("LOW", "A"))]
    params = TallyParams(withdrawn=frozenset({"W"}), min_score_threshold=2, mes_completion="none")
    result = equal_shares(90, ps, ballots, params)
    assert result.selected == ("A",)
    assert result.outcome("W").explanation.code == "withdrawn"
    assert result.outcome("LOW").explanation.code == "below_threshold"
    assert result.outcome("FREE").explanation.code == "below_threshold"
    params = TallyParams(withdrawn=frozenset({"W"}), mes_completion="none")
    result = equal_shares(90, ps, ballots, params)
    assert result.selected[0] == "FREE"
    assert result.outcome("FREE").explanation.mes_round == 1


def test_a_project_costing_more_than_the_whole_budget(projects: Projects) -> None:
    ps = projects(BIG=1_000, S=10)
    ballots = [Ballot(("BIG", "S"))] * 5
    result = equal_shares(100, ps, ballots, TallyParams())
    assert result.selected == ("S",)
    assert result.outcome("BIG").explanation.code == "mes_not_affordable"


@st.composite
def elections(draw: st.DrawFn) -> tuple[int, list[Project], list[Ballot]]:
    n_projects = draw(st.integers(1, 5))
    ids = [f"p{i}" for i in range(n_projects)]
    ps = [Project(pid, draw(st.integers(1, 60)), draw(st.sampled_from([None, "g"]))) for pid in ids]
    ballots = draw(
        st.lists(
            st.builds(
                Ballot,
                st.lists(st.sampled_from(ids), unique=True).map(tuple),
                st.none(),
                st.integers(1, 3),
            ),
            max_size=6,
        )
    )
    return draw(st.integers(0, 150)), ps, ballots


@settings(database=None, max_examples=150, deadline=None)
@given(elections(), st.integers(0, 40))
def test_float_runs_agree_with_exact_runs(
    election: tuple[int, list[Project], list[Ballot]], extra: int
) -> None:
    budget, ps, ballots = election
    n = sum(b.weight for b in ballots)
    if n == 0:
        return
    params = TallyParams()
    scores = {p.id: 0 for p in ps}
    inst = mes_module._prepare(ps, ballots, params, scores)
    per_voter = Fraction(budget, n) + extra
    exact = mes_module._run_exact(inst, per_voter, record=False)[0]
    try:
        fast = mes_module._run_float(inst, float(per_voter))
    except mes_module._NearTie:
        return
    assert fast == exact
