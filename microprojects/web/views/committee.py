"""The committee's pages for its own community: roster, household codes, verification requests
and the audit log. Every route checks the committee permission for that community."""

from __future__ import annotations

import csv
import io

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...domain.cycles import DEFAULT_CATEGORIES, DEFAULT_CHECKLIST
from ...domain.permissions import Action, can
from ...domain.phases import DATED, Phase, phase_end
from ...models import Community, Cycle, Grid, Residency
from ...services import comments as comment_service
from ...services import committee as committee_service
from ...services import cycles as cycle_service
from ...services import proposals as proposal_service
from ...services import residency as residency_service
from ...services import shortlist as shortlist_service
from ...services.cycles import CycleInput
from ...services.errors import ErrorCode, ServiceError
from ...services.residency import RosterImportReport
from ..forms.implementation import ShortlistDaysForm
from ..forms.proposals import (
    END_NOW,
    CycleForm,
    ModerationForm,
    OnBehalfForm,
    PhaseChangeForm,
    ReasonForm,
    ScreeningModeForm,
    proposal_input,
)
from ..forms.residency import ApproveForm, IssueCodesForm, RejectForm, RosterImportForm
from ..messages import PHASE_LABELS, roster_problem
from . import confirm
from .confirm import Ask
from .helpers import (
    attempt,
    committee_required,
    community_cycle_or_404,
    current_actor,
    flash_error,
    local_time,
    now,
    to_utc,
)

bp = Blueprint("committee", __name__, url_prefix="/c/<slug>/committee")


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _grid_choices(community: Community) -> list[SelectChoice]:
    grids = [SelectChoice(g.id, g.name) for g in community.grids]  # type: ignore[arg-type]
    return [SelectChoice(0, _("All grids")), *grids]  # type: ignore[arg-type]


@bp.get("")
@committee_required(Action.VIEW_COMMITTEE)
def dashboard(community: Community) -> ResponseReturnValue:
    data = committee_service.load_dashboard(community.id)
    return render_template(
        "committee/dashboard.html",
        community=community,
        waiting=data.waiting,
        stats=data.figures,
        by_basis=data.verified_by_basis,
        members=data.members,
    )


def _roster_page(
    community: Community, form: RosterImportForm, report: RosterImportReport | None = None
) -> str:
    q = (request.args.get("q") or "").strip()[:60]
    grid_id = request.args.get("grid", 0, type=int)
    roster_page = committee_service.list_roster(community.id, q=q, grid_id=grid_id, page=_page())
    return render_template(
        "committee/roster.html",
        community=community,
        form=form,
        report=report,
        problems=[
            (p.line, roster_problem(p.code, p.column, p.value))
            for p in (report.problems if report else [])
        ],
        entries=roster_page.entries,
        total=roster_page.total,
        page=roster_page.page,
        pages=roster_page.pages,
        q=q,
        grid_id=grid_id,
    )


@bp.get("/roster")
@committee_required(Action.MANAGE_ROSTER)
def roster(community: Community) -> ResponseReturnValue:
    return _roster_page(community, RosterImportForm())


@bp.post("/roster/import")
@committee_required(Action.MANAGE_ROSTER)
def roster_import(community: Community) -> ResponseReturnValue:
    form = RosterImportForm()
    if not form.validate_on_submit():
        return _roster_page(community, form), 400
    data = form.file.data.read()
    try:
        report = residency_service.import_roster(
            current_user,
            community,
            data,
            now=now(),
            max_rows=current_app.config["ROSTER_MAX_ROWS"],
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("committee.roster", slug=community.slug))
    if not report.ok:
        flash(_("Nothing was imported: fix the rows below and upload the file again."), "error")
        return _roster_page(community, form, report), 422
    flash(
        _(
            "Roster imported: %(added)d added, %(updated)d updated, %(unchanged)d unchanged.",
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("committee.roster", slug=community.slug))


@bp.get("/roster/template.csv")
@committee_required(Action.MANAGE_ROSTER)
def roster_template(community: Community) -> ResponseReturnValue:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["网格", "地址", "姓名", "手机号", "出生日期", "类别"])
    grid = community.grids[0].name if community.grids else ""
    writer.writerow([grid, "1栋1单元101", "张三", "13800138000", "1980-05-17", "居住"])
    # The BOM makes Excel open the file as UTF-8, so the Chinese stays readable.
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=roster-template.csv"},
    )


