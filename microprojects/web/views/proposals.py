"""Cycles and proposals as residents and the public see them, and what residents do with
them: propose, edit, submit, withdraw, support, add photos, comment, report a comment."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
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
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...domain.characters import clean_text
from ...domain.cycles import Feasibility, Stance
from ...domain.lifecycle import ProposalAction, ProposalState
from ...domain.money import format_yuan
from ...domain.permissions import Action, can
from ...extensions import rate_limit
from ...models import Comment, Cycle, Proposal
from ...services import browsing, home, photos, shortlist
from ...services import comments as comment_service
from ...services import contracts as contracts_service
from ...services import proposals as proposal_service
from ...services import screening as screening_service
from ...services.accounts import find_login
from ...services.errors import ErrorCode, ServiceError
from .. import kept
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
from ..messages import (
    CONFLICT_LABELS,
    SCREENING_MODE_LABELS,
    SCREENING_STEP_LABELS,
    STATE_LABELS,
    service_message,
)
from . import confirm
from .confirm import Ask
from .helpers import attempt, current_actor, cycle_or_404, flash_error, now, yuan
from .implementation import story
from .public import elder_mode

bp = Blueprint("proposals", __name__)
NOTE_MAX = 1000  # a public reason for a screening decision, as the other reasons' forms take


@bp.record_once
def _labels(state: BlueprintSetupState) -> None:
    # Globals, as the app's other labels: the committee's cycle page names the modes too.
    state.app.jinja_env.globals.update(
        screening_mode_labels=SCREENING_MODE_LABELS,
        screening_step_labels=SCREENING_STEP_LABELS,
        conflict_labels=CONFLICT_LABELS,
    )


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
    moment = now()

    def render() -> tuple[str, datetime | None]:
        found = cycle_or_404(cycle_id)
        until = _next_change(found, moment)
        return _cycle_page(found, moment, until), until

    return kept.serve(_visitor_key("cycle", cycle_id), render, now=moment)


def _cycle_page(found: Cycle, moment: datetime, until: datetime) -> str:
    """The cycle's page: its parts that are the same for everyone (kept), and around them
    where the viewer stands."""
    key = _shared_key("cycle", found.id)
    head = kept.part(
        key and (*key, "head"),
        lambda: render_template("proposals/_cycle_head.html", cycle=found, now=moment),
        now=moment,
        until=until,
    )
    body = kept.part(
        key and (*key, "body"), lambda: _cycle_body(found, moment), now=moment, until=until
    )
    return render_template(
        "proposals/cycle.html",
        cycle=found,
        head=head,
        body=body,
        standing=home.read_cycle_now(_user(), found, moment),
        now=moment,
    )


def _cycle_body(found: Cycle, moment: datetime) -> str:
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
        "proposals/_cycle_body.html",
        cycle=found,
        rows=listed.rows,
        total=listed.total,
        page=listed.page,
        pages=listed.pages,
        filters=asdict(filters),
        communities=listed.communities,
        changes=listed.changes,
        outcomes=listed.outcomes,
        now=moment,
        shortlist=shortlist.publication_of(found.id) if found.shortlist_days else None,
    )


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
    if not proposal_service.is_author(current_user, proposal):
        abort(403)
    if ProposalAction.EDIT not in proposal_service.actions_for(current_user, proposal, now()):
        # The author is told why, rather than refused without a word.
        return render_template(
            "proposals/form.html",
            form=None,
            cycle=proposal.cycle,
            proposal=proposal,
            closed=_edit_closed_reason(proposal),
        )
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
        "proposals/form.html",
        form=form,
        cycle=proposal.cycle,
        proposal=proposal,
        photo_form=PhotoForm(),
        closed=None,
    )


def _edit_closed_reason(proposal: Proposal) -> str:
    """Why the author cannot change the proposal now, in words."""
    state = proposal.state
    phase = proposal.cycle.phase(now()).value
    if state in (ProposalState.WITHDRAWN, ProposalState.REJECTED, ProposalState.MERGED):
        return _("This proposal is %(state)s: it can no longer be changed.",
                 state=STATE_LABELS[state.value])  # fmt: skip
    if phase not in ("collecting", "screening"):
        return _("Voting has started: proposals can no longer be changed.")
    if state is ProposalState.APPROVED:
        return _(
            "The committee has put it on the ballot as it is, so it can no longer be changed."
            " If something must change, the committee can return it to you for revision."
        )
    return _(
        "Screening has started: the committee is now looking at the proposal as you"
        " submitted it, so it can no longer be changed. If something must change, the"
        " committee can return it to you for revision."
    )


@bp.get("/proposals/<int:proposal_id>")
def detail(proposal_id: int) -> ResponseReturnValue:
    moment = now()

    def render() -> tuple[str, datetime | None]:
        proposal = proposal_or_404(proposal_id)
        return _detail_page(proposal), _next_change(proposal.cycle, moment)

    return kept.serve(_visitor_key("proposal", proposal_id), render, now=moment)


def _visitor_key(*page: object) -> kept.Key | None:
    """The key of a visitor's page of proposals: the content version, which every write of
    what such a page shows raises (one query), and ``page``."""
    if not kept.for_visitor():
        return None
    version = browsing.read_content_version()
    return None if version is None else kept.key_of(version, *page)


def _shared_key(*page: object) -> kept.Key | None:
    """The key of the parts of a page of proposals that are the same for everyone, in the
    viewer's language and elder mode."""
    if request.method != "GET":
        return None
    version = browsing.read_content_version()
    return None if version is None else kept.key_of(version, *page, elder=elder_mode())


