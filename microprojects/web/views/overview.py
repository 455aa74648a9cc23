"""The city's overview (全市概览): anyone sees every cycle's budget, what its vote funded, what
was spent and built, turnout and satisfaction, filtered by district, street and year. The
figures come from ``services.overview``; this module only reads the form and picks the words."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...services import overview as service
from ..messages import IMPLEMENTATION_STATUS_LABELS, PHASE_LABELS
from .api import LICENCE, csv_response, yuan_cell
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


def _figures() -> tuple[service.Choices, service.Filters, list[service.Problem], Any]:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    choices = service.choices(zone)
    filters, problems = service.resolve(
        choices,
        district=request.args.get("district", ""),
        street=request.args.get("street", ""),
        year=request.args.get("year", ""),
    )
    return choices, filters, problems, service.overview(filters, now=now(), zone=zone)


def _download_args(filters: service.Filters) -> dict[str, int]:
    """The filters in force, for the link to the same figures as CSV."""
    found = {"district": filters.district_id, "street": filters.street_id, "year": filters.year}
    return {k: v for k, v in found.items() if v is not None}


@bp.get("/overview")
def index() -> ResponseReturnValue:
    choices, filters, problems, figures = _figures()
    page = render_template(
        "overview/index.html",
        choices=choices,
        filters=filters,
        problems=[_problem_text(p) for p in problems],
        overview=figures,
        implementation_labels=IMPLEMENTATION_STATUS_LABELS,
        download_args=_download_args(filters),
    )
    # A value that names nothing is the request's fault; the page still shows what it can.
    return page, 400 if problems else 200


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else ""


@bp.get("/overview.csv")
def download() -> ResponseReturnValue:
    """The page's figures for a spreadsheet: a line per cycle, then the totals, headed and worded
    in the page's language, amounts in yuan. A filter that names nothing is dropped, as on the
    page."""
    _choices, filters, _problems, figures = _figures()
    header = [
        _("Cycle"), _("Community or street"), _("Street"), _("Year"), _("Phase"),
        _("Budget (yuan)"), _("Votes counted"), _("Allocated (yuan)"), _("Spent (yuan)"),
        _("Projects funded"), _("Projects completed"), _("Voted"), _("Verified residents"),
        _("Turnout rate"),
    ]  # fmt: skip
    rows: list[list[Any]] = []
    for c in figures.cycles:
        opened = c.turnout is not None
        rows.append(
            [
                c.title, c.community or _("Whole street"), c.street, c.year,
                str(PHASE_LABELS[c.phase]), yuan_cell(c.budget_fen),
                _("Yes") if c.counted else _("No"),
                yuan_cell(c.allocated_fen) if c.counted else "", yuan_cell(c.spent_fen),
                c.funded, c.completed, c.voted if opened else "", c.eligible if opened else "",
                _percent(c.voted, c.eligible) if opened else "",
            ]
        )  # fmt: skip
    t = figures.totals
    rows.append(
        [
            _("Total: %(n)s cycles", n=t.cycles), "", "", "", "", yuan_cell(t.budget_fen), "",
            yuan_cell(t.allocated_fen), yuan_cell(t.spent_fen), t.funded, t.completed,
            t.voted, t.eligible, _percent(t.voted, t.eligible),
        ]
    )  # fmt: skip
    name = "overview" + "".join(f"-{k}-{v}" for k, v in _download_args(filters).items())
    return csv_response(f"{name}.csv", header, rows)


# The API for people: what each address gives, an example request and a shortened example
# response (fields left out are marked …). The examples show the shape, not this city's data.
API_EXAMPLES: tuple[tuple[str, Any, str, str], ...] = (
    (
        "/api/v1/cycles",
        _l("Every cycle, the most recent first; filter by district, street, community or year."),
        "GET /api/v1/cycles?district=美兰区&year=2026",
        """{"cycles": [{"id": 5, "title": "2026 年第二期海达社区微实事",
  "scope_name": "海达社区", "phase": "implementation",
  "budget_fen": 9000000, "currency": "CNY", "results_status": "final",
  "links": {"results": "/api/v1/cycles/5/results", …}, …}]}""",
    ),
    (
        "/api/v1/cycles/{id}",
        _l("One cycle: its place, dates, budget, ballot and counting rule."),
        "GET /api/v1/cycles/5",
        """{"id": 5, "title": "2026 年第二期海达社区微实事",
  "count_rule": {"rule": "equal-shares", "tie_break": "submitted", …}, …}""",
    ),
    (
        "/api/v1/cycles/{id}/results",
        _l(
            "The stored count: every project's score, whether it was funded and why, earlier "
            "counts, objections without their authors, and turnout."
        ),
        "GET /api/v1/cycles/5/results",
        """{"cycle_id": 5, "status": "final",
  "count": {"number": 1, "rule": "equal-shares", "budget_fen": 9000000,
    "cost_used_fen": 7300000, "num_ballots": 16,
    "projects": [{"proposal_id": 23, "title": "楼道安装声控灯", "score": 12,
      "cost_fen": 1800000, "funded": true,
      "explanation": {"code": "mes_bought", …}}, …]}, …}""",
    ),
    (
        "/api/v1/projects?cycle={id}",
        _l(
            "Projects with their supports, photos, count line, service-menu offer and "
            "implementation: spending, milestones, updates, ratings, contract, package and "
            "acceptance."
        ),
        "GET /api/v1/projects?cycle=5",
        """{"projects": [{"id": 23, "title": "楼道安装声控灯", "state": "approved",
  "cost_fen": 1800000, "supports": 5,
  "implementation": {"status": "completed", "actual_fen": 1800000, …}, …}]}""",
    ),
    (
        "/api/v1/projects/{id}",
        _l("One project."),
        "GET /api/v1/projects/23",
        """{"id": 23, "cycle_id": 5, "title": "楼道安装声控灯", …}""",
    ),
)


@bp.get("/open-data")
def open_data() -> ResponseReturnValue:
    """What is published, for people: the downloads, each address of the API with an example,
    and the licence. Everything on it is served by the app."""
    return render_template(
        "overview/open_data.html",
        examples=API_EXAMPLES,
        licence=LICENCE,
        base=request.host_url.rstrip("/"),
    )
