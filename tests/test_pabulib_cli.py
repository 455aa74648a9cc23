"""``flask pabulib tally``: real elections from ../shared/pabulib, counted from the command line."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from microprojects import config, create_app

SHARED = Path(__file__).resolve().parents[2] / "shared" / "pabulib"
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