def _next_change(cycle: Cycle, moment: datetime) -> datetime:
    """When a visitor's page of ``cycle`` made at ``moment`` expires: at its next phase."""
    upcoming = cycle.next(moment)
    return kept.within_a_minute(moment, upcoming[1] if upcoming else None)


def _detail_page(
    proposal: Proposal,
    *,
    typed: dict[str, str] | None = None,
    refused: dict[str, str] | None = None,
) -> str:
    """The proposal's page; after a refused screening decision, with what was typed kept in
    its form (``typed``: form -> text) and why it was refused beside it (``refused``). Only the
    forms of what the viewer may do are made: a visitor is given none (a form makes a token,
    and a token a session)."""
    user = _user()
    moment = now()
    shown = browsing.read_proposal_page(user, proposal, moment)
    actions = shown.actions
    # Shown after a refused decision too: the other forms start empty, not filled from the
    # refused form's fields (an approval's "note" is not the assessment's).
    empty = {"formdata": None}
    merge_form = None
    if ProposalAction.MERGE in actions and shown.merge_targets:
        merge_form = MergeForm(**empty)
        merge_form.into.choices = _merge_choices(shown.merge_targets)
        merge_form.into.data = 0
    editing = ProposalAction.EDIT in actions
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        actions=actions,
        viewer=shown.viewer,
        supports=shown.supports,
        comments=shown.comments,
        log=shown.log,
        assessments=shown.assessments,
        merged_here=shown.merged_here,
        comment_form=CommentForm(**empty) if ProposalAction.COMMENT in actions else None,
        photo_form=PhotoForm(**empty) if editing else None,
        co_form=CoProposerForm(**empty) if editing else None,
        revise_form=ReviseForm(**empty) if ProposalAction.REVISE in actions else None,
        merge_form=merge_form,
        assess_form=AssessForm(**empty) if ProposalAction.ASSESS in actions else None,
        participation=shown.participation,
        panel=shown.screening,
        shortlist_frozen=shown.shortlist_frozen,
        typed=typed or {},
        refused=refused or {},
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


def _state(proposal: Proposal) -> str:
    """What a confirmation of an action on ``proposal`` was asked about: its state and its
    last change. An action done, or a change made meanwhile, makes the confirmation stale."""
    return f"{proposal.state.value}@{proposal.updated_at.isoformat()}"


def _confirming(
    proposal: Proposal,
    action: ProposalAction,
    data: dict[str, Any],
    page: Ask,
    call: Any,
    success: str,
    anchor: str | None = None,
) -> ResponseReturnValue:
    """Ask first (``page``), then act on what was confirmed (``call`` with its data)."""
    name = f"proposal.{action.value}"
    confirmed = confirm.read(name, proposal.id)
    if confirmed is None:
        if action not in proposal_service.actions_for(current_user, proposal, now()):
            flash_error(ServiceError(ErrorCode.ACTION_NOT_ALLOWED))
            return _back(proposal, anchor)
        return confirm.ask(name, proposal.id, _state(proposal), data, page)
    if confirmed.state != _state(proposal):
        confirm.stale()
        return _back(proposal, anchor)
    attempt(lambda: call(confirmed.data), success)
    return _back(proposal, anchor)


