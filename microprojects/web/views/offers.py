"""The service menu (服务菜单 / 点单): the public menu and an offer's page with the form to
propose from it, an offer's photos, an organization's own offers with their forms, and the
administrator's vetting queue."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
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

from ...domain.cycles import DEFAULT_CATEGORIES, ProjectType
from ...domain.money import format_yuan
from ...domain.offers import UNIT_SUGGESTIONS, OfferAction, capacity_left
from ...domain.permissions import Action
from ...models import ServiceOffer
from ...services import offers as service
from ...services import photos
from ...services.errors import ErrorCode, ServiceError
from ...services.proposals import ProposalInput, upload_dir
from ..forms.offers import DecideOfferForm, OfferForm, ProposeFromOfferForm
from ..messages import OFFER_STATUS_LABELS, service_message
from .helpers import flash_error, now, permission_required

bp = Blueprint("offers", __name__)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"offer_status_labels": OFFER_STATUS_LABELS}


def _offer_or_404(offer_id: int) -> ServiceOffer:
    offer = service.find_offer(offer_id)
    if offer is None or not service.can_view(current_user, offer):
        abort(404)
    return offer


# --- the public menu ---------------------------------------------------------------------------


@bp.get("/offers")
def menu() -> ResponseReturnValue:
    library = request.args.get("library", "")
    street_id = int(library) if library.isdigit() and len(library) < 10 else None
    project_type = request.args.get("type", "")
    if project_type not in {t.value for t in ProjectType}:
        project_type = ""
    category = request.args.get("category", "")
    if category not in DEFAULT_CATEGORIES:
        category = ""
    return render_template(
        "offers/menu.html",
        items=service.menu(
            street_id=street_id,
            city_only=library == "city",
            project_type=project_type,
            category=category,
        ),
        streets=service.list_streets(),
        categories=DEFAULT_CATEGORIES,
        chosen={"library": library, "type": project_type, "category": category},
    )


def _propose_form(offer: ServiceOffer) -> ProposeFromOfferForm:
    form = ProposeFromOfferForm()
    places = service.places_for(current_user, offer, now())
    form.place.choices = [
        SelectChoice(p.key, f"{p.cycle.title} · {p.community.name}") for p in places
    ]
    categories: list[str] = []
    for place in places:
        categories += [c for c in place.cycle.categories if c not in categories]
    form.category.choices = [SelectChoice(c, c) for c in categories]
    if not form.is_submitted():
        form.title.data = offer.title
        form.description.data = offer.description
        form.category.data = offer.category
        if any(p.as_committee for p in places):
            form.on_behalf_of.data = _("Residents of the community")
    return form


def _render_detail(
    offer: ServiceOffer, form: ProposeFromOfferForm | None = None
) -> tuple[str, int]:
    refused = form is not None
    problem = service.propose_problem(current_user, offer, now())
    form = form or (_propose_form(offer) if problem is None else None)
    html = render_template(
        "offers/detail.html",
        offer=offer,
        left=capacity_left(offer.capacity, service.in_hand(offer)),
        record=service.delivery_record(offer.organization_id),
        uses=service.uses(offer),
        actions=service.actions_for(current_user, offer),
        OfferAction=OfferAction,
        problem=problem,
        form=form,
        price=format_yuan(offer.price_fen),
    )
    return html, (422 if refused else 200)


@bp.get("/offers/<int:offer_id>")
def detail(offer_id: int) -> ResponseReturnValue:
    return _render_detail(_offer_or_404(offer_id))


@bp.get("/offers/<int:offer_id>/photos/<int:photo_id>")
def photo(offer_id: int, photo_id: int) -> ResponseReturnValue:
    return _photo(offer_id, photo_id, None)


@bp.get("/offers/<int:offer_id>/photos/<int:photo_id>/w<int:width>")
def photo_variant(offer_id: int, photo_id: int, width: int) -> ResponseReturnValue:
    """An offer's photo ``width`` pixels wide (:data:`photos.VARIANT_WIDTHS`), behind the same
    checks and with the same cache headers as the photo."""
    if width not in photos.VARIANT_WIDTHS:
        abort(404)
    return _photo(offer_id, photo_id, width)


def _photo(offer_id: int, photo_id: int, width: int | None) -> ResponseReturnValue:
    offer = _offer_or_404(offer_id)
    found = service.find_photo(photo_id)
    if found is None or found.offer_id != offer.id:
        abort(404)
    folder = upload_dir()
    served = found.filename if width is None else photos.kept_variant(folder, found.filename, width)
    response = send_from_directory(folder, served, mimetype=found.mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if offer.status.value != "approved":
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    return response


@bp.post("/offers/<int:offer_id>/propose")
@login_required
def propose(offer_id: int) -> ResponseReturnValue:
    offer = _offer_or_404(offer_id)
    problem = service.propose_problem(current_user, offer, now())
    if problem is not None:
        flash(service_message(problem), "error")
        return redirect(url_for("offers.detail", offer_id=offer.id))
    form = _propose_form(offer)
    if not form.validate_on_submit():
        flash(_("Choose the cycle, and fill in the title, description, category and quantity."),
              "error")  # fmt: skip
        return _render_detail(offer, form)
    place = next(
        (p for p in service.places_for(current_user, offer, now()) if p.key == form.place.data),
        None,
    )
    if place is None:
        flash(service_message(ErrorCode.OFFER_NO_COLLECTING_CYCLE), "error")
        return _render_detail(offer, form)
    data = ProposalInput(
        title=form.title.data or "",
        description=form.description.data or "",
        category=form.category.data or "",
        project_type=ProjectType(offer.project_type),
        estimated_cost_fen=0,  # the offer's price times the quantity
        location=form.location.data or "",
    )
    try:
        proposal = service.propose_from_offer(
            current_user, offer, place.cycle, place.community, data,
            quantity=form.quantity.data or 0, on_behalf_of=form.on_behalf_of.data or "",
            now=now(),
        )  # fmt: skip
    except ServiceError as error:
        flash_error(error)
        return _render_detail(offer, form)
    flash(_("Your proposal has been submitted from the service menu."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


# --- an organization's offers ------------------------------------------------------------------


def _member_required() -> None:
    if service.organization_of(current_user) is None:
        abort(403)


@bp.get("/offers/mine")
@login_required
def mine() -> ResponseReturnValue:
    _member_required()
    return render_template(
        "offers/mine.html",
        offers=service.my_offers(current_user),
        organization=service.organization_of(current_user),
    )


def _fill(form: OfferForm) -> None:
    form.library.choices = [SelectChoice("city", _("The city's library (every community)"))] + [
        SelectChoice(str(s.id), _("%(street)s's library", street=s.name))
        for s in service.list_streets()
    ]


def _input(form: OfferForm) -> service.OfferInput:
    library = form.library.data or "city"
    return service.OfferInput(
        title=form.title.data or "",
        description=form.description.data or "",
        price_fen=form.price.fen or 0,
        unit=form.unit.data or "",
        project_type=ProjectType(form.project_type.data),
        category=form.category.data or "",
        capacity=form.capacity.data or 0,
        street_id=int(library) if library.isdigit() else None,
    )


def _photos(form: OfferForm) -> list[bytes]:
    data = form.photo.data.read() if form.photo.data else b""
    return [data] if data else []


def _render_form(form: OfferForm, offer: ServiceOffer | None, status: int) -> tuple[str, int]:
    return render_template(
        "offers/form.html", form=form, offer=offer, units=UNIT_SUGGESTIONS
    ), status


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    _member_required()
    form = OfferForm()
    _fill(form)
    if not form.is_submitted():
        form.capacity.data = 1
        return _render_form(form, None, 200)
    if not form.validate_on_submit():
        return _render_form(form, None, 422)
    try:
        offer = service.create_offer(current_user, _input(form), photos=_photos(form), now=now())
    except ServiceError as error:
        flash_error(error)
        return _render_form(form, None, 422)
    flash(_("The offer is saved as a draft. Submit it for vetting when it is ready."), "success")
    return redirect(url_for("offers.detail", offer_id=offer.id))


def _own_offer_or_403(offer_id: int) -> ServiceOffer:
    offer = service.find_offer(offer_id)
    if offer is None:
        abort(404)
    if not service.is_member(current_user, offer):
        abort(403)
    return offer


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(offer_id: int) -> ResponseReturnValue:
    offer = _own_offer_or_403(offer_id)
    form = OfferForm(obj=offer if not request.form else None)
    _fill(form)
    if not form.is_submitted():
        form.price.data = format_yuan(offer.price_fen)
        form.library.data = str(offer.street_id) if offer.street_id else "city"
        return _render_form(form, offer, 200)
    if not form.validate_on_submit():
        return _render_form(form, offer, 422)
    try:
        service.update_offer(current_user, offer, _input(form), photos=_photos(form), now=now())
    except ServiceError as error:
        flash_error(error)
        return _render_form(form, offer, 422)
    if offer.status.value == "pending":
        flash(_("The offer is changed and sent for vetting again."), "success")
    else:
        flash(_("Your changes have been saved."), "success")
    return redirect(url_for("offers.detail", offer_id=offer.id))


@bp.post("/offers/<int:offer_id>/submit")
@login_required
def submit(offer_id: int) -> ResponseReturnValue:
    offer = _own_offer_or_403(offer_id)
    try:
        service.submit_offer(current_user, offer, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The offer is sent to the administrator for vetting."), "success")
    return redirect(url_for("offers.detail", offer_id=offer.id))


@bp.post("/offers/<int:offer_id>/withdraw")
@login_required
def withdraw(offer_id: int) -> ResponseReturnValue:
    offer = _own_offer_or_403(offer_id)
    try:
        service.withdraw_offer(current_user, offer, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The offer is withdrawn from the menu."), "success")
    return redirect(url_for("offers.mine"))


# --- the administrator's vetting -----------------------------------------------------------------


def _decide_form(offer_id: int) -> DecideOfferForm:
    return DecideOfferForm(prefix=f"decide{offer_id}")


def _render_review(refused: tuple[int, DecideOfferForm] | None = None) -> tuple[str, int]:
    queue = service.review_queue(current_user)
    forms = {o.id: _decide_form(o.id) for o in queue}
    if refused is not None:
        forms[refused[0]] = refused[1]
    html = render_template("offers/review.html", queue=queue, forms=forms)
    return html, (422 if refused is not None else 200)


@bp.get("/admin/offers")
@permission_required(Action.ADMINISTER)
def review() -> ResponseReturnValue:
    return _render_review()


@bp.post("/admin/offers/<int:offer_id>/decide")
@permission_required(Action.ADMINISTER)
def decide(offer_id: int) -> ResponseReturnValue:
    offer = service.find_offer(offer_id)
    if offer is None:
        abort(404)
    form = _decide_form(offer.id)
    if not form.validate_on_submit():
        flash(_("Choose approve or refuse; a refusal needs its public reason."), "error")
        return _render_review((offer.id, form))
    try:
        service.decide_offer(
            current_user, offer, approve=form.decision.data == "approve",
            reason=form.reason.data or "", now=now(),
        )  # fmt: skip
    except ServiceError as error:
        flash_error(error)
        return _render_review((offer.id, form))
    flash(_("The decision is published; the organization is told."), "success")
    return redirect(url_for("offers.review"))
