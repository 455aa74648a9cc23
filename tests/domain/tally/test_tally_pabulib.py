"""The Pabulib parser, writer and META mapping on small hand-made files."""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from microprojects.domain.pabulib import (
    PabulibError,
    PbProject,
    UnsupportedRuleError,
    compare_with_recorded,
    format_pb,
    parse_exclusive_groups,
    parse_pb_text,
    read_pb,
    run_tally,
    tally_setup,
    write_pb,
)
from microprojects.domain.tally import Ballot, Project, TallyParams

# Line numbers matter in the error tests below.
SAMPLE = '''META
key;value
description;Test
country;Nowhere
unit;Town
instance;2025
num_projects;2
num_votes;2
budget;120
vote_type;approval
rule;greedy
date_begin;01.01.2025
date_end;02.01.2025
PROJECTS
project_id;cost;votes;name;selected
1;100;2;Park;1
2;50;1;"Bench; with ""quotes""";0
VOTES
voter_id;vote
v1;1,2
v2;1
'''

META_FOR_WRITER: dict[str, str | int | Fraction | Decimal] = {
    "description": "Test",
    "country": "Nowhere",
    "unit": "Town",
    "instance": "2025",
    "budget": 120,
    "vote_type": "approval",
    "rule": "greedy",
    "date_begin": "01.01.2025",
    "date_end": "02.01.2025",
}


def _with_line(number: int, text: str | None) -> str:
    """SAMPLE with line ``number`` (1-based) replaced, or removed when ``text`` is None."""
    lines = SAMPLE.splitlines()
    if text is None:
        del lines[number - 1]
    else:
        lines[number - 1] = text
    return "\n".join(lines) + "\n"


def test_sample_parses() -> None:
    election = parse_pb_text(SAMPLE)
    assert election.meta["unit"] == "Town"
    assert [p.id for p in election.projects] == ["1", "2"]
    bench = election.projects[1]
    assert bench.name == 'Bench; with "quotes"'
    assert (bench.cost, bench.votes, bench.selected) == (50, 1, 0)
    assert election.ballots == (Ballot(("1", "2")), Ballot(("1",)))
    assert election.voter_ids == ("v1", "v2")
    assert election.num_voters == 2
    assert election.budget == 120
    assert run_tally(election).selected == ("1",)


@pytest.mark.parametrize(
    ("line", "text", "error_line", "message"),
    [
        (14, "PROJECTZ", 14, "unknown section title"),
        (14, "VOTES", 14, "PROJECTS expected, found VOTES"),
        (1, "METADATA", 1, "unknown section title"),
        (1, "key;value", 1, "must start with the META section"),
        (16, "1;100;2;Park", 16, "expected 5 fields, got 4"),
        (16, "1;lots;2;Park;1", 16, "cost must be a number"),
        (16, "1;1e3;2;Park;1", 16, "cost must be a number"),
        (16, "1;-0.5;2;Park;1", 16, "cost must not be negative"),
        (16, "2;100;2;Park;1", 17, "duplicate project id"),
        (21, "v2;1,7", 21, "unknown project id '7'"),
        (21, "v1;1", 21, "duplicate or empty voter_id"),
        (17, '2;50;1;"Bench;0;x', 17, "bad CSV"),
        (21, "v2;1;extra", 21, "expected 2 fields, got 3"),
        (9, "budget;a lot", 9, "budget must be a decimal"),
        (10, "vote_type;lottery", 10, "unknown vote_type"),
        (9, None, 13, "META lacks 'budget'"),
        (8, "num_votes;3", 8, "num_votes is 3 but the file has 2"),
        (3, "description;a;b", 3, "expected 2 fields, got 3"),
        (4, "unit;Again", None, None),
    ],
)
def test_errors_name_the_line(
    line: int, text: str | None, error_line: int | None, message: str | None
) -> None:
    if error_line is None:  # line 4 becomes a second "unit" key
        with pytest.raises(PabulibError, match="duplicate META key") as info:
            parse_pb_text(_with_line(line, text))
        assert info.value.line_no == 5
        return
    with pytest.raises(PabulibError) as info:
        parse_pb_text(_with_line(line, text))
    assert info.value.line_no == error_line
    assert message is not None and message in info.value.message
    assert str(info.value).startswith(f"line {error_line}: ")


