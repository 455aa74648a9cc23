"""``flask pabulib tally``: real elections from ../shared/pabulib, counted from the command line."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from microprojects import config, create_app

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
# The folder's files and its families/ subfolder's.
FILES = sorted(SHARED.rglob("*.pb")) if SHARED.is_dir() else []


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    # The command never opens the database: point it at a file that does not exist.
    app = create_app(
        config.TestConfig(f"sqlite:///{folder / 'absent.db'}", instance_path=str(folder))
    )
    return app.test_cli_runner()


def _need_shared():
    if not FILES:
        pytest.skip(
            "../shared/pabulib not found: the real Pabulib elections are not available here"
        )


@pytest.mark.parametrize("path", FILES or [None], ids=[p.stem for p in FILES] or ["(none)"])
def test_every_real_election_is_reproduced_or_counted(runner, path):
    _need_shared()
    result = runner.invoke(args=["pabulib", "tally", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert Fraction(summary["cost"]) - Fraction(summary["reserve_used"]) <= Fraction(
        summary["budget"]
    )
    if summary["recorded"] is None:  # Toulouse records no outcome: counted, nothing to compare
        assert summary["status"] == "counted" and summary["matches"] is None
        assert summary["selected"]
        return
    assert summary["status"] == "reproduced"
    assert summary["matches"] is True, summary["differences"]
    assert set(summary["selected"]) == set(summary["recorded"])


def test_a_folder_is_counted_file_by_file_with_a_summary_per_rule(runner):
    _need_shared()
    result = runner.invoke(args=["pabulib", "tally", str(SHARED), "--json"])
    assert result.exit_code == 0, result.output
    *lines, last = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == [p.name for p in FILES]
    assert {line["status"] for line in lines} <= {"reproduced", "counted"}
    by_rule = last["summary"]
    assert last["files"] == len(FILES) == sum(s["files"] for s in by_rule.values())
    assert by_rule["greedy-reserve"] == {
        "files": 1,
        "reproduced": 1,
        "differs": 0,
        "counted": 0,
        "not_counted": 0,
        "error": 0,
        "differing": [],
    }
    assert by_rule["greedy"]["counted"] == 1  # Toulouse
    for rule, s in by_rule.items():
        assert s["files"] == sum(1 for line in lines if line["rule"] == rule)
    leniencies = {x["code"] for line in lines for x in line["leniencies"]}
    assert leniencies == {"decimal_cost", "repeated_choice"}
    plain = runner.invoke(args=["pabulib", "tally", str(SHARED)])
    assert plain.exit_code == 0, plain.output
    assert f"{len(FILES)} files in " in plain.output
    assert "Poland_Poznan_2023_3_-_Piatkowo_Polnoc_Piatkowo.pb: rule greedy-reserve" in (
        plain.output
    )


def test_a_different_rule_shows_each_difference_in_words(runner):
    _need_shared()
    wieliczka = SHARED / "Poland_Wieliczka_2023_Green_Budget.pb"
    result = runner.invoke(args=["pabulib", "tally", str(wieliczka), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    assert "differs from the recorded outcome in" in result.output
    assert (
        "project 21: the file records it not funded (selected=0); here it is funded, because "
        in result.output
    )
    assert "the file's outcome follows its own rule, equalshares/add1-comparison" in result.output
    as_json = json.loads(
        runner.invoke(
            args=["pabulib", "tally", str(wieliczka), "--rule", "greedy", "--json"]
        ).output
    )
    assert as_json["matches"] is False and as_json["rule"] == "greedy"


def test_a_malformed_file_names_its_line(runner, tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;abc\n", encoding="utf-8")
    result = runner.invoke(args=["pabulib", "tally", str(bad), "--json"])
    assert result.exit_code != 0
    assert "line" in result.output


def test_an_unknown_rule_is_refused(runner, tmp_path):
    _need_shared()
    result = runner.invoke(args=["pabulib", "tally", str(FILES[0]), "--rule", "lottery"])
    assert result.exit_code != 0
    assert "unknown rule 'lottery'" in result.output


SMALL = """META
key;value
description;幸福巷微实事
country;China
unit;振兴社区
instance;2026
num_projects;3
num_votes;5
budget;50000
vote_type;approval
rule;greedy
date_begin;2026-05-01
date_end;2026-05-10
currency;CNY
PROJECTS
project_id;cost;votes;selected;name;category
A;30000;4;1;幸福巷安装路灯;安全
B;25000;3;0;报刊亭旁放两张石凳;设施维修
C;20000;2;1;老年人智能手机课堂;养老助老
VOTES
voter_id;vote
1;A,B
2;A,C
3;A,B
4;A
5;B,C
"""


def _small_cli(app, tmp_path):
    import factories as f

    with app.app_context():
        f.community("zhenxing", "振兴社区")
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    return app.test_cli_runner(), path


def test_import_count_export_from_the_command_line(app, tmp_path):
    import hashlib

    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import Count, Cycle, Proposal

    runner, path = _small_cli(app, tmp_path)
    result = runner.invoke(args=["pabulib", "import", str(path), "--community", "zhenxing"])
    assert result.exit_code == 0, result.output
    assert "3 projects, 5 ballots" in result.output
    with app.app_context():
        cycle = db.session.scalar(select(Cycle))
        assert cycle.title == "振兴社区 2026" and cycle.budget_fen == 50_000_00
        titles = db.session.scalars(select(Proposal.title).order_by(Proposal.id)).all()
        assert titles == ["幸福巷安装路灯", "报刊亭旁放两张石凳", "老年人智能手机课堂"]
        cycle_id = cycle.id
    not_yet = runner.invoke(args=["pabulib", "export", str(cycle_id), str(tmp_path / "x.pb")])
    assert not_yet.exit_code != 0 and "(export_not_counted)" in not_yet.output

    counted = runner.invoke(args=["count", str(cycle_id)])
    assert counted.exit_code == 0, counted.output
    assert "2 projects funded" in counted.output
    again = runner.invoke(args=["count", str(cycle_id)])
    assert again.exit_code != 0 and "recount_needs_reason" in again.output

    out = tmp_path / "out.pb"
    exported = runner.invoke(args=["pabulib", "export", str(cycle_id), str(out)])
    assert exported.exit_code == 0, exported.output
    tally = json.loads(runner.invoke(args=["pabulib", "tally", str(out), "--json"]).output)
    assert tally["matches"] is True and len(tally["selected"]) == 2
    canonical = runner.invoke(args=["pabulib", "export", str(cycle_id), "-", "--canonical"])
    with app.app_context():
        digest = db.session.scalar(select(Count.ballots_digest))
    assert hashlib.sha256(canonical.stdout.encode("utf-8")).hexdigest() == digest


def test_a_malformed_import_names_the_line_and_writes_nothing(app, tmp_path):
    from sqlalchemy import func, select

    from microprojects.extensions import db
    from microprojects.models import Ballot, Cycle

    runner, path = _small_cli(app, tmp_path)
    path.write_text(SMALL.replace("5;B,C", "5;B,Z"), encoding="utf-8")
    result = runner.invoke(args=["pabulib", "import", str(path), "--community", "zhenxing"])
    assert result.exit_code != 0
    assert (
        "line 26: vote names unknown project id" in result.output
        and "nothing was imported" in result.output
    )
    unknown = runner.invoke(args=["pabulib", "import", str(path), "--community", "nowhere"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def _pb(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_overrides_a_meta_rule_not_counted_here(runner, tmp_path):
    path = _pb(tmp_path, "lottery.pb", SMALL.replace("rule;greedy", "rule;lottery"))
    refused = runner.invoke(args=["pabulib", "tally", str(path)])
    assert refused.exit_code != 0 and "give one with --rule" in refused.output
    result = runner.invoke(args=["pabulib", "tally", str(path), "--rule", "greedy", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["rule"], summary["rule_source"], summary["meta_rule"]) == (
        "greedy",
        "option",
        "lottery",
    )
    assert summary["selected"] == ["A", "C"] and summary["status"] == "reproduced"
    args = ["pabulib", "tally", str(path), "--rule", "greedy-no-skip", "--json"]
    summary = json.loads(runner.invoke(args=args).output)
    assert summary["selected"] == ["A"] and summary["status"] == "differs"
    (difference,) = summary["differences"]
    assert difference["project"] == "C" and difference["computed"] == "not_funded"
    assert "the file's outcome follows its own rule, lottery" in difference["reason"]


def test_the_plain_output_ends_with_leniencies_caveats_and_differences(runner, tmp_path):
    text = SMALL.replace("rule;greedy", "rule;greedy-custom").replace("4;A\n", "4;A,A\n")
    text = text.replace("C;20000;", "C;20000.50;")
    result = runner.invoke(args=["pabulib", "tally", str(_pb(tmp_path, "odd.pb", text))])
    assert result.exit_code == 0, result.output
    tail = result.output.split("funded 1 projects costing 30000\n")[1].splitlines()
    assert tail == [
        "read leniently:",
        "  costs written with a decimal point, read exactly: 1 (line 19)",
        "  votes naming a project more than once, counted once: 1 (line 25)",
        "caveats:",
        "  META names greedy-custom, but its comment describes no rule counted here: counted as "
        "plain greedy",
        "differs from the recorded outcome in 1 project:",
        "  project C: the file records it funded (selected=1); here it is not funded, because "
        "only 20000 was left, less than its cost of 20000.50",
    ]


def test_a_folder_with_a_broken_file_reports_it_and_fails(runner, tmp_path):
    _pb(tmp_path, "a_good.pb", SMALL)
    _pb(tmp_path, "b_bad.pb", SMALL.replace("5;B,C", "5;B,Z"))
    _pb(tmp_path, "c_unknown.pb", SMALL.replace("rule;greedy", "rule;unknown"))
    (tmp_path / "notes.txt").write_text("not a .pb file", encoding="utf-8")
    result = runner.invoke(args=["pabulib", "tally", str(tmp_path), "--json"])
    assert result.exit_code == 1
    good, bad, unknown, last = (json.loads(line) for line in result.output.splitlines())
    assert unknown["status"] == "not_counted" and "give one with --rule" in unknown["error"]
    assert last["summary"]["unknown"]["not_counted"] == 1
    assert (good["file"], good["status"]) == ("a_good.pb", "reproduced")
    assert bad == {
        "file": "b_bad.pb",
        "path": str(tmp_path / "b_bad.pb"),
        "status": "error",
        "error": "line 26: vote names unknown project id 'Z'",
    }
    assert last["files"] == 3 and last["summary"]["greedy"]["reproduced"] == 1
    assert last["summary"]["?"]["error"] == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = runner.invoke(args=["pabulib", "tally", str(empty)])
    assert nothing.exit_code != 0 and "no .pb files found" in nothing.output


def test_a_rule_not_counted_here_is_not_an_error_in_a_folder(runner, tmp_path):
    _pb(tmp_path, "a.pb", SMALL)
    _pb(tmp_path, "b.pb", SMALL.replace("rule;greedy", "rule;unknown"))
    result = runner.invoke(args=["pabulib", "tally", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "b.pb: not counted: META names the rule 'unknown'" in result.output
    with_rule = runner.invoke(args=["pabulib", "tally", str(tmp_path), "--rule", "greedy"])
    assert with_rule.exit_code == 0 and "b.pb: rule greedy (META: unknown): reproduces" in (
        with_rule.output
    )


def test_every_reason_has_its_words_and_amounts_read_as_money():
    from typing import get_args

    from microprojects.cli.pabulib_tally import amount_text, explanation_words
    from microprojects.domain.tally import ReasonCode

    example = {
        "cost": 1000,
        "score": 3,
        "remaining": "800",
        "threshold": 5,
        "excluded_by": "7",
        "stopped_at": "8",
        "mes_round": 2,
        "supporters": 4,
        "payment_per_voter": "250",
        "supporters_money": "500000/6586",
        "reserve": "200",
        "reserve_share": "4/5",
    }
    for code in get_args(ReasonCode):
        words = explanation_words({**example, "code": code})
        assert words != code and "{" not in words, code
    assert "a reserve paid the other 200" in explanation_words(
        {**example, "code": "funded_from_reserve"}
    )
    assert "at least 80% of it" in explanation_words({**example, "code": "funded_from_reserve"})
    assert "only ~75.92 left" in explanation_words({**example, "code": "mes_not_affordable"})
    assert [amount_text(v, 100) for v in (2_000_050, 2_000_000, 12_345)] == [
        "20000.50",
        "20000",
        "123.45",
    ]
    assert amount_text(Fraction(1, 8)) == "0.125" and amount_text(Fraction(1, 3)) == "~0.33"


def test_the_reserve_rule_given_by_hand_takes_80_percent(runner, tmp_path):
    path = _pb(tmp_path, "small.pb", SMALL)
    result = runner.invoke(args=["pabulib", "tally", str(path), "--rule", "greedy-reserve"])
    assert result.exit_code == 0, result.output
    # 20,000 left for B (25,000): 80% of it, so a reserve pays 5,000; then the count stops.
    assert "rule greedy-reserve (given with --rule; a reserve pays for the next project if 80%" in (
        result.output
    )
    assert "funded 2 projects costing 55000, of which a reserve paid 5000" in result.output
    assert "project B: the file records it not funded (selected=0); here it is funded from a " in (
        result.output
    )
