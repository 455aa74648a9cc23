"""Pages anyone may see: the home page, the communities, the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...extensions import csrf
from ...services import accounts, database, places
from .helpers import community_or_404, now, redirect_next

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    directory = places.read_directory()
    return render_template("index.html", districts=directory.districts, verified=directory.verified)


@bp.get("/communities")
def communities() -> ResponseReturnValue:
    directory = places.read_directory()
    return render_template(
        "communities.html", districts=directory.districts, verified=directory.verified
    )


@bp.get("/c/<slug>")
def community(slug: str) -> ResponseReturnValue:
    page = places.read_community_page(community_or_404(slug))
    return render_template(
        "community.html",
        community=page.community,
        verified=page.verified,
        cycles=page.cycles,
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


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    # An unreachable database raises here, and the error page answers 503.
    database.check_database()
    return {"status": "ok"}
