"""Command-line commands: ``flask --app app <command>``. Each is a thin shell over services."""

from __future__ import annotations

import getpass
import os
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import click
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import run_simple

from ..domain.pabulib import PabulibError, read_pb
from ..domain.phases import Phase
from ..extensions import db
from ..models import Community, Cycle, User, utcnow
from ..services import ServiceError, counting, mixing
from ..services import accounts as account_service
from ..services import places as place_service
from ..services import residency as residency_service
from ..web.messages import roster_problem, service_message
from .demo import load_demo
from .notices import notices
from .pabulib_tally import pabulib_tally


def register(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(roster)
    app.cli.add_command(places)
    app.cli.add_command(pabulib)
    app.cli.add_command(count)
    app.cli.add_command(mix)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(notices)


def _fail(error: ServiceError) -> None:
    raise click.ClickException(f"{service_message(error.code, error.params)} ({error.code})")


def _database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


@click.command()
@click.option(
    "--demo/--no-demo", default=False, help="Load the demo city if the database is empty."
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(demo: bool, host: str, port: int) -> None:
    """Apply migrations, optionally load the demo data, and serve the app (development server).

    For production, run ``flask --app app db upgrade`` and serve ``wsgi:app`` with gunicorn.
    """

    upgrade()
    if demo and _database_is_empty():
        _load_demo()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if demo:
        app.config["DEMO"] = True
    click.echo(f" * 微实事 on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command()
@click.option("--force", is_flag=True, help="Load even if the database already has accounts.")
@with_appcontext
def demo(force: bool) -> None:
    """Load the demo city (海口市美兰区) into an up-to-date database."""

    upgrade()
    if not force and not _database_is_empty():
        raise click.ClickException(
            "The database already has accounts; use --force to add the demo."
        )
    _load_demo()


def _load_demo() -> None:
    """Load the demo city, saying each step as it is done, with its counts and the time since
    the start: the whole takes some seconds."""
    started = time.perf_counter()

    def step(message: str) -> None:
        click.echo(f"  [{time.perf_counter() - started:5.1f} s] {message}")

    click.echo("Loading the demo city (海口市美兰区)…")
    summary = load_demo(now=utcnow(), progress=step)
    click.echo(f"Demo data loaded in {time.perf_counter() - started:.1f} s: {summary}")


@click.command("create-admin")
@click.argument("username")
@click.option("--password", help="Asked for when not given.")
@with_appcontext
def create_admin(username: str, password: str | None) -> None:
    """Create a city administrator account (or make an existing account one)."""
    user = account_service.find_login(username)
    if user is None:
        password = password or getpass.getpass("Password: ")
        try:
            user = account_service.register_user(
                username=username,
                password=password,
                display_name=username,
                phone=None,
                now=utcnow(),
            )
        except ServiceError as error:
            _fail(error)
            return
    account_service.bootstrap_admin(user, now=utcnow())
    click.echo(f"{user.username} is a city administrator.")


@click.group()
def roster() -> None:
    """A community's roster."""


@roster.command("import")
@click.argument("community_slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--actor", "actor_name", required=True, help="Username of the committee member or admin."
)
@with_appcontext
def roster_import(community_slug: str, path: Path, actor_name: str) -> None:
    """Import a roster CSV (UTF-8 or GB18030, as Excel writes it). All rows or none."""

    community = db.session.scalar(select(Community).filter_by(slug=community_slug))
    if community is None:
        raise click.ClickException(f"No community with the slug {community_slug!r}.")
    actor = account_service.find_login(actor_name)
    if actor is None:
        raise click.ClickException(f"No account {actor_name!r}.")
    try:
        report = residency_service.import_roster(
            actor,
            community,
            path.read_bytes(),
            now=utcnow(),
            max_rows=current_app.config["ROSTER_MAX_ROWS"],
        )
    except ServiceError as error:
        _fail(error)
        return
    if not report.ok:
        for problem in report.problems:
            message = roster_problem(problem.code, problem.column, problem.value)
            click.echo(f"{path}:{problem.line}: {message}", err=True)
        raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported.")
    click.echo(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"new households {report.households_added} ({report.encoding})"
    )


@click.group()
def places() -> None:
    """Districts, streets, communities and grids."""


@places.command("add")
@click.option("--city", default="海口市", show_default=True)
@click.option("--district", required=True)
@click.option("--street", required=True)
@click.option("--community", required=True)
@click.option("--slug", required=True, help="Short name used in addresses, e.g. zhenxing.")
@click.option("--grid", "grids", multiple=True, help="A grid name; repeat for several.")
@with_appcontext
def places_add(
    city: str, district: str, street: str, community: str, slug: str, grids: tuple[str, ...]
) -> None:
    """Add a community (and its district, street and grids when they are new)."""
    try:
        place = place_service.ensure_community(
            city=city, district=district, street=street, community=community, slug=slug, grids=grids
        )
    except ServiceError as error:
        _fail(error)
        return
    click.echo(f"{place.full_name} ({place.slug}), {len(place.grids)} grids")


@places.command("list")
@with_appcontext
def places_list() -> None:
    """List the communities with their slugs."""
    for community in db.session.scalars(select(Community).order_by(Community.slug)):
        click.echo(f"{community.slug}\t{community.full_name}\t{len(community.grids)} grids")


@click.group()
def pabulib() -> None:
    """Pabulib (.pb) files, the open format of participatory-budgeting research."""


pabulib.add_command(pabulib_tally)


class _ProgressLines:
    """A text file read line by line that moves a progress bar by the bytes read."""

    def __init__(self, stream: Any, bar: Any) -> None:
        self._stream = stream
        self._bar = bar

    def __iter__(self) -> _ProgressLines:
        return self

    def __next__(self) -> str:
        line: str = next(self._stream)
        self._bar.update(len(line.encode("utf-8")))
        return line


@pabulib.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community", "community_slug", required=True, help="Slug of the community.")
@click.option("--title", help="The cycle's title (default: the file's unit and instance).")
@click.option("--count/--no-count", "then_count", default=False, help="Count it right away.")
@with_appcontext
def pabulib_import(path: Path, community_slug: str, title: str | None, then_count: bool) -> None:
    """Load a .pb election as a cycle of a community: its projects on the ballot, its ballots
    anonymous. The file is checked whole before anything is written; all or nothing."""

    community = db.session.scalar(select(Community).filter_by(slug=community_slug))
    if community is None:
        raise click.ClickException(f"No community with the slug {community_slug!r}.")
    try:
        with (
            open(path, encoding="utf-8-sig", newline="") as stream,
            click.progressbar(length=path.stat().st_size, label="reading", file=sys.stderr) as bar,
        ):
            election = read_pb(_ProgressLines(stream, bar))  # type: ignore[arg-type]
    except PabulibError as error:
        raise click.ClickException(
            f"{path}: line {error.line_no}: {error.message}; nothing was imported."
        ) from None
    except OSError as error:
        raise click.ClickException(f"{path}: cannot read the file: {error}") from None
    try:
        with click.progressbar(length=election.num_voters, label="writing", file=sys.stderr) as bar:
            written = 0

            def progress(done: int) -> None:
                nonlocal written
                bar.update(done - written)
                written = done

            cycle = counting.import_election(
                election, community=community, title=title, now=utcnow(), progress=progress
            )
    except ServiceError as error:
        _fail(error)
        return
    click.echo(
        f"cycle {cycle.id}: {cycle.title} · {len(election.projects)} projects, "
        f"{election.num_voters} ballots"
    )
    if then_count:
        _count(cycle.id, "")


@pabulib.command("export")
@click.argument("cycle_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option(
    "--canonical",
    is_flag=True,
    help="Write the counted canonical file (sorted ballots), whose SHA-256 the count records.",
)
@with_appcontext
def pabulib_export(cycle_id: int, path: str, canonical: bool) -> None:
    """Write a counted cycle as a .pb file: funded projects marked selected, ballots shuffled
    and numbered anew so that nothing in the file follows who voted when. PATH - is stdout."""

    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_id}.")
    try:
        text = counting.export_pb(cycle, canonical=canonical)
    except ServiceError as error:
        _fail(error)
        return
    with click.open_file(path, "w", encoding="utf-8") as out:
        out.write(text)
    if path != "-":
        click.echo(f"wrote {path}", err=True)


def _count(cycle_id: int, reason: str) -> None:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_id}.")
    try:
        result = counting.run_count(None, cycle, now=utcnow(), reason=reason)
    except ServiceError as error:
        _fail(error)
        return
    funded = [o for o in result.outcomes if o.funded]
    click.echo(
        f"count {result.number} of cycle {cycle.id}: rule {result.rule}, "
        f"{result.num_ballots} ballots, {len(funded)} projects funded, "
        f"sha256 {result.ballots_digest}"
    )


@click.command()
@click.argument("cycle_id", type=int)
@click.option("--reason", default="", help="Why, when the cycle has been counted before.")
@with_appcontext
def count(cycle_id: int, reason: str) -> None:
    """Count a cycle whose voting has closed and store the result (as the committee's button)."""
    _count(cycle_id, reason)


@click.command()
@click.argument("cycle_id", type=int)
@with_appcontext
def mix(cycle_id: int) -> None:
    """Open the cycle's sealed ballots and write them as mixed ballots: all of them once voting
    has closed, else when at least MIX_BATCH wait (as every cast does on its own)."""

    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_id}.")
    final = cycle.phase(utcnow()) is not Phase.VOTING
    try:
        mixed = mixing.mix(cycle_id, final=final)
    except mixing.BallotKeyError as error:
        raise click.ClickException(str(error)) from None
    left = mixing.unmixed(cycle_id)
    click.echo(f"cycle {cycle_id}: {mixed} ballots mixed, {left} still sealed")


