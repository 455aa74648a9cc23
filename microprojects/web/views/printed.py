"""Paper artefacts (纸质材料), each a page that prints on A4: the paper ballot, the shortlist
notice before voting, the 公示 notice of the count, a project's completion notice and the cycle's
archive (台账); and the committee's page that lists them, where it says where and when paper
ballots are cast. Who may read each is ``domain.printed``; what each reads, ``services.printed``.
"""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ...domain.ballots import BallotKind
from ...domain.permissions import Action
from ...domain.printed import Access
from ...extensions import login_manager
from ...models import Community, Cycle
from ...services import counting, printed
from ...services import shortlist as shortlist_service
from ...services.cycles import can_manage
from ...services.errors import ServiceError
from ...services.proposals import find_proposal
from ...services.publication import status_of
from ..explain import explanation, remedy_text
from ..forms.printed import PaperWhereForm
from ..messages import (
    ACCEPTANCE_RESULT_LABELS,
    IMPLEMENTATION_STATUS_LABELS,
    INSPECTOR_ROLE_LABELS,
    OBJECTION_STATUS_LABELS,
    PHOTO_KIND_LABELS,
    RESULTS_STATUS_LABELS,
    SURVEY_ANSWER_LABELS,
)
from .contracts import story_context as contract_story
from .helpers import (
    committee_required,
    community_cycle_or_404,
    cycle_or_404,
    flash_error,
    now,
    yuan,
)

bp = Blueprint("printed", __name__)


def _allow(cycle: Cycle, access: Access) -> ResponseReturnValue | None:
    """None when the visitor may read the paper; else the answer: not found when there is
    nothing to print, the login page for a visitor, 403 for anyone else."""
    if access is Access.NONE:
        abort(404)
    if printed.may_read(current_user, cycle, access):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


def _link(endpoint: str, **values: Any) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def _qr(link: str) -> Markup:
    """A QR code (never a Micro QR, which phones do not all read) as inline SVG, sized by CSS."""
    svg = segno.make_qr(link, error="m").svg_inline(omitsize=True, border=2)
    return Markup(svg)  # noqa: S704 (segno's own SVG of a URL we built)


def _committee_name(cycle: Cycle) -> str:
    return _("The committee of %(scope)s", scope=cycle.scope_name)


def how_to_mark(cycle: Cycle, n_projects: int) -> list[str]:
    """How to fill in the paper ballot, from the cycle's ballot rule, in plain words."""
    rule = cycle.rule
    kind = BallotKind(cycle.ballot_kind)
    most = min(rule.max_choices or n_projects, n_projects) if n_projects else rule.max_choices
    lines: list[str] = []
    if kind in (BallotKind.APPROVAL, BallotKind.BUDGET):
        lines.append(_("Put a tick ✓ in the box of each project you want."))
        capped = rule.max_choices is not None and most is not None
        if capped and rule.min_choices == most:
            lines.append(
                ngettext("Tick exactly %(num)d project.", "Tick exactly %(num)d projects.", most)
            )
        elif capped and rule.min_choices > 0:
            lines.append(
                _(
                    "Tick at least %(min)d and at most %(max)d projects.",
                    min=rule.min_choices,
                    max=most,
                )
            )
        elif capped:
            lines.append(
                ngettext("Tick at most %(num)d project.", "Tick at most %(num)d projects.", most)
            )
        elif rule.min_choices > 1:
            lines.append(_("Tick at least %(n)d projects.", n=rule.min_choices))
        if kind is BallotKind.BUDGET:
            lines.append(
                _(
                    "The projects you tick may cost together at most %(budget)s, the budget.",
                    budget=yuan(cycle.budget_fen),
                )
            )
            if rule.min_share_pct:
                lines.append(
                    _(
                        "Together they must cost at least %(pct)d%% of the budget.",
                        pct=rule.min_share_pct,
                    )
                )
    elif kind is BallotKind.CHOOSE_ONE:
        lines.append(_("Put a tick ✓ in the box of the one project you want. Tick only one."))
    elif kind is BallotKind.POINTS:
        lines.append(_("Write in the box how many points you give each project."))
        lines.append(_("Give %(n)d points in all.", n=rule.points_total))
        if rule.points_max:
            lines.append(_("Give at most %(n)d points to one project.", n=rule.points_max))
        lines.append(_("Leave the box empty for a project you give no points."))
    elif kind is BallotKind.RANKING:
        k = min(rule.rank_k, n_projects) if n_projects else rule.rank_k
        lines.append(
            _(
                "Write 1 in the box of your favourite project, 2 in the next one's, and so on, up"
                " to %(k)d. Use each number once.",
                k=k,
            )
        )
        if rule.min_choices > 1:
            lines.append(_("Number at least %(n)d projects.", n=rule.min_choices))
    return lines


