"""Procurement packages (采购包): the committee that runs a cycle bundles its funded projects into
packages, each bought from one supplier, and names the supplier and the awarded amount; anyone
sees a cycle's packages and, on a project's page, the package it is bought in.

The rules are ``domain/packages.py``'s. Who may: the committee of the cycle's community, or for
a street's cycle whoever runs it (``cycles.can_manage``), while the cycle is in implementation.
Each change is one transaction with its audit row. The database keeps a project in one package
at most and in a package of its own cycle; two adds of one project at once make one, the other
refused with the package's name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain import packages as rules
from ..domain.characters import clean_line
from ..domain.money import format_yuan
from ..domain.packages import AwardProblem, Kind, Method
from ..domain.phases import Phase
from ..extensions import db
from ..models import (
    Cycle,
    Implementation,
    Organization,
    PackageItem,
    ProcurementPackage,
    Spending,
    User,
)
from . import audit
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError


def _loaded() -> tuple[object, ...]:
    return (
        selectinload(ProcurementPackage.items)
        .selectinload(PackageItem.implementation)
        .selectinload(Implementation.proposal),
        selectinload(ProcurementPackage.organization),
    )


def packages_of(cycle: Cycle) -> list[ProcurementPackage]:
    """The cycle's packages in the order they were made, with their projects."""
    return list(
        db.session.scalars(
            select(ProcurementPackage)
            .where(ProcurementPackage.cycle_id == cycle.id)
            .order_by(ProcurementPackage.id)
            .options(*_loaded())  # type: ignore[arg-type]
        )
    )


def find_package(package_id: int) -> ProcurementPackage | None:
    return db.session.get(ProcurementPackage, package_id)


def package_of(record: Implementation | None) -> ProcurementPackage | None:
    """The package a funded project is bought in, if any."""
    if record is None:
        return None
    return db.session.scalar(
        select(ProcurementPackage)
        .join(PackageItem, PackageItem.package_id == ProcurementPackage.id)
        .where(PackageItem.implementation_id == record.id)
    )


def funded_records(cycle: Cycle) -> list[Implementation]:
    """The cycle's funded projects that have an implementation record: what packages hold."""
    return list(
        db.session.scalars(
            select(Implementation)
            .where(Implementation.cycle_id == cycle.id)
            .order_by(Implementation.id)
            .options(selectinload(Implementation.proposal))
        )
    )