def test_truncated_files() -> None:
    lines = SAMPLE.splitlines(keepends=True)
    with pytest.raises(PabulibError, match="VOTES missing"):
        parse_pb_text("".join(lines[:17]))
    with pytest.raises(PabulibError, match="VOTES header missing"):
        parse_pb_text("".join(lines[:18]))
    with pytest.raises(PabulibError, match="META missing") as info:
        parse_pb_text("")
    assert info.value.line_no == 1


def test_an_unterminated_quote_that_is_not_a_stray_one_is_a_pabulib_error() -> None:
    # Read as text the line has 4 fields, not the header's 5: nothing to be lenient about.
    with pytest.raises(PabulibError, match="bad CSV") as info:
        parse_pb_text(_with_line(17, '2;50;1;"Bench'))
    assert info.value.line_no == 17


def test_zero_voters_is_valid() -> None:
    text = _with_line(8, "num_votes;0").split("v1;")[0]
    election = parse_pb_text(text)
    assert election.num_voters == 0
    assert run_tally(election).selected == ("1",)


def test_cumulative_needs_points() -> None:
    text = _with_line(10, "vote_type;cumulative")
    with pytest.raises(PabulibError, match="need a 'points' column") as info:
        parse_pb_text(text)
    assert info.value.line_no == 19
    text = text.replace("voter_id;vote\nv1;1,2\nv2;1", "voter_id;vote;points\nv1;1,2;3,2\nv2;1;x")
    with pytest.raises(PabulibError, match="points must be an integer") as info:
        parse_pb_text(text)
    assert info.value.line_no == 21
    with pytest.raises(PabulibError, match="2 projects but 1 points"):
        parse_pb_text(text.replace("1,2;3,2", "1,2;3"))


def test_path_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.pb"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.replace("\n", "\r\n").encode())
    assert read_pb(path).projects[1].name == 'Bench; with "quotes"'
    path.write_bytes(SAMPLE.encode().replace(b"Park", b"P\xffrk"))
    with pytest.raises(PabulibError, match="not UTF-8"):
        read_pb(path)


def test_rule_mapping() -> None:
    def setup_for(rule: str, extra: str = "") -> tuple[str, TallyParams, tuple[str, ...]]:
        setup = tally_setup(parse_pb_text(_with_line(11, f"rule;{rule}{extra}")))
        return setup.rule, setup.params, setup.caveats

    assert setup_for("greedy")[0] == "greedy"
    assert setup_for("greedy-no-skip")[0] == "greedy-no-skip"
    rule, params, caveats = setup_for("greedy-threshold")
    assert (rule, params.min_score_threshold, caveats) == ("greedy", None, ("threshold_missing",))
    rule, params, _ = setup_for("greedy-threshold", "\nmin_project_score_threshold;2")
    assert params.min_score_threshold == 2
    assert setup_for("greedy-custom")[2] == ("custom_rule_not_applied",)
    assert setup_for("equalshares")[:1] == ("equal-shares",)
    assert setup_for("equalshares")[1].mes_completion == "none"
    assert setup_for("equalshares/add1")[1].mes_completion == "add1"
    assert setup_for("equalshares/add1-comparison")[0] == "equal-shares-comparison"
    _, params, _ = setup_for("greedy", "\nmax_length;3")
    assert params.max_length == 3
    with pytest.raises(UnsupportedRuleError):
        setup_for("lottery")


def test_withdrawn_cost_marker() -> None:
    text = _with_line(16, "1;999999999;2;Park;0")
    setup = tally_setup(parse_pb_text(text))
    assert setup.params.withdrawn == frozenset({"1"})
    result = run_tally(parse_pb_text(text))
    assert result.selected == ("2",)
    assert result.outcome("1").explanation.code == "withdrawn"


def test_exclusive_groups_from_the_comment() -> None:
    ids = ["955", "953", "862", "842", "404", "BO.D10.17/25", "BO.D10.5/25"]
    comment = (
        "#1: Age 0 means parents voted. 404 is a library. "
        "#2: Projects 955 and 953 are mutually exclusive; so are 862 and 842. "
        "#3: Projekty BO.D10.17/25 i BO.D10.5/25 wykluczają się."
    )
    assert parse_exclusive_groups(comment, ids) == [
        ("955", "953"),
        ("862", "842"),
        ("BO.D10.17/25", "BO.D10.5/25"),
    ]
    assert parse_exclusive_groups("#1: 955 and 953 are both parks.", ids) == []


