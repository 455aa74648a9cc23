"""Procurement packages (采购包): a cycle's funded projects bundled for buying, each package from
one supplier. The database keeps a project in one package at most, and in a package of its own
cycle: an item carries the cycle, tied by composite foreign keys to both the package and the
project's implementation record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.packages import Kind, Method
from .accounts import Organization, User
from .base import Model, enum_check, enum_type, utcnow
from .cycles import Cycle
from .implementation import Implementation


class ProcurementPackage(Model):
    __tablename__ = "procurement_packages"
    __table_args__ = (
        UniqueConstraint("cycle_id", "name", name="uq_procurement_packages_name"),
        # The target of the items' (package, cycle) key.
        Index("uq_procurement_packages_id_cycle", "id", "cycle_id", unique=True),
        CheckConstraint(enum_check("kind", Kind), name="kind_known"),
        CheckConstraint("method IS NULL OR " + enum_check("method", Method), name="method_known"),
        CheckConstraint("length(name) > 0", name="has_name"),
        # One supplier: a registered organization or a company named as typed, not both.
        CheckConstraint(
            "organization_id IS NULL OR length(supplier_name) = 0", name="one_supplier"
        ),
        # The amount is awarded to a supplier: both or neither.
        CheckConstraint(
            "(awarded_fen IS NULL) = (organization_id IS NULL AND length(supplier_name) = 0)",
            name="amount_with_supplier",
        ),
        CheckConstraint("awarded_fen IS NULL OR awarded_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[Kind] = mapped_column(enum_type(Kind, 12))
    method: Mapped[Method | None] = mapped_column(enum_type(Method, 16))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    supplier_name: Mapped[str] = mapped_column(String(120), default="")
    awarded_fen: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cycle: Mapped[Cycle] = relationship()
    organization: Mapped[Organization | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[PackageItem]] = relationship(
        back_populates="package", order_by="PackageItem.id"
    )

    @property
    def supplier(self) -> str:
        """The supplier's name as shown, or "" while there is none."""
        if self.organization is not None:
            return self.organization.name
        return self.supplier_name

    @property
    def has_supplier(self) -> bool:
        return self.organization_id is not None or bool(self.supplier_name)

    @property
    def planned(self) -> list[int]:
        return [item.implementation.planned_fen for item in self.items]


class PackageItem(Model):
    """A funded project in a package: at most one package per project, of the same cycle."""

    __tablename__ = "package_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["package_id", "cycle_id"],
            ["procurement_packages.id", "procurement_packages.cycle_id"],
            name="fk_package_items_package_cycle",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["implementation_id", "cycle_id"],
            ["implementations.id", "implementations.cycle_id"],
            name="fk_package_items_implementation_cycle",
            ondelete="RESTRICT",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(index=True)
    cycle_id: Mapped[int]
    implementation_id: Mapped[int] = mapped_column(unique=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    package: Mapped[ProcurementPackage] = relationship(
        back_populates="items", foreign_keys=[package_id]
    )
    implementation: Mapped[Implementation] = relationship(foreign_keys=[implementation_id])
