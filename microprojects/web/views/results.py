"""The count and its publication (公示): the committee runs the count; everyone reads the stored
snapshot, with turnout and charts, and can download the counted ballots as a Pabulib file whose
SHA-256 the page shows. While the results are provisional, residents object and the committee
answers publicly."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ...domain.permissions import Action
from ...models import Community, Count, CountOutcome, Cycle, Objection, Remedy
from ...services import counting, publication, remedies
from ...services.errors import ErrorCode, ServiceError
from .. import kept
from ..explain import (
    RULE_NAMES,
    comparison_text,
    explanation,
    mes_method_text,
    mes_text,
    method_step,
    remedy_text,
    unspent_text,
)
from ..forms.implementation import AnswerObjectionForm, ObjectionForm, RemedyForm
from ..forms.voting import CountForm
from ..messages import OBJECTION_STATUS_LABELS, RESULTS_STATUS_LABELS, service_message
from . import confirm
from .api import csv_response, yuan_cell
from .confirm import Ask
from .helpers import (
    committee_required,
    community_cycle_or_404,
    cycle_or_404,
    flash_error,
    now,
)

bp = Blueprint("results", __name__)


def _context(cycle: Cycle, count: Count | None) -> dict[str, Any]:
    names = {str(o.proposal_id): o.proposal.display_title for o in count.outcomes} if count else {}
    explained = (
        {o.id: explanation(o, count, names, cycle.currency) for o in count.outcomes}
        if count
        else {}
    )
    ranked = sorted(count.outcomes, key=lambda o: o.rank) if count else []
    steps = {o.id: method_step(o, count) for o in ranked} if count else {}
    project_names = {o.proposal_id: o.proposal.display_title for o in ranked}
    by_category: dict[str, int] = {}
    for o in ranked:
        if o.funded:
            by_category[o.proposal.category] = by_category.get(o.proposal.category, 0) + o.cost_fen
    objections = publication.objections(cycle) if count else []
    all_remedies = counting.remedies(cycle) if count else []
    return {
        "cycle": cycle,
        "count": count,
        "ranked": ranked,
        "explained": explained,
        "comparison": comparison_text(count) if count else None,
        "mes_note": mes_text(count, cycle.currency) if count else None,
        "mes_method": mes_method_text(count) if count else None,
        "method_steps": steps,
        "unspent": (unspent_text(count, ranked, project_names, cycle.currency) if count else None),
        "max_score": max((o.score for o in ranked), default=0),
        "status": publication.status_of(cycle, now(), count).value,
        "status_labels": RESULTS_STATUS_LABELS,
        "objections": objections,
        "objection_labels": OBJECTION_STATUS_LABELS,
        "project_names": project_names,
        "by_category": sorted(by_category.items(), key=lambda kv: -kv[1]),
        "turnout": counting.read_turnout(cycle, count) if count else None,
        "remedies": all_remedies,
        "remedies_by_count": _by_count(all_remedies),
        "remedy_labels": {r.id: remedy_text(r) for r in all_remedies},
    }


def _by_count(found: list[Remedy]) -> dict[int | None, list[Remedy]]:
    """The remedies by the count that applied them (None: waiting for the next count)."""
    grouped: dict[int | None, list[Remedy]] = {}
    for r in sorted(found, key=lambda r: r.id):
        grouped.setdefault(r.applied_count_id, []).append(r)
    return grouped


def _objection_form(cycle: Cycle, ranked: list[CountOutcome]) -> ObjectionForm:
    form = ObjectionForm()
    form.project.choices = [("", _("The results as a whole"))] + [
        (str(o.proposal_id), o.proposal.display_title) for o in ranked
    ]
    return form


@bp.get("/cycles/<int:cycle_id>/results")
def cycle_results(cycle_id: int) -> ResponseReturnValue:
    # Kept for visitors under what it shows of the cycle (one query): a count is never
    # recomputed, so the page changes only with a new count, an objection or its answer, a phase
    # change or a revised title (see kept.py).
    moment = now()
    key = None
    if kept.for_visitor():
        version = publication.read_results_version(cycle_id, moment)
        key = None if version is None else kept.key_of("results", *version)
    return kept.serve(key, lambda: (_results_page(cycle_id), None), now=moment)


def _results_page(cycle_id: int) -> str:
    cycle = cycle_or_404(cycle_id)
    count = counting.load_latest_count(cycle)
    context = _context(cycle, count)
    problem = publication.objection_problem(current_user, cycle, now())
    body = Markup(  # noqa: S704 (a rendered template: escaped by Jinja)
        render_template(
            "results/_page.html",
            community=None,
            earlier=_earlier(cycle, count),
            # Made only for who may object: a form makes a token, and a token a session.
            objection_form=_objection_form(cycle, context["ranked"]) if problem is None else None,
            objection_problem=problem,
            **context,
        )
    )
    return render_template("results/cycle.html", title=cycle.title, body=body)


@bp.post("/cycles/<int:cycle_id>/objections")
@login_required
def object_to(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    count = counting.load_latest_count(cycle)
    form = _objection_form(cycle, sorted(count.outcomes, key=lambda o: o.rank) if count else [])
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        try:
            publication.file_objection(
                current_user,
                cycle,
                reason=form.reason.data or "",
                proposal_id=int(form.project.data) if form.project.data else None,
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Your objection has been filed; the committee will answer it here."), "success")
    return redirect(url_for("results.cycle_results", cycle_id=cycle.id, _anchor="objections"))


def _earlier(cycle: Cycle, count: Count | None) -> list[Count]:
    return [c for c in counting.counts(cycle) if count is None or c.id != count.id]


@bp.get("/cycles/<int:cycle_id>/results.pb")
def counted_ballots(cycle_id: int) -> ResponseReturnValue:
    """The canonical export the latest count counted: its SHA-256 is on the results page."""
    cycle = cycle_or_404(cycle_id)
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


@bp.get("/cycles/<int:cycle_id>/results-table.csv")
def results_table(cycle_id: int) -> ResponseReturnValue:
    """The latest count for people with a spreadsheet: headed in the page's language, amounts in
    yuan with two decimals, the outcome and its reason in words. Programs read
    ``api.cycle_results_csv``, whose columns never change with the language."""
    cycle = cycle_or_404(cycle_id)
    count = counting.load_latest_count(cycle)
    per_vote = count is None or count.params.get("vote_type") in ("approval", "choose-1")
    unit = _("yuan") if cycle.currency == "CNY" else cycle.currency
    header = [
        _("Rank"), _("Project"), _("Category"), _("Votes") if per_vote else _("Points"),
        _("Cost (%(unit)s)", unit=unit), _("Result"), _("Why"), _("Results status"),
    ]  # fmt: skip
    rows = []
    if count is not None:
        names = {str(o.proposal_id): o.proposal.display_title for o in count.outcomes}
        status = str(RESULTS_STATUS_LABELS[publication.status_of(cycle, now(), count).value])
        for o in sorted(count.outcomes, key=lambda o: o.rank):
            rows.append(
                [
                    o.rank, o.proposal.display_title, o.proposal.category, o.score,
                    yuan_cell(o.cost_fen), _("Funded") if o.funded else _("Not funded"),
                    explanation(o, count, names, cycle.currency), status,
                ]
            )  # fmt: skip
    return csv_response(f"cycle-{cycle.id}-results-table.csv", header, rows)


@bp.route("/c/<slug>/committee/cycles/<int:cycle_id>/count", methods=["GET", "POST"])
@committee_required(Action.MANAGE_VOTING)
def count(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    form = CountForm()
    back = url_for("results.count", slug=community.slug, cycle_id=cycle.id)
    confirmed = confirm.read("cycle.count", cycle.id) if request.method == "POST" else None
    if confirmed is not None:
        number = int(confirmed.data.get("number", 0))
        # The state holds the remedies the committee was shown: one added since asks again.
        if confirmed.state != _count_state(cycle, number) or number != _next_number(cycle):
            confirm.stale()
            return redirect(back)
        try:
            counting.run_count(
                current_user,
                cycle,
                now=now(),
                reason=str(confirmed.data.get("reason", "")),
                expected_number=number,
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _("The votes have been counted.")
                if number == 1
                else _("The count has been corrected; the reason is public."),
                "success",
            )
        return redirect(back)
    if form.validate_on_submit():
        reason = form.reason.data or ""
        number = _next_number(cycle)
        problem = counting.count_problem(cycle, now())
        if problem is None and number > 1 and not reason.strip():
            problem = ErrorCode.RECOUNT_NEEDS_REASON
        if problem is None:
            return confirm.ask(
                "cycle.count",
                cycle.id,
                _count_state(cycle, number),
                {"number": number, "reason": reason},
                _count_page(cycle, number, reason, back),
            )
        flash_error(ServiceError(problem))
    return _count_view(community, cycle, form)


def _count_view(
    community: Community,
    cycle: Cycle,
    form: CountForm,
    refused: tuple[int, RemedyForm] | None = None,
) -> str:
    """The committee's count page: the count, the objections with their answers and, for each
    upheld one, its form of remedies; ``refused`` is an objection's remedy form sent back with
    its words."""
    latest = counting.load_latest_count(cycle)
    context = _context(cycle, latest)
    remedy_forms = {}
    for o in context["objections"]:
        if o.status == "upheld" and context["status"] == "provisional":
            remedy_forms[o.id] = (
                refused[1]
                if refused is not None and refused[0] == o.id
                else _remedy_form(o, context["ranked"], latest, blank=True)
            )
    return render_template(
        "results/count.html",
        community=community,
        form=form,
        answer_form=AnswerObjectionForm(),
        remedy_forms=remedy_forms,
        pending=[r for r in context["remedies"] if r.applied_count_id is None],
        problem=counting.count_problem(cycle, now()),
        now=now(),
        earlier=_earlier(cycle, latest),
        **context,
    )


def _remedy_prefix(objection: Objection) -> str:
    return f"remedy-{objection.id}-"


def _remedy_form(
    objection: Objection, ranked: list[CountOutcome], count: Count | None, *, blank: bool = False
) -> RemedyForm:
    """The remedy form of ``objection``: the projects the count had on the ballot, the one
    objected to chosen first."""
    withdrawn = set(count.params.get("withdrawn", ())) if count else set()
    form = RemedyForm(prefix=_remedy_prefix(objection), formdata=None if blank else request.form)
    form.project.choices = [
        (str(o.proposal_id), o.proposal.display_title)
        for o in ranked
        if str(o.proposal_id) not in withdrawn
    ]
    if blank and objection.proposal_id is not None:
        form.project.data = str(objection.proposal_id)
    return form


def _count_state(cycle: Cycle, number: int) -> str:
    """What a count's confirmation was asked about: its number and the remedies it applies."""
    return ":".join([str(number), *(str(r.id) for r in counting.pending_remedies(cycle))])