def test_greedy_exclusive_file() -> None:
    text = _with_line(11, "rule;greedy-exclusive\ncomment;#1: Projects 1 and 2 are exclusive.")
    text = text.replace("2;50;1;", "2;10;1;").replace("num_projects;2", "num_projects;2")
    election = parse_pb_text(text)
    setup = tally_setup(election)
    assert [p.group for p in setup.projects] == ["exclusive-1", "exclusive-1"]
    result = run_tally(election)
    assert result.selected == ("1",)
    assert result.outcome("2").explanation.excluded_by == "1"


def test_writer_round_trip_with_groups_points_and_decimal_budget() -> None:
    projects = [Project("a;1", 40), Project("b", 30, "g"), Project("c", 20, "g")]
    ballots = [
        Ballot(("a;1", "c"), (5, 5)),
        Ballot(("b",), (10,), weight=2),
        Ballot(("c", "b"), (1, 9)),
    ]
    meta = dict(META_FOR_WRITER, budget=Decimal("65.50"), vote_type="cumulative")
    meta["rule"] = "greedy-exclusive"
    out = io.StringIO()
    write_pb(out, meta=meta, projects=projects, ballots=ballots)
    text = out.getvalue()
    assert "budget;65.50" in text
    assert '"a;1,c"' in text
    assert "#1: Mutually exclusive projects: b, c." in text
    again = parse_pb_text(text)
    assert again.num_voters == 4
    assert [p.score for p in again.projects] == [5, 29, 6]
    setup = tally_setup(again)
    assert setup.budget == Fraction(131, 2)
    assert [p.group for p in setup.projects] == [None, "exclusive-1", "exclusive-1"]
    direct = run_tally(again)
    assert direct.selected == ("b",)
    assert direct.outcome("c").explanation.excluded_by == "b"
    assert direct.outcome("a;1").explanation.code == "did_not_fit"
    with pytest.raises(ValueError, match="cannot be named in an exclusive group"):
        format_pb(meta=meta, projects=[Project("a;1", 1, "g")], ballots=[])


def test_writer_keeps_project_columns_and_voter_ids(tmp_path: Path) -> None:
    election = parse_pb_text(SAMPLE)
    path = tmp_path / "out.pb"
    write_pb(
        path,
        meta=election.meta,
        projects=election.projects,
        ballots=election.ballots,
        voter_ids=election.voter_ids,
    )
    again = read_pb(path)
    assert again.meta == election.meta
    assert again.projects == election.projects
    assert again.voter_ids == election.voter_ids


def test_writer_ordinal_scores_and_selected() -> None:
    projects = [PbProject("x", 10, name="X"), PbProject("y", 10), PbProject("z", 10)]
    ballots = [Ballot(("x", "y", "z")), Ballot(("z", "x"))]
    meta = dict(META_FOR_WRITER, vote_type="ordinal", max_length=3)
    text = format_pb(meta=meta, projects=projects, ballots=ballots, selected={"x"})
    again = parse_pb_text(text)
    assert [(p.score, p.selected) for p in again.projects] == [(5, 1), (2, 0), (4, 0)]
    assert again.projects[0].name == "X"


def test_writer_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="no finite decimal form"):
        format_pb(meta=dict(META_FOR_WRITER, budget=Fraction(1, 3)), projects=[], ballots=[])
    with pytest.raises(ValueError, match="META lacks"):
        format_pb(meta={"budget": 1}, projects=[], ballots=[])
    with pytest.raises(ValueError, match="unknown project"):
        format_pb(meta=META_FOR_WRITER, projects=[], ballots=[Ballot(("q",))])


def test_grouped_reading() -> None:
    text = SAMPLE.replace("v2;1\n", "v2;1\nv3;2,1\nv4;1\n").replace("num_votes;2", "num_votes;4")
    election = parse_pb_text(text, group=True)
    assert election.voter_ids == ()
    assert sorted(b.weight for b in election.ballots) == [2, 2]
    assert election.num_voters == 4


# --- leniencies --------------------------------------------------------------------------------


