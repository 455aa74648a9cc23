"""Procurement packages (采购包): the public list of a cycle's packages, the committee's page to
put them together, and the line on a project's public page naming its package (through the
template global ``procurement_package``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import packages as rules
from ...domain.money import format_yuan
from ...domain.permissions import Action
from ...domain.phases import Phase
from ...models import Community, Cycle, Implementation, ProcurementPackage
from ...services import packages as service
from ...services.cycles import can_manage, find_cycle
from ...services.errors import ServiceError
from ..forms.packages import AddProjectForm, PackageForm, SupplierForm
from ..messages import IMPLEMENTATION_STATUS_LABELS, PACKAGE_KIND_LABELS, PACKAGE_METHOD_LABELS
from .helpers import committee_required, community_cycle_or_404, flash_error, now

bp = Blueprint("packages", __name__)

LABELS = {
    "kind_labels": PACKAGE_KIND_LABELS,
    "method_labels": PACKAGE_METHOD_LABELS,
    "impl_labels": IMPLEMENTATION_STATUS_LABELS,
}


@bp.app_template_global()
def procurement_package(record: Implementation | None) -> ProcurementPackage | None:
    """The package a project's record is bought in, for its public page."""
    return service.package_of(record)


@bp.app_template_global()
def package_kind_label(kind: str) -> Any:
    return PACKAGE_KIND_LABELS[kind]


def _views(packages: list[ProcurementPackage]) -> list[dict[str, Any]]:
    paid = service.paid_ids(packages)
    return [
        {
            "package": p,
            "planned": rules.planned_total(p.planned),
            "over": rules.over_planned(p.awarded_fen, p.planned),
            "fixed": rules.is_fixed(p.has_supplier, p.id in paid),
        }
        for p in packages
    ]


@bp.get("/cycles/<int:cycle_id>/packages")
def public(cycle_id: int) -> ResponseReturnValue:
    cycle = find_cycle(cycle_id)
    if cycle is None:
        abort(404)
    return render_template(
        "packages/public.html",
        cycle=cycle,
        packages=_views(service.packages_of(cycle)),
        **LABELS,
    )


# --- the committee --------------------------------------------------------------------------


def _package_or_404(community: Community, package_id: int) -> ProcurementPackage:
    """A package of a cycle the community takes part in, else 404."""
    package = service.find_package(package_id)
    if package is None or community.id not in package.cycle.community_ids:
        abort(404)
    return package


def _prefix(package: ProcurementPackage) -> str:
    return f"pkg{package.id}"


def _project_choices(form: AddProjectForm, cycle: Cycle, packed: set[int]) -> None:
    form.project.choices = [
        (str(r.id), r.proposal.display_title)
        for r in service.funded_records(cycle)
        if r.id not in packed
    ]


def _organization_choices(form: SupplierForm, cycle: Cycle) -> None:
    form.organization.choices = [("", _("None: a company named below"))] + [
        (str(o.id), o.name) for o in service.organizations_for(cycle)
    ]


def _forms_for(
    package: ProcurementPackage, cycle: Cycle, packed: set[int], refused: dict[str, Any]
) -> dict[str, Any]:
    prefix = _prefix(package)
    details = refused.get(f"details{package.id}") or PackageForm(
        formdata=None, prefix=prefix, obj=package
    )
    if f"details{package.id}" not in refused:
        details.method.data = package.method.value if package.method else ""
        details.kind.data = package.kind.value
    add = refused.get(f"add{package.id}") or AddProjectForm(formdata=None, prefix=prefix)
    _project_choices(add, cycle, packed)
    supplier = refused.get(f"supplier{package.id}")
    if supplier is None:
        supplier = SupplierForm(formdata=None, prefix=prefix)
        supplier.organization.data = str(package.organization_id or "")
        supplier.company.data = package.supplier_name
        if package.awarded_fen is not None:
            supplier.amount.data = format_yuan(package.awarded_fen)
    _organization_choices(supplier, cycle)
    return {"details": details, "add": add, "supplier": supplier}


def manage_page(
    community: Community,
    cycle: Cycle,
    status: int = 200,
    *,
    create_form: PackageForm | None = None,
    **refused: Any,
) -> ResponseReturnValue:
    """The committee's page of a cycle's packages; ``refused`` holds a form sent back, by its
    name and package (``supplier12``)."""
    packages = service.packages_of(cycle)
    packed = {i.implementation_id for p in packages for i in p.items}
    views = _views(packages)
    for view in views:
        view["forms"] = _forms_for(view["package"], cycle, packed, refused)
    records = service.funded_records(cycle)
    return render_template(
        "packages/manage.html",
        community=community,
        cycle=cycle,
        packages=views,
        create_form=create_form or PackageForm(formdata=None),
        can_change=can_manage(current_user, cycle) and cycle.phase(now()) is Phase.IMPLEMENTATION,
        unpacked=[r for r in records if r.id not in packed],
        funded_count=len(records),
        **LABELS,
    ), status


def _to_manage(community: Community, cycle_id: int, anchor: str | None = None) -> Any:
    return redirect(
        url_for("packages.manage", slug=community.slug, cycle_id=cycle_id, _anchor=anchor)
    )


