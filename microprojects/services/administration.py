"""What the city administrator's pages read: the figures on the front page, the accounts found
by a search, the organizations, and the whole audit log, a page at a time. Read only: the
administrator's changes are the use cases of ``accounts`` and ``places``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AuditEntry,
    CommitteeMembership,
    Community,
    Organization,
    Residency,
    ResidencyStatus,
    User,
)
from .rows import contains_pattern

PAGE_SIZE = 50

T = TypeVar("T")


@dataclass(frozen=True)
class Totals:
    users: int
    verified: int
    pending: int
    communities: int
    organizations: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    has_next: bool


def _count(statement: Select[tuple[int]]) -> int:
    return db.session.scalar(statement) or 0


def count_totals() -> Totals:
    return Totals(
        users=_count(select(func.count()).select_from(User).where(User.deleted_at.is_(None))),
        verified=_count(
            select(func.count())
            .select_from(Residency)
            .filter_by(status=ResidencyStatus.VERIFIED.value)
        ),
        pending=_count(
            select(func.count())
            .select_from(Residency)
            .filter_by(status=ResidencyStatus.PENDING.value)
        ),
        communities=_count(select(func.count()).select_from(Community)),
        organizations=_count(select(func.count()).select_from(Organization)),
    )


def search_users(text: str, page: int) -> Page[User]:
    """Accounts not deleted whose username, name or phone number holds ``text`` (all of them
    when it is empty), by id, with their committee seats and residency."""
    query = select(User).where(User.deleted_at.is_(None))
    if text:
        pattern = contains_pattern(text)
        query = query.where(
            or_(
                User.username.like(pattern, escape="\\"),
                User.display_name.like(pattern, escape="\\"),
                User.phone.like(pattern, escape="\\"),
            )
        )
    # One row more than a page says whether there is a next one.
    rows = db.session.scalars(
        query.order_by(User.id)
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .options(
            selectinload(User.committee_memberships).selectinload(CommitteeMembership.community),
            selectinload(User.residency).selectinload(Residency.community),
        )
    ).all()
    return Page(list(rows[:PAGE_SIZE]), page, len(rows) > PAGE_SIZE)


def list_organizations() -> list[Organization]:
    """Every organization by name, with its members and community."""
    return list(
        db.session.scalars(
            select(Organization)
            .order_by(Organization.name)
            .options(selectinload(Organization.members), selectinload(Organization.community))
        )
    )


def read_audit_page(page: int) -> Page[AuditEntry]:
    """The audit log, the latest first, with who acted."""
    entries = db.session.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .options(selectinload(AuditEntry.actor))
    ).all()
    return Page(list(entries[:PAGE_SIZE]), page, len(entries) > PAGE_SIZE)
