"""Actions that cannot be taken back ask first, on a page of their own.

The form that asks for such an action (withdraw a proposal, approve, reject or merge it, end a
phase now, count the votes or correct the count) posts to its route as before; the route does
not act but answers with a confirmation page that says what will happen, to what, and what
cannot be undone. That page carries one signed token holding what was asked (the action, its
object, its words: a reason, a date, the proposal to merge into), who asked, and the state the
object was in. Only a POST with such a token acts, and it acts on what the token holds, not on
fields that could have changed since.

The token is good once: the action changes the state it names, so the same token sent again
(a double tap, the back button and a resend, a replayed request) finds another state and does
nothing. The services check the same on their side, under a row lock, for two requests at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_FIELD = "confirm_token"
MAX_AGE = 3600  # seconds: a confirmation page left open longer asks again


@dataclass(frozen=True)
class Confirmed:
    """What the confirmation page showed and the person confirmed."""

    state: str
    data: dict[str, Any]


@dataclass
class Ask:
    """What a confirmation page says. ``facts`` name the object (label, value); ``happens``
    says what the action does; ``final`` what cannot be undone."""

    heading: str
    button: str
    back: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    happens: list[str] = field(default_factory=list)
    final: str = ""
    danger: bool = True


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="confirm-action")


def read(action: str, subject: int) -> Confirmed | None:
    """The confirmation this request carries for ``action`` on ``subject`` by the current
    account; None when it carries none (or one made for something else, by someone else, or
    too long ago): the route then asks."""
    raw = request.form.get(TOKEN_FIELD, "")
    if not raw:
        return None
    try:
        payload = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    if (payload.get("a"), payload.get("s"), payload.get("u")) != (
        action,
        subject,
        current_user.get_id(),
    ):
        return None
    return Confirmed(state=str(payload.get("f", "")), data=dict(payload.get("d") or {}))


def ask(action: str, subject: int, state: str, data: dict[str, Any], page: Ask) -> tuple[str, int]:
    """The confirmation page for ``action`` on ``subject`` in ``state`` with ``data``."""
    token = _serializer().dumps(
        {"a": action, "s": subject, "u": current_user.get_id(), "f": state, "d": data}
    )
    html = render_template(
        "confirm.html", page=page, token=token, token_field=TOKEN_FIELD, target=request.path
    )
    return html, 200


def stale() -> None:
    """Say that a confirmed action was not done because things moved on since the page."""
    flash(
        _(
            "Nothing was done: this was already done, or it changed since you were asked."
            " Look at it again."
        ),
        "error",
    )
