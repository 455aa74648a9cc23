"""Pages anyone may see: the home page, the communities, the language switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, session
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ...extensions import csrf, db
from ...models import District, Residency, ResidencyStatus, Street
from .helpers import community_or_404, redirect_next

bp = Blueprint("public", __name__)


def _districts() -> list[District]:
    return list(
        db.session.scalars(
            select(District)
            .options(selectinload(District.streets).selectinload(Street.communities))
            .order_by(District.name)
        )
    )


def _verified_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Residency.community_id, func.count())
        .where(Residency.status == ResidencyStatus.VERIFIED.value)
        .group_by(Residency.community_id)
    )
    return {community_id: count for community_id, count in rows}


@bp.get("/")
def index() -> str:
    return render_template("index.html", districts=_districts(), verified=_verified_counts())


@bp.get("/communities")
def communities() -> str:
    return render_template("communities.html", districts=_districts(), verified=_verified_counts())


@bp.get("/c/<slug>")
def community(slug: str) -> str:
    from ...models import Cycle
    from .helpers import now

    place = community_or_404(slug)
    cycles = db.session.scalars(
        select(Cycle)
        .where(or_(Cycle.community_id == place.id, Cycle.street_id == place.street_id))
        .order_by(Cycle.collecting_at.desc())
    ).all()
    return render_template(
        "community.html",
        community=place,
        verified=_verified_counts().get(place.id, 0),
        cycles=cycles,
        now=now(),
    )


@bp.post("/lang")
@csrf.exempt
def set_language() -> Any:
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
        current_user.locale = lang
        db.session.commit()
    return redirect_next("public.index")


@bp.get("/healthz")
def health() -> dict[str, str]:
    db.session.execute(select(1))
    return {"status": "ok"}
