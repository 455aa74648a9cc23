"""Polling stations (投票点): opening one, station mode (find a person on the roster, check who
they are, type their paper ballot, back to the empty search with the running count), the queue
of this station's ballots waiting for a second typing, and closing with the reconciliation.
Whoever may type the cycle's paper ballots may use them (``voting.may_key_paper``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...models import Community, Cycle, PollingStation
from ...services import cycles, grid_work, stations, voting
from ...services import residency as residency_service
from ...services.errors import ServiceError
from ..messages import IDENTITY_CHECK_LABELS, STANDING_LABELS
from .helpers import community_or_404, flash_error, now
from .voting import _paper_office, _problems_text, parse_choices

bp = Blueprint("stations", __name__, url_prefix="/c/<slug>/committee")


def _station_of(slug: str, station_id: int) -> tuple[Community, Cycle, PollingStation]:
    community = community_or_404(slug)
    station = stations.find_station(station_id, community.id)
    if station is None:
        abort(404)
    community, cycle = _paper_office(slug, station.cycle_id)
    return community, cycle, station


@bp.get("/cycles/<int:cycle_id>/stations")
def index(slug: str, cycle_id: int) -> ResponseReturnValue:
    community, cycle = _paper_office(slug, cycle_id)
    found = stations.list_stations(cycle, community.id)
    return render_template(
        "stations/index.html",
        community=community,
        cycle=cycle,
        stations=[(s, stations.station_count(s)) for s in found],
        may_manage=cycles.can_manage(current_user, cycle),
        now=now(),
    )


@bp.post("/cycles/<int:cycle_id>/stations/grid-workers")
def grid_workers(slug: str, cycle_id: int) -> ResponseReturnValue:
    """The committee lets the community's grid workers type paper ballots, or stops them."""
    community, cycle = _paper_office(slug, cycle_id)
    allowed = request.form.get("allowed") == "1"
    try:
        grid_work.allow_paper_entry(current_user, cycle, allowed, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        if allowed:
            flash(_("Grid workers of the community may now type paper ballots."), "success")
        else:
            flash(_("Grid workers no longer type paper ballots."), "success")
    return redirect(url_for("stations.index", slug=community.slug, cycle_id=cycle.id))


@bp.post("/cycles/<int:cycle_id>/stations")
def open_station(slug: str, cycle_id: int) -> ResponseReturnValue:
    community, cycle = _paper_office(slug, cycle_id)
    try:
        station = stations.open_station(
            current_user,
            cycle,
            community.id,
            name=request.form.get("name", ""),
            place=request.form.get("place", ""),
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("stations.index", slug=community.slug, cycle_id=cycle.id))
    flash(_("The polling station is open. Find the first person below."), "success")
    return redirect(url_for("stations.station", slug=community.slug, station_id=station.id))


@bp.get("/stations/<int:station_id>")
def station(slug: str, station_id: int) -> ResponseReturnValue:
    """Station mode: the search at the top, what it found, the running count, the queue."""
    community, cycle, found_station = _station_of(slug, station_id)
    query = (request.args.get("q") or "").strip()[:40]
    return _station_page(community, cycle, found_station, query)


def _station_page(
    community: Community,
    cycle: Cycle,
    found_station: PollingStation,
    query: str,
    closing: dict[str, str] | None = None,
) -> str:
    """The station's page; ``closing`` holds the numbers typed into a closing that was refused,
    shown again so that nothing counted is lost."""
    return render_template(
        "stations/station.html",
        community=community,
        cycle=cycle,
        station=found_station,
        query=query,
        found=stations.search_roster(cycle, community.id, query),
        count=stations.station_count(found_station),
        entries=voting.list_paper_entries(cycle, community.id, station_id=found_station.id),
        standing_labels=STANDING_LABELS,
        identity_labels=IDENTITY_CHECK_LABELS,
        closing=closing or {},
        now=now(),
    )


@bp.route("/stations/<int:station_id>/person/<int:entry_id>", methods=["GET", "POST"])
def person(slug: str, station_id: int, entry_id: int) -> ResponseReturnValue:
    """One person's paper ballot at the station: how their identity was checked, and the
    ballot as the paper says."""
    community, cycle, found_station = _station_of(slug, station_id)
    entry = residency_service.find_roster_entry(community.id, entry_id)
    if entry is None:
        abort(404)
    projects = voting.ballot_projects(cycle)
    here = url_for("stations.station", slug=community.slug, station_id=found_station.id)
    if request.method == "POST":
        choices, errors = parse_choices(cycle, request.form, projects)
        if errors:
            for text in errors:
                flash(text, "error")
            return redirect(request.path)
        try:
            voting.enter_roster_paper_ballot(
                current_user,
                cycle,
                entry,
                choices,
                identity_check=request.form.get("identity_check", ""),
                station=found_station,
                now=now(),
            )
        except voting.BallotInvalid as invalid:
            for text in _problems_text(invalid.problems):
                flash(text, "error")
            return redirect(request.path)
        except ServiceError as error:
            flash_error(error)
            return redirect(request.path if error.code == "identity_check_required" else here)
        count = stations.station_count(found_station)
        flash(
            _(
                "Saved: %(name)s's ballot is typed; another person types it a second time. "
                "Typed at this station: %(entered)s. Find the next person.",
                name=entry.full_name,
                entered=count.entered,
            ),
            "success",
        )
        return redirect(here)
    return render_template(
        "stations/person.html",
        community=community,
        cycle=cycle,
        station=found_station,
        entry=entry,
        projects=projects,
        identity_labels=IDENTITY_CHECK_LABELS,
        now=now(),
    )


@bp.post("/stations/<int:station_id>/close")
def close(slug: str, station_id: int) -> ResponseReturnValue:
    community, cycle, found_station = _station_of(slug, station_id)
    typed = {k: request.form.get(k, "")[:12] for k in ("received", "spoiled", "blank")}
    try:
        stations.close_station(current_user, found_station, **typed, now=now())
    except ServiceError as error:
        flash_error(error)
        if error.code == "station_closed":
            return redirect(
                url_for("stations.station", slug=community.slug, station_id=found_station.id)
            )
        # The numbers typed stay in the form, to be checked against the paper.
        return _station_page(community, cycle, found_station, "", closing=typed), 422
    else:
        flash(_("The polling station is closed; its numbers add up."), "success")
    return redirect(url_for("stations.station", slug=community.slug, station_id=found_station.id))
