"""The shortlist's 公示 before voting (候选项目公示): its public page with the approved and
rejected proposals and the objections with their answers, residents' objections, the
committee's answers and its publish button."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.permissions import Action
from ...domain.shortlist import window_end
from ...models import Community, Cycle
from ...services import cycles as cycle_service
from ...services import shortlist as shortlist_service
from ...services.errors import ServiceError
from ..forms.implementation import (
    AnswerShortlistObjectionForm,
    ShortlistDaysForm,
    ShortlistObjectionForm,
)
from ..messages import OBJECTION_STATUS_LABELS, STATE_LABELS
from . import confirm
from .confirm import Ask
from .helpers import (
    committee_required,
    community_cycle_or_404,
    cycle_or_404,
    flash_error,
    local_time,
    now,
)

bp = Blueprint("shortlist", __name__)


def _objection_form(cycle: Cycle, page: shortlist_service.ShortlistPage) -> ShortlistObjectionForm:
    form = ShortlistObjectionForm()
    form.project.choices = [("", _("The list as a whole"))] + [
        (str(p.id), f"{p.display_title} · {STATE_LABELS[p.state]}")
        for p in page.approved + page.rejected
    ]
    return form


def _answer_form(objection_id: int) -> AnswerShortlistObjectionForm:
    """The answer form of one objection: its fields named apart from the other objections'
    on the same page. Its form token is the page's own, checked for every POST by the app
    (a prefixed token field would carry the prefix, and a forged post could name it)."""
    return AnswerShortlistObjectionForm(prefix=f"answer{objection_id}", meta={"csrf": False})


def _render(
    cycle: Cycle,
    form: ShortlistObjectionForm | None = None,
    answered: tuple[int, AnswerShortlistObjectionForm] | None = None,
) -> tuple[str, int]:
    """The page; with ``form`` or ``answered`` (an objection's id and its answer form), a
    refused form shown again as it was typed (422)."""
    moment = now()
    page = shortlist_service.read_page(cycle, moment)
    form = form or _objection_form(cycle, page)
    answer_forms = {o.id: _answer_form(o.id) for o in page.objections if o.status == "open"}
    if answered is not None:
        answer_forms[answered[0]] = answered[1]
    context: dict[str, Any] = {
        "cycle": cycle,
        "page": page,
        "now": moment,
        "objection_form": form,
        "objection_problem": shortlist_service.objection_problem(current_user, cycle, moment),
        "objection_labels": OBJECTION_STATUS_LABELS,
        "state_labels": STATE_LABELS,
        "may_manage": cycle_service.can_manage(current_user, cycle),
        # One form per open objection, each with its own field ids.
        "answer_forms": answer_forms,
        "answers_open": moment < cycle.voting_at,
    }
    refused = form.errors or answered is not None
    return render_template("shortlist/page.html", **context), (422 if refused else 200)


@bp.get("/cycles/<int:cycle_id>/shortlist")
def page(cycle_id: int) -> ResponseReturnValue:
    return _render(cycle_or_404(cycle_id))


@bp.post("/cycles/<int:cycle_id>/shortlist/objections")
@login_required
def object_to(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    form = _objection_form(cycle, shortlist_service.read_page(cycle, now()))
    if not form.validate_on_submit():
        return _render(cycle, form)
    try:
        shortlist_service.file_objection(
            current_user,
            cycle,
            reason=form.reason.data or "",
            proposal_id=int(form.project.data) if form.project.data else None,
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        html, _status = _render(cycle, form)
        return html, 422
    flash(_("Your objection has been filed; the committee will answer it here."), "success")
    return redirect(url_for("shortlist.page", cycle_id=cycle.id, _anchor="objections"))


def _publish_state(cycle: Cycle) -> str:
    """What a confirmation to publish was asked about: the cycle unpublished, its days and the
    start of voting. Publishing, or a change of either, makes the confirmation stale."""
    published = shortlist_service.publication_of(cycle.id) is not None
    return f"{published}@{cycle.shortlist_days}@{cycle.voting_at.isoformat()}"


def _publish_page(community: Community, cycle: Cycle) -> Ask:
    moment = now()
    page = shortlist_service.read_page(cycle, moment)
    ends = window_end(moment, cycle.shortlist_days)
    return Ask(
        heading=_("Publish the shortlist of “%(cycle)s” now?", cycle=cycle.title),
        button=_("Yes, publish the shortlist"),
        back=url_for("committee.cycle", slug=community.slug, cycle_id=cycle.id),
        facts=[
            (_("Cycle"), cycle.title),
            (_("On the ballot"), str(len(page.approved_now))),
            (_("Not accepted"), str(len(page.rejected_now))),
            (_("Objections until"), local_time(ends)),
            (_("Voting from"), local_time(cycle.voting_at)),
        ],
        happens=[
            _("The approved and rejected proposals are published, each with its public reason."),
            _("Residents who take part may object until %(end)s.", end=local_time(ends)),
            _("The committee answers every objection publicly before voting opens."),
        ],
        final=_(
            "The published list cannot be changed, except a proposal reopened by an upheld"
            " objection."
        ),
    )


@bp.post("/c/<slug>/committee/cycles/<int:cycle_id>/shortlist/publish")
@committee_required(Action.MANAGE_CYCLES)
def publish(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    back = url_for("committee.cycle", slug=community.slug, cycle_id=cycle.id)
    if not cycle_service.can_manage(current_user, cycle):
        abort(403)
    confirmed = confirm.read("cycle.shortlist_publish", cycle.id)
    if confirmed is None:
        return confirm.ask(
            "cycle.shortlist_publish",
            cycle.id,
            _publish_state(cycle),
            {},
            _publish_page(community, cycle),
        )
    if confirmed.state != _publish_state(cycle):
        confirm.stale()
        return redirect(back)
    try:
        shortlist_service.publish_shortlist(current_user, cycle, now=now())
    except ServiceError as error:
        if "latest" in error.params:
            error.params["latest"] = local_time(error.params["latest"])
        flash_error(error)
        return redirect(back)
    flash(_("The shortlist is published; residents may object until its window ends."), "success")
    return redirect(url_for("shortlist.page", cycle_id=cycle.id))


@bp.post("/c/<slug>/committee/shortlist-objections/<int:objection_id>/answer")
@committee_required(Action.MANAGE_CYCLES)
def answer(community: Community, objection_id: int) -> ResponseReturnValue:
    objection = shortlist_service.find_objection(objection_id, community.id)
    if objection is None:
        abort(404)
    form = _answer_form(objection.id)
    if not form.validate_on_submit():
        flash(_("Choose a decision and write the public answer."), "error")
        return _render(objection.cycle, answered=(objection.id, form))
    try:
        shortlist_service.answer_objection(
            current_user,
            objection,
            decision=form.decision.data or "",
            answer=form.answer.data or "",
            reopen=bool(form.reopen.data),
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        return _render(objection.cycle, answered=(objection.id, form))
    flash(_("The answer has been published."), "success")
    return redirect(
        url_for("shortlist.page", cycle_id=objection.cycle_id, _anchor=f"objection-{objection.id}")
    )


@bp.post("/c/<slug>/committee/cycles/<int:cycle_id>/shortlist/days")
@committee_required(Action.MANAGE_CYCLES)
def set_days(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    form = ShortlistDaysForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        try:
            shortlist_service.set_shortlist_days(
                current_user, cycle, form.days.data or 0, now=now()
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The number of days has been changed."), "success")
    return redirect(
        url_for("committee.cycle", slug=community.slug, cycle_id=cycle.id, _anchor="shortlist")
    )
