"""Accounts and the roles they hold: committee memberships, organizations, the admin flag."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow
from .places import Community

if TYPE_CHECKING:
    from .grid_work import GridAssignment
    from .residency import Residency


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


# The login name of an account whose owner chose none and logs in by phone. No chosen username
# can begin so (one begins with a letter), and it is never shown as anyone's name.
DERIVED_LOGIN_PREFIX = "~"


def derived_login() -> str:
    return DERIVED_LOGIN_PREFIX + secrets.token_hex(6)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        # A deleted account keeps its row (so records that point to it stay whole) but no login.
        CheckConstraint(
            "deleted_at IS NULL OR (phone IS NULL AND password_hash = '!')", name="deleted_scrubbed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))  # optional: notices by e-mail
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the login cookie: changing it (new password, reset, deletion) ends every session.
    session_token: Mapped[str] = mapped_column(String(40), default=new_session_token)
    locale: Mapped[str | None] = mapped_column(String(10))
    # 长辈模式: larger text and targets, high contrast, simpler pages, on every device.
    elder_mode: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    committee_memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    organization_membership: Mapped[OrganizationMember | None] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    residency: Mapped[Residency | None] = relationship(
        back_populates="user", foreign_keys="Residency.user_id"
    )
    # The grids the account works in as a grid worker now (ended assignments are history).
    live_grid_assignments: Mapped[list[GridAssignment]] = relationship(
        primaryjoin="and_(User.id == GridAssignment.user_id, GridAssignment.ended_at.is_(None))",
        viewonly=True,
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def chose_login(self) -> bool:
        """Whether the username is one the person chose, rather than one made for an account
        that logs in by phone."""
        return not self.username.startswith(DERIVED_LOGIN_PREFIX)

    @property
    def login_label(self) -> str:
        """What the person logs in with, as staff should see it: the login name they chose, or
        their phone number (a made-up login is never shown)."""
        if self.chose_login or not self.phone:
            return self.username
        return self.phone

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class CommitteeMembership(Model):
    """A seat on one community's committee (居务协商会 / 社区两委)."""

    __tablename__ = "committee_memberships"
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="committee_memberships")
    community: Mapped[Community] = relationship()


class Organization(Model):
    """A registered social organization (社会组织 / 公益社团) that may propose projects."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    registration_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship()
    members: Mapped[list[OrganizationMember]] = relationship(back_populates="organization")


class OrganizationMember(Model):
    """An account that speaks for an organization; an account speaks for one at most."""

    __tablename__ = "organization_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="organization_membership")
    organization: Mapped[Organization] = relationship(back_populates="members")
