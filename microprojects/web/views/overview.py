"""The city's overview (全市概览): anyone sees every cycle's budget, what its vote funded, what
was spent and built, turnout and satisfaction, filtered by district, street and year. The
figures come from ``services.overview``; this module only reads the form and picks the words."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...services import overview as service
from ..messages import IMPLEMENTATION_STATUS_LABELS
from .helpers import now

bp = Blueprint("overview", __name__)


def _problem_text(problem: service.Problem) -> str:
    value = problem.value
    if problem.code == "unknown_district":
        return _("There is no district “%(value)s”: showing every district.", value=value)
    if problem.code == "unknown_street":
        return _("There is no street “%(value)s”: showing every street.", value=value)
    if problem.code == "street_not_in_district":
        return _(
            "The street %(value)s is not in the chosen district: showing the whole district.",
            value=value,
        )
    return _("“%(value)s” is not a year: showing every year.", value=value)


@bp.get("/overview")
def index() -> ResponseReturnValue:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    choices = service.choices(zone)
    filters, problems = service.resolve(
        choices,
        district=request.args.get("district", ""),
        street=request.args.get("street", ""),
        year=request.args.get("year", ""),
    )
    figures = service.overview(filters, now=now(), zone=zone)
    page = render_template(
        "overview/index.html",
        choices=choices,
        filters=filters,
        problems=[_problem_text(p) for p in problems],
        overview=figures,
        implementation_labels=IMPLEMENTATION_STATUS_LABELS,
    )
    # A value that names nothing is the request's fault; the page still shows what it can.
    return page, 400 if problems else 200