def _facts(proposal: Proposal) -> list[tuple[str, str]]:
    return [
        (_("Proposal"), f"#{proposal.id} {proposal.display_title}"),
        (_("Cycle"), proposal.cycle.title),
        (_("Now"), str(STATE_LABELS[proposal.state.value])),
        (_("Supports"), str(proposal_service.support_counts([proposal.id]).get(proposal.id, 0))),
    ]


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int) -> ResponseReturnValue:
    proposal = proposal_or_404(proposal_id)
    page = Ask(
        heading=_("Withdraw “%(title)s”?", title=proposal.display_title),
        button=_("Yes, withdraw the proposal"),
        back=url_for("proposals.detail", proposal_id=proposal.id),
        facts=_facts(proposal),
        happens=[
            _("The proposal leaves the cycle: it will not be screened or put on the ballot."),
            _("Its supports no longer count, and its supporters are told."),
        ],
        final=_(
            "A withdrawn proposal cannot be submitted again: you would have to propose it anew."
        ),
    )
    return _confirming(
        proposal,
        ProposalAction.WITHDRAW,
        {},
        page,
        lambda data: proposal_service.withdraw_proposal(current_user, proposal, now=now()),
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
    a problem report; or its variant at a narrower width (``<token>.w480.jpg``), behind the
    same checks as the original's, with the same cache headers. What everyone may see any cache
    may keep for a day; a draft's photo no cache may keep, the browser's included: it must not
    outlive the author's session, nor be handed by a shared cache to someone else."""
    variant = photos.variant_of(name)
    original = name if variant is None else variant[0]
    kept = browsing.find_kept_photo(original)
    if kept is None:
        abort(404)
    public = True
    if kept.proposal is not None:
        if not proposal_service.can_view(_user(), kept.proposal):
            abort(404)
        public = proposal_service.can_view(None, kept.proposal)
    if kept.unpublished is not None:
        # A supplier's update not approved yet: its committee's and its organization's only.
        if not contracts_service.may_see_update(_user(), kept.unpublished):
            abort(404)
        public = False
    folder = proposal_service.upload_dir()
    served = original if variant is None else photos.kept_variant(folder, original, variant[1])
    response = send_from_directory(
        folder, served, mimetype=kept.mime, max_age=86400 if public else None
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


def _decision_refused(
    proposal: Proposal, action: ProposalAction, text: str, check: Any
) -> ResponseReturnValue | None:
    """Before asking to confirm a decision, its guards (``check``, a ``services.screening``
    check): refused, the page again with the form's text kept and why beside it (422)."""
    if action not in proposal_service.actions_for(current_user, proposal, now()):
        return None  # the confirmation's own check says so
    try:
        if len(text) > NOTE_MAX:
            raise ServiceError(ErrorCode.TOO_LONG, field="note", max=NOTE_MAX)
        check(current_user, proposal, clean_text(text))
    except ServiceError as error:
        flash_error(error)
        message = service_message(error.code, error.params)
        return _detail_page(
            proposal, typed={action.value: text}, refused={action.value: message}
        ), 422
    return None


@bp.post("/proposals/<int:proposal_id>/approve")
@login_required
def approve(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    if confirm.read("proposal.approve", proposal.id) is None:
        note = request.form.get("note", "")
        refused = _decision_refused(
            proposal, ProposalAction.APPROVE, note, screening_service.check_approval
        )
        if refused is not None:
            return refused
    else:
        note = ""
    page = Ask(
        heading=_("Put “%(title)s” on the ballot?", title=proposal.display_title),
        button=_("Yes, approve it for the ballot"),
        back=url_for("proposals.detail", proposal_id=proposal.id, _anchor="screening"),
        facts=[
            *_facts(proposal),
            (_("Cost"), yuan(proposal.cost_fen)),
            (_("Reason for approval (public)"), note),
        ],
        happens=[
            _("Residents will vote on it under this title and at this cost."),
            _("The reason is published in its decision log."),
            _("Its proposer and supporters are told at once."),
        ],
        final=_(
            "The notice cannot be taken back. Until voting starts you can still return the"
            " proposal for revision, which takes it off the ballot."
        ),
        danger=False,
    )
    return _confirming(
        proposal,
        ProposalAction.APPROVE,
        {"note": note},
        page,
        lambda data: proposal_service.approve(
            current_user, proposal, note=str(data.get("note", "")), now=now()
        ),
        _("The proposal is on the ballot."),
        "decisions",
    )


@bp.post("/proposals/<int:proposal_id>/reject")
@login_required
def reject(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    if confirm.read("proposal.reject", proposal.id) is None:
        reason = request.form.get("reason", "")
        refused = _decision_refused(
            proposal, ProposalAction.REJECT, reason, screening_service.check_rejection
        )
        if refused is not None:
            return refused
    else:
        reason = ""
    page = Ask(
        heading=_("Reject “%(title)s”?", title=proposal.display_title),
        button=_("Yes, reject the proposal"),
        back=url_for("proposals.detail", proposal_id=proposal.id, _anchor="screening"),
        facts=[*_facts(proposal), (_("Reason (public)"), reason)],
        happens=[
            _("The proposal will not be on the ballot."),
            _("The reason is published on its page, and its proposer and supporters are told."),
        ],
        final=_("A rejected proposal cannot be put back on the ballot."),
    )
    return _confirming(
        proposal,
        ProposalAction.REJECT,
        {"reason": reason},
        page,
        lambda data: proposal_service.reject(
            current_user, proposal, reason=str(data.get("reason", "")), now=now()
        ),
        _("The proposal has been rejected; the reason is public."),
        "decisions",
    )


def _merge_targets(proposal: Proposal) -> list[Proposal]:
    return browsing.read_proposal_page(current_user, proposal, now()).merge_targets


@bp.post("/proposals/<int:proposal_id>/merge")
@login_required
def merge(proposal_id: int) -> ResponseReturnValue:
    proposal = _screening(proposal_id)
    if confirm.read("proposal.merge", proposal.id) is None:
        asked_into = proposal_service.find_proposal(request.form.get("into", 0, type=int) or 0)
        if asked_into is not None and not proposal_service.can_screen(current_user, asked_into):
            abort(403)  # another community's proposal: not a choice the page offered
        form = MergeForm()
        form.into.choices = _merge_choices(_merge_targets(proposal))
        if not form.validate_on_submit():
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "error")
            return _back(proposal, "screening")
        into = proposal_service.find_proposal(form.into.data or 0)
        note = form.note.data or ""
    else:
        into, note = None, ""
    page = Ask(
        heading=_("Merge “%(title)s” into another proposal?", title=proposal.display_title),
        button=_("Yes, merge the proposals"),
        back=url_for("proposals.detail", proposal_id=proposal.id, _anchor="screening"),
        facts=[
            *_facts(proposal),
            (_("Merge into"), f"#{into.id} {into.display_title}" if into else ""),
            (_("Public explanation"), note),
        ],
        happens=[
            _("Its supporters will support the other proposal instead (each counted once)."),
            _("Its proposer becomes a co-proposer of the other."),
        ],
        final=_("Merged proposals cannot be separated again."),
    )

    def act(data: dict[str, Any]) -> object:
        target = proposal_service.find_proposal(int(data.get("into", 0)))
        if target is None:
            raise ServiceError(ErrorCode.MERGE_TARGET_INVALID)
        return proposal_service.merge(
            current_user, proposal, target, note=str(data.get("note", "")), now=now()
        )

    return _confirming(
        proposal,
        ProposalAction.MERGE,
        {"into": into.id if into else 0, "note": note},
        page,
        act,
        _("The proposal has been merged; its supporters now support the other."),
        "decisions",
    )


def _merge_choices(targets: list[Proposal]) -> list[SelectChoice]:
    """The proposals one may merge into, after an empty first choice: nothing is chosen for
    the committee."""
    return [
        SelectChoice(0, _("Choose…")),  # type: ignore[arg-type]
        *(
            SelectChoice(t.id, f"#{t.id} {t.display_title}")  # type: ignore[arg-type]
            for t in targets
        ),
    ]


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
