"""Implementation (实施) pages: the committee keeps each funded project's record; residents follow
a project, rate it once completed and report problems. The public story of a project (its vote
and its implementation) is shown on the proposal's own page, from ``story``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.permissions import Action
from ...models import Community, Implementation, Proposal, User
from ...services import implementation as service
from ..explain import explanation
from ..forms.implementation import (
    AnswerProblemForm,
    DetailsForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProblemForm,
    RatingForm,
    RemoveSpendingForm,
    SpendingForm,
    UpdateForm,
)
from ..messages import IMPLEMENTATION_STATUS_LABELS, PHOTO_KIND_LABELS
from .helpers import attempt, committee_required, community_cycle_or_404, now

bp = Blueprint("implementation", __name__)


def story(proposal: Proposal, user: User | None) -> dict[str, Any]:
    """What the proposal page shows after the count: the vote and the implementation."""
    found = service.load_story(proposal, user, now())
    outcome = found.outcome
    context: dict[str, Any] = {"outcome": outcome, "record": None}
    rated = user is not None and found.record is not None
    if outcome is not None:
        context["why"] = explanation(outcome, outcome.count, found.names, proposal.cycle.currency)
    context.update(
        record=found.record,
        summary=found.summary,
        progress=found.progress,
        ratings=found.ratings,
        own_rating=found.own_rating,
        rating_problem=found.rating_problem,
        report_problem=found.report_problem,
        reports=found.reports,
        following=found.following,
        milestone_late=found.milestone_late,
        impl_labels=IMPLEMENTATION_STATUS_LABELS,
        photo_kinds=PHOTO_KIND_LABELS,
        # Made only where they are shown, to who may use them: a form makes a token, and a
        # token a session (a visitor's page is kept for every visitor without one).
        rating_form=RatingForm() if rated and found.rating_problem is None else None,
        problem_form=ProblemForm() if rated and found.report_problem is None else None,
        funded_final=found.funded_final,
    )
    from .acceptance import story_context
    from .contracts import story_context as contract_story

    context.update(story_context(found.record))
    context.update(contract_story(found.record))
    return context


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = service.find_public_proposal(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _to_story(proposal: Proposal, anchor: str = "implementation") -> ResponseReturnValue:
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor=anchor))


def _form_errors(form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


# --- residents ------------------------------------------------------------------------------


@bp.post("/proposals/<int:proposal_id>/follow")
@login_required
def follow(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal_or_404(proposal_id)
    service.follow(current_user, proposal, now=now())
    flash(_("You follow this project; its news will reach your notices."), "success")
    return _to_story(proposal)


@bp.post("/proposals/<int:proposal_id>/unfollow")
@login_required
def unfollow(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal_or_404(proposal_id)
    service.unfollow(current_user, proposal)
    flash(_("You no longer follow this project."), "info")
    return _to_story(proposal)


@bp.post("/proposals/<int:proposal_id>/rate")
@login_required
def rate(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal_or_404(proposal_id)
    form = RatingForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        attempt(
            lambda: service.rate(
                current_user,
                proposal,
                stars=int(form.stars.data),
                comment=form.comment.data or "",
                now=now(),
            ),
            _("Thank you for your rating."),
        )
    return _to_story(proposal, "rating")


@bp.post("/proposals/<int:proposal_id>/problems")
@login_required
def report(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal_or_404(proposal_id)
    form = ProblemForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        photo = form.photo.data.read() if form.photo.data else None
        attempt(
            lambda: service.report_problem(
                current_user,
                proposal,
                body=form.body.data or "",
                photo=photo or None,
                now=now(),
            ),
            _("Thank you; the committee will answer here."),
        )
    return _to_story(proposal, "problems")


# --- the committee --------------------------------------------------------------------------


@bp.get("/c/<slug>/committee/cycles/<int:cycle_id>/implementation")
@committee_required(Action.MANAGE_CYCLES)
def projects(community: Community, cycle_id: int) -> ResponseReturnValue:
    """The cycle's funded projects and where each stands."""
    cycle = community_cycle_or_404(community, cycle_id)
    found = service.load_funded_projects(cycle, now())
    return render_template(
        "implementation/projects.html",
        community=community,
        cycle=cycle,
        funded=found.funded,
        records=found.records,
        summaries=found.summaries,
        impl_labels=IMPLEMENTATION_STATUS_LABELS,
        final=found.final,
        now=now(),
    )


def _committee_proposal(community: Community, proposal_id: int) -> Proposal:
    proposal = service.find_community_proposal(proposal_id, community.id)
    if proposal is None:
        abort(404)
    return proposal


def _committee_record(community: Community, proposal_id: int) -> Implementation:
    return committee_project(community, proposal_id)[1]


def committee_project(community: Community, proposal_id: int) -> tuple[Proposal, Implementation]:
    """The community's project and its implementation record, or 404."""
    proposal = service.find_community_proposal(proposal_id, community.id)
    record = service.load_record(proposal) if proposal is not None else None
    if proposal is None or record is None:
        abort(404)
    return proposal, record


def to_manage(
    community: Community, proposal_id: int, anchor: str | None = None
) -> ResponseReturnValue:
    """Back to the committee's page of the project, at ``anchor``."""
    return redirect(
        url_for("implementation.manage", slug=community.slug, proposal_id=proposal_id,
                _anchor=anchor)
    )  # fmt: skip


@bp.get("/c/<slug>/committee/projects/<int:proposal_id>")
@committee_required(Action.MANAGE_CYCLES)
def manage(community: Community, proposal_id: int) -> ResponseReturnValue:
    return manage_page(community, _committee_proposal(community, proposal_id))


