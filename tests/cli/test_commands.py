import re

import factories as f
from sqlalchemy import func, select

from microprojects.extensions import db
from microprojects.models import AuditEntry, Community, HouseholdCode, Residency, RosterEntry, User


def test_places_add_and_list(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "places", "add", "--district", "美兰区", "--street", "和平南街道",
            "--community", "振兴社区", "--slug", "zhenxing",
            "--grid", "第一网格", "--grid", "第二网格",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 grids" in result.output
    listing = runner.invoke(args=["places", "list"])
    assert "zhenxing\t美兰区 和平南街道 振兴社区" in listing.output
    bad = runner.invoke(
        args=["places", "add", "--district", "美兰区", "--street", "x", "--community", "y",
              "--slug", "Not A Slug"]
    )  # fmt: skip
    assert bad.exit_code != 0
    assert "slug" in bad.output.lower() or "短名" in bad.output


def test_create_admin(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "root", "--password", "correct-horse-9"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(username="root")).is_admin
        assert db.session.scalar(select(AuditEntry).filter_by(action="role.admin")) is not None


def test_roster_import_names_each_bad_line(app, world, tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_bytes(f.roster_csv("第一网格,3栋,林海燕,,,居住", "第一网格,4栋,林小梅,999,,居住"))
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["roster", "import", "zhenxing", str(bad), "--actor", "committee_a"]
    )
    assert result.exit_code != 0
    assert f"{bad}:3:" in result.output
    assert "nothing was imported" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(f.roster_csv("第一网格,3栋,林海燕,,,居住"))
    result = runner.invoke(
        args=["roster", "import", "zhenxing", str(good), "--actor", "committee_a"]
    )
    assert result.exit_code == 0, result.output
    assert "added 1" in result.output
    refused = runner.invoke(
        args=["roster", "import", "bailong", str(good), "--actor", "committee_a"]
    )
    assert refused.exit_code != 0
    missing = runner.invoke(args=["roster", "import", "nowhere", str(good), "--actor", "admin"])
    assert "No community" in missing.output


def test_demo_loads_a_living_city_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    # Step by step, with counts and the time since the start: never long silent.
    steps = [line for line in result.output.splitlines() if re.match(r"  \[ *\d+\.\d s\] ", line)]
    assert len(steps) >= 10
    assert any("5 communities" in line for line in steps)
    assert re.search(r"Demo data loaded in \d+\.\d s: .* \d+ ballots", result.output)
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Community) == 5
        assert count(RosterEntry) > 300
        assert count(HouseholdCode) > 300
        assert (
            db.session.scalar(
                select(func.count()).select_from(Residency).filter_by(status="pending")
            )
            == 3
        )
        assert db.session.scalar(select(User).filter_by(username="admin")).is_admin
        from microprojects.models import Cycle, Proposal, utcnow

        phases = {c.phase(utcnow()).value for c in db.session.scalars(select(Cycle))}
        assert phases >= {"collecting", "screening", "voting", "publication", "implementation",
                          "closed"}  # fmt: skip
        states = set(db.session.scalars(select(Proposal.state)))
        assert states == {"draft", "submitted", "returned", "approved", "rejected", "merged",
                          "withdrawn"}  # fmt: skip
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "already has accounts" in again.output


def test_serve_demo_says_each_step_before_serving(app, monkeypatch):
    from microprojects.cli import commands
    from microprojects.cli.demo import DemoSummary

    served: list[tuple[str, int]] = []

    def load(*, now, progress):
        progress("places: 5 communities")
        progress("ballots: 17")
        return DemoSummary(communities=5, ballots=17)

    monkeypatch.setattr(commands, "load_demo", load)
    monkeypatch.setattr(
        commands, "run_simple", lambda host, port, *a, **k: served.append((host, port))
    )
    result = app.test_cli_runner().invoke(args=["serve", "--demo", "--port", "5099"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    started = lines.index("Loading the demo city (海口市美兰区)…")
    assert re.match(r"  \[ *\d+\.\d s\] places: 5 communities$", lines[started + 1])
    assert re.match(r"  \[ *\d+\.\d s\] ballots: 17$", lines[started + 2])
    assert "17 ballots" in lines[started + 3]
    assert served == [("127.0.0.1", 5099)]
    # A database with accounts is served as it is.
    with app.app_context():
        f.user("someone")
    again = app.test_cli_runner().invoke(args=["serve", "--demo"])
    assert "Loading the demo" not in again.output
    assert len(served) == 2
