"""``flask pabulib tally``: real elections from ../shared/pabulib, counted from the command line."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from microprojects import config, create_app

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
FILES = sorted(SHARED.glob("*.pb")) if SHARED.is_dir() else []


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


@pytest.mark.parametrize("name", [p.name for p in FILES] or ["(none)"])
def test_every_real_election_is_reproduced(runner, name):
    _need_shared()
    result = runner.invoke(args=["pabulib", "tally", str(SHARED / name), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["matches"] is True, summary["differences"]
    assert set(summary["selected"]) == set(summary["recorded"])
    assert summary["cost"] <= Fraction(summary["budget"])


def test_a_different_rule_shows_each_difference(runner):
    _need_shared()
    wieliczka = SHARED / "Poland_Wieliczka_2023_Green_Budget.pb"
    result = runner.invoke(args=["pabulib", "tally", str(wieliczka), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    assert "differs from the recorded outcome" in result.output
    assert "project 21: recorded selected=0, funded here" in result.output
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
