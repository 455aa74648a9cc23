"""The service menu (服务菜单): organizations' offers of services, vetted by the administrator,
and their photos. The database ties fields to states (``domain.offers``): one library scope,
a refusal with its public reason, a price and a capacity above zero."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.cycles import ProjectType
from ..domain.offers import OfferStatus
from .accounts import Organization, User
from .base import Model, enum_check, enum_type, utcnow
from .places import Street


class ServiceOffer(Model):
    __tablename__ = "service_offers"
    __table_args__ = (
        CheckConstraint(enum_check("status", OfferStatus), name="status_known"),
        CheckConstraint(enum_check("project_type", ProjectType), name="type_known"),
        # The library it is in: the city's (every community) or one street's.
        CheckConstraint("scope IN ('city', 'street')", name="scope_known"),
        CheckConstraint("(scope = 'street') = (street_id IS NOT NULL)", name="one_scope"),
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("length(title) > 0", name="has_title"),
        CheckConstraint("length(unit) > 0", name="has_unit"),
        CheckConstraint(
            "status <> 'refused' OR length(refusal_reason) > 0", name="refused_has_reason"
        ),
        CheckConstraint(
            "status NOT IN ('approved', 'refused') OR reviewed_at IS NOT NULL",
            name="decided_dated",
        ),
        CheckConstraint("status <> 'pending' OR submitted_at IS NOT NULL", name="pending_dated"),
        Index("ix_service_offers_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    scope: Mapped[str] = mapped_column(String(6), default="city")
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    price_fen: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(10))
    project_type: Mapped[ProjectType] = mapped_column(
        enum_type(ProjectType, 12), default=ProjectType.SERVICE
    )
    category: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[int] = mapped_column(default=1)
    status: Mapped[OfferStatus] = mapped_column(
        enum_type(OfferStatus, 10), default=OfferStatus.DRAFT
    )
    # The administrator's latest public reason for refusing it; kept when it is edited and sent
    # back for vetting, so that the organization sees what it answered.
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    street: Mapped[Street | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    photos: Mapped[list[OfferPhoto]] = relationship(
        back_populates="offer", order_by="OfferPhoto.position", cascade="all, delete-orphan"
    )

    def snapshot(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "title": self.title,
            "price_fen": self.price_fen,
            "unit": self.unit,
            "capacity": self.capacity,
            "scope": self.scope,
            "street_id": self.street_id,
            "project_type": self.project_type.value,
            "category": self.category,
        }


class OfferPhoto(Model):
    __tablename__ = "offer_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("service_offers.id", ondelete="CASCADE"), index=True
    )
    # A random name under the upload folder: nothing of the uploader's file name is kept.
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    offer: Mapped[ServiceOffer] = relationship(back_populates="photos")