def manage_page(
    community: Community, proposal: Proposal, status: int = 200, **forms: Any
) -> ResponseReturnValue:
    """The project's management page; ``forms`` replaces the acceptance page's forms (a refused
    one shown again as it was typed, with ``status`` 422)."""
    from .acceptance import acceptance_context
    from .contracts import contract_context

    contract_form = forms.pop("contract_form", None)
    record = service.load_record(proposal)
    details = DetailsForm()
    if record is not None:
        details.contractor.data = record.contractor
        details.planned.data = f"{record.planned_fen / 100:.2f}"
    update = UpdateForm()
    if record is not None:
        update.status.data = record.status
        update.progress_pct.data = record.progress_pct
    return render_template(
        "implementation/manage.html",
        community=community,
        proposal=proposal,
        record=record,
        summary=service.summary(record) if record else None,
        funded=service.is_funded(proposal, now()),
        details_form=details,
        spending_form=SpendingForm(),
        remove_form=RemoveSpendingForm(),
        milestone_form=MilestoneForm(),
        done_form=MilestoneDoneForm(),
        update_form=update,
        answer_form=AnswerProblemForm(),
        reports=service.problem_reports(proposal),
        impl_labels=IMPLEMENTATION_STATUS_LABELS,
        photo_kinds=PHOTO_KIND_LABELS,
        now=now(),
        **acceptance_context(proposal, record, **forms),
        **contract_context(proposal, record, contract_form=contract_form),
    ), status


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/start")
@committee_required(Action.MANAGE_CYCLES)
def start(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = _committee_proposal(community, proposal_id)
    attempt(
        lambda: service.start(current_user, proposal, now=now()),
        _("The implementation record is open."),
    )
    return to_manage(community, proposal_id)


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/details")
@committee_required(Action.MANAGE_CYCLES)
def details(community: Community, proposal_id: int) -> ResponseReturnValue:
    record = _committee_record(community, proposal_id)
    form = DetailsForm()
    if not form.validate_on_submit() or form.planned.fen is None:
        _form_errors(form)
    else:
        planned = form.planned.fen
        attempt(
            lambda: service.update_details(
                current_user,
                record,
                contractor=form.contractor.data or "",
                planned_fen=planned,
                now=now(),
            ),
            _("Saved."),
        )
    return to_manage(community, proposal_id, "details")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/spending")
@committee_required(Action.MANAGE_CYCLES)
def spend(community: Community, proposal_id: int) -> ResponseReturnValue:
    record = _committee_record(community, proposal_id)
    form = SpendingForm()
    if not form.validate_on_submit() or form.amount.fen is None:
        _form_errors(form)
    else:
        amount = form.amount.fen
        attempt(
            lambda: service.add_spending(
                current_user,
                record,
                amount_fen=amount,
                spent_on=form.spent_on.data,
                note=form.note.data or "",
                now=now(),
            ),
            _("The spending has been recorded."),
        )
    return to_manage(community, proposal_id, "spending")


@bp.post("/c/<slug>/committee/spending/<int:spending_id>/remove")
@committee_required(Action.MANAGE_CYCLES)
def unspend(community: Community, spending_id: int) -> ResponseReturnValue:
    entry = service.find_spending(spending_id, community.id)
    if entry is None:
        abort(404)
    proposal_id = entry.implementation.proposal_id
    form = RemoveSpendingForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        attempt(
            lambda: service.remove_spending(
                current_user, entry, reason=form.reason.data or "", now=now()
            ),
            _("The entry has been taken back; the log keeps it."),
        )
    return to_manage(community, proposal_id, "spending")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/milestones")
@committee_required(Action.MANAGE_CYCLES)
def milestone(community: Community, proposal_id: int) -> ResponseReturnValue:
    record = _committee_record(community, proposal_id)
    form = MilestoneForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        attempt(
            lambda: service.add_milestone(
                current_user,
                record,
                title=form.title.data or "",
                planned_on=form.planned_on.data,
                now=now(),
            ),
            _("The milestone has been added."),
        )
    return to_manage(community, proposal_id, "milestones")


@bp.post("/c/<slug>/committee/milestones/<int:milestone_id>/done")
@committee_required(Action.MANAGE_CYCLES)
def milestone_done(community: Community, milestone_id: int) -> ResponseReturnValue:
    found = service.find_milestone(milestone_id, community.id)
    if found is None:
        abort(404)
    form = MilestoneDoneForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        attempt(
            lambda: service.complete_milestone(
                current_user, found, done_on=form.done_on.data, now=now()
            ),
            _("The milestone is marked done."),
        )
    return to_manage(community, found.implementation.proposal_id, "milestones")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/updates")
@committee_required(Action.MANAGE_CYCLES)
def post_update(community: Community, proposal_id: int) -> ResponseReturnValue:
    record = _committee_record(community, proposal_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        photos = [
            (kind, getattr(form, kind).data.read())
            for kind in ("before", "during", "after")
            if getattr(form, kind).data
        ]
        attempt(
            lambda: service.post_update(
                current_user,
                record,
                body=form.body.data or "",
                status=form.status.data,
                progress_pct=form.progress_pct.data or 0,
                photos=[(k, data) for k, data in photos if data],
                now=now(),
            ),
            _("The update has been published; followers have been told."),
        )
    return to_manage(community, proposal_id, "updates")


@bp.post("/c/<slug>/committee/problems/<int:report_id>/answer")
@committee_required(Action.MANAGE_CYCLES)
def answer_problem(community: Community, report_id: int) -> ResponseReturnValue:
    found = service.find_problem_report(report_id, community.id)
    if found is None:
        abort(404)
    form = AnswerProblemForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        attempt(
            lambda: service.answer_problem(
                current_user, found, answer=form.answer.data or "", now=now()
            ),
            _("The answer has been published."),
        )
    return to_manage(community, found.proposal_id, f"problem-{found.id}")