def spoiled_when(cycle: Cycle, n_projects: int) -> list[str]:
    """What makes a paper ballot spoiled (废票): what the rule forbids, then what any ballot
    must not carry."""
    rule = cycle.rule
    kind = BallotKind(cycle.ballot_kind)
    most = min(rule.max_choices or n_projects, n_projects) if n_projects else rule.max_choices
    found: list[str] = []
    if kind in (BallotKind.APPROVAL, BallotKind.BUDGET):
        if rule.max_choices is not None and most is not None:
            found.append(ngettext("More than %(num)d tick.", "More than %(num)d ticks.", most))
        if rule.min_choices > 0:
            found.append(
                ngettext("Fewer than %(num)d tick.", "Fewer than %(num)d ticks.", rule.min_choices)
            )
        if kind is BallotKind.BUDGET:
            found.append(_("Ticked projects that cost together more than the budget."))
    elif kind is BallotKind.CHOOSE_ONE:
        found.append(_("More than one tick, or none."))
    elif kind is BallotKind.POINTS:
        found.append(_("Points that do not add up to %(n)d.", n=rule.points_total))
        if rule.points_max:
            found.append(_("More than %(n)d points on one project.", n=rule.points_max))
    elif kind is BallotKind.RANKING:
        k = min(rule.rank_k, n_projects) if n_projects else rule.rank_k
        found.append(_("The same number twice, or a number above %(k)d.", k=k))
    found += [
        _("Marks outside the boxes, or a box that cannot be read."),
        _("A name, signature, phone number or any sign that could tell who voted."),
        _("A torn or defaced ballot, or one without the committee's stamp."),
    ]
    return found


