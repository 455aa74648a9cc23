"""Pages anyone may see: the home page (the resident's now), the communities, the language
switch and the elder mode's switch (长辈模式)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_login import current_user
from werkzeug.local import LocalProxy

from ...extensions import csrf
from ...services import accounts, browsing, database, home, places
from ..device import ELDER_COOKIE, ELDER_COOKIE_AGE, elder_device
from .helpers import community_or_404, now, redirect_next

bp = Blueprint("public", __name__)


def elder_mode() -> bool:
    """Whether pages are shown in elder mode: the account's setting, else the device's."""
    if current_user.is_authenticated:
        shown = bool(current_user.elder_mode)
        g.elder_mode_shown = shown
        return shown
    return elder_device()


@bp.app_context_processor
def inject_elder_mode() -> dict[str, Any]:
    # Read when a page asks, not for every page.
    return {"elder_mode": LocalProxy(elder_mode), "elder_device": LocalProxy(elder_device)}


@bp.after_app_request
def keep_elder_cookie(response: Response) -> Response:
    """An account's elder mode follows it to a new device: the page that showed it leaves the
    device's cookie in step, so that the receipt, which reads only the cookie, shows it too."""
    shown = g.get("elder_mode_shown")
    if shown is not None and shown != elder_device():
        set_elder_cookie(response, shown)
    return response


@bp.app_template_filter("local_date")
def local_date(value: date | None) -> str:
    """A day as residents write it (2026年12月5日)."""
    return "" if value is None else format_date(value, "long")


@bp.get("/")
def index() -> ResponseReturnValue:
    directory = places.read_directory()
    user = current_user if current_user.is_authenticated else None
    return render_template(
        "index.html",
        districts=directory.districts,
        verified=directory.verified,
        resident_now=home.read_now(user, now()),
        now=now(),
    )


@bp.get("/communities")
def communities() -> ResponseReturnValue:
    directory = places.read_directory()
    return render_template(
        "communities.html", districts=directory.districts, verified=directory.verified
    )


@bp.get("/c/<slug>")
def community(slug: str) -> ResponseReturnValue:
    page = places.read_community_page(community_or_404(slug))
    outcomes = browsing.read_outcomes([c.id for c in page.cycles])
    return render_template(
        "community.html",
        community=page.community,
        verified=page.verified,
        cycles=page.cycles,
        outcomes={k: browsing.summarize_outcomes(v) for k, v in outcomes.items()},
        now=now(),
    )


@bp.post("/lang")
@csrf.exempt
def set_language() -> ResponseReturnValue:
    """Switch the language. A visitor's switch needs no form token, so that their pages carry
    none and can be shared (the results page is kept whole for visitors): forging it could only
    change the language of a browser that is not logged in. An account's choice is stored with
    the account, so for a logged-in user the token is checked as on every other form."""
    if current_user.is_authenticated:
        csrf.protect()
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        accounts.set_locale(current_user, lang)
    return redirect_next("public.index")


@bp.post("/elder")
@csrf.exempt
def set_elder_mode() -> ResponseReturnValue:
    """Turn elder mode on or off. As with the language, a visitor's switch needs no form token
    (forging it could only enlarge the text of a browser that is not logged in) and is kept by
    the device; an account's is kept with the account, its token checked."""
    if current_user.is_authenticated:
        csrf.protect()
    wanted = request.form.get("elder", "")
    if wanted not in ("on", "off"):
        abort(400)
    if current_user.is_authenticated:
        home.set_elder_mode(current_user, wanted == "on")
    response = redirect_next("public.index")
    set_elder_cookie(response, wanted == "on")
    return response


def set_elder_cookie(response: Any, on: bool) -> None:
    """Keep the choice on this device too, so that it outlasts a logout."""
    if on:
        response.set_cookie(
            ELDER_COOKIE,
            "1",
            max_age=ELDER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    # An unreachable database raises here, and the error page answers 503.
    database.check_database()
    return {"status": "ok"}
