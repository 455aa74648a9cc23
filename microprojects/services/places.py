"""Places: the district > street > community > grid tree, and what the pages about places read
(the directory of communities, a community's page, the choices of a select box). The command
line acts without an account (``actor=None``: the operator setting the city up); the web, as an
administrator."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ..domain.characters import clean_line
from ..domain.permissions import Action
from ..extensions import db
from ..models import (
    Community,
    Cycle,
    District,
    Grid,
    Residency,
    ResidencyStatus,
    Street,
    User,
    utcnow,
)
from . import audit
from .accounts import require
from .errors import ErrorCode, ServiceError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}$")


def ensure_community(
    *,
    city: str,
    district: str,
    street: str,
    community: str,
    slug: str,
    grids: Iterable[str] = (),
    actor: User | None = None,
) -> Community:
    """The community, created with whatever of its parents is missing; grids added by name."""
    if actor is not None:
        require(actor, Action.MANAGE_PLACES)
    district, street, community = (clean_line(v) for v in (district, street, community))
    slug = slug.strip()
    if not (district and street and community):
        raise ServiceError(ErrorCode.REQUIRED, field="name")
    if not SLUG_RE.match(slug):
        raise ServiceError(ErrorCode.SLUG_INVALID)
    district_row = db.session.scalar(select(District).filter_by(name=district))
    if district_row is None:
        district_row = District(name=district, city=city)
        db.session.add(district_row)
        db.session.flush()
    street_row = db.session.scalar(
        select(Street).filter_by(district_id=district_row.id, name=street)
    )
    if street_row is None:
        street_row = Street(district_id=district_row.id, name=street)
        db.session.add(street_row)
        db.session.flush()
    place = db.session.scalar(select(Community).filter_by(slug=slug))
    if place is None:
        named = db.session.scalar(
            select(Community.slug).filter_by(street_id=street_row.id, name=community)
        )
        if named is not None:
            db.session.rollback()
            raise ServiceError(ErrorCode.COMMUNITY_EXISTS, slug=named)
        place = Community(street_id=street_row.id, name=community, slug=slug)
        db.session.add(place)
        db.session.flush()
    elif place.street_id != street_row.id or place.name != community:
        raise ServiceError(ErrorCode.SLUG_TAKEN)
    existing = {g.name for g in place.grids}
    added = []
    for name in map(clean_line, grids):
        if name and name not in existing:
            db.session.add(Grid(community_id=place.id, name=name))
            existing.add(name)
            added.append(name)
    audit.record(
        actor,
        "place.community",
        "community",
        place.id,
        community_id=place.id,
        after={"district": district, "street": street, "community": community, "slug": slug,
               "grids_added": added},
        now=utcnow(),
    )  # fmt: skip
    db.session.commit()
    db.session.refresh(place)
    return place


@dataclass(frozen=True)
class Directory:
    """Every district with its streets and communities, and how many verified residents each
    community has (a community with none is absent)."""

    districts: list[District]
    verified: dict[int, int]


@dataclass(frozen=True)
class CommunityPage:
    community: Community
    verified: int
    cycles: list[Cycle]


def read_directory() -> Directory:
    districts = db.session.scalars(
        select(District)
        .options(selectinload(District.streets).selectinload(Street.communities))
        .order_by(District.name)
    ).all()
    rows = db.session.execute(
        select(Residency.community_id, func.count())
        .where(Residency.status == ResidencyStatus.VERIFIED.value)
        .group_by(Residency.community_id)
    )
    return Directory(list(districts), {community_id: count for community_id, count in rows})


def read_community_page(community: Community) -> CommunityPage:
    """A community's cycles, its own and its street's, the latest first."""
    cycles = db.session.scalars(
        select(Cycle)
        .where(or_(Cycle.community_id == community.id, Cycle.street_id == community.street_id))
        .order_by(Cycle.collecting_at.desc())
    ).all()
    verified = db.session.scalar(
        select(func.count())
        .select_from(Residency)
        .where(
            Residency.community_id == community.id,
            Residency.status == ResidencyStatus.VERIFIED.value,
        )
    )
    return CommunityPage(community, verified or 0, list(cycles))


def read_place_tree() -> list[District]:
    """The whole tree down to the grids, for the administrator's page of places."""
    return list(
        db.session.scalars(
            select(District)
            .order_by(District.name)
            .options(
                selectinload(District.streets)
                .selectinload(Street.communities)
                .selectinload(Community.grids)
            )
        )
    )


def list_communities() -> list[Community]:
    """Every community with its street, in the order of the street's name then its own."""
    return list(
        db.session.scalars(
            select(Community)
            .join(Street)
            .options(contains_eager(Community.street))
            .order_by(Street.name, Community.name)
        )
    )


def find_community(slug: str) -> Community | None:
    return db.session.scalar(select(Community).where(Community.slug == slug))


def get_community(community_id: int | None) -> Community | None:
    if community_id is None:
        return None
    return db.session.get(Community, community_id)
