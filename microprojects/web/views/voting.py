"""Voting pages: the ballot (works without JavaScript: choose, review, cast), the receipt, the
public receipt check, and the committee's paper ballots, turnout and voting settings."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.ballots import BallotKind, Choice, Problem, summarize, validate
from ...domain.permissions import Action, can
from ...extensions import csrf, login_manager
from ...models import Community, Cycle, PaperEntry, Proposal
from ...services import cycles as cycle_service
from ...services import home as home_service
from ...services import shortlist as shortlist_service
from ...services import voting
from ...services.errors import ServiceError
from ...services.voting_cycle import CastingCycle
from ..forms.voting import VotingSettingsForm
from ..messages import IDENTITY_CHECK_LABELS, ballot_problem, service_message
from .helpers import (
    committee_required,
    community_cycle_or_404,
    community_or_404,
    current_actor,
    cycle_or_404,
    flash_error,
    now,
)

bp = Blueprint("voting", __name__)

DRAFTS = "ballot_drafts"
TOKENS = "ballot_tokens"


def parse_choices(
    cycle: Cycle, form: Any, projects: list[Proposal]
) -> tuple[list[Choice], list[str]]:
    """The choices a ballot form carries, and problems the form itself has (bad numbers)."""
    kind = BallotKind(cycle.ballot_kind)
    valid = {str(p.id) for p in projects}
    errors: list[str] = []
    if kind in (BallotKind.APPROVAL, BallotKind.BUDGET, BallotKind.CHOOSE_ONE):
        ids = [v for v in form.getlist("p") if v in valid]
        return [Choice(i) for i in dict.fromkeys(ids)], errors
    if kind is BallotKind.POINTS:
        choices = []
        for project in projects:
            raw = (form.get(f"points-{project.id}") or "").strip()
            if not raw:
                continue
            if not raw.isdigit():
                errors.append(
                    _("Points must be whole numbers (%(title)s).", title=project.display_title)
                )
                continue
            if int(raw) > 0:
                choices.append(Choice(str(project.id), int(raw)))
        return choices, errors
    ranked: dict[int, str] = {}
    for project in projects:
        raw = (form.get(f"rank-{project.id}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1:
            errors.append(_("A rank is 1, 2, 3…"))
            continue
        if int(raw) in ranked:
            errors.append(_("Two projects have rank %(n)s.", n=raw))
            continue
        ranked[int(raw)] = str(project.id)
    return [Choice(ranked[r]) for r in sorted(ranked)], errors


def _draft(cycle: CastingCycle) -> list[Choice]:
    stored = session.get(DRAFTS, {}).get(str(cycle.id), [])
    return [Choice(pid, int(points)) for pid, points in stored]


def _keep_draft(cycle: Cycle, choices: list[Choice]) -> None:
    drafts = dict(session.get(DRAFTS, {}))
    drafts[str(cycle.id)] = [(c.project_id, c.points) for c in choices]
    session[DRAFTS] = drafts


def _forget_vote(cycle_id: int) -> None:
    """After a cast nothing of the vote stays in the session (a cookie, signed but readable):
    no draft, no form token."""
    for key in (TOKENS, DRAFTS):
        kept = dict(session.get(key, {}))
        kept.pop(str(cycle_id), None)
        session[key] = kept


def _problems_text(problems: list[Problem]) -> list[str]:
    return [ballot_problem(p.code, dict(p.params)) for p in problems]


def _voting_problem(cycle: Cycle, moment: Any, revise: bool) -> str | None:
    """Why the visitor may not cast (or, revising, replace) a ballot now."""
    problem = voting.voting_problem(current_user, cycle, moment)
    if problem == "already_voted" and revise and cycle.allow_revision:
        return None
    return problem


@bp.get("/cycles/<int:cycle_id>/vote")
@login_required
def ballot(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    moment = now()
    revise = request.args.get("revise") == "1"
    problem = _voting_problem(cycle, moment, revise)
    projects = voting.ballot_projects(cycle)
    vote = None
    if problem == "already_voted":
        vote = home_service.read_cycle_now(current_user, cycle, moment).vote
    return render_template(
        "voting/ballot.html",
        cycle=cycle,
        projects=projects,
        vote=vote,
        draft={c.project_id: c.points for c in _draft(cycle)},
        draft_order=[c.project_id for c in _draft(cycle)],
        problem=problem,
        revise=revise,
        now=moment,
        shortlist=(
            shortlist_service.read_page(cycle, moment) if problem == "shortlist_pending" else None
        ),
    )


@bp.post("/cycles/<int:cycle_id>/vote/review")
@login_required
def review(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    projects = voting.ballot_projects(cycle)
    choices, form_errors = parse_choices(cycle, request.form, projects)
    _keep_draft(cycle, choices)
    costs = {str(p.id): p.cost_fen for p in projects}
    problems = form_errors + _problems_text(validate(cycle.rule, costs, choices))
    # Someone who may not vote is told so here, as final (no choice of theirs changes it), and
    # is not offered a cast the service would refuse; a ballot that breaks the rule is told
    # what to change.
    refusal = _voting_problem(cycle, now(), request.form.get("revise") == "1")
    # A cast form carries a new token, which the cast spends; any review ends the token of a
    # form reviewed before it, whose choices are no longer the draft. A review that offers no
    # form leaves no token.
    tokens = dict(session.get(TOKENS, {}))
    if problems or refusal is not None:
        tokens.pop(str(cycle.id), None)
    else:
        tokens[str(cycle.id)] = secrets.token_urlsafe(16)
    session[TOKENS] = tokens
    by_id = {str(p.id): p for p in projects}
    return render_template(
        "voting/review.html",
        cycle=cycle,
        chosen=[(by_id[c.project_id], c.points, index + 1) for index, c in enumerate(choices)],
        summary=summarize(costs, choices),
        problems=problems,
        refusal=service_message(refusal) if refusal is not None else None,
        token=tokens.get(str(cycle.id)),
        revise=request.form.get("revise") == "1",
    ), (422 if problems or refusal is not None else 200)


@bp.post("/cycles/<int:cycle_id>/vote/cast")
@login_required
def cast(cycle_id: int) -> ResponseReturnValue:
    cycle = voting.find_voting_cycle(cycle_id) or abort(404)
    token = request.form.get("token", "")
    expected = session.get(TOKENS, {}).get(str(cycle.id))
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        # A second click or a replay of a form already used: the first one decided. Or no
        # form was offered (the review refuses who may not vote): the same reason again.
        refusal = voting.eligibility_problem(current_user, cycle, now())
        if refusal is not None:
            flash(service_message(refusal), "error")
            return redirect(url_for("voting.ballot", cycle_id=cycle.id))
        flash(_("This ballot form was already used. Review your choices again."), "info")
        return redirect(url_for("voting.ballot", cycle_id=cycle.id))
    choices = _draft(cycle)
    # What the receipt page shows besides the code, read before the cast commits: afterwards
    # the page reads nothing more (not even the account, to choose its language).
    titles = voting.chosen_titles(cycle, choices)
    get_locale()
    try:
        if request.form.get("revise") == "1":
            result = voting.revise_ballot(
                current_user, cycle, request.form.get("receipt") or "", choices, now=now()
            )
        else:
            result = voting.cast_ballot(current_user, cycle, choices, now=now())
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("voting.ballot", cycle_id=cycle_id))
    _forget_vote(cycle_id)
    # The receipt and the choices are shown in this response, once, and kept nowhere: not in
    # the session, not in a URL, not in the browser's cache.
    page = render_template(
        "voting/receipt_slip.html",
        cycle=cycle,
        receipt=result.receipt,
        choices=result.choices,
        titles=titles,
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/cycles/<int:cycle_id>/receipt")
@login_required
def receipt(cycle_id: int) -> ResponseReturnValue:
    """Where a receipt was shown once: it is not shown again."""
    cycle = cycle_or_404(cycle_id)
    return render_template("voting/receipt.html", cycle=cycle)


@bp.route("/cycles/<int:cycle_id>/check", methods=["GET", "POST"])
@csrf.exempt
def check(cycle_id: int) -> ResponseReturnValue:
    """The public receipt check, by POST so that no code lands in a URL, an access log or the
    browser's history. It says whether the receipt's ballot is in the count, never what it
    chose: a receipt proves nothing to a buyer of votes. It changes nothing, so it needs no
    form token, and a visitor's page carries none."""
    cycle = cycle_or_404(cycle_id)
    status = code = None
    if request.method == "POST":
        typed = request.form.get("code", "")[:40]
        status = voting.receipt_status(cycle, typed) if typed.strip() else None
        code = voting.normalize_receipt(typed)
    return render_template("voting/check.html", cycle=cycle, status=status, code=code)