# --- backup and restore (SQLite; PostgreSQL uses pg_dump and pg_restore) ------------------------

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_BACKUP = "back it up with `pg_dump -Fc -f FILE DATABASE_URL`"
_PG_RESTORE = (
    "restore it with `pg_restore --clean --if-exists -d DATABASE_URL FILE`, "
    "then `flask --app app db upgrade`"
)


def _sqlite_database(postgresql_hint: str) -> Path:
    """The file of the app's SQLite database; any other database is refused with a hint."""
    url = db.engine.url  # as Flask-SQLAlchemy resolved it (a relative path is in instance/)
    backend = url.get_backend_name()
    if backend == "postgresql":
        raise click.ClickException(
            f"The database is PostgreSQL: {postgresql_hint} "
            "(README.md, section “Backup and restore”)."
        )
    if backend != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            f"Only a SQLite database file can be copied here, not {url.render_as_string()}."
        )
    return Path(url.database).resolve()


def _sqlite_copy(source: Any, target: Path) -> None:
    """Copy an open SQLite connection's database into ``target`` with SQLite's online backup
    API: a consistent snapshot, taken page by page under SQLite's own locks, so the app may keep
    running; a target in WAL mode (the live database) stays in it."""

    try:
        with closing(sqlite3.connect(target, timeout=30)) as out:
            source.backup(out)
    except sqlite3.Error as error:
        raise click.ClickException(f"Copying into {target} failed: {error}.") from None