@bp.get("/cycles/<int:cycle_id>/print/ballot")
def ballot(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    access = printed.ballot_access(cycle, now())
    refused = _allow(cycle, access)
    if refused is not None:
        return refused
    projects = printed.ballot_projects(cycle)
    link = _link("proposals.cycle", cycle_id=cycle.id)
    return render_template(
        "printed/ballot.html",
        cycle=cycle,
        projects=projects,
        stations=printed.ballot_stations(cycle),
        how=how_to_mark(cycle, len(projects)),
        spoiled=spoiled_when(cycle, len(projects)),
        writes_number=cycle.ballot_kind in (BallotKind.POINTS, BallotKind.RANKING),
        link=link,
        qr=_qr(link),
        preview=access is not Access.PUBLIC,
        committee_name=_committee_name(cycle),
        back=url_for("proposals.cycle", cycle_id=cycle.id),
    )


@bp.get("/cycles/<int:cycle_id>/print/shortlist")
def shortlist(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    access = printed.ballot_access(cycle, now())
    refused = _allow(cycle, access)
    if refused is not None:
        return refused
    link = _link("proposals.cycle", cycle_id=cycle.id)
    return render_template(
        "printed/shortlist.html",
        cycle=cycle,
        shortlist=printed.shortlist(cycle),
        window=shortlist_service.publication_of(cycle.id),
        window_link=_link("shortlist.page", cycle_id=cycle.id),
        link=link,
        qr=_qr(link),
        preview=access is not Access.PUBLIC,
        committee_name=_committee_name(cycle),
        dated=format_date(now(), "long"),
        back=url_for("proposals.cycle", cycle_id=cycle.id),
    )


@bp.get("/cycles/<int:cycle_id>/print/results")
def results_notice(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    count = printed.results_count(cycle)
    access = printed.results_access(cycle, count, now())
    refused = _allow(cycle, access)
    if refused is not None:
        return refused
    assert count is not None  # Access.NONE without a count
    names = {str(o.proposal_id): o.proposal.display_title for o in count.outcomes}
    ranked = sorted(count.outcomes, key=lambda o: o.rank)
    link = _link("results.cycle_results", cycle_id=cycle.id)
    status = status_of(cycle, now(), count).value
    return render_template(
        "printed/results.html",
        cycle=cycle,
        count=count,
        funded=[o for o in ranked if o.funded],
        others=[o for o in ranked if not o.funded],
        explained={o.id: explanation(o, count, names, cycle.currency) for o in ranked},
        per_vote=count.params.get("vote_type") in ("approval", "choose-1"),
        corrected=_corrected(cycle).get(count.id, []),
        turnout=counting.read_turnout(cycle, count),
        status=status,
        status_labels=RESULTS_STATUS_LABELS,
        link=link,
        qr=_qr(link),
        preview=access is not Access.PUBLIC,
        committee_name=_committee_name(cycle),
        dated=format_date(now(), "long"),
        back=url_for("results.cycle_results", cycle_id=cycle.id),
    )


def _corrected(cycle: Cycle) -> dict[int, list[tuple[str, str]]]:
    """What each count corrected after objections, in words, with the public reasons."""
    found: dict[int, list[tuple[str, str]]] = {}
    for r in sorted(counting.remedies(cycle), key=lambda r: r.id):
        if r.applied_count_id is not None:
            found.setdefault(r.applied_count_id, []).append((remedy_text(r), r.reason))
    return found


@bp.get("/proposals/<int:proposal_id>/print/completion")
def completion(proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(proposal_id)
    if proposal is None:
        abort(404)
    record = printed.load_record(proposal)
    access = printed.project_access(record)
    refused = _allow(proposal.cycle, access)
    if refused is not None:
        return refused
    assert record is not None  # Access.NONE without a record
    link = _link("proposals.detail", proposal_id=proposal.id)
    return render_template(
        "printed/completion.html",
        cycle=proposal.cycle,
        proposal=proposal,
        done=printed.completion(proposal, record),
        **contract_story(record),
        result_labels=ACCEPTANCE_RESULT_LABELS,
        role_labels=INSPECTOR_ROLE_LABELS,
        answer_labels=SURVEY_ANSWER_LABELS,
        status_labels=IMPLEMENTATION_STATUS_LABELS,
        photo_kinds=PHOTO_KIND_LABELS,
        link=link,
        qr=_qr(link),
        preview=access is not Access.PUBLIC,
        committee_name=_committee_name(proposal.cycle),
        dated=format_date(now(), "long"),
        back=url_for("proposals.detail", proposal_id=proposal.id),
    )


@bp.get("/cycles/<int:cycle_id>/print/archive")
def archive(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    access = printed.cycle_archive_access(cycle, now())
    refused = _allow(cycle, access)
    if refused is not None:
        return refused
    record = printed.cycle_archive(cycle)
    return render_template(
        "printed/archive.html",
        cycle=cycle,
        archive=record,
        latest=record.counts[0] if record.counts else None,
        status_labels=IMPLEMENTATION_STATUS_LABELS,
        objection_labels=OBJECTION_STATUS_LABELS,
        corrected=_corrected(cycle),
        titles={str(r.proposal.id): r.proposal.display_title for r in record.proposals},
        preview=access is not Access.PUBLIC,
        committee_name=_committee_name(cycle),
        dated=format_date(now(), "long"),
        back=url_for("proposals.cycle", cycle_id=cycle.id),
    )


@bp.route("/c/<slug>/committee/cycles/<int:cycle_id>/print", methods=["GET", "POST"])
@committee_required(Action.VIEW_COMMITTEE)
def committee(community: Community, cycle_id: int) -> ResponseReturnValue:
    """The committee's list of the cycle's papers, and where and when paper ballots are cast."""
    cycle = community_cycle_or_404(community, cycle_id)
    form = PaperWhereForm()
    back = url_for("printed.committee", slug=community.slug, cycle_id=cycle.id)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                printed.set_paper_where(current_user, cycle, form.paper_where.data or "", now=now())
            except ServiceError as error:
                flash_error(error)
            else:
                flash(_("Saved: the paper ballot shows it."), "success")
                return redirect(back)
        else:
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "error")
    elif cycle.paper_where:
        form.paper_where.data = cycle.paper_where
    count = counting.latest_count(cycle)
    records = printed.completion_records(cycle)
    return render_template(
        "printed/committee.html",
        community=community,
        cycle=cycle,
        form=form,
        may_edit=can_manage(current_user, cycle),
        ballot_access=printed.ballot_access(cycle, now()),
        results_access=printed.results_access(cycle, count, now()),
        archive_access=printed.cycle_archive_access(cycle, now()),
        records=records,
        status_labels=IMPLEMENTATION_STATUS_LABELS,
        Access=Access,
    )
