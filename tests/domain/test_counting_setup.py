"""From a cycle's projects and ballots to the rule's inputs: tie-break order, unit, groups and
the canonical export."""

from datetime import datetime
from fractions import Fraction

import pytest

from microprojects.domain.counting import (
    CountProject,
    CountSettings,
    canonical_pb,
    count_meta,
    count_setup,
    count_unit,
    digest,
    order_projects,
    pabulib_rule,
)
from microprojects.domain.pabulib import parse_pb_text, run_tally

T = datetime(2026, 5, 1, 9)


def _p(pid: int, cost_fen: int, minute: int | None, **kw) -> CountProject:
    submitted = None if minute is None else T.replace(minute=minute)
    return CountProject(id=pid, cost_fen=cost_fen, submitted_at=submitted, **kw)


PROJECTS = [_p(7, 300_00, 5), _p(3, 100_00, 9), _p(5, 100_00, 1), _p(9, 50_00, None)]


def test_submitted_first_then_never_submitted():
    assert [p.id for p in order_projects(PROJECTS, "submitted")] == [5, 7, 3, 9]


def test_cheaper_first_then_submitted_first():
    assert [p.id for p in order_projects(PROJECTS, "cheaper")] == [9, 5, 3, 7]


def test_listed_order_then_the_rest_by_submission():
    assert [p.id for p in order_projects(PROJECTS, "listed", [3, 9])] == [3, 9, 5, 7]


def test_unknown_tie_break_is_refused():
    with pytest.raises(ValueError, match="tie-break"):
        order_projects(PROJECTS, "alphabetical")


def test_the_unit_is_yuan_only_when_every_cost_on_offer_is_whole_yuan():
    assert count_unit(PROJECTS) == "yuan"
    assert count_unit([*PROJECTS, _p(11, 100_50, 2)]) == "fen"
    # A withdrawn project's cost does not count: it is written as Pabulib's withdrawn marker.
    assert count_unit([*PROJECTS, _p(11, 100_50, 2, withdrawn=True)]) == "yuan"


@pytest.mark.parametrize(
    ("rule", "threshold", "grouped", "meta"),
    [
        ("greedy", None, False, "greedy"),
        ("greedy", 10, False, "greedy-threshold"),
        ("greedy", 10, True, "greedy-exclusive"),
        ("greedy-no-skip", None, False, "greedy-no-skip"),
        ("equal-shares", None, False, "equalshares/add1"),
        ("equal-shares-comparison", None, True, "equalshares/add1-comparison"),
    ],
)
def test_pabulib_rule_names(rule, threshold, grouped, meta):
    assert pabulib_rule(rule, threshold=threshold, grouped=grouped) == meta


def _setup(rule="greedy", groups=(), ballots=None, tie_break="submitted", threshold=None):
    return count_setup(
        budget_fen=500_00,
        projects=[
            _p(7, 300_00, 5, name="路灯"),
            _p(3, 200_00, 9, name="石凳"),
            _p(5, 200_00, 1, name="课堂"),
        ],
        ballots=ballots or [(["7", "3"], None), (["3", "7"], None), (["5"], None), (["7"], None)],
        settings=CountSettings(
            rule=rule, vote_type="approval", tie_break=tie_break, groups=groups,
            threshold=threshold,
        ),
    )  # fmt: skip


def test_setup_in_yuan_with_groups_named_by_first_appearance():
    setup = _setup(groups=((3, 7),))
    assert setup.unit == "yuan" and setup.budget == Fraction(500)
    assert [(p.id, p.cost, p.group) for p in setup.projects] == [
        ("5", 200, None),
        ("7", 300, "exclusive-1"),
        ("3", 200, "exclusive-1"),
    ]
    result = setup.run()
    # 7 (3 votes) is funded first; 3 (2 votes) is its alternative; 5 fits in what is left.
    assert result.selected == ("7", "5")
    assert result.outcome("3").explanation.code == "excluded_by_group"


def test_the_canonical_export_ignores_storage_order_and_recounts_the_same():
    one = _setup(rule="equal-shares")
    other = _setup(
        rule="equal-shares",
        ballots=[(["7"], None), (["5"], None), (["3", "7"], None), (["7", "3"], None)],
    )
    meta = count_meta(
        one, description="2026 年微实事", unit_name="振兴社区", instance="2026",
        date_begin="2026-05-01", date_end="2026-05-10", currency="CNY",
    )  # fmt: skip
    text = canonical_pb(one, meta)
    assert text == canonical_pb(other, meta)
    assert digest(text) == digest(canonical_pb(other, meta))
    assert "rule;equalshares/add1" in text and "currency;CNY" in text
    assert run_tally(parse_pb_text(text)).to_dict() == one.run().to_dict()


def test_groups_and_threshold_survive_the_export():
    setup = _setup(groups=((3, 7),), threshold=2)
    meta = count_meta(
        setup, description="d", unit_name="u", instance="i",
        date_begin="2026-05-01", date_end="2026-05-10", currency="CNY",
    )  # fmt: skip
    again = run_tally(parse_pb_text(canonical_pb(setup, meta)))
    assert again.to_dict() == setup.run().to_dict()
    assert again.outcome("5").explanation.code == "below_threshold"


def test_fen_costs_are_exported_in_fen():
    setup = count_setup(
        budget_fen=500_55,
        projects=[_p(1, 100_05, 1), _p(2, 400_50, 2)],
        ballots=[(["1", "2"], None)],
        settings=CountSettings(rule="greedy", vote_type="approval"),
    )
    assert setup.unit == "fen" and setup.budget == 50055
    meta = count_meta(
        setup, description="d", unit_name="u", instance="i",
        date_begin="2026-05-01", date_end="2026-05-10", currency="CNY",
    )  # fmt: skip
    assert meta["currency"] == "CNY-fen"
    assert setup.run().selected == ("1", "2")