def _refuse_form(form: Any) -> None:
    for name, errors in form.errors.items():
        for error in errors if isinstance(errors, list) else []:
            flash(f"{getattr(form, name).label.text}: {error}", "error")


@bp.get("/c/<slug>/committee/cycles/<int:cycle_id>/packages")
@committee_required(Action.MANAGE_CYCLES)
def manage(community: Community, cycle_id: int) -> ResponseReturnValue:
    return manage_page(community, community_cycle_or_404(community, cycle_id))


@bp.post("/c/<slug>/committee/cycles/<int:cycle_id>/packages")
@committee_required(Action.MANAGE_CYCLES)
def create(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    form = PackageForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return manage_page(community, cycle, 422, create_form=form)
    try:
        package = service.create_package(
            current_user, cycle, name=form.name.data or "", kind=form.kind.data or "",
            method=form.method.data or None, note=form.note.data or "", now=now(),
        )  # fmt: skip
    except ServiceError as error:
        flash_error(error)
        return manage_page(community, cycle, 422, create_form=form)
    flash(_("The package “%(name)s” has been created.", name=package.name), "success")
    return _to_manage(community, cycle.id, f"package-{package.id}")


@bp.post("/c/<slug>/committee/packages/<int:package_id>")
@committee_required(Action.MANAGE_CYCLES)
def update(community: Community, package_id: int) -> ResponseReturnValue:
    package = _package_or_404(community, package_id)
    cycle = package.cycle
    form = PackageForm(prefix=_prefix(package))
    if not form.validate_on_submit():
        _refuse_form(form)
        return manage_page(community, cycle, 422, **{f"details{package.id}": form})
    try:
        service.update_package(
            current_user, package, name=form.name.data or "", kind=form.kind.data or "",
            method=form.method.data or None, note=form.note.data or "", now=now(),
        )  # fmt: skip
    except ServiceError as error:
        flash_error(error)
        return manage_page(community, cycle, 422, **{f"details{package.id}": form})
    flash(_("The package has been saved."), "success")
    return _to_manage(community, cycle.id, f"package-{package.id}")


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@bp.post("/c/<slug>/committee/packages/<int:package_id>/projects")
@committee_required(Action.MANAGE_CYCLES)
def add_project(community: Community, package_id: int) -> ResponseReturnValue:
    package = _package_or_404(community, package_id)
    cycle = package.cycle
    form = AddProjectForm(prefix=_prefix(package))
    if not form.validate_on_submit():
        _refuse_form(form)
        return manage_page(community, cycle, 422, **{f"add{package.id}": form})
    record_id = _int_or_none(form.project.data)
    try:
        service.add_project(current_user, package, record_id or 0, now=now())
    except ServiceError as error:
        flash_error(error)
        return manage_page(community, cycle, 422, **{f"add{package.id}": form})
    flash(_("The project has been added to the package."), "success")
    return _to_manage(community, cycle.id, f"package-{package.id}")


@bp.post("/c/<slug>/committee/packages/<int:package_id>/projects/<int:implementation_id>/remove")
@committee_required(Action.MANAGE_CYCLES)
def remove_project(community: Community, package_id: int, implementation_id: int) -> Any:
    package = _package_or_404(community, package_id)
    cycle_id = package.cycle_id
    try:
        service.remove_project(current_user, package, implementation_id, now=now())
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash_error(error)
    else:
        flash(_("The project has been taken out of the package."), "success")
    return _to_manage(community, cycle_id, f"package-{package_id}")


@bp.post("/c/<slug>/committee/packages/<int:package_id>/supplier")
@committee_required(Action.MANAGE_CYCLES)
def supplier(community: Community, package_id: int) -> ResponseReturnValue:
    package = _package_or_404(community, package_id)
    cycle = package.cycle
    form = SupplierForm(prefix=_prefix(package))
    _organization_choices(form, cycle)
    if not form.validate_on_submit():
        _refuse_form(form)
        return manage_page(community, cycle, 422, **{f"supplier{package.id}": form})
    raw_org = (form.organization.data or "").strip()
    organization_id = _int_or_none(raw_org)
    if raw_org and organization_id is None:
        organization_id = -1  # not a number: refused as an unknown organization
    try:
        service.set_supplier(
            current_user, package, organization_id=organization_id,
            supplier_name=form.company.data or "", amount_fen=form.amount.fen, now=now(),
        )  # fmt: skip
    except ServiceError as error:
        flash_error(error)
        return manage_page(community, cycle, 422, **{f"supplier{package.id}": form})
    if package.has_supplier:
        flash(_("The supplier and the awarded amount have been saved."), "success")
    else:
        flash(_("The supplier has been cleared."), "success")
    return _to_manage(community, cycle.id, f"package-{package.id}")


@bp.post("/c/<slug>/committee/packages/<int:package_id>/delete")
@committee_required(Action.MANAGE_CYCLES)
def delete(community: Community, package_id: int) -> ResponseReturnValue:
    package = _package_or_404(community, package_id)
    cycle_id = package.cycle_id
    try:
        service.delete_package(current_user, package, now=now())
    except ServiceError as error:
        flash_error(error)
        return _to_manage(community, cycle_id, f"package-{package_id}")
    flash(_("The package has been deleted."), "success")
    return _to_manage(community, cycle_id)
