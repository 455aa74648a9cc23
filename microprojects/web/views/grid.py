"""Grid workers (网格员): their work list per grid ("我的网格"), the printable code cards of a
grid, proposals brought to them door to door; and the committee's page that gives and ends
their assignments. A grid worker's pages answer only for the grids they work in now."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...domain.permissions import Action
from ...domain.phases import Phase
from ...extensions import login_manager
from ...models import Community, Grid
from ...services import grid_work
from ...services import residency as residency_service
from ...services.errors import ErrorCode, ServiceError
from ..forms.grid import DoorProposalForm, GiveGridForm
from ..forms.proposals import proposal_input
from ..messages import service_message
from .helpers import attempt, committee_required, cycle_or_404, flash_error, now

bp = Blueprint("grid", __name__)


def _worker_grid(grid_id: int) -> Grid:
    """The grid, if the logged-in account works in it now; else the login page, 404 or 403."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    grid = grid_work.work_grid(current_user, grid_id)  # another's grid: PermissionDenied, 403
    if grid is None:
        abort(404)
    return grid


@bp.get("/grid")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    grids = grid_work.my_grids(current_user)
    if not grids:
        abort(403)
    return render_template("grid/index.html", grids=grids)


@bp.get("/grid/<int:grid_id>")
def work(grid_id: int) -> ResponseReturnValue:
    grid = _worker_grid(grid_id)
    work_list = grid_work.work_list(grid, grid.community, now=now())
    return render_template(
        "grid/work.html", grid=grid, community=grid.community, work=work_list, now=now()
    )


@bp.get("/grid/<int:grid_id>/codes")
def code_sheet(grid_id: int) -> ResponseReturnValue:
    """The grid's codes still to hand out, as the committee's printable cards."""
    grid = _worker_grid(grid_id)
    community = grid.community
    codes = grid_work.grid_codes(grid)[: current_app.config["CODES_MAX_PER_SHEET"]]
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    cards = []
    for code in codes:
        link = base + url_for("account.claim", slug=community.slug, code=code.code)
        qr = segno.make(link, error="m")
        cards.append({"code": code, "link": link, "qr": qr.svg_inline(scale=2, border=2)})
    return render_template(
        "committee/sheet.html",
        community=community,
        grid=grid,
        cards=cards,
        back=url_for("grid.work", grid_id=grid.id),
    )


@bp.route("/grid/<int:grid_id>/propose/<int:cycle_id>", methods=["GET", "POST"])
def propose(grid_id: int, cycle_id: int) -> ResponseReturnValue:
    """A proposal a resident of the grid told the grid worker at the door."""
    grid = _worker_grid(grid_id)
    cycle = cycle_or_404(cycle_id)
    if grid.community_id not in cycle.community_ids:
        abort(404)
    form = DoorProposalForm()
    form.category.choices = [SelectChoice(c, c) for c in cycle.categories]
    people = grid_work.grid_people(grid)
    form.roster_entry.choices = [
        SelectChoice(0, _("— not on the list —")),  # type: ignore[arg-type]
        *(SelectChoice(p.id, f"{p.full_name} · {p.household.address}") for p in people),  # type: ignore[arg-type]
    ]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                proposal = grid_work.enter_door_proposal(
                    current_user,
                    cycle,
                    grid,
                    proposal_input(form),
                    on_behalf_of=form.on_behalf_of.data or "",
                    roster_entry_id=form.roster_entry.data or None,
                    consent=bool(form.consent.data),
                    now=now(),
                )
            except ServiceError as error:
                flash_error(error)
                status = 422
            else:
                flash(_("The proposal has been entered and submitted."), "success")
                return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        else:
            status = 400
    return render_template(
        "grid/propose.html",
        grid=grid,
        community=grid.community,
        cycle=cycle,
        form=form,
        collecting=cycle.phase(now()) is Phase.COLLECTING,
    ), status


# --- the committee ---------------------------------------------------------------------------


def _give_form(community: Community) -> GiveGridForm:
    form = GiveGridForm()
    form.grid.choices = [SelectChoice(g.id, g.name) for g in community.grids]  # type: ignore[arg-type]
    return form


def _workers_page(community: Community, form: GiveGridForm) -> str:
    found = grid_work.list_assignments(community.id)
    return render_template(
        "committee/grid_workers.html",
        community=community,
        form=form,
        live=found.live,
        past=found.past,
    )


@bp.get("/c/<slug>/committee/grid-workers")
@committee_required(Action.MANAGE_GRID_WORKERS)
def workers(community: Community) -> ResponseReturnValue:
    return _workers_page(community, _give_form(community))


@bp.post("/c/<slug>/committee/grid-workers")
@committee_required(Action.MANAGE_GRID_WORKERS)
def give(community: Community) -> ResponseReturnValue:
    form = _give_form(community)
    if not form.validate_on_submit():
        return _workers_page(community, form), 400
    grid = residency_service.find_grid(community.id, form.grid.data)
    if grid is None:
        abort(404)
    try:
        assignment = grid_work.give_assignment(current_user, grid, form.login.data or "", now=now())
    except ServiceError as error:
        if error.code is ErrorCode.GRID_WORKER_UNKNOWN_ACCOUNT:
            form.login.errors = [*form.login.errors, service_message(error.code, error.params)]
            return _workers_page(community, form), 422
        flash_error(error)
    else:
        flash(
            _(
                "%(name)s is now a grid worker of %(grid)s.",
                name=assignment.user.display_name,
                grid=grid.name,
            ),
            "success",
        )
    return redirect(url_for("grid.workers", slug=community.slug))


@bp.post("/c/<slug>/committee/grid-workers/<int:assignment_id>/end")
@committee_required(Action.MANAGE_GRID_WORKERS)
def end(community: Community, assignment_id: int) -> ResponseReturnValue:
    assignment = grid_work.find_assignment(community.id, assignment_id)
    if assignment is None:
        abort(404)
    attempt(
        lambda: grid_work.end_assignment(current_user, assignment, now=now()),
        _("The assignment has ended; the grid's pages are closed to that account."),
    )
    return redirect(url_for("grid.workers", slug=community.slug))
