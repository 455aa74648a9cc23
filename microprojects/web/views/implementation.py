"""Implementation (实施) pages: the committee keeps each funded project's record; residents follow
a project, rate it once completed and report problems. The public story of a project (its vote
and its implementation) is shown on the proposal's own page, from ``story``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...domain.implementation import MilestoneView
from ...domain.permissions import Action
from ...extensions import db
from ...models import (
    Community,
    CountOutcome,
    Implementation,
    Milestone,
    ProblemReport,
    ProgressUpdate,
    Proposal,
    Spending,
    User,
)
from ...services import implementation as service
from ...services.counting import latest_count
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


def _record(proposal: Proposal) -> Implementation | None:
    """The record with its spending, milestones and updates (and their photos) loaded at once."""
    return db.session.scalar(
        select(Implementation)
        .filter_by(proposal_id=proposal.id)
        .options(
            selectinload(Implementation.spending),
            selectinload(Implementation.milestones),
            selectinload(Implementation.updates).selectinload(ProgressUpdate.photos),
        )
    )


def story(proposal: Proposal, user: User | None) -> dict[str, Any]:
    """What the proposal page shows after the count: the vote and the implementation."""
    outcome = service.funded_outcome(proposal)
    context: dict[str, Any] = {"outcome": outcome, "record": None}
    if outcome is not None:
        count = outcome.count
        # The explanation may name another project of the count: the names alone, not the rows.
        names = {
            str(pid): ballot_title or title
            for pid, ballot_title, title in db.session.execute(
                select(Proposal.id, Proposal.ballot_title, Proposal.title)
                .join(CountOutcome, CountOutcome.proposal_id == Proposal.id)
                .where(CountOutcome.count_id == count.id)
            )
        }
        context["why"] = explanation(outcome, count, names, proposal.cycle.currency)
    record = _record(proposal)
    moment = now()
    context.update(
        record=record,
        summary=service.summary(record) if record else None,
        progress=service.shown_progress(record) if record else 0,
        ratings=service.ratings(proposal) if record else None,
        own_rating=service.own_rating(user, proposal) if record else None,
        rating_problem=service.rating_problem(user, proposal) if record else None,
        report_problem=service.report_problem_problem(user, proposal) if record else None,
        reports=service.problem_reports(proposal) if record else [],
        following=service.is_following(user, proposal),
        milestone_late={
            m.id: MilestoneView(m.title, m.planned_on, m.done_on).late(moment.date())
            for m in (record.milestones if record else [])
        },
        impl_labels=IMPLEMENTATION_STATUS_LABELS,
        photo_kinds=PHOTO_KIND_LABELS,
        rating_form=RatingForm(),
        problem_form=ProblemForm(),
        funded_final=service.funded_by_final_result(proposal, outcome, moment),
    )
    return context


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state == "draft":
        abort(404)
    return proposal


def _to_story(proposal: Proposal, anchor: str = "implementation") -> Any:
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor=anchor))


def _form_errors(form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


# --- residents ------------------------------------------------------------------------------


@bp.post("/proposals/<int:proposal_id>/follow")
@login_required
def follow(proposal_id: int) -> Any:
    proposal = _proposal_or_404(proposal_id)
    service.follow(current_user, proposal, now=now())
    flash(_("You follow this project; its news will reach your notices."), "success")
    return _to_story(proposal)


@bp.post("/proposals/<int:proposal_id>/unfollow")
@login_required
def unfollow(proposal_id: int) -> Any:
    proposal = _proposal_or_404(proposal_id)
    service.unfollow(current_user, proposal)
    flash(_("You no longer follow this project."), "info")
    return _to_story(proposal)


@bp.post("/proposals/<int:proposal_id>/rate")
@login_required
def rate(proposal_id: int) -> Any:
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
def report(proposal_id: int) -> Any:
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
def projects(community: Community, cycle_id: int) -> str:
    """The cycle's funded projects and where each stands."""
    cycle = community_cycle_or_404(community, cycle_id)
    count = latest_count(cycle)
    funded = (
        db.session.scalars(
            select(CountOutcome)
            .where(CountOutcome.count_id == count.id, CountOutcome.funded)
            .order_by(CountOutcome.rank)
            .options(selectinload(CountOutcome.proposal))
        ).all()
        if count
        else []
    )
    records = {
        r.proposal_id: r
        for r in db.session.scalars(
            select(Implementation)
            .where(Implementation.cycle_id == cycle.id)
            .options(selectinload(Implementation.spending))
        )
    }
    return render_template(
        "implementation/projects.html",
        community=community,
        cycle=cycle,
        funded=funded,
        records=records,
        summaries={pid: service.summary(r) for pid, r in records.items()},
        impl_labels=IMPLEMENTATION_STATUS_LABELS,
        final=bool(funded) and service.is_funded(funded[0].proposal, now()),
        now=now(),
    )


