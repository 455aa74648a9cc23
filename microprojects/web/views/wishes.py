"""Small wishes (点亮微心愿): a community's wish wall with the residents' form to send one, a
resident's own wishes, one wish's page, its photo (its author's and the committee's only), and
the committee's list with the answer and "make a proposal" forms."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...domain.cycles import ProjectType
from ...domain.permissions import Action
from ...domain.wishes import REFERRAL_SUGGESTIONS
from ...models import Community, Wish
from ...services import wishes as service
from ...services.errors import ServiceError
from ...services.proposals import ProposalInput, upload_dir
from ..forms.wishes import AnswerWishForm, ProposeFromWishForm, WishForm
from ..messages import service_message
from .helpers import committee_required, community_or_404, flash_error, now

bp = Blueprint("wishes", __name__)


# --- residents ---------------------------------------------------------------------------------


def _render_wall(community: Community, form: WishForm | None = None) -> tuple[str, int]:
    refused = form is not None
    html = render_template(
        "wishes/wall.html",
        community=community,
        wishes=service.wall(community),
        form=form or WishForm(),
        problem=service.send_problem(current_user, community),
    )
    return html, (422 if refused else 200)


@bp.get("/c/<slug>/wishes")
def wall(slug: str) -> ResponseReturnValue:
    return _render_wall(community_or_404(slug))


@bp.post("/c/<slug>/wishes")
@login_required
def send(slug: str) -> ResponseReturnValue:
    community = community_or_404(slug)
    form = WishForm()
    if not form.validate_on_submit():
        return _render_wall(community, form)
    photo = form.photo.data.read() if form.photo.data else None
    try:
        service.send_wish(
            current_user,
            community,
            text=form.text.data or "",
            place=form.place.data or "",
            photo=photo or None,
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        return _render_wall(community, form)
    flash(_("Your wish has been sent. The committee will answer it here."), "success")
    return redirect(url_for("wishes.mine"))


@bp.get("/wishes/mine")
@login_required
def mine() -> ResponseReturnValue:
    residency = current_user.residency
    return render_template(
        "wishes/mine.html",
        wishes=service.my_wishes(current_user),
        community=residency.community if residency is not None else None,
    )


@bp.get("/wishes/<int:wish_id>")
def detail(wish_id: int) -> ResponseReturnValue:
    wish = _wish_or_404(wish_id)
    return render_template(
        "wishes/detail.html",
        wish=wish,
        community=wish.community,
        show_photo=wish.photo_filename is not None and service.may_see_photo(current_user, wish),
        is_author=current_user.is_authenticated and wish.author_id == current_user.id,
    )


@bp.get("/wishes/<int:wish_id>/photo")
@login_required
def photo(wish_id: int) -> ResponseReturnValue:
    """A wish's photo, to its author and the committee only, kept by no cache."""
    wish = _wish_or_404(wish_id)
    if not service.may_see_photo(current_user, wish):
        abort(403)
    if wish.photo_filename is None:
        abort(404)
    response = send_from_directory(upload_dir(), wish.photo_filename, mimetype=wish.photo_mime)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _wish_or_404(wish_id: int) -> Wish:
    wish = service.find_wish(wish_id)
    if wish is None:
        abort(404)
    return wish


# --- the committee -----------------------------------------------------------------------------


def _answer_form(wish_id: int) -> AnswerWishForm:
    return AnswerWishForm(prefix=f"answer{wish_id}")


def _propose_form(wish: Wish, community: Community) -> ProposeFromWishForm:
    form = ProposeFromWishForm(prefix=f"propose{wish.id}")
    cycles = service.collecting_cycles(community, now())
    form.cycle.choices = [SelectChoice(c.id, c.title) for c in cycles]  # type: ignore[arg-type]
    categories: list[str] = []
    for cycle in cycles:
        categories += [c for c in cycle.categories if c not in categories]
    form.category.choices = [SelectChoice(c, c) for c in categories]
    if not form.is_submitted():
        form.title.data = wish.text.splitlines()[0][:80] if wish.text else ""
        form.on_behalf_of.data = _("A resident of %(community)s", community=community.name)
    return form