def organizations_for(cycle: Cycle) -> list[Organization]:
    """The registered organizations a package of ``cycle`` may be bought from: every one the
    administrator registered, wherever it is based (the service menu's offers are city-wide too;
    a delivery contract takes any of them alike)."""
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def is_paid(package: ProcurementPackage) -> bool:
    """Whether money was paid on one of the package's projects."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Spending.implementation_id == PackageItem.implementation_id,
                    PackageItem.package_id == package.id,
                )
            )
        )
    )


def is_fixed(package: ProcurementPackage) -> bool:
    return rules.is_fixed(package.has_supplier, is_paid(package))


def paid_ids(packages: list[ProcurementPackage]) -> set[int]:
    """Of ``packages``, those with money paid on one of their projects (one query for a page)."""
    if not packages:
        return set()
    return set(
        db.session.scalars(
            select(PackageItem.package_id)
            .join(Spending, Spending.implementation_id == PackageItem.implementation_id)
            .where(PackageItem.package_id.in_([p.id for p in packages]))
            .distinct()
        )
    )


def _require(actor: User, cycle: Cycle, now: datetime) -> None:
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    if cycle.phase(now) is not Phase.IMPLEMENTATION:
        raise ServiceError(ErrorCode.PACKAGE_CYCLE_NOT_IMPLEMENTING)


def _lock(package: ProcurementPackage) -> None:
    """Holds the package's row, so that changes to one package at once are made one after the
    other, each seeing the last."""
    db.session.execute(
        select(ProcurementPackage.id).where(ProcurementPackage.id == package.id).with_for_update()
    )
    db.session.refresh(package)
    db.session.expire(package, ["items"])


def _clean_name(name: str) -> str:
    cleaned = clean_line(name)
    if not cleaned:
        raise ServiceError(ErrorCode.REQUIRED)
    if len(cleaned) > rules.MAX_NAME:
        raise ServiceError(ErrorCode.TOO_LONG)
    return cleaned


def _clean_note(note: str) -> str:
    cleaned = clean_line(note)
    if len(cleaned) > rules.MAX_NOTE:
        raise ServiceError(ErrorCode.TOO_LONG)
    return cleaned


def _kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise ServiceError(ErrorCode.PACKAGE_KIND_UNKNOWN) from None


def _method(method: str | None) -> Method | None:
    if not method:
        return None
    try:
        return Method(method)
    except ValueError:
        raise ServiceError(ErrorCode.PACKAGE_METHOD_UNKNOWN) from None


def _name_free(cycle: Cycle, name: str, but: int | None = None) -> None:
    taken = db.session.scalar(
        select(ProcurementPackage.id).where(
            ProcurementPackage.cycle_id == cycle.id,
            ProcurementPackage.name == name,
            ProcurementPackage.id != (but or 0),
        )
    )
    if taken is not None:
        raise ServiceError(ErrorCode.PACKAGE_NAME_TAKEN)


def _flush_name(error_code: ErrorCode) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(error_code) from None


def create_package(
    actor: User,
    cycle: Cycle,
    *,
    name: str,
    kind: str,
    method: str | None = None,
    note: str = "",
    now: datetime,
) -> ProcurementPackage:
    """A new, empty package of ``cycle``, with no supplier yet."""
    _require(actor, cycle, now)
    name = _clean_name(name)
    chosen_kind, chosen_method, note = _kind(kind), _method(method), _clean_note(note)
    _name_free(cycle, name)
    package = ProcurementPackage(
        cycle_id=cycle.id, name=name, kind=chosen_kind, method=chosen_method, note=note,
        supplier_name="", created_at=now, created_by_id=actor.id,
    )  # fmt: skip
    db.session.add(package)
    _flush_name(ErrorCode.PACKAGE_NAME_TAKEN)
    audit.record(
        actor, "package.create", "package", package.id, community_id=cycle.community_id,
        after={"cycle": cycle.id, "name": name, "kind": chosen_kind.value,
               "method": chosen_method.value if chosen_method else None},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return package


def update_package(
    actor: User,
    package: ProcurementPackage,
    *,
    name: str,
    kind: str,
    method: str | None,
    note: str,
    now: datetime,
) -> ProcurementPackage:
    """Rename the package, or correct its kind, method or note."""
    cycle = package.cycle
    _require(actor, cycle, now)
    name = _clean_name(name)
    chosen_kind, chosen_method, note = _kind(kind), _method(method), _clean_note(note)
    _lock(package)
    _name_free(cycle, name, but=package.id)
    before = {
        "name": package.name, "kind": package.kind.value,
        "method": package.method.value if package.method else None, "note": package.note,
    }  # fmt: skip
    package.name, package.kind, package.method, package.note = (
        name,
        chosen_kind,
        chosen_method,
        note,
    )
    _flush_name(ErrorCode.PACKAGE_NAME_TAKEN)
    audit.record(
        actor, "package.update", "package", package.id, community_id=cycle.community_id,
        before=before,
        after={"name": name, "kind": chosen_kind.value,
               "method": chosen_method.value if chosen_method else None, "note": note},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return package


def _taken_by(implementation_id: int) -> str:
    name = db.session.scalar(
        select(ProcurementPackage.name)
        .join(PackageItem, PackageItem.package_id == ProcurementPackage.id)
        .where(PackageItem.implementation_id == implementation_id)
    )
    return name or ""


def add_project(
    actor: User, package: ProcurementPackage, implementation_id: int, *, now: datetime
) -> PackageItem:
    """Put one of the cycle's funded projects into the package. A project already in a package
    is refused with that package's name."""
    cycle = package.cycle
    _require(actor, cycle, now)
    record = db.session.get(Implementation, implementation_id)
    if record is None or record.cycle_id != cycle.id:
        raise ServiceError(ErrorCode.PACKAGE_PROJECT_NOT_FUNDED)
    _lock(package)
    if is_fixed(package):
        raise ServiceError(ErrorCode.PACKAGE_FIXED)
    taken = _taken_by(record.id)
    if taken:
        raise ServiceError(ErrorCode.PACKAGE_PROJECT_TAKEN, name=taken)
    item = PackageItem(
        package_id=package.id, cycle_id=cycle.id, implementation_id=record.id, added_at=now,
        added_by_id=actor.id,
    )  # fmt: skip
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:
        # The same project added to a package at the same moment: the other add stands.
        db.session.rollback()
        raise ServiceError(ErrorCode.PACKAGE_PROJECT_TAKEN, name=_taken_by(record.id)) from None
    audit.record(
        actor, "package.add", "package", package.id, community_id=cycle.community_id,
        after={"implementation": record.id, "proposal": record.proposal_id,
               "planned_fen": record.planned_fen},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return item


def remove_project(
    actor: User, package: ProcurementPackage, implementation_id: int, *, now: datetime
) -> None:
    """Take a project out of the package, unless the package is fixed or its awarded amount
    would no longer be covered by the projects that remain."""
    cycle = package.cycle
    _require(actor, cycle, now)
    _lock(package)
    item = next((i for i in package.items if i.implementation_id == implementation_id), None)
    if item is None:
        raise ServiceError(ErrorCode.NOT_FOUND)
    if is_fixed(package):
        raise ServiceError(ErrorCode.PACKAGE_FIXED)
    remaining = [i.implementation.planned_fen for i in package.items if i is not item]
    if not rules.may_remove(package.awarded_fen, remaining):
        raise ServiceError(
            ErrorCode.PACKAGE_REMOVAL_UNCOVERS,
            planned=format_yuan(rules.planned_total(remaining)),
            amount=format_yuan(package.awarded_fen or 0),
        )
    proposal_id = item.implementation.proposal_id
    db.session.delete(item)
    audit.record(
        actor, "package.remove", "package", package.id, community_id=cycle.community_id,
        before={"implementation": implementation_id, "proposal": proposal_id}, now=now,
    )  # fmt: skip
    db.session.commit()


def set_supplier(
    actor: User,
    package: ProcurementPackage,
    *,
    organization_id: int | None,
    supplier_name: str,
    amount_fen: int | None,
    now: datetime,
) -> ProcurementPackage:
    """Name the package's supplier (a registered organization, or a company by name) with the
    awarded amount; with neither, the supplier is cleared. Refused once the package is fixed."""
    cycle = package.cycle
    _require(actor, cycle, now)
    name = clean_line(supplier_name)
    if len(name) > rules.MAX_SUPPLIER:
        raise ServiceError(ErrorCode.TOO_LONG)
    if organization_id is not None and name:
        raise ServiceError(ErrorCode.PACKAGE_ONE_SUPPLIER)
    if organization_id is not None and organization_id not in {
        o.id for o in organizations_for(cycle)
    }:
        raise ServiceError(ErrorCode.PACKAGE_SUPPLIER_UNKNOWN)
    clearing = organization_id is None and not name
    if clearing and amount_fen is not None:
        raise ServiceError(ErrorCode.PACKAGE_AMOUNT_REQUIRED)
    _lock(package)
    if is_fixed(package):
        raise ServiceError(ErrorCode.PACKAGE_FIXED)
    if not clearing:
        planned = package.planned
        if not planned:
            raise ServiceError(ErrorCode.PACKAGE_NO_PROJECTS)
        problem = rules.award_problem(amount_fen or 0, planned)
        if amount_fen is None or problem is AwardProblem.NOT_POSITIVE:
            raise ServiceError(ErrorCode.PACKAGE_AMOUNT_REQUIRED)
        if problem is AwardProblem.OVER_PLANNED:
            raise ServiceError(
                ErrorCode.PACKAGE_AMOUNT_OVER,
                amount=format_yuan(amount_fen),
                planned=format_yuan(rules.planned_total(planned)),
            )
    before = {
        "organization": package.organization_id, "supplier": package.supplier,
        "awarded_fen": package.awarded_fen,
    }  # fmt: skip
    package.organization_id = organization_id
    package.supplier_name = name
    package.awarded_fen = None if clearing else amount_fen
    db.session.flush()
    db.session.refresh(package, ["organization"])
    audit.record(
        actor, "package.supplier", "package", package.id, community_id=cycle.community_id,
        before=before,
        after={"organization": organization_id, "supplier": package.supplier,
               "awarded_fen": package.awarded_fen},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return package


def delete_package(actor: User, package: ProcurementPackage, *, now: datetime) -> None:
    """Delete an empty package (an empty package has no supplier, so it is never fixed)."""
    cycle = package.cycle
    _require(actor, cycle, now)
    _lock(package)
    if package.items:
        raise ServiceError(ErrorCode.PACKAGE_NOT_EMPTY)
    before = {"name": package.name, "kind": package.kind.value, "supplier": package.supplier}
    package_id = package.id
    db.session.delete(package)
    try:
        db.session.flush()
    except IntegrityError:
        # A project added at the same moment.
        db.session.rollback()
        raise ServiceError(ErrorCode.PACKAGE_NOT_EMPTY) from None
    audit.record(
        actor, "package.delete", "package", package_id, community_id=cycle.community_id,
        before=before, now=now,
    )  # fmt: skip
    db.session.commit()