def _committee_proposal(community: Community, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.cycle.community_id != community.id:
        abort(404)
    return proposal


def _committee_record(community: Community, proposal_id: int) -> Implementation:
    record = _record(_committee_proposal(community, proposal_id))
    if record is None:
        abort(404)
    return record


def _to_manage(community: Community, proposal_id: int, anchor: str | None = None) -> Any:
    return redirect(
        url_for("implementation.manage", slug=community.slug, proposal_id=proposal_id,
                _anchor=anchor)
    )  # fmt: skip


@bp.get("/c/<slug>/committee/projects/<int:proposal_id>")
@committee_required(Action.MANAGE_CYCLES)
def manage(community: Community, proposal_id: int) -> Any:
    proposal = _committee_proposal(community, proposal_id)
    record = _record(proposal)
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
    )


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/start")
@committee_required(Action.MANAGE_CYCLES)
def start(community: Community, proposal_id: int) -> Any:
    proposal = _committee_proposal(community, proposal_id)
    attempt(
        lambda: service.start(current_user, proposal, now=now()),
        _("The implementation record is open."),
    )
    return _to_manage(community, proposal_id)


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/details")
@committee_required(Action.MANAGE_CYCLES)
def details(community: Community, proposal_id: int) -> Any:
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
    return _to_manage(community, proposal_id, "details")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/spending")
@committee_required(Action.MANAGE_CYCLES)
def spend(community: Community, proposal_id: int) -> Any:
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
    return _to_manage(community, proposal_id, "spending")


@bp.post("/c/<slug>/committee/spending/<int:spending_id>/remove")
@committee_required(Action.MANAGE_CYCLES)
def unspend(community: Community, spending_id: int) -> Any:
    entry = db.session.get(Spending, spending_id)
    if entry is None or entry.implementation.proposal.community_id != community.id:
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
    return _to_manage(community, proposal_id, "spending")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/milestones")
@committee_required(Action.MANAGE_CYCLES)
def milestone(community: Community, proposal_id: int) -> Any:
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
    return _to_manage(community, proposal_id, "milestones")


@bp.post("/c/<slug>/committee/milestones/<int:milestone_id>/done")
@committee_required(Action.MANAGE_CYCLES)
def milestone_done(community: Community, milestone_id: int) -> Any:
    found = db.session.get(Milestone, milestone_id)
    if found is None or found.implementation.proposal.community_id != community.id:
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
    return _to_manage(community, found.implementation.proposal_id, "milestones")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/updates")
@committee_required(Action.MANAGE_CYCLES)
def post_update(community: Community, proposal_id: int) -> Any:
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
    return _to_manage(community, proposal_id, "updates")


@bp.post("/c/<slug>/committee/problems/<int:report_id>/answer")
@committee_required(Action.MANAGE_CYCLES)
def answer_problem(community: Community, report_id: int) -> Any:
    found = db.session.get(ProblemReport, report_id)
    proposal = db.session.get(Proposal, found.proposal_id) if found else None
    if found is None or proposal is None or proposal.community_id != community.id:
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
    return _to_manage(community, proposal.id, f"problem-{found.id}")