def _render_committee(
    community: Community,
    answered: tuple[int, AnswerWishForm] | None = None,
    proposed: tuple[int, ProposeFromWishForm] | None = None,
) -> tuple[str, int]:
    listing = service.committee_list(current_user, community)
    answer_forms = {w.id: _answer_form(w.id) for w in listing.open}
    if answered is not None:
        answer_forms[answered[0]] = answered[1]
    waiting = [w for w in listing.answered if w.status == "taken" and w.proposal is None]
    propose_forms = {w.id: _propose_form(w, community) for w in waiting}
    if proposed is not None:
        propose_forms[proposed[0]] = proposed[1]
    html = render_template(
        "wishes/committee.html",
        community=community,
        listing=listing,
        answer_forms=answer_forms,
        propose_forms=propose_forms,
        collecting=service.collecting_cycles(community, now()),
        suggestions=REFERRAL_SUGGESTIONS,
    )
    return html, (422 if answered is not None or proposed is not None else 200)


@bp.get("/c/<slug>/committee/wishes")
@committee_required(Action.SCREEN_PROPOSALS)
def committee(community: Community) -> ResponseReturnValue:
    return _render_committee(community)


def _community_wish_or_404(community: Community, wish_id: int) -> Wish:
    wish = service.find_wish(wish_id)
    if wish is None or wish.community_id != community.id:
        abort(404)
    return wish


@bp.post("/c/<slug>/committee/wishes/<int:wish_id>/answer")
@committee_required(Action.SCREEN_PROPOSALS)
def answer(community: Community, wish_id: int) -> ResponseReturnValue:
    wish = _community_wish_or_404(community, wish_id)
    form = _answer_form(wish.id)
    if not form.validate_on_submit():
        flash(_("Choose an answer and write the public answer."), "error")
        return _render_committee(community, answered=(wish.id, form))
    try:
        service.answer_wish(
            current_user,
            wish,
            status=form.status.data or "",
            answer=form.answer.data or "",
            referred_to=form.referred_to.data or "",
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        return _render_committee(community, answered=(wish.id, form))
    flash(_("The answer has been published; the resident is told."), "success")
    return redirect(url_for("wishes.committee", slug=community.slug, _anchor=f"wish-{wish.id}"))


@bp.post("/c/<slug>/committee/wishes/<int:wish_id>/propose")
@committee_required(Action.SCREEN_PROPOSALS)
def propose(community: Community, wish_id: int) -> ResponseReturnValue:
    wish = _community_wish_or_404(community, wish_id)
    form = _propose_form(wish, community)
    if not form.validate_on_submit():
        if not form.cycle.choices:
            flash(service_message("wish_no_collecting_cycle"), "error")
        else:
            flash(_("Fill in the proposal's title, category, type and cost."), "error")
        return _render_committee(community, proposed=(wish.id, form))
    cycle = next(
        (c for c in service.collecting_cycles(community, now()) if c.id == form.cycle.data), None
    )
    if cycle is None:
        flash(service_message("wish_no_collecting_cycle"), "error")
        return _render_committee(community, proposed=(wish.id, form))
    data = ProposalInput(
        title=form.title.data or "",
        description=wish.text,
        category=form.category.data or "",
        project_type=ProjectType(form.project_type.data),
        estimated_cost_fen=form.estimated_cost.fen or 0,
        location=wish.place,
    )
    try:
        proposal = service.propose_from_wish(
            current_user, wish, cycle, data, on_behalf_of=form.on_behalf_of.data or "", now=now()
        )
    except ServiceError as error:
        flash_error(error)
        return _render_committee(community, proposed=(wish.id, form))
    flash(_("The proposal has been made from the wish; the resident is told."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))
