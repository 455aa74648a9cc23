"""Delivery contract pages: on the project's management page the committee records and amends
the contract and approves or returns the supplier's updates; the supplier's organization sees
its contracts on its own page and posts progress there. The public project page shows the
contract from ``story_context``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ...domain.permissions import Action
from ...models import Community, DeliveryContract, Implementation, Proposal
from ...services import contracts as service
from ...services.errors import ServiceError
from ..forms.contracts import ContractForm, ReturnUpdateForm, SupplierUpdateForm
from ..messages import IMPLEMENTATION_STATUS_LABELS, PHOTO_KIND_LABELS, UPDATE_REVIEW_LABELS
from .helpers import committee_required, flash_error, now
from .implementation import committee_project, manage_page, to_manage

bp = Blueprint("contracts", __name__)


F = TypeVar("F", bound=FlaskForm)


def _own_ids(form: F, prefix: str) -> F:
    """The form's fields with ids of their own (their names unchanged): the project's page
    holds other forms with fields of the same names, and a label must name its own field."""
    for item in form:
        item.id = f"{prefix}-{item.name}"
        item.label.field_id = item.id
    return form


def _organization_choices(form: ContractForm) -> None:
    form.organization.choices = [("", _("— a company named below —"))] + [
        (str(o.id), o.name) for o in service.organizations()
    ]


def _filled(contract: DeliveryContract) -> ContractForm:
    form = _own_ids(ContractForm(formdata=None), "contract")
    form.organization.data = str(contract.organization_id or "")
    form.company_name.data = contract.company_name or ""
    form.number.data = contract.number
    form.amount.data = f"{contract.amount_fen / 100:.2f}"
    form.signed_on.data = contract.signed_on
    form.starts_on.data = contract.starts_on
    form.ends_on.data = contract.ends_on
    form.deliverables.data = contract.deliverables
    return form


def contract_context(
    proposal: Proposal, record: Implementation | None, *, contract_form: ContractForm | None = None
) -> dict[str, Any]:
    """What the management page shows of the contract: its terms and payments, the form that
    records or amends it, and the supplier's updates waiting for approval."""
    if record is None:
        return {"contract": None, "contract_form": None}
    contract = service.contract_of(record)
    if contract_form is None:
        contract_form = (
            _filled(contract) if contract else _own_ids(ContractForm(formdata=None), "contract")
        )
        if contract is None:
            contract_form.amount.data = f"{record.planned_fen / 100:.2f}"
    _organization_choices(contract_form)
    money = service.summary(contract) if contract else None
    return {
        "contract": contract,
        "contract_money": money,
        "contract_form": contract_form,
        "contract_open": record.status != "accepted" and not (money and money.fully_paid),
        "pending_updates": service.pending_updates(record),
        "return_form": ReturnUpdateForm(formdata=None),
    }


def story_context(record: Implementation | None) -> dict[str, Any]:
    """What the public project page shows of the contract."""
    contract = service.contract_of(record) if record is not None else None
    return {
        "contract": contract,
        "contract_money": service.summary(contract) if contract else None,
    }


def _terms(form: ContractForm) -> service.ContractTerms:
    raw = form.organization.data or ""
    return service.ContractTerms(
        organization_id=int(raw) if raw.isdigit() else None,
        company_name=form.company_name.data or "",
        number=form.number.data or "",
        amount_fen=form.amount.fen or 0,
        signed_on=form.signed_on.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        deliverables=form.deliverables.data or "",
    )


def _refused_form(form: FlaskForm) -> None:
    for name, errors in form.errors.items():
        for error in errors if isinstance(errors, list) else []:
            flash(f"{getattr(form, name).label.text}: {error}", "error")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/contract")