def test_a_vote_naming_a_project_twice_counts_it_once() -> None:
    election = parse_pb_text(_with_line(21, "v2;1,1"))
    assert election.ballots[1].choices == ("1",)
    (leniency,) = election.leniencies
    assert (leniency.code, leniency.count, leniency.lines) == ("repeated_choice", 1, (21,))
    assert run_tally(election).outcome("1").score == 2


def _points_file(vote_type: str, votes: str) -> str:
    text = _with_line(10, f"vote_type;{vote_type}")
    return text.replace("voter_id;vote\nv1;1,2\nv2;1", f"voter_id;vote;points\n{votes}")


def test_repeated_choices_keep_their_first_place_or_add_their_points() -> None:
    ordinal = parse_pb_text(_with_line(10, "vote_type;ordinal").replace("v1;1,2", "v1;2,1,2"))
    assert ordinal.ballots[0].choices == ("2", "1")
    cumulative = parse_pb_text(_points_file("cumulative", "v1;1,2,1;2,1,3\nv2;2;1"))
    assert cumulative.ballots[0] == Ballot(("1", "2"), (5, 1))
    scoring = parse_pb_text(_points_file("scoring", "v1;1,2,1;2,1,2\nv2;2;1"))
    assert scoring.ballots[0] == Ballot(("1", "2"), (2, 1))
    with pytest.raises(PabulibError, match="two different scores") as info:
        parse_pb_text(_points_file("scoring", "v1;1,2,1;2,1,3\nv2;2;1"))
    assert info.value.line_no == 20


def test_costs_with_a_decimal_point_are_read_exactly() -> None:
    text = _with_line(16, "1;100.0;2;Park;1").replace("2;50;1;", "2;50.25;1;")
    election = parse_pb_text(text)
    assert [p.cost for p in election.projects] == [100, Fraction(201, 4)]
    assert isinstance(election.projects[0].cost, int)
    (leniency,) = election.leniencies
    assert (leniency.code, leniency.count, leniency.lines) == ("decimal_cost", 2, (16, 17))
    setup = tally_setup(election)
    # Counted in hundredths so that 50.25 is a whole number; Add1 still adds one unit a voter.
    assert setup.scale == 100 and setup.params.add1_step == 100
    assert [p.cost for p in setup.projects] == [10_000, 5_025]
    assert setup.budget == 12_000
    result = setup.run()
    assert result.selected == ("1",)
    assert setup.in_currency(result.remaining) == 20
    assert setup.in_currency(result.outcome("2").explanation.cost or 0) == Fraction(201, 4)


def test_fractional_costs_that_just_fit_are_funded() -> None:
    # 70.3 + 49.7 = 120 exactly: in floating point the sum is 120.00000000000001.
    text = _with_line(16, "1;70.3;2;Park;1").replace("2;50;1;", "2;49.7;1;")
    result = run_tally(parse_pb_text(text))
    assert result.selected == ("1", "2") and result.remaining == 0
    written = format_pb(
        meta=META_FOR_WRITER, projects=parse_pb_text(text).projects, ballots=[Ballot(("1",))]
    )
    assert "\n1;70.3;" in written and "\n2;49.7;" in written
    assert [p.cost for p in parse_pb_text(written).projects] == [
        Fraction(703, 10),
        Fraction(497, 10),
    ]


def test_a_stray_quote_is_read_as_text() -> None:
    election = parse_pb_text(_with_line(17, '2;50;1;"Bench" by the kiosk;0'))
    assert election.projects[1].name == '"Bench" by the kiosk'
    (leniency,) = election.leniencies
    assert (leniency.code, leniency.lines) == ("stray_quote", (17,))
    # An unclosed quote would swallow the rest of the file; read as text, every line is kept.
    election = parse_pb_text(_with_line(17, '2;50;1;"Bench;0'))
    assert election.projects[1].name == '"Bench'
    assert election.num_voters == 2 and election.ballots[0].choices == ("1", "2")
    assert election.leniencies[0].lines == (17,)
    # Quoted fields that are valid CSV are no leniency, even spanning lines.
    assert parse_pb_text(SAMPLE).leniencies == ()
    spanning = parse_pb_text(_with_line(17, '2;50;1;"Bench\nby the kiosk";0'))
    assert spanning.projects[1].name == "Bench\nby the kiosk"
    assert spanning.leniencies == ()


# --- greedy-custom and --rule --------------------------------------------------------------------

