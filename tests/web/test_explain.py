"""The count in words, from stored snapshots alone: the Equal Shares figures in real money, the
completion step's figures never as money, and the money left unspent with its reason."""

from fractions import Fraction

import pytest

from microprojects.models import Count, CountOutcome
from microprojects.web import explain

EN = {"Accept-Language": "en"}


@pytest.fixture
def english(app):
    with app.test_request_context(headers=EN):
        yield


def _count(rule="equal-shares", budget=900, used=730, voters=16, raised="12255/100", lines=()):
    share = Fraction(budget, voters)
    result = {}
    if rule.startswith("equal-shares"):
        result["mes"] = {
            "initial_budget_per_voter": str(share),
            "budget_per_voter": str(share if raised is None else Fraction(raised)),
            "add1_step": 1,
            "runs": 2,
            "exact_runs": 0,
        }
    lines = list(lines) or [_line(9, 1, False, code="mes_not_affordable", supporters_money="0")]
    return Count(
        rule=rule, unit="yuan", budget_fen=budget * 100, cost_used_fen=used * 100,
        num_ballots=voters, params={"vote_type": "approval"}, result=result, outcomes=lines,
    )  # fmt: skip


def _line(pid, cost, funded, **explanation):
    return CountOutcome(proposal_id=pid, cost_fen=cost * 100, funded=funded,
                        explanation={"cost": cost, **explanation})  # fmt: skip


def test_a_project_that_would_fit_is_named_with_why_it_was_not_bought(english):
    count = _count(used=730)
    lines = [
        _line(1, 730, True, code="mes_bought", supporters=10, supporters_money="1000",
              payments=[{"amount": "73", "voters": 10}], mes_round=1),
        _line(2, 100, False, code="mes_not_affordable", supporters=1, supporters_money="60"),
    ]  # fmt: skip
    text = explain.unspent_text(count, lines, {1: "长椅", 2: "花坛"})
    assert text == (
        "170 yuan (18.9% of the budget) is left unspent: no remaining project could be paid by "
        "its supporters. “花坛” would fit in what is left, but this method funds a project only "
        "when its own supporters can pay for it."
    )


def test_under_most_votes_first_the_money_left_is_less_than_any_project_not_funded(english):
    count = _count(rule="greedy", used=800)
    lines = [
        _line(1, 800, True, code="funded", remaining="900"),
        _line(2, 150, False, code="did_not_fit", remaining="100"),
    ]
    assert explain.unspent_text(count, lines, {1: "a", 2: "b"}) == (
        "100 yuan (11.1% of the budget) is left unspent: every project that was not funded "
        "costs more than that."
    )
    assert explain.mes_text(count) is None and explain.mes_method_text(count) is None
    assert explain.method_step(lines[1], count) is None


def test_nothing_is_said_of_a_budget_spent_whole(english):
    count = _count(used=900)
    assert explain.unspent_text(count, [], {}) is None


def test_supporters_who_spent_their_whole_shares_before(english):
    # 16 voters, 56.25 each, raised to 122.55: 3 supporters held 100 of the raised figures,
    # which is 100 - 3 * 66.30 = -98.90 of their real shares: nothing left of them.
    count = _count()
    bought = _line(3, 90, True, code="mes_bought", supporters=3, supporters_money="100",
                   payments=[{"amount": "30", "voters": 3}], mes_round=3)  # fmt: skip
    text = explain.explanation(bought, count, {})
    assert text.startswith("Funded in round 3 by the completion step.")
    assert "but they had spent them all on the projects funded before it" in text
    assert "each of them paid 30 yuan" in text
    step = explain.method_step(bought, count)
    assert step is not None and "yuan" not in step and "122.55" in step and "56.25" in step


def test_no_completion_means_no_step_of_the_method(english):
    count = _count(raised=None)
    line = _line(2, 100, False, code="mes_not_affordable", supporters=0, supporters_money="0")
    assert explain.method_step(line, count) is None
    assert explain.mes_method_text(count) is None
    assert explain.explanation(line, count, {}) == "Not funded: no voter chose it."
    assert explain.mes_text(count) == (
        "Each voter's share of the budget is 56.25 yuan: the budget of 900 yuan divided among "
        "the 16 voters. Every amount in yuan below is real money from these shares."
    )


def test_supporters_paying_different_amounts_are_told_apart(english):
    count = _count(raised=None)
    line = _line(1, 100, True, code="mes_bought", supporters=3, supporters_money="150",
                 payments=[{"amount": "40", "voters": 2}, {"amount": "20", "voters": 1}],
                 mes_round=1)  # fmt: skip
    text = explain.explanation(line, count, {})
    assert text.endswith("of 100 yuan: 2 paid 40 yuan each, 1 paid 20 yuan each.")


def test_when_the_comparison_keeps_most_votes_first_no_share_is_spoken_of(english):
    kept = [_line(1, 800, True, code="funded", remaining="900")]
    count = _count(rule="equal-shares-comparison", used=800, lines=kept)
    assert explain.mes_text(count) is None and explain.mes_method_text(count) is None
    assert explain.method_step(kept[0], count) is None


def test_money_left_when_every_project_was_funded(english):
    count = _count(rule="greedy", used=115)
    lines = [_line(1, 115, True, code="funded", remaining="900")]
    assert explain.unspent_text(count, lines, {1: "a"}) == (
        "785 yuan (87.2% of the budget) is left unspent: every project on the ballot was funded."
    )
