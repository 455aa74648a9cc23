"""Command-line commands: ``flask --app app <command>``. Each is a thin shell over services."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from .extensions import db
from .models import Community, User, utcnow
from .services import ServiceError
from .services import accounts as account_service
from .services import places as place_service
from .services import residency as residency_service


def register(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(roster)
    app.cli.add_command(places)


def _fail(error: ServiceError) -> None:
    from .messages import service_message

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
    from werkzeug.serving import run_simple

    upgrade()
    if demo and _database_is_empty():
        from .demo import load_demo

        summary = load_demo(now=utcnow())
        click.echo(f"Demo data loaded: {summary}")
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
    from .demo import load_demo

    upgrade()
    if not force and not _database_is_empty():
        raise click.ClickException(
            "The database already has accounts; use --force to add the demo."
        )
    click.echo(f"Demo data loaded: {load_demo(now=utcnow())}")


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
    from .messages import roster_problem

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
