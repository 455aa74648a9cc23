"""Cycles and proposals as residents and the public see them, and what residents do with
them: propose, edit, submit, withdraw, support, add photos, comment, report a comment."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...domain.cycles import Feasibility, Stance
from ...domain.lifecycle import ProposalAction, ProposalState
from ...domain.money import format_yuan
from ...domain.permissions import Action, can
from ...extensions import rate_limit
from ...models import Comment, Cycle, Proposal
from ...services import browsing, home
from ...services import comments as comment_service
from ...services import proposals as proposal_service
from ...services.accounts import find_login
from ...services.errors import ErrorCode, ServiceError
from ..forms.proposals import (
    AssessForm,
    CommentForm,
    CoProposerForm,
    MergeForm,
    PhotoForm,
    ProposalForm,
    ReasonForm,
    ReportForm,
    ReviseForm,
    proposal_input,
)
from .helpers import attempt, current_actor, cycle_or_404, flash_error, now
from .implementation import story

bp = Blueprint("proposals", __name__)


def proposal_or_404(proposal_id: int) -> Proposal:
    proposal = proposal_service.find_proposal(proposal_id)
    if proposal is None or not proposal_service.can_view(
        current_user if current_user.is_authenticated else None, proposal
    ):
        abort(404)
    return proposal


def _user() -> Any:
    return current_user if current_user.is_authenticated else None


@bp.get("/cycles")
def cycles() -> ResponseReturnValue:
    listed = browsing.list_cycles()
    outcomes = browsing.read_outcomes([c.id for c in listed])
    return render_template(
        "proposals/cycles.html",
        cycles=listed,
        outcomes={k: browsing.summarize_outcomes(v) for k, v in outcomes.items()},
        now=now(),
    )


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int) -> ResponseReturnValue:
    found = cycle_or_404(cycle_id)
    args = request.args
    filters = browsing.ProposalFilters.clean(
        category=args.get("category"),
        state=args.get("state"),
        community=args.get("community", 0, type=int),
        q=args.get("q"),
        sort=args.get("sort"),
    )
    page = max(1, args.get("page", 1, type=int) or 1)
    listed = browsing.read_cycle_page(found, filters, page)
    return render_template(
        "proposals/cycle.html",
        cycle=found,
        rows=listed.rows,
        total=listed.total,
        page=listed.page,
        pages=listed.pages,
        filters=asdict(filters),
        communities=listed.communities,
        changes=listed.changes,
        outcomes=listed.outcomes,
        standing=home.read_cycle_now(_user(), found, now()),
        now=now(),
        can_propose=_can_propose(found),
    )


def _can_propose(cycle: Cycle) -> bool:
    user = _user()
    if user is None or cycle.phase(now()).value != "collecting":
        return False
    try:
        proposal_service.proposer_community(user, cycle, now())
    except ServiceError:
        return False
    return True


def _fill_choices(form: ProposalForm, cycle: Cycle) -> None:
    form.category.choices = [SelectChoice(c, c) for c in cycle.categories]


@bp.route("/cycles/<int:cycle_id>/propose", methods=["GET", "POST"])
@login_required
def propose(cycle_id: int) -> ResponseReturnValue:
    found = cycle_or_404(cycle_id)
    form = ProposalForm()
    _fill_choices(form, found)
    problem = None
    try:
        proposal_service.proposer_community(current_user, found, now())
    except ServiceError as error:
        problem = error
    if found.phase(now()).value != "collecting":
        problem = ServiceError(ErrorCode.NOT_COLLECTING)
    if problem is not None:
        flash_error(problem)
        return redirect(url_for("proposals.cycle", cycle_id=found.id))
    if form.validate_on_submit():
        try:
            proposal = proposal_service.create_proposal(
                current_user,
                found,
                proposal_input(form),
                submit="submit" in request.form,
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            if proposal.state is ProposalState.DRAFT:
                flash(_("Saved as a draft. Add photos, then submit it."), "success")
            else:
                flash(_("Your proposal has been submitted."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, cycle=found, proposal=None)


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    if ProposalAction.EDIT not in proposal_service.actions_for(current_user, proposal, now()):
        abort(403)
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    _fill_choices(form, proposal.cycle)
    if request.method == "GET":
        form.estimated_cost.data = format_yuan(proposal.estimated_cost_fen)
    if form.validate_on_submit():
        try:
            proposal_service.update_proposal(
                current_user, proposal, proposal_input(form), now=now()
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render_template(
        "proposals/form.html", form=form, cycle=proposal.cycle, proposal=proposal
    )


@bp.get("/proposals/<int:proposal_id>")
def detail(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    user = _user()
    moment = now()
    shown = browsing.read_proposal_page(user, proposal, moment)
    merge_form = MergeForm()
    if ProposalAction.MERGE in shown.actions:
        merge_form.into.choices = [
            SelectChoice(t.id, f"#{t.id} {t.display_title}")  # type: ignore[arg-type]
            for t in shown.merge_targets
        ]
    comment_form = CommentForm()
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        actions=shown.actions,
        viewer=shown.viewer,
        supports=shown.supports,
        comments=shown.comments,
        log=shown.log,
        assessments=shown.assessments,
        merged_here=shown.merged_here,
        comment_form=comment_form,
        photo_form=PhotoForm(),
        co_form=CoProposerForm(),
        reason_form=ReasonForm(),
        report_form=ReportForm(),
        revise_form=ReviseForm(),
        merge_form=merge_form,
        assess_form=AssessForm(),
        participation=shown.participation,
        now=moment,
        **story(proposal, user),
    )


def _back(proposal: Proposal, anchor: str | None = None) -> ResponseReturnValue:
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor=anchor))


def _run(
    proposal: Proposal, call: Any, success: str, anchor: str | None = None
) -> ResponseReturnValue:
    attempt(call, success)
    return _back(proposal, anchor)


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def submit(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    return _run(
        proposal,
        lambda: proposal_service.submit_proposal(current_user, proposal, now=now()),
        _("Your proposal has been submitted."),
    )


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    return _run(
        proposal,
        lambda: proposal_service.withdraw_proposal(current_user, proposal, now=now()),
        _("The proposal has been withdrawn."),
    )


@bp.post("/proposals/<int:proposal_id>/support")
@login_required
def support(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    try:
        new = proposal_service.support(current_user, proposal, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _("Thank you: your support counts.") if new else _("Your support already counts."),
            "success",
        )
    return _back(proposal, "support")


@bp.post("/proposals/<int:proposal_id>/unsupport")
@login_required
def unsupport(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    return _run(
        proposal,
        lambda: proposal_service.withdraw_support(current_user, proposal, now=now()),
        _("Your support has been taken back."),
        "support",
    )


@bp.post("/proposals/<int:proposal_id>/photos")
@login_required
def add_photo(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("Choose a photo to upload."), "error")
        return _back(proposal, "photos")
    data = form.photo.data.read()
    return _run(
        proposal,
        lambda: proposal_service.add_photo(current_user, proposal, data, now=now()),
        _("The photo has been added."),
        "photos",
    )


@bp.post("/proposals/<int:proposal_id>/photos/<int:photo_id>/delete")
@login_required
def remove_photo(proposal_id: int, photo_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    photo = proposal_service.find_photo(photo_id)
    if photo is None or photo.proposal_id != proposal.id:
        abort(404)
    return _run(
        proposal,
        lambda: proposal_service.remove_photo(current_user, photo, now=now()),
        _("The photo has been removed."),
        "photos",
    )


@bp.post("/proposals/<int:proposal_id>/co-proposers")
@login_required
def add_co_proposer(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    form = CoProposerForm()
    other = find_login(form.username.data or "") if form.validate_on_submit() else None
    if other is None:
        flash(_("No account with that username or phone number."), "error")
        return _back(proposal)
    return _run(
        proposal,
        lambda: proposal_service.add_co_proposer(current_user, proposal, other, now=now()),
        _("Co-proposer added."),
    )


def _comment_limit() -> str:
    return str(current_app.config["COMMENT_RATE_LIMIT"])


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
@rate_limit(_comment_limit)
def comment(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Write a comment first."), "error")
        return _back(proposal, "comments")
    parent = None
    if form.parent_id.data:
        parent = comment_service.find_comment(form.parent_id.data)
        if parent is None or parent.proposal_id != proposal.id:
            abort(404)
    return _run(
        proposal,
        lambda: comment_service.post_comment(
            current_user,
            proposal,
            body=form.body.data or "",
            stance=Stance(form.stance.data),
            parent=parent,
            official=bool(form.official.data),
            now=now(),
        ),
        _("Your comment has been posted."),
        "comments",
    )


def _comment_or_404(comment_id: int) -> tuple[Comment, Proposal]:
    found = comment_service.find_comment(comment_id)
    if found is None:
        abort(404)
    return found, proposal_or_404(found.proposal_id)


@bp.post("/comments/<int:comment_id>/report")
@login_required
def report(comment_id: int) -> ResponseReturnValue:
    found, proposal = _comment_or_404(comment_id)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Say why the comment should be looked at."), "error")
        return _back(proposal, f"comment-{found.id}")
    try:
        new = comment_service.report_comment(
            current_user, found, reason=form.reason.data or "", now=now()
        )
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _("Thank you; the committee will look at it.")
            if new
            else _("You have already reported this comment."),
            "info",
        )
    return _back(proposal, f"comment-{found.id}")


@bp.get("/media/<name>")
def media(name: str) -> ResponseReturnValue:
    """A kept photo: of a proposal (a draft's only for its author), of a progress update, or of
    a problem report. What everyone may see any cache may keep for a day; a draft's photo no
    cache may keep, the browser's included: it must not outlive the author's session, nor be
    handed by a shared cache to someone else."""
    kept = browsing.find_kept_photo(name)
    if kept is None:
        abort(404)
    public = True
    if kept.proposal is not None:
        if not proposal_service.can_view(_user(), kept.proposal):
            abort(404)
        public = proposal_service.can_view(None, kept.proposal)
    response = send_from_directory(
        proposal_service.upload_dir(), name, mimetype=kept.mime, max_age=86400 if public else None
    )
    if not public:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the committee's screening of one proposal -------------------------------------------


def _screening(proposal_id: int) -> Proposal:
    proposal = proposal_or_404(proposal_id)
    if not proposal_service.can_screen(current_user, proposal):
        abort(403)
    return proposal


@bp.post("/proposals/<int:proposal_id>/return")
@login_required
def return_(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return _back(proposal, "screening")
    return _run(
        proposal,
        lambda: proposal_service.return_for_revision(
            current_user, proposal, message=form.reason.data or "", now=now()
        ),
        _("The proposal has been returned to its author."),
        "decisions",
    )


@bp.post("/proposals/<int:proposal_id>/approve")
@login_required
def approve(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    return _run(
        proposal,
        lambda: proposal_service.approve(current_user, proposal, now=now()),
        _("The proposal is on the ballot."),
        "decisions",
    )


@bp.post("/proposals/<int:proposal_id>/reject")
@login_required
def reject(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return _back(proposal, "screening")
    return _run(
        proposal,
        lambda: proposal_service.reject(
            current_user, proposal, reason=form.reason.data or "", now=now()
        ),
        _("The proposal has been rejected; the reason is public."),
        "decisions",
    )


@bp.post("/proposals/<int:proposal_id>/merge")
@login_required
def merge(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    form = MergeForm()
    into = proposal_service.find_proposal(request.form.get("into", 0, type=int) or 0)
    if into is None:
        flash(_("Choose the proposal to merge into."), "error")
        return _back(proposal, "screening")
    return _run(
        proposal,
        lambda: proposal_service.merge(
            current_user, proposal, into, note=form.note.data or "", now=now()
        ),
        _("The proposal has been merged; its supporters now support the other."),
        "decisions",
    )


@bp.post("/proposals/<int:proposal_id>/revise")
@login_required
def revise(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    form = ReviseForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back(proposal, "screening")
    return _run(
        proposal,
        lambda: proposal_service.revise(
            current_user,
            proposal,
            cost_fen=form.cost.fen,
            ballot_title=form.ballot_title.data if form.ballot_title.data else None,
            note=form.note.data or "",
            now=now(),
        ),
        _("The revision has been saved; the explanation is public."),
        "decisions",
    )


@bp.post("/proposals/<int:proposal_id>/assess")
@login_required
def assess(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    form = AssessForm()
    if not form.validate_on_submit():
        flash(_("Choose an assessment."), "error")
        return _back(proposal, "screening")
    answers = {
        item: request.form.get(f"check-{index}") == "yes"
        for index, item in enumerate(proposal.cycle.checklist)
    }
    return _run(
        proposal,
        lambda: proposal_service.assess(
            current_user,
            proposal,
            answers=answers,
            feasibility=Feasibility(form.feasibility.data),
            note=form.note.data or "",
            now=now(),
        ),
        _("The assessment has been recorded."),
        "assessments",
    )


def _moderating(comment_id: int) -> tuple[Comment, Proposal]:
    found, proposal = _comment_or_404(comment_id)
    if not can(current_actor(), Action.MODERATE, proposal.community_id):
        abort(403)
    return found, proposal


@bp.post("/comments/<int:comment_id>/hide")
@login_required
def hide_comment(comment_id: int) -> ResponseReturnValue:
    found, proposal = _moderating(comment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return _back(proposal, f"comment-{found.id}")
    return _run(
        proposal,
        lambda: comment_service.hide_comment(
            current_user, found, reason=form.reason.data or "", now=now()
        ),
        _("The comment is hidden; the reason is shown in its place."),
        f"comment-{found.id}",
    )


@bp.post("/comments/<int:comment_id>/restore")
@login_required
def restore_comment(comment_id: int) -> ResponseReturnValue:
    found, proposal = _moderating(comment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return _back(proposal, f"comment-{found.id}")
    return _run(
        proposal,
        lambda: comment_service.restore_comment(
            current_user, found, reason=form.reason.data or "", now=now()
        ),
        _("The comment is shown again."),
        f"comment-{found.id}",
    )
