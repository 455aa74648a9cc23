"""Backup and restore as an operator runs them (README, "Backup and restore"):
``flask --app app backup PATH`` and ``restore PATH`` on SQLite while gunicorn serves the app,
what they refuse, and PostgreSQL's path with the real pg_dump, pg_restore and ``db upgrade``."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import factories
import pytest
from sqlalchemy import func, make_url, select
from test_faults import (
    COUNTED,
    RECEIPT_RE,
    ROOT,
    TOKEN_RE,
    Attempt,
    Browser,
    Server,
    cast,
    counted,
    fresh_postgresql,
    migrate,
    prepare_election,
    server_env,
)
from webclient import login, post

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.extensions import db
from microprojects.models import Ballot, Cycle, Participation, PublishedReceipt, User

NOT_COUNTED = "本轮次没有哪张选票使用这个回执码"  # the public receipt check, for no ballot


def flask_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchall()


def usernames(path: Path) -> set[str]:
    return {str(name) for (name,) in rows(path, "SELECT username FROM users")}


def test_sqlite_round_trip_while_gunicorn_serves(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    url = f"sqlite:///{live}"
    migrate(url, tmp_path / "instance")
    app = create_app(Settings(url, instance_path=str(tmp_path / "instance")))
    election = prepare_election(app, 5)
    env = server_env(url, tmp_path)
    server = Server(env, tmp_path / "gunicorn.log").start()
    try:
        browsers = {name: Browser(server.base) for name in election.residencies}
        for name, browser in browsers.items():
            browser.login(name)

        def vote(name: str) -> str:
            attempt = cast(browsers[name], election, Attempt(name), election.project_ids[:1])
            assert attempt.receipt and attempt.shown == attempt.receipt, attempt
            return attempt.receipt

        first = [vote("voter00"), vote("voter01")]
        # These votes are in the write-ahead log, not yet in live.db itself: a plain copy of
        # the file would miss them, the online backup must not.
        assert Path(f"{live}-wal").stat().st_size > 0
        backup = tmp_path / "backups" / "monday.db"
        backup.parent.mkdir()
        made = flask_cli(env, "backup", str(backup))
        assert made.returncode == 0, made.stderr
        assert f"backed up {live} to {backup}" in made.stdout
        stored = "SELECT (SELECT count(*) FROM ballots) + (SELECT count(*) FROM sealed_ballots)"
        assert rows(backup, stored) == [(2,)]
        assert rows(backup, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file

        # Life goes on after the backup: two more votes and a new account.
        later = [vote("voter02"), vote("voter03")]
        with app.app_context():
            factories.user("late")
            db.session.remove()
        assert counted(app, election)[:2] == (4, 4)

        refused = flask_cli(env, "restore", str(backup))
        assert refused.returncode != 0
        assert "holds data; use --force" in refused.stderr
        assert "late" in usernames(live)
        assert not live.with_name("live.db.before-restore").exists()

        restored = flask_cli(env, "restore", str(backup), "--force")
        assert restored.returncode == 0, restored.stderr
        kept = live.with_name("live.db.before-restore")
        assert f"kept as {kept}" in restored.stdout
        # The state of the backup is back; the replaced one is kept whole.
        assert "late" not in usernames(live) and "late" in usernames(kept)
        assert counted(app, election)[:2] == (2, 2)
        assert rows(kept, "SELECT count(*) FROM ballots") == [(4,)]
        assert rows(live, "PRAGMA journal_mode") == [("wal",)]

        # The same server, never restarted, serves the restored database and takes votes.
        assert server.status("/healthz") == 200
        checker = Browser(server.base)
        for receipt, shown in [(r, COUNTED) for r in first] + [(r, NOT_COUNTED) for r in later]:
            page = checker.post_plain(f"/cycles/{election.cycle_id}/check", {"code": receipt})
            assert page.status == 200 and shown in page.body, receipt
        vote("voter02")  # their vote after the backup is gone: they vote again
        vote("voter04")
        assert counted(app, election)[:2] == (4, 4)
        late = Browser(server.base)
        form = late.get("/login")
        answer = late.post("/login", {"login": "late", "password": factories.PASSWORD}, form.body)
        assert answer.status == 200  # the form again: that account is not in the backup
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def cli_app(tmp_path: Path):
    live = tmp_path / "live.db"
    migrate(f"sqlite:///{live}", tmp_path / "instance")
    app = create_app(Settings(f"sqlite:///{live}", instance_path=str(tmp_path / "instance")))
    yield app, live
    with app.app_context():
        db.engine.dispose()


def test_restore_checks_the_file_before_replacing_anything(cli_app, tmp_path: Path) -> None:
    app, live = cli_app
    runner = app.test_cli_runner()
    before = live.read_bytes()

    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database\n", encoding="utf-8")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
        conn.commit()
    unknown = tmp_path / "future.db"
    shutil.copy(live, unknown)
    with closing(sqlite3.connect(unknown)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        conn.commit()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(live.read_bytes()[:8192])

    expected = {
        text_file: "is not a SQLite database",
        other: "it has no alembic_version table",
        unknown: "revision ffffffffffff, which this version of the app does not know",
        truncated: "truncated.db",
        live: "is the database itself",
    }
    for path, message in expected.items():
        result = runner.invoke(args=["restore", str(path), "--force"])
        assert result.exit_code == 1, (path, result.output)
        assert message in result.output, (path, result.output)
    assert live.read_bytes() == before
    assert not live.with_name("live.db.before-restore").exists()


def test_backup_writes_a_new_file_only(cli_app, tmp_path: Path) -> None:
    app, live = cli_app
    runner = app.test_cli_runner()
    existing = tmp_path / "monday.db"
    existing.write_bytes(b"yesterday's backup")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "already exists; give a new file name" in result.output
    assert existing.read_bytes() == b"yesterday's backup"
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "monday.db")])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(args=["backup", str(tmp_path / "tuesday.db")])
    assert result.exit_code == 0, result.output
    version = "SELECT version_num FROM alembic_version"
    assert rows(tmp_path / "tuesday.db", version) == rows(live, version)
    assert not list(tmp_path.glob("*.partial"))


def test_restore_into_an_empty_database_needs_no_force(cli_app, tmp_path: Path) -> None:
    app, live = cli_app
    source = tmp_path / "source.db"
    migrate(f"sqlite:///{source}", tmp_path / "instance")
    other = create_app(Settings(f"sqlite:///{source}", instance_path=str(tmp_path / "instance")))
    with other.app_context():
        factories.user("wang")
        db.session.remove()
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["restore", str(source)])
    assert result.exit_code == 0, result.output
    assert usernames(live) == {"wang"}


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_postgresql_is_pointed_to_pg_dump_and_pg_restore(command: str, tmp_path: Path) -> None:
    """Nothing listens on port 9: the refusal must not need the database."""
    app = create_app(
        Settings("postgresql+psycopg://postgres@127.0.0.1:9/none", instance_path=str(tmp_path))
    )
    dump = tmp_path / "wss.dump"
    dump.write_bytes(b"PGDMP")
    result = app.test_cli_runner().invoke(args=[command, str(dump)])
    assert result.exit_code == 1
    assert "The database is PostgreSQL" in result.output
    assert "Backup and restore" in result.output
    if command == "backup":
        assert "pg_dump -Fc" in result.output
    else:
        assert "pg_restore --clean --if-exists" in result.output
        assert "flask --app app db upgrade" in result.output


def test_postgresql_round_trip_with_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    with fresh_postgresql("faults_backup", tmp_path / "instance") as url:
        if missing:
            pytest.skip(f"{' and '.join(missing)} not on PATH (Debian: postgresql-client)")
        from microprojects.domain.ballots import Choice
        from microprojects.services import mixing, voting
        from microprojects.services.voting import receipt_digest

        app = create_app(Settings(url, instance_path=str(tmp_path / "instance")))
        election = prepare_election(app, 3)

        def vote(name: str) -> str:
            with app.app_context():
                user = db.session.scalar(select(User).filter_by(username=name))
                cycle = db.session.get(Cycle, election.cycle_id)
                moment = cycle.voting_at + timedelta(hours=1)
                choice = [Choice(election.project_ids[0])]
                receipt = voting.cast_ballot(user, cycle, choice, now=moment).receipt
                db.session.remove()
                return receipt

        kept = vote("voter00")
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = tmp_path / "wss.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), libpq], check=True, timeout=60)

        vote("voter01")
        with app.app_context():
            factories.user("late")
            db.session.remove()
            db.engine.dispose()
        restored = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "-d", libpq, str(dump)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert restored.returncode == 0, restored.stderr
        upgraded = flask_cli(server_env(url, tmp_path), "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr

        with app.app_context():
            names = set(db.session.scalars(select(User.username)))
            assert "late" not in names and {"voter00", "voter01"} <= names
            mixing.mix(election.cycle_id, final=True)  # the ballot sealed in the dump opens
            digests = list(db.session.scalars(select(PublishedReceipt.digest)))
            assert digests == [receipt_digest(kept)]
            assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
            assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
            db.session.remove()
        # The app works on the restored database: voter01, whose vote came after the dump,
        # votes again through the pages.
        client = app.test_client()
        login(client, "voter01")
        page = client.get(f"/cycles/{election.cycle_id}/vote").get_data(as_text=True)
        assert "/vote/review" in page
        review = post(
            client, f"/cycles/{election.cycle_id}/vote/review", {"p": election.project_ids[:1]}
        )
        token = TOKEN_RE.search(review.get_data(as_text=True))
        cast_answer = post(
            client, f"/cycles/{election.cycle_id}/vote/cast", {"token": token.group(1)}
        )
        assert cast_answer.status_code == 200
        assert RECEIPT_RE.search(cast_answer.get_data(as_text=True))
        assert counted(app, election)[:2] == (2, 2)