@bp.get("/codes")
@committee_required(Action.ISSUE_CODES)
def codes(community: Community) -> ResponseReturnValue:
    form = IssueCodesForm()
    form.grid.choices = _grid_choices(community)
    counts = committee_service.count_codes(community.id)
    return render_template(
        "committee/codes.html",
        community=community,
        form=form,
        live_by_grid=counts.live_by_grid,
        without_code=counts.without_code,
    )


def _grid_or_none(community: Community, grid_id: int | None) -> Grid | None:
    if not grid_id:
        return None
    grid = residency_service.find_grid(community.id, grid_id)
    if grid is None:
        abort(404)
    return grid


@bp.post("/codes/issue")
@committee_required(Action.ISSUE_CODES)
def issue_codes(community: Community) -> ResponseReturnValue:
    form = IssueCodesForm()
    form.grid.choices = _grid_choices(community)
    if not form.validate_on_submit():
        abort(400)
    grid = _grid_or_none(community, form.grid.data)
    issued = residency_service.issue_codes(current_user, community, grid=grid, now=now())
    flash(_("%(n)d new codes issued.", n=len(issued)), "success")
    return redirect(url_for("committee.codes", slug=community.slug))


@bp.post("/codes/reissue/<int:entry_id>")
@committee_required(Action.ISSUE_CODES)
def reissue_code(community: Community, entry_id: int) -> ResponseReturnValue:
    entry = residency_service.find_roster_entry(community.id, entry_id)
    if entry is None:
        abort(404)
    try:
        issued = residency_service.issue_codes(
            current_user, community, entries=[entry], replace=True, now=now()
        )
    except ServiceError as error:
        flash_error(error)
    else:
        if issued:
            flash(_("A new code was issued; the old one no longer works."), "success")
        else:
            flash(_("This person is already verified; no code is needed."), "info")
    return redirect(url_for("committee.roster", slug=community.slug, q=entry.full_name))


@bp.get("/codes/sheet")
@committee_required(Action.ISSUE_CODES)
def code_sheet(community: Community) -> ResponseReturnValue:
    grid = _grid_or_none(community, request.args.get("grid", 0, type=int))
    codes = residency_service.live_codes(community, grid)[
        : current_app.config["CODES_MAX_PER_SHEET"]
    ]
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    cards = []
    for code in codes:
        link = base + url_for("account.claim", slug=community.slug, code=code.code)
        qr = segno.make(link, error="m")
        cards.append({"code": code, "link": link, "qr": qr.svg_inline(scale=2, border=2)})
    return render_template("committee/sheet.html", community=community, grid=grid, cards=cards)


@bp.get("/verifications")
@committee_required(Action.VERIFY_RESIDENTS)
def verifications(community: Community) -> ResponseReturnValue:
    queue = committee_service.list_verifications(community.id)
    return render_template(
        "committee/verifications.html",
        community=community,
        pending=queue.pending,
        decided=queue.decided,
    )


def _residency_or_404(community: Community, residency_id: int) -> Residency:
    found = residency_service.find_residency(community.id, residency_id)
    if found is None:
        abort(404)
    return found


@bp.get("/verifications/<int:residency_id>")
@committee_required(Action.VERIFY_RESIDENTS)
def verification(community: Community, residency_id: int) -> ResponseReturnValue:
    found = _residency_or_404(community, residency_id)
    return _verification_page(community, found, ApproveForm(), RejectForm())


def _verification_page(
    community: Community, found: Residency, approve: ApproveForm, reject: RejectForm
) -> str:
    matches = residency_service.roster_matches(found) if found.status == "pending" else []
    approve.roster_entry.choices = [
        SelectChoice(e.id, f"{e.full_name} · {e.household.address}")  # type: ignore[arg-type]
        for e in matches
    ]
    return render_template(
        "committee/verification.html",
        community=community,
        residency=found,
        matches=matches,
        approve=approve,
        reject=reject,
    )


