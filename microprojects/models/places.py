"""The places of a city: district (区) > street (街道) > community (社区) > grid (网格)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model


class District(Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    city: Mapped[str] = mapped_column(String(60), default="")

    streets: Mapped[list[Street]] = relationship(
        back_populates="district", order_by="Street.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<District {self.name}>"


class Street(Model):
    __tablename__ = "streets"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(60))

    district: Mapped[District] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(
        back_populates="street", order_by="Community.name"
    )


class Community(Model):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(60))
    # Stable, readable part of URLs: /c/heping-nan/...
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    committee_name: Mapped[str] = mapped_column(String(80), default="居务协商会")

    street: Mapped[Street] = relationship(back_populates="communities")
    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")

    @property
    def full_name(self) -> str:
        return f"{self.street.district.name} {self.street.name} {self.name}"

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


class Grid(Model):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(60))

    community: Mapped[Community] = relationship(back_populates="grids")