# --- the committee ---------------------------------------------------------------------------


@bp.route("/c/<slug>/committee/cycles/<int:cycle_id>/voting", methods=["GET", "POST"])
@committee_required(Action.MANAGE_VOTING)
def settings(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    form = VotingSettingsForm(obj=cycle)
    if form.validate_on_submit():
        try:
            cycle_service.update_voting_settings(
                current_user,
                cycle,
                ballot_kind=form.ballot_kind.data,
                ballot_min=form.ballot_min.data or 0,
                ballot_max=form.ballot_max.data,
                ballot_min_share_pct=form.ballot_min_share_pct.data or 0,
                points_total=form.points_total.data or 0,
                points_max=form.points_max.data,
                rank_k=form.rank_k.data or 0,
                vote_unit=form.vote_unit.data,
                allow_revision=bool(form.allow_revision.data),
                public_turnout=bool(form.public_turnout.data),
                tally_rule=form.tally_rule.data,
                tally_threshold=form.tally_threshold.data,
                tie_break=form.tie_break.data,
                grid_workers_enter_paper=bool(form.grid_workers_enter_paper.data),
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The voting settings have been saved."), "success")
            return redirect(url_for("voting.settings", slug=community.slug, cycle_id=cycle.id))
    return render_template(
        "voting/settings.html", community=community, cycle=cycle, form=form, now=now()
    )


def _paper_office(slug: str, cycle_id: int) -> tuple[Community, Cycle]:
    """The community and cycle of a paper-ballot page, for whoever may type its paper ballots:
    the committee, an administrator, or the second typist the cycle names; else 403 (or the
    login page)."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    community = community_or_404(slug)
    cycle = community_cycle_or_404(community, cycle_id)
    if not voting.may_key_paper(current_user, cycle, community.id):
        abort(403)
    return community, cycle


def _entry_of(slug: str, entry_id: int) -> tuple[Community, Cycle, PaperEntry]:
    community = community_or_404(slug)
    entry = voting.find_paper_entry(entry_id, community.id)
    if entry is None:
        abort(404)
    community, cycle = _paper_office(slug, entry.cycle_id)
    return community, cycle, entry


@bp.get("/c/<slug>/committee/cycles/<int:cycle_id>/paper")
def paper(slug: str, cycle_id: int) -> ResponseReturnValue:
    community, cycle = _paper_office(slug, cycle_id)
    query = (request.args.get("q") or "").strip()[:40]
    manage = can(current_actor(), Action.MANAGE_VOTING, community.id)
    office = voting.load_paper_office(cycle, community.id, query, with_keyers=manage)
    return render_template(
        "voting/paper.html",
        community=community,
        cycle=cycle,
        query=query,
        residents=office.residents,
        entries=office.entries,
        identity_labels=IDENTITY_CHECK_LABELS,
        projects=office.projects,
        keyer_form=manage,
        keyer_candidates=office.keyer_candidates,
        now=now(),
    )


@bp.post("/c/<slug>/committee/cycles/<int:cycle_id>/paper/<int:residency_id>")
def paper_enter(slug: str, cycle_id: int, residency_id: int) -> ResponseReturnValue:
    community, cycle = _paper_office(slug, cycle_id)
    resident = voting.find_resident(residency_id, community.id)
    if resident is None:
        abort(404)
    projects = voting.ballot_projects(cycle)
    choices, errors = parse_choices(cycle, request.form, projects)
    back = redirect(url_for("voting.paper", slug=community.slug, cycle_id=cycle.id))
    if errors:
        for text in errors:
            flash(text, "error")
        return back
    try:
        voting.enter_paper_ballot(
            current_user,
            cycle,
            resident,
            choices,
            identity_check=request.form.get("identity_check", ""),
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
    except voting.BallotInvalid as invalid:
        for text in _problems_text(invalid.problems):
            flash(text, "error")
    else:
        flash(_("Typed. Another person now types the same paper ballot again."), "success")
    return back


@bp.route("/c/<slug>/committee/paper/<int:paper_id>/key", methods=["GET", "POST"])
def paper_key(slug: str, paper_id: int) -> ResponseReturnValue:
    """The second typing of a paper ballot: the empty ballot, never the first typing."""
    community, cycle, entry = _entry_of(slug, paper_id)
    from_station = request.args.get("station", "")
    if entry.station_id is not None and from_station == str(entry.station_id):
        # Typed from a polling station's queue: back to that station.
        back = redirect(
            url_for("stations.station", slug=community.slug, station_id=entry.station_id)
        )
    else:
        back = redirect(url_for("voting.paper", slug=community.slug, cycle_id=cycle.id))
    projects = voting.ballot_projects(cycle)
    if request.method == "POST":
        choices, errors = parse_choices(cycle, request.form, projects)
        if errors:
            for text in errors:
                flash(text, "error")
            return redirect(request.path)
        try:
            outcome = voting.key_paper_ballot(current_user, entry, choices, now=now())
        except ServiceError as error:
            flash_error(error)
            return back
        except voting.BallotInvalid as invalid:
            for text in _problems_text(invalid.problems):
                flash(text, "error")
            return redirect(request.path)
        if outcome == "confirmed":
            flash(_("The two typings agree: the paper ballot is counted."), "success")
        else:
            flash(
                _(
                    "The typings differ. Look at the paper ballot again and type it once more: "
                    "a typing that agrees with an earlier one by someone else counts it. Or "
                    "discard it with a reason."
                ),
                "warning",
            )
        return back
    return render_template(
        "voting/paper_key.html",
        community=community,
        cycle=cycle,
        entry=entry,
        projects=projects,
        typed_already=any(k.keyed_by_id == current_user.id for k in entry.keyings),
        now=now(),
    )


@bp.post("/c/<slug>/committee/paper/<int:paper_id>/discard")
def paper_discard(slug: str, paper_id: int) -> ResponseReturnValue:
    community, cycle, entry = _entry_of(slug, paper_id)
    try:
        voting.discard_paper_ballot(
            current_user, entry, reason=request.form.get("reason", ""), now=now()
        )
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The entry has been discarded."), "info")
    if entry.station_id is not None and request.form.get("station", "") == str(entry.station_id):
        return redirect(
            url_for("stations.station", slug=community.slug, station_id=entry.station_id)
        )
    return redirect(url_for("voting.paper", slug=community.slug, cycle_id=cycle.id))


@bp.post("/c/<slug>/committee/cycles/<int:cycle_id>/paper-keyer")
@committee_required(Action.MANAGE_VOTING)
def paper_keyer(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    raw = request.form.get("keyer", "")
    keyer = voting.find_keyer(int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if raw and keyer is None:
        abort(400)
    try:
        voting.name_paper_keyer(current_user, cycle, keyer, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Saved: who types paper ballots a second time."), "success")
    return redirect(url_for("voting.paper", slug=community.slug, cycle_id=cycle.id))


@bp.get("/c/<slug>/committee/cycles/<int:cycle_id>/turnout")
@committee_required(Action.MANAGE_VOTING)
def committee_turnout(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    return render_template(
        "voting/turnout.html", community=community, cycle=cycle, turnout=voting.turnout(cycle)
    )


@bp.get("/cycles/<int:cycle_id>/turnout")
def public_turnout(cycle_id: int) -> ResponseReturnValue:
    cycle = cycle_or_404(cycle_id)
    if not cycle.public_turnout:
        abort(404)
    return render_template(
        "voting/turnout.html", community=None, cycle=cycle, turnout=voting.turnout(cycle)
    )


@bp.get("/cycles/<int:cycle_id>/ballots.json")
def published_ballots(cycle_id: int) -> ResponseReturnValue:
    """Once voting is closed and every ballot mixed, two lists, each in an order of its own:
    every ballot's choices (anyone can recount) and every receipt's digest (every voter can find
    theirs). Nothing ties one list to the other."""
    cycle = cycle_or_404(cycle_id)
    published = voting.published_lists(cycle, now())
    return jsonify(
        {
            "cycle": cycle.id,
            "published": published.published,
            "sealed_waiting": published.sealed_waiting,
            "rule": cycle.ballot_kind,
            "ballots": [
                {"choices": choices, "points": points} for choices, points in published.ballots
            ],
            "receipt_sha256": published.receipts,
        }
    )