@bp.post("/verifications/<int:residency_id>/approve")
@committee_required(Action.VERIFY_RESIDENTS)
def approve(community: Community, residency_id: int) -> ResponseReturnValue:
    found = _residency_or_404(community, residency_id)
    form = ApproveForm()
    matches = residency_service.roster_matches(found) if found.status == "pending" else []
    form.roster_entry.choices = [
        SelectChoice(e.id, e.full_name)
        for e in matches  # type: ignore[arg-type]
    ]
    if not form.validate_on_submit():
        return _verification_page(community, found, form, RejectForm()), 400
    entry = next((e for e in matches if e.id == form.roster_entry.data), None)
    try:
        residency_service.approve_verification(
            current_user, found, roster_entry=entry, note=form.note.data or "", now=now()
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(
            url_for("committee.verification", slug=community.slug, residency_id=found.id)
        )
    flash(_("%(name)s is now a verified resident.", name=found.full_name), "success")
    return redirect(url_for("committee.verifications", slug=community.slug))


@bp.post("/verifications/<int:residency_id>/reject")
@committee_required(Action.VERIFY_RESIDENTS)
def reject(community: Community, residency_id: int) -> ResponseReturnValue:
    found = _residency_or_404(community, residency_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _verification_page(community, found, ApproveForm(), form), 400
    try:
        residency_service.reject_verification(
            current_user, found, reason=form.reason.data or "", now=now()
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(
            url_for("committee.verification", slug=community.slug, residency_id=found.id)
        )
    flash(_("The request was declined."), "info")
    return redirect(url_for("committee.verifications", slug=community.slug))


@bp.get("/audit")
@committee_required(Action.VIEW_AUDIT)
def audit(community: Community) -> ResponseReturnValue:
    audit_page = committee_service.list_audit_entries(community.id, page=_page())
    return render_template(
        "committee/audit.html",
        community=community,
        entries=audit_page.entries,
        page=audit_page.page,
        has_next=audit_page.has_next,
    )


# --- cycles, screening, proposals entered on behalf, moderation ------------------------------


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/cycles", methods=["GET", "POST"])
@committee_required(Action.VIEW_COMMITTEE)
def cycles(community: Community) -> ResponseReturnValue:
    form = CycleForm()
    if request.method == "GET":
        form.categories.data = "\n".join(DEFAULT_CATEGORIES)
        form.checklist.data = "\n".join(DEFAULT_CHECKLIST)
    if form.validate_on_submit():
        data = CycleInput(
            title=form.title.data or "",
            description=form.description.data or "",
            budget_fen=form.budget.fen or 0,
            project_cap_fen=form.project_cap.fen,
            cap_engineering_fen=form.cap_engineering.fen,
            cap_service_fen=form.cap_service.fen,
            cap_goods_fen=form.cap_goods.fen,
            categories=_lines(form.categories.data),
            checklist=_lines(form.checklist.data),
            min_age=form.min_age.data or 0,
            allow_work=bool(form.allow_work.data),
            allow_study=bool(form.allow_study.data),
            screening_mode=form.screening_mode.data or "",
            shortlist_days=form.shortlist_days.data or 0,
            collecting_at=to_utc(form.collecting_at.data),
            screening_at=to_utc(form.screening_at.data),
            voting_at=to_utc(form.voting_at.data),
            publication_at=to_utc(form.publication_at.data),
            implementation_at=to_utc(form.implementation_at.data),
            closed_at=to_utc(form.closed_at.data),
        )
        street_wide = bool(form.whole_street.data)
        try:
            created = cycle_service.create_cycle(
                current_user,
                data,
                community=None if street_wide else community,
                street=community.street if street_wide else None,
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The cycle has been created."), "success")
            return redirect(url_for("committee.cycle", slug=community.slug, cycle_id=created.id))
    return render_template(
        "committee/cycles.html",
        community=community,
        cycles=cycle_service.list_community_cycles(community),
        form=form,
        now=now(),
        may_create=can(current_actor(), Action.MANAGE_CYCLES, community.id),
    )


def _phase_state(cycle: Cycle, phase: Phase) -> str:
    """What a confirmation to end ``phase`` was asked about: the phase and its dates. Ending
    it, or any change of its dates meanwhile, makes the confirmation stale."""
    end = phase_end(cycle.schedule, phase)
    start = cycle.schedule.start_of(phase).isoformat()
    return f"{phase.value}@{start}@{end.isoformat() if end else ''}"


def _end_phase_page(community: Community, cycle: Cycle, phase: Phase, reason: str) -> Ask:
    moment = now()
    end = phase_end(cycle.schedule, phase)
    following = DATED[DATED.index(phase) + 1]
    early = (end - moment) if end is not None else None
    label = PHASE_LABELS[phase.value]
    ends = (
        _("“%(phase)s” ends now instead of on %(end)s.", phase=label, end=local_time(end))
        if end is not None
        else _("“%(phase)s” ends now.", phase=label)
    )
    happens = [
        ends,
        _("“%(next)s” starts now.", next=PHASE_LABELS[following.value]),
        _("The reason is shown on the cycle's public page."),
    ]
    if early is not None and early.days >= 1:
        happens.insert(
            1, ngettext("That is %(num)d day early.", "That is %(num)d days early.", early.days)
        )
    if phase is Phase.COLLECTING:
        happens.append(_("Residents can no longer submit proposals."))
    elif phase is Phase.VOTING:
        happens.append(_("Nobody can vote any more, online or on paper."))
    return Ask(
        heading=_("End “%(phase)s” now?", phase=PHASE_LABELS[phase.value]),
        button=_("Yes, end this phase now"),
        back=url_for("committee.cycle", slug=community.slug, cycle_id=cycle.id),
        facts=[
            (_("Cycle"), cycle.title),
            (_("Phase"), str(PHASE_LABELS[phase.value])),
            (_("Started"), local_time(cycle.schedule.start_of(phase))),
            (_("Was to end"), local_time(end) if end else "—"),
            (_("Reason (public)"), reason),
        ],
        happens=happens,
        final=_("An ended phase cannot be reopened."),
    )


@bp.route("/cycles/<int:cycle_id>", methods=["GET", "POST"])
@committee_required(Action.VIEW_COMMITTEE)
def cycle(community: Community, cycle_id: int) -> ResponseReturnValue:
    found = community_cycle_or_404(community, cycle_id)
    back = url_for("committee.cycle", slug=community.slug, cycle_id=found.id)
    confirmed = confirm.read("cycle.end_phase", found.id) if request.method == "POST" else None
    if confirmed is not None:
        phase = Phase(str(confirmed.data.get("phase")))
        if confirmed.state != _phase_state(found, phase):
            confirm.stale()
            return redirect(back)
        if attempt(
            lambda: cycle_service.change_phase(
                current_user,
                found,
                phase=phase,
                reason=str(confirmed.data.get("reason", "")),
                until=None,
                now=now(),
                expected_end=phase_end(found.schedule, phase),
            ),
            _("The phase has ended; the reason is public."),
        ):
            return redirect(back)
        return redirect(back)
    form = PhaseChangeForm()
    if form.validate_on_submit():
        phase = found.phase(now())
        reason = form.reason.data or ""
        if form.change.data == END_NOW:
            if not cycle_service.can_manage(current_user, found):
                abort(403)
            if phase not in DATED or phase is Phase.CLOSED:
                flash_error(ServiceError(ErrorCode.NOT_CURRENT_PHASE))
                return redirect(back)
            return confirm.ask(
                "cycle.end_phase",
                found.id,
                _phase_state(found, phase),
                {"phase": phase.value, "reason": reason},
                _end_phase_page(community, found, phase, reason),
            )
        try:
            cycle_service.change_phase(
                current_user,
                found,
                phase=phase,
                reason=reason,
                until=to_utc(form.until.data),
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The schedule has been changed; the reason is public."), "success")
            return redirect(back)
    return _cycle_page(community, found, form), (400 if form.errors else 200)


def _cycle_page(
    community: Community,
    cycle: Cycle,
    form: PhaseChangeForm,
    mode_form: ScreeningModeForm | None = None,
) -> str:
    if mode_form is None:
        mode_form = ScreeningModeForm(formdata=None, screening_mode=cycle.screening_mode.value)
    return render_template(
        "committee/cycle.html",
        community=community,
        cycle=cycle,
        form=form,
        mode_form=mode_form,
        mode_locked=cycle_service.screening_decided(cycle),
        counts=committee_service.count_proposals_by_state(cycle.id, community.id),
        now=now(),
        current_end=phase_end(cycle.schedule, cycle.phase(now())),
        may_manage=cycle_service.can_manage(current_user, cycle),
        shortlist=shortlist_service.read_page(cycle, now()),
        days_form=ShortlistDaysForm(formdata=None, days=cycle.shortlist_days),
    )


@bp.post("/cycles/<int:cycle_id>/screening-mode")
@committee_required(Action.VIEW_COMMITTEE)
def screening_mode(community: Community, cycle_id: int) -> ResponseReturnValue:
    """Screen the cycle by the committee's decision or by resolution (四议两公开)."""
    found = community_cycle_or_404(community, cycle_id)
    if not cycle_service.can_manage(current_user, found):
        abort(403)
    form = ScreeningModeForm()
    if form.validate_on_submit():
        try:
            cycle_service.set_screening_mode(
                current_user, found, form.screening_mode.data or "", now=now()
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("How the cycle's proposals are screened has been changed."), "success")
            return redirect(
                url_for("committee.cycle", slug=community.slug, cycle_id=found.id, _anchor="mode")
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return _cycle_page(community, found, PhaseChangeForm(formdata=None), form), 422


@bp.get("/cycles/<int:cycle_id>/screening")
@committee_required(Action.SCREEN_PROPOSALS)
def screening(community: Community, cycle_id: int) -> ResponseReturnValue:
    found = community_cycle_or_404(community, cycle_id)
    state = request.args.get("state") or "submitted"
    rows = committee_service.list_screening_queue(found.id, community.id, state)
    return render_template(
        "committee/screening.html",
        community=community,
        cycle=found,
        rows=rows,
        state=state,
        now=now(),
        shortlist=shortlist_service.read_page(found, now()) if found.shortlist_days else None,
        may_manage=cycle_service.can_manage(current_user, found),
    )


@bp.route("/cycles/<int:cycle_id>/enter", methods=["GET", "POST"])
@committee_required(Action.SCREEN_PROPOSALS)
def enter(community: Community, cycle_id: int) -> ResponseReturnValue:

    found = community_cycle_or_404(community, cycle_id)
    form = OnBehalfForm()
    form.category.choices = [SelectChoice(c, c) for c in found.categories]
    form.community.choices = [SelectChoice(community.id, community.name)]  # type: ignore[arg-type]
    if form.validate_on_submit():
        try:
            proposal = proposal_service.enter_on_behalf(
                current_user,
                found,
                community,
                proposal_input(form),
                on_behalf_of=form.on_behalf_of.data or "",
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The proposal has been entered and submitted."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render_template("committee/enter.html", community=community, cycle=found, form=form)


@bp.get("/moderation")
@committee_required(Action.MODERATE)
def moderation(community: Community) -> ResponseReturnValue:
    rows = committee_service.list_moderation_queue(community.id)
    decided = committee_service.list_moderation_decided(community.id)
    history = committee_service.moderation_history(
        [c.id for c, _n in rows] + [c.id for c in decided]
    )
    return render_template(
        "committee/moderation.html",
        community=community,
        rows=rows,
        decided=decided,
        history=history,
        reason_form=ReasonForm(),
    )


@bp.post("/moderation/<int:comment_id>")
@committee_required(Action.MODERATE)
def decide_comment(community: Community, comment_id: int) -> ResponseReturnValue:
    """Keep a reported or hidden comment hidden, or show it, with a public reason."""
    found = comment_service.find_comment(comment_id)
    proposal = proposal_service.find_proposal(found.proposal_id) if found else None
    if found is None or proposal is None or proposal.community_id != community.id:
        abort(404)
    form = ModerationForm()
    back = url_for("committee.moderation", slug=community.slug)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(f"{back}#comment-{found.id}")
    keep_hidden = form.decision.data == "hide"
    if attempt(
        lambda: comment_service.decide_comment(
            current_user, found, keep_hidden=keep_hidden, reason=form.reason.data or "", now=now()
        ),
        _("Decided: the comment stays hidden; the reason is public.")
        if keep_hidden
        else _("Decided: the comment is shown; the reason is public."),
    ):
        return redirect(back)
    return redirect(back)