@bp.post("/c/<slug>/committee/objections/<int:objection_id>/remedies")
@committee_required(Action.MANAGE_VOTING)
def add_remedy(community: Community, objection_id: int) -> ResponseReturnValue:
    objection = publication.find_objection(objection_id, community.id)
    if objection is None:
        abort(404)
    cycle = objection.cycle
    count = counting.load_latest_count(cycle)
    ranked = sorted(count.outcomes, key=lambda o: o.rank) if count else []
    form = _remedy_form(objection, ranked, count)
    if form.validate_on_submit() and form.kind.data == "cost" and form.cost.fen is None:
        form.cost.errors = [_("Enter the corrected cost in yuan.")]
    if form.errors:
        return _count_view(community, cycle, CountForm(formdata=None), (objection.id, form)), 422
    try:
        remedies.add_remedy(
            current_user,
            cycle,
            objection,
            proposal_id=int(form.project.data),
            kind=form.kind.data or "",
            cost_fen=form.cost.fen if form.kind.data == "cost" else None,
            reason=form.reason.data or "",
            now=now(),
        )
    except ServiceError as error:
        if error.code in (ErrorCode.REMEDY_COST_INVALID, ErrorCode.REMEDY_DUPLICATE):
            field = form.cost if error.code is ErrorCode.REMEDY_COST_INVALID else form.project
            field.errors = [*field.errors, service_message(error.code, error.params)]
            return _count_view(
                community, cycle, CountForm(formdata=None), (objection.id, form)
            ), 422
        flash_error(error)
    else:
        flash(_("The correction is recorded; it is applied when you count again."), "success")
    return redirect(
        url_for("results.count", slug=community.slug, cycle_id=cycle.id, _anchor="remedies")
    )


