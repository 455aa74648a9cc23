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
