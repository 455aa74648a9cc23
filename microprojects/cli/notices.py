"""``flask --app app notices send``: try the outbox's messages whose time has come (failed ones
after their wait, and those a limit held back). A timer runs it every minute or so."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..models import utcnow
from ..services import outbox


@click.group()
def notices() -> None:
    """The messages (SMS, e-mail) that notices send."""


@notices.command("send")
@click.option("--limit", default=500, show_default=True, type=int, help="Messages tried at most.")
@with_appcontext
def send(limit: int) -> None:
    """Try the messages that are due; say how it went."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tally = outbox.send_due(app, now=utcnow(), limit=limit)
    click.echo(
        f"sent {tally.sent}, failed (to be tried again) {tally.failed}, "
        f"given up {tally.given_up}, held back by the limit {tally.waiting}"
    )
    if tally.given_up:
        click.echo("messages given up are shown on the committee's 通知发送 page", err=True)