def _sqlite_snapshot(source: Any, path: Path, *, restorable: bool = False) -> str | None:
    """A self-contained copy at ``path`` (no -wal file beside it), written under a temporary
    name first so that ``path`` never holds half a copy. ``restorable``: the copy must also
    pass restore's checks, and its migration revision is returned."""

    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _sqlite_copy(source, partial)
        with closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {verdict}.")
        revision = _revision_of(partial) if restorable else None
        os.replace(partial, path)
        return revision
    finally:
        partial.unlink(missing_ok=True)


def _known_revisions() -> tuple[set[str], set[str]]:
    """Every migration revision this version of the app knows, and the newest (heads)."""

    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {r.revision for r in scripts.walk_revisions()}, set(scripts.get_heads())


def _revision_of(path: Path) -> str:
    """The migration revision of a SQLite file of this app; a clear refusal for anything else."""

    with path.open("rb") as stream:
        if stream.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise click.ClickException(f"{path} is not a SQLite database.")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
            rows = None
            if "alembic_version" in tables:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error as error:
        raise click.ClickException(
            f"{path} cannot be read as a SQLite database: {error}."
        ) from None
    if verdict != "ok":
        raise click.ClickException(f"{path} is damaged (integrity check: {verdict}).")
    if rows is None:
        raise click.ClickException(
            f"{path} is not a database of this app: it has no alembic_version table."
        )
    known, _heads = _known_revisions()
    found = [r for (r,) in rows]
    if len(found) != 1 or found[0] not in known:
        raise click.ClickException(
            f"{path} is at migration revision {', '.join(found) or 'none'}, "
            "which this version of the app does not know."
        )
    return str(found[0])


def _holds_data(path: Path) -> bool:
    if not path.exists():
        return False
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                # The rows the migrations themselves write are not data.
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' "
                "AND name NOT IN ('alembic_version', 'content_versions')"
            )
        ]
        return any(
            conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()  # noqa: S608
            for name in tables
        )


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH while the app keeps running (SQLite's online backup).
    PostgreSQL is backed up with pg_dump (see the README)."""

    live = _sqlite_database(_PG_BACKUP)
    if not live.exists():
        raise click.ClickException(f"There is no database at {live}.")
    if path.exists():
        raise click.ClickException(f"{path} already exists; give a new file name.")
    if not path.resolve().parent.is_dir():
        raise click.ClickException(f"The folder of {path} does not exist.")
    with closing(sqlite3.connect(live, timeout=30)) as source:
        revision = _sqlite_snapshot(source, path, restorable=True)
    click.echo(f"backed up {live} to {path} (migration {revision})")


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore(path: Path, force: bool) -> None:
    """Replace the SQLite database with the backup at PATH, after checking that PATH is a
    database of this app at a known migration; the replaced one is kept as *.before-restore."""

    live = _sqlite_database(_PG_RESTORE)
    if live.exists() and path.resolve().samefile(live):
        raise click.ClickException(f"{path} is the database itself.")
    revision = _revision_of(path)
    if not force and _holds_data(live):
        raise click.ClickException(
            f"The database {live} holds data; use --force to replace it "
            "(it will be kept as *.before-restore)."
        )
    db.engine.dispose()
    kept = live.with_name(live.name + ".before-restore") if live.exists() else None
    if kept is not None:
        with closing(sqlite3.connect(live, timeout=30)) as current:
            _sqlite_snapshot(current, kept)
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as source:
        _sqlite_copy(source, live)
    click.echo(f"restored {path} into {live} (migration {revision})")
    if kept is not None:
        click.echo(f"the previous database is kept as {kept}")
    if revision not in _known_revisions()[1]:
        click.echo("the backup predates this version: run `flask --app app db upgrade`")
