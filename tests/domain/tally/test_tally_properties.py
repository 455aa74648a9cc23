"""Properties every count and the parser must have, checked on generated inputs."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from microprojects.domain.pabulib import PabulibError, format_pb, parse_pb_text, run_tally
from microprojects.domain.tally import RULES, Ballot, Project, TallyParams, greedy, greedy_no_skip

IDS = [f"p{i}" for i in range(6)]


@st.composite
def elections(
    draw: st.DrawFn, *, with_groups: bool = True
) -> tuple[Fraction, list[Project], list[Ballot], TallyParams]:
    n = draw(st.integers(1, len(IDS)))
    ids = IDS[:n]
    groups = st.sampled_from([None, None, "g", "h"]) if with_groups else st.none()
    projects = [Project(pid, draw(st.integers(0, 80)), draw(groups)) for pid in ids]
    ballot = st.builds(
        Ballot,
        st.lists(st.sampled_from(ids), unique=True, max_size=4).map(tuple),
        st.none(),
        st.integers(1, 3),
    )
    ballots = draw(st.lists(ballot, max_size=8))
    budget = Fraction(draw(st.integers(0, 4000)), draw(st.sampled_from([1, 2, 100])))
    params = TallyParams(
        min_score_threshold=draw(st.none() | st.integers(0, 3)),
        withdrawn=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
        add1_step=draw(st.sampled_from([1, 5])),
    )
    return budget, projects, ballots, params


@settings(
    database=None, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(elections(), st.sampled_from(sorted(RULES)))
def test_never_spends_more_than_the_budget(
    election: tuple[Fraction, list[Project], list[Ballot], TallyParams], rule: str
) -> None:
    budget, projects, ballots, params = election
    result = RULES[rule](budget, projects, ballots, params)
    # Only Poznań's reserve rule has money from outside the budget, and only for one project.
    assert result.cost_used - result.reserve_used <= budget
    assert result.remaining == budget - result.cost_used + result.reserve_used >= 0
    if rule == "greedy-reserve":
        reserved = [o for o in result.outcomes if o.explanation.code == "funded_from_reserve"]
        assert len(reserved) <= 1
        assert result.reserve_used == sum((o.explanation.reserve or 0) for o in reserved)
        for o in reserved:
            assert result.reserve_used <= Fraction(1, 5) * o.cost
            assert result.remaining == 0
    else:
        assert result.reserve_used == 0
    assert result.cost_used == sum(p.cost for p in projects if p.id in result.funded_ids)
    assert len(set(result.selected)) == len(result.selected)
    assert not result.funded_ids & params.withdrawn
    funded_groups = [p.group for p in projects if p.id in result.funded_ids and p.group]
    assert len(funded_groups) == len(set(funded_groups))
    for outcome in result.outcomes:
        assert outcome.funded == (outcome.project_id in result.funded_ids)
        assert outcome.funded == (
            outcome.explanation.code in ("funded", "funded_from_reserve", "mes_bought")
        )


@settings(database=None, max_examples=300, deadline=None)
@given(elections(), st.data())
def test_one_more_approval_never_unfunds_a_funded_project_under_greedy(
    election: tuple[Fraction, list[Project], list[Ballot], TallyParams], data: st.DataObject
) -> None:
    budget, projects, ballots, params = election
    for rule in (greedy, greedy_no_skip):
        before = rule(budget, projects, ballots, params)
        assume(before.selected)
        target = data.draw(st.sampled_from(before.selected))
        without = [i for i, b in enumerate(ballots) if target not in b.choices]
        if without and data.draw(st.booleans()):
            # An existing voter adds the project to their ballot.
            i = data.draw(st.sampled_from(without))
            old = ballots[i]
            more = [*ballots[:i], Ballot((*old.choices, target))]
            if old.weight > 1:
                more.append(replace(old, weight=old.weight - 1))
            more += ballots[i + 1 :]
        else:
            # A new voter approves just this project.
            more = [*ballots, Ballot((target,))]
        after = rule(budget, projects, more, params)
        assert target in after.funded_ids


@settings(database=None, max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_parser_raises_only_pabulib_errors_on_random_text(text: str) -> None:
    try:
        parse_pb_text(text)
    except PabulibError as exc:
        assert exc.line_no >= 1


SAMPLE_LINES = [
    "META",
    "key;value",
    "budget;100",
    "vote_type;cumulative",
    "rule;greedy",
    "num_votes;2",
    "PROJECTS",
    "project_id;cost;votes;name",
    '1;60;2;"A ""quoted"" name"',
    "2;50;1;B",
    "VOTES",
    "voter_id;vote;points",
    "v1;1,2;3,2",
    "v2;1;5",
]
PIECES = st.sampled_from(
    ["", ";", ",", '"', "\n", "\r\n", "META", "VOTES", "x", "1", "-", "\x00", "é", "1.5", "999"]
)


@settings(database=None, max_examples=500, deadline=None)
@given(st.data())
def test_parser_raises_only_pabulib_errors_on_damaged_files(data: st.DataObject) -> None:
    lines = list(SAMPLE_LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "dup", "insert", "replace"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        else:
            line = lines[i]
            at = data.draw(st.integers(0, len(line)))
            piece = data.draw(PIECES)
            end = at if action == "insert" else min(len(line), at + 1)
            lines[i] = line[:at] + piece + line[end:]
        if not lines:
            break
    try:
        election = parse_pb_text("\n".join(lines) + "\n")
    except PabulibError as exc:
        assert exc.line_no >= 1
    else:
        assert election.num_voters >= 0


@settings(database=None, max_examples=150, deadline=None)
@given(
    elections(with_groups=False),
    st.sampled_from(["approval", "cumulative", "ordinal"]),
    st.sampled_from(["greedy", "greedy-no-skip", "equalshares/add1"]),
)
def test_written_files_count_the_same(
    election: tuple[Fraction, list[Project], list[Ballot], TallyParams],
    vote_type: str,
    rule: str,
) -> None:
    budget, projects, ballots, _ = election
    assume(all(p.cost > 0 for p in projects))
    if vote_type == "cumulative":
        ballots = [replace(b, points=tuple(range(1, len(b.choices) + 1))) for b in ballots]
    meta = {
        "description": "generated",
        "country": "-",
        "unit": "-",
        "instance": "-",
        "budget": budget.limit_denominator(100),
        "vote_type": vote_type,
        "rule": rule,
        "date_begin": "-",
        "date_end": "-",
    }
    text = format_pb(meta=meta, projects=projects, ballots=ballots)
    once = parse_pb_text(text)
    first = run_tally(once)
    again = parse_pb_text(format_pb(meta=once.meta, projects=once.projects, ballots=once.ballots))
    assert run_tally(again).selected == first.selected
    params = TallyParams(vote_type=once.vote_type)
    name = {"greedy": "greedy", "greedy-no-skip": "greedy-no-skip"}.get(rule, "equal-shares")
    direct = RULES[name](once.budget, projects, ballots, params)
    assert direct.selected == first.selected
