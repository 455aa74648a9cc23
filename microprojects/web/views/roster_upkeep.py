"""Roster upkeep: one person on the roster, marked moved away or deceased with a reason, and
their verified residency moved to a new account when they change phone."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...domain.permissions import Action
from ...models import Community, RosterEntry
from ...services import residency as residency_service
from ...services import roster_upkeep, voting
from ...services.errors import ErrorCode, ServiceError
from ..messages import STANDING_LABELS
from .helpers import committee_required, flash_error, now

bp = Blueprint("roster_upkeep", __name__, url_prefix="/c/<slug>/committee/roster")


def _entry_or_404(community: Community, entry_id: int) -> RosterEntry:
    entry = residency_service.find_roster_entry(community.id, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("/<int:entry_id>")
@committee_required(Action.MANAGE_ROSTER)
def person(community: Community, entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(community, entry_id)
    query = (request.args.get("account") or "").strip()[:60]
    target = roster_upkeep.find_account(query) if query else None
    return render_template(
        "roster/person.html",
        community=community,
        entry=entry,
        residency=voting.claimed_residency(entry),
        query=query,
        target=target,
        standing_labels=STANDING_LABELS,
    )


@bp.post("/<int:entry_id>/standing")
@committee_required(Action.MANAGE_ROSTER)
def standing(community: Community, entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(community, entry_id)
    try:
        roster_upkeep.mark_standing(
            current_user,
            entry,
            standing=request.form.get("standing", ""),
            reason=request.form.get("reason", ""),
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Saved on the roster."), "success")
    return redirect(url_for("roster_upkeep.person", slug=community.slug, entry_id=entry.id))


@bp.post("/<int:entry_id>/move")
@committee_required(Action.VERIFY_RESIDENTS)
def move(community: Community, entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(community, entry_id)
    back = redirect(url_for("roster_upkeep.person", slug=community.slug, entry_id=entry.id))
    residency = voting.claimed_residency(entry)
    target = roster_upkeep.find_account(request.form.get("account", ""))
    try:
        if residency is None:
            raise ServiceError(ErrorCode.TRANSFER_NOT_VERIFIED)
        if target is None:
            raise ServiceError(ErrorCode.TRANSFER_TARGET_UNKNOWN)
        roster_upkeep.move_residency(current_user, residency, target, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _(
                "Moved: %(name)s now takes part with the account %(account)s; the old account "
                "is no longer verified.",
                name=entry.full_name,
                account=target.display_name,
            ),
            "success",
        )
    return back