RESERVE_COMMENT = (
    "#1: At the beginning, we sort projects based on the number of votes. Then, we fund projects "
    "until the next project on the list does not fit within the budget. Finally, if the "
    "remaining budget is enough to fund at least {share}% of that project, we fund it as well "
    "with the external reserve funds."
)


def _custom(comment: str | None, unit: str = "Town") -> str:
    extra = "" if comment is None else f"\ncomment;{comment}"
    return _with_line(11, f"rule;greedy-custom{extra}").replace("unit;Town", f"unit;{unit}")


def test_greedy_custom_reads_poznans_reserve_from_the_comment() -> None:
    setup = tally_setup(parse_pb_text(_custom(RESERVE_COMMENT.format(share=80))))
    assert (setup.rule, setup.rule_source, setup.caveats) == ("greedy-reserve", "comment", ())
    assert setup.params.reserve_share == Fraction(4, 5)
    setup = tally_setup(parse_pb_text(_custom(RESERVE_COMMENT.format(share="62,5"))))
    assert setup.params.reserve_share == Fraction(5, 8)
    # Budget 120: project 1 (100) is funded, 20 is left for project 2 (50): 40% of it.
    election = parse_pb_text(_custom(RESERVE_COMMENT.format(share=40)))
    result = run_tally(election)
    assert result.selected == ("1", "2") and result.reserve_used == 30
    assert [m.project_id for m in compare_with_recorded(election, result)] == ["2"]


def test_greedy_custom_of_poznan_without_the_share_takes_80_percent() -> None:
    setup = tally_setup(parse_pb_text(_custom(None, unit="Poznań")))
    assert (setup.rule, setup.rule_source) == ("greedy-reserve", "unit")
    assert setup.params.reserve_share == Fraction(4, 5)


def test_another_greedy_custom_is_counted_as_greedy_with_a_caveat() -> None:
    for comment in (None, "#1: Projects for schools get half of the budget.", "#1: 80% reserve"):
        setup = tally_setup(parse_pb_text(_custom(comment)))
        if comment and "reserve" in comment:
            assert setup.rule == "greedy-reserve"
            continue
        assert (setup.rule, setup.caveats) == ("greedy", ("custom_rule_not_applied",))


def test_selected_2_is_the_reserve_only_under_the_reserve_rule() -> None:
    text = _custom(RESERVE_COMMENT.format(share=40)).replace('quotes""";0', 'quotes""";2')
    election = parse_pb_text(text)
    assert [p.selected for p in election.projects] == [1, 2]
    assert compare_with_recorded(election, run_tally(election)) == ()
    # Under greedy a 2 is not reproducible, so it is compared as not funded: greedy agrees.
    assert compare_with_recorded(election, run_tally(election, "greedy")) == ()
    # Recorded as reserve-funded, funded plainly (the budget covers it): a difference.
    roomy = parse_pb_text(text.replace("budget;120", "budget;150"))
    (mismatch,) = compare_with_recorded(roomy, run_tally(roomy))
    assert (mismatch.project_id, mismatch.expected, mismatch.computed) == (
        "2",
        "reserve",
        "funded",
    )


def test_a_given_rule_overrides_meta_even_one_not_counted_here() -> None:
    election = parse_pb_text(_with_line(11, "rule;lottery"))
    with pytest.raises(UnsupportedRuleError):
        tally_setup(election)
    setup = tally_setup(election, "greedy")
    assert (setup.rule, setup.rule_source, setup.meta_rule) == ("greedy", "option", "lottery")
    assert tally_setup(election, "equalshares").params.mes_completion == "none"
    assert tally_setup(election, "equal-shares").params.mes_completion == "add1"
    assert tally_setup(election, "greedy-reserve").params.reserve_share == Fraction(4, 5)
    with pytest.raises(ValueError, match="unknown rule"):
        tally_setup(election, "dice")


def test_selected_3_is_never_reproduced() -> None:
    election = parse_pb_text(SAMPLE.replace("1;100;2;Park;1", "1;100;2;Park;3"))
    (mismatch,) = compare_with_recorded(election, run_tally(election))
    assert (mismatch.project_id, mismatch.recorded, mismatch.expected, mismatch.computed) == (
        "1",
        3,
        "not_funded",
        "funded",
    )