@bp.post("/c/<slug>/committee/remedies/<int:remedy_id>/cancel")
@committee_required(Action.MANAGE_VOTING)
def cancel_remedy(community: Community, remedy_id: int) -> ResponseReturnValue:
    remedy = remedies.find_remedy(remedy_id, community.id)
    if remedy is None:
        abort(404)
    cycle_id = remedy.cycle_id
    try:
        remedies.cancel_remedy(current_user, remedy, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The correction is taken back; it will not be applied."), "success")
    return redirect(
        url_for("results.count", slug=community.slug, cycle_id=cycle_id, _anchor="remedies")
    )


def _next_number(cycle: Cycle) -> int:
    return counting.next_count_number(counting.latest_count(cycle))


def _count_page(cycle: Cycle, number: int, reason: str, back: str) -> Ask:
    """The confirmation of a count (``number`` 1) or of a correction (a later number)."""
    rule = str(RULE_NAMES.get(cycle.tally_rule, cycle.tally_rule))
    facts = [(_("Cycle"), cycle.title), (_("Rule"), rule)]
    if number == 1:
        return Ask(
            heading=_("Count the votes of “%(title)s”?", title=cycle.title),
            button=_("Yes, count the votes"),
            back=back,
            facts=facts,
            happens=[
                _("Every ballot is counted with the rule above, once."),
                _("The result is published at once on the results page, as provisional."),
            ],
            final=_(
                "A count is never deleted. If it must change, a correction is counted with a"
                " public reason and listed beside it."
            ),
        )
    pending = counting.pending_remedies(cycle)
    applies = "; ".join(remedy_text(r) for r in pending) if pending else _("no new correction")
    return Ask(
        heading=_("Correct the count of “%(title)s”?", title=cycle.title),
        button=_("Yes, count again and correct"),
        back=back,
        facts=[
            *facts,
            (_("Counts so far"), str(number - 1)),
            (_("Reason (public)"), reason),
            (_("Corrections it applies"), applies),
        ],
        happens=[
            _(
                "The same ballots are counted again, with the corrections above and those of the"
                " earlier counts; the new result replaces the one shown."
            ),
            _("Whoever raised an objection these corrections answer is told."),
            _("The earlier counts stay listed, and the reason is shown beside the new one."),
        ],
        final=_("A correction is never deleted: it stays in the cycle's public record."),
    )


@bp.post("/c/<slug>/committee/objections/<int:objection_id>/answer")
@committee_required(Action.MANAGE_VOTING)
def answer(community: Community, objection_id: int) -> ResponseReturnValue:
    objection = publication.find_objection(objection_id, community.id)
    if objection is None:
        abort(404)
    form = AnswerObjectionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision and write the public answer."), "error")
    else:
        try:
            publication.answer_objection(
                current_user,
                objection,
                decision=form.decision.data,
                answer=form.answer.data or "",
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The answer has been published."), "success")
    return redirect(
        url_for(
            "results.count",
            slug=community.slug,
            cycle_id=objection.cycle_id,
            _anchor=f"objection-{objection.id}",
        )
    )
