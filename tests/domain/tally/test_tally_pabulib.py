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
        (16, "1;100.5;2;Park;1", 16, "cost must be an integer"),
        (16, "1;lots;2;Park;1", 16, "cost must be an integer"),
        (16, "2;100;2;Park;1", 17, "duplicate project id"),
        (21, "v2;1,7", 21, "unknown project id '7'"),
        (21, "v1;1", 21, "duplicate or empty voter_id"),
        (21, "v2;1,1", 21, "names a project twice"),
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


def test_unterminated_quote_is_a_pabulib_error() -> None:
    with pytest.raises(PabulibError, match="bad CSV"):
        parse_pb_text(_with_line(17, '2;50;1;"Bench;0'))


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
