"""The count: the committee runs it; everyone reads the stored snapshot and can download the
counted ballots as a Pabulib file whose SHA-256 the page shows."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain.permissions import Action
from ..explain import comparison_text, explanation, mes_text
from ..extensions import db
from ..forms.voting import CountForm
from ..models import Community, Count, CountOutcome, Cycle
from ..services import counting
from ..services.errors import ServiceError
from .helpers import committee_required, community_cycle_or_404, flash_error, now

bp = Blueprint("results", __name__)


def _cycle_or_404(cycle_id: int) -> Cycle:
    found = db.session.get(Cycle, cycle_id)
    if found is None:
        abort(404)
    return found


def _with_outcomes(count: Count | None) -> Count | None:
    """The count with its outcomes and their proposals, in two queries whatever their number."""
    if count is None:
        return None
    db.session.scalars(
        select(CountOutcome)
        .where(CountOutcome.count_id == count.id)
        .options(selectinload(CountOutcome.proposal))
    ).all()
    return count


def _context(cycle: Cycle, count: Count | None) -> dict[str, Any]:
    names = {str(o.proposal_id): o.proposal.display_title for o in count.outcomes} if count else {}
    explained = (
        {o.id: explanation(o, count, names, cycle.currency) for o in count.outcomes}
        if count
        else {}
    )
    ranked = sorted(count.outcomes, key=lambda o: o.rank) if count else []
    return {
        "cycle": cycle,
        "count": count,
        "ranked": ranked,
        "explained": explained,
        "comparison": comparison_text(count) if count else None,
        "mes_note": mes_text(count, cycle.currency) if count else None,
        "max_score": max((o.score for o in ranked), default=0),
    }


@bp.get("/cycles/<int:cycle_id>/results")
def cycle_results(cycle_id: int) -> str:
    cycle = _cycle_or_404(cycle_id)
    count = _with_outcomes(counting.latest_count(cycle))
    return render_template(
        "results/cycle.html",
        community=None,
        earlier=_earlier(cycle, count),
        **_context(cycle, count),
    )


def _earlier(cycle: Cycle, count: Count | None) -> list[Count]:
    return [c for c in counting.counts(cycle) if count is None or c.id != count.id]


@bp.get("/cycles/<int:cycle_id>/results.pb")
def counted_ballots(cycle_id: int) -> Response:
    """The canonical export the latest count counted: its SHA-256 is on the results page."""
    cycle = _cycle_or_404(cycle_id)
    try:
        text = counting.export_pb(cycle, canonical=True)
    except ServiceError:
        abort(404)
    return Response(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="cycle-{cycle.id}-ballots.pb"',
            "Cache-Control": "public, max-age=300",
        },
    )


@bp.route("/c/<slug>/committee/cycles/<int:cycle_id>/count", methods=["GET", "POST"])
@committee_required(Action.MANAGE_VOTING)
def count(community: Community, cycle_id: int) -> Any:
    cycle = community_cycle_or_404(community, cycle_id)
    form = CountForm()
    if form.validate_on_submit():
        try:
            counting.run_count(current_user, cycle, now=now(), reason=form.reason.data or "")
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The votes have been counted."), "success")
            return redirect(url_for("results.count", slug=community.slug, cycle_id=cycle.id))
    latest = _with_outcomes(counting.latest_count(cycle))
    return render_template(
        "results/count.html",
        community=community,
        form=form,
        problem=counting.count_problem(cycle, now()),
        now=now(),
        earlier=_earlier(cycle, latest),
        **_context(cycle, latest),
    )
