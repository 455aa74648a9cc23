"""Delivery contracts (合同): one per funded project's implementation, with its supplier (a
registered organization or a named company), amount, dates and deliverables. Payments against it
are the project's spending entries that name it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Organization, User
from .base import Model, utcnow
from .implementation import Implementation


class DeliveryContract(Model):
    __tablename__ = "delivery_contracts"
    __table_args__ = (
        # The supplier is exactly one of: a registered organization, a company named in words.
        CheckConstraint(
            "(organization_id IS NOT NULL AND company_name IS NULL) OR "
            "(organization_id IS NULL AND company_name IS NOT NULL AND length(company_name) > 0)",
            name="one_supplier",
        ),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("length(deliverables) > 0", name="has_deliverables"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(
        ForeignKey("implementations.id", ondelete="RESTRICT"), unique=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    company_name: Mapped[str | None] = mapped_column(String(120))
    number: Mapped[str] = mapped_column(String(60), default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[date]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    deliverables: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    implementation: Mapped[Implementation] = relationship()
    organization: Mapped[Organization | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def supplier(self) -> str:
        if self.organization is not None:
            return self.organization.name
        return self.company_name or ""

    def terms(self) -> dict[str, object]:
        """What an amendment may change, as the audit log keeps it before and after."""
        return {
            "organization_id": self.organization_id,
            "company_name": self.company_name,
            "number": self.number,
            "amount_fen": self.amount_fen,
            "signed_on": self.signed_on.isoformat(),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "deliverables": self.deliverables,
        }