@committee_required(Action.MANAGE_CYCLES)
def record(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal, found = committee_project(community, proposal_id)
    return _save_terms(
        community,
        proposal,
        lambda terms: service.record_contract(current_user, found, terms, now=now()),
        _("The contract has been recorded; payments are now made against it."),
    )


def _save_terms(
    community: Community,
    proposal: Proposal,
    save: Callable[[service.ContractTerms], object],
    done: str,
) -> ResponseReturnValue:
    """The contract form sent to record or amend: saved by ``save``, or the project's page
    again with the form as typed (422) and why it was refused."""
    form = _own_ids(ContractForm(), "contract")
    _organization_choices(form)
    if not form.validate_on_submit() or form.amount.fen is None:
        _refused_form(form)
        return manage_page(community, proposal, 422, contract_form=form)
    try:
        save(_terms(form))
    except ServiceError as error:
        flash_error(error)
        return manage_page(community, proposal, 422, contract_form=form)
    flash(done, "success")
    return to_manage(community, proposal.id, "contract")


@bp.post("/c/<slug>/committee/contracts/<int:contract_id>/amend")
@committee_required(Action.MANAGE_CYCLES)
def amend(community: Community, contract_id: int) -> ResponseReturnValue:
    contract = service.find_contract(contract_id, community.id)
    if contract is None:
        abort(404)
    return _save_terms(
        community,
        contract.implementation.proposal,
        lambda terms: service.amend_contract(current_user, contract, terms, now=now()),
        _("The contract has been amended; the log keeps what it said before."),
    )


@bp.post("/c/<slug>/committee/progress/<int:update_id>/approve")
@committee_required(Action.MANAGE_CYCLES)
def approve_update(community: Community, update_id: int) -> ResponseReturnValue:
    found = service.find_update(update_id, community.id)
    if found is None:
        abort(404)
    proposal_id = found.implementation.proposal_id
    try:
        service.approve_update(current_user, found, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The update is published; followers have been told."), "success")
    return to_manage(community, proposal_id, "supplier-updates")


@bp.post("/c/<slug>/committee/progress/<int:update_id>/return")
@committee_required(Action.MANAGE_CYCLES)
def return_update(community: Community, update_id: int) -> ResponseReturnValue:
    found = service.find_update(update_id, community.id)
    if found is None:
        abort(404)
    proposal_id = found.implementation.proposal_id
    form = ReturnUpdateForm()
    if not form.validate_on_submit():
        _refused_form(form)
    else:
        try:
            service.return_update(current_user, found, reason=form.reason.data or "", now=now())
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The update has been returned with its reason."), "success")
    return to_manage(community, proposal_id, "supplier-updates")


# --- the supplier's organization ----------------------------------------------------------------


def _require_organization() -> None:
    if current_user.organization_membership is None:
        abort(403)


def _blank_update_form(contract_id: int, progress_pct: int) -> SupplierUpdateForm:
    form = _own_ids(SupplierUpdateForm(formdata=None), f"contract-{contract_id}")
    form.progress_pct.data = progress_pct
    return form


def mine_page(
    status: int = 200, form: SupplierUpdateForm | None = None, contract_id: int = 0
) -> ResponseReturnValue:
    return render_template(
        "contracts/mine.html",
        organization=current_user.organization_membership.organization,
        views=service.supplier_contracts(current_user),
        form=form,
        blank_for=_blank_update_form,
        form_for=contract_id,
        impl_labels=IMPLEMENTATION_STATUS_LABELS,
        review_labels=UPDATE_REVIEW_LABELS,
        photo_kinds=PHOTO_KIND_LABELS,
    ), status


@bp.get("/organization/contracts")
@login_required
def mine() -> ResponseReturnValue:
    _require_organization()
    return mine_page()


@bp.post("/organization/contracts/<int:contract_id>/updates")
@login_required
def post_update(contract_id: int) -> ResponseReturnValue:
    _require_organization()
    contract = service.find_own_contract(current_user, contract_id)
    if contract is None:
        abort(403)
    form = _own_ids(SupplierUpdateForm(), f"contract-{contract.id}")
    if not form.validate_on_submit():
        _refused_form(form)
        return mine_page(422, form, contract.id)
    photos = [
        (kind, getattr(form, kind).data.read())
        for kind in ("during", "after")
        if getattr(form, kind).data
    ]
    try:
        service.post_supplier_update(
            current_user,
            contract,
            body=form.body.data or "",
            progress_pct=form.progress_pct.data or 0,
            photos=[(k, data) for k, data in photos if data],
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        return mine_page(422, form, contract.id)
    flash(_("Your update has been sent; the committee approves it before it is public."), "success")
    return redirect(url_for("contracts.mine", _anchor=f"contract-{contract.id}"))
