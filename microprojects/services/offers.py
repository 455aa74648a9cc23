"""The service menu (服务菜单 / 点单): a registered organization's members write offers of
services and submit them for vetting; the administrator approves them or refuses them with a
public reason; residents and committees propose from an approved offer while a cycle of their
community collects proposals, through the proposal service's own paths (``create_proposal``,
``enter_on_behalf``) with a link to the offer.

Each use case is one transaction with its audit row; the organization's members are told of the
administrator's decision (``notifications.notify``). An offer's record of delivery is derived
from the proposals made from it and for its organization: funded at the count, accepted (验收),
rated. Imports no web module."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..domain.acceptance import Answer, satisfaction
from ..domain.characters import clean_line, clean_text
from ..domain.cycles import DEFAULT_CATEGORIES, ProjectType
from ..domain.lifecycle import ProposalState
from ..domain.offers import (
    MAX_PHOTOS,
    QUANTITY_MAX,
    REASON_MAX,
    OfferAction,
    OfferStatus,
    allowed_actions,
    capacity_left,
    cost_fen,
    in_scope,
    is_full,
    next_status,
    offer_problem,
)
from ..domain.permissions import Action, can
from ..domain.phases import Phase
from ..extensions import db
from ..models import (
    Community,
    Count,
    CountOutcome,
    Cycle,
    Implementation,
    OfferPhoto,
    Organization,
    PaperSurvey,
    Proposal,
    Rating,
    ServiceOffer,
    Street,
    User,
)
from . import audit
from .accounts import actor_for
from .cycles import list_community_cycles, participation_problem
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .photos import CleanPhoto, PhotoError, clean_photo
from .proposals import ProposalInput, create_proposal, enter_on_behalf, upload_dir
from .rows import rows_changed

CATEGORIES = DEFAULT_CATEGORIES


@dataclass(frozen=True)
class OfferInput:
    title: str
    description: str
    price_fen: int
    unit: str
    project_type: ProjectType
    category: str
    capacity: int
    street_id: int | None = None  # None: the city's library, every community


# --- who may do what ----------------------------------------------------------------------------


def organization_of(user: User | None) -> Organization | None:
    if user is None or not user.is_authenticated:
        return None
    membership = user.organization_membership
    return membership.organization if membership is not None else None


def is_member(user: User | None, offer: ServiceOffer) -> bool:
    org = organization_of(user)
    return org is not None and org.id == offer.organization_id


def is_admin(user: User | None) -> bool:
    return can(actor_for(user), Action.ADMINISTER)


def actions_for(user: User | None, offer: ServiceOffer) -> frozenset[OfferAction]:
    return allowed_actions(offer.status, is_member=is_member(user, offer), is_admin=is_admin(user))


def can_view(user: User | None, offer: ServiceOffer) -> bool:
    """The menu shows approved offers; the others are their organization's and the
    administrator's."""
    return offer.status is OfferStatus.APPROVED or is_member(user, offer) or is_admin(user)


def _lock(offer: ServiceOffer) -> None:
    """Hold the offer's row and read it as it is: two decisions (or an edit and a decision) at
    once go one after the other, the second on the state the first left."""
    rows_changed(
        update(ServiceOffer)
        .where(ServiceOffer.id == offer.id)
        .values(updated_at=ServiceOffer.updated_at)
    )
    db.session.refresh(offer)


def _require(user: User, offer: ServiceOffer, action: OfferAction) -> OfferStatus:
    if action in (OfferAction.EDIT, OfferAction.SUBMIT, OfferAction.WITHDRAW):
        if not is_member(user, offer):
            raise PermissionDenied()
    elif not is_admin(user):
        raise PermissionDenied()
    after = next_status(offer.status, action)
    if after is None:
        if action in (OfferAction.APPROVE, OfferAction.REFUSE):
            raise ServiceError(ErrorCode.OFFER_ALREADY_DECIDED)
        raise ServiceError(
            ErrorCode.OFFER_ACTION_NOT_ALLOWED, action=action.value, status=offer.status.value
        )
    return after


# --- writing an offer ---------------------------------------------------------------------------


def _values(data: OfferInput) -> dict[str, object]:
    title = clean_line(data.title)
    description = clean_text(data.description)
    unit = clean_line(data.unit)
    problem = offer_problem(
        title=title,
        description=clean_line(description) and description,
        unit=unit,
        price_fen=data.price_fen,
        capacity=data.capacity,
    )
    if problem is not None:
        raise ServiceError(ErrorCode(problem.value))
    if data.category not in CATEGORIES:
        raise ServiceError(ErrorCode.OFFER_UNKNOWN_CATEGORY)
    if data.street_id is not None and db.session.get(Street, data.street_id) is None:
        raise ServiceError(ErrorCode.OFFER_UNKNOWN_STREET)
    return {
        "title": title,
        "description": description,
        "price_fen": data.price_fen,
        "unit": unit,
        "project_type": ProjectType(data.project_type),
        "category": data.category,
        "capacity": data.capacity,
        "scope": "city" if data.street_id is None else "street",
        "street_id": data.street_id,
    }


def _keep_photo(data: bytes) -> tuple[str, CleanPhoto]:
    """Checked, stripped and re-encoded as a proposal's photo is; refused the same way."""
    try:
        photo = clean_photo(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    except PhotoError as error:
        raise ServiceError(ErrorCode(f"photo_{error.code}"), **error.params) from None
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    (upload_dir() / name).write_bytes(photo.content)
    return name, photo


def _add_photos(offer: ServiceOffer, photos: Iterable[bytes], now: datetime) -> list[str]:
    """Keep each photo; the names kept, for removal if the transaction fails."""
    kept: list[str] = []
    try:
        for data in photos:
            if len(offer.photos) >= MAX_PHOTOS:
                raise ServiceError(ErrorCode.OFFER_TOO_MANY_PHOTOS, max=MAX_PHOTOS)
            name, photo = _keep_photo(data)
            kept.append(name)
            offer.photos.append(
                OfferPhoto(
                    filename=name,
                    mime=photo.mime,
                    width=photo.width,
                    height=photo.height,
                    size=len(photo.content),
                    position=len(offer.photos),
                    created_at=now,
                )
            )
    except BaseException:
        _forget(kept)
        raise
    return kept


def _forget(names: Iterable[str]) -> None:
    for name in names:
        (upload_dir() / name).unlink(missing_ok=True)


def _commit(kept: list[str]) -> None:
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _forget(kept)
        raise


def create_offer(
    user: User, data: OfferInput, *, photos: Iterable[bytes] = (), now: datetime
) -> ServiceOffer:
    """A member of a registered organization writes an offer; it is a draft until submitted."""
    org = organization_of(user)
    if org is None:
        raise ServiceError(ErrorCode.OFFER_NOT_MEMBER)
    offer = ServiceOffer(
        organization_id=org.id,
        status=OfferStatus.DRAFT,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
        **_values(data),
    )
    kept = _add_photos(offer, photos, now)  # before the offer is in the session: a refused
    db.session.add(offer)  # photo leaves nothing to flush
    try:
        db.session.flush()
        after = {**offer.snapshot(), "photos": len(kept)}
        audit.record(user, "offer.create", "offer", offer.id, after=after, now=now)
    except BaseException:
        db.session.rollback()
        _forget(kept)
        raise
    _commit(kept)
    return offer


def update_offer(
    user: User, offer: ServiceOffer, data: OfferInput, *, photos: Iterable[bytes] = (),
    now: datetime,
) -> None:  # fmt: skip
    """Change what an offer says. An approved or refused offer goes back for vetting; the
    proposals already made from it keep what they were made with."""
    _lock(offer)
    after = _require(user, offer, OfferAction.EDIT)
    before = offer.snapshot()
    for key, value in _values(data).items():
        setattr(offer, key, value)
    try:
        kept = _add_photos(offer, photos, now)
    except BaseException:
        db.session.rollback()
        raise
    if after is OfferStatus.PENDING and offer.status is not OfferStatus.PENDING:
        offer.submitted_at = now
    offer.status = after
    offer.updated_at = now
    audit.record(
        user, "offer.edit", "offer", offer.id, before=before,
        after={**offer.snapshot(), "photos_added": len(kept)}, now=now,
    )  # fmt: skip
    _commit(kept)


def _move(user: User, offer: ServiceOffer, action: OfferAction, now: datetime) -> None:
    _lock(offer)
    after = _require(user, offer, action)
    before = offer.snapshot()
    offer.status = after
    offer.updated_at = now
    if after is OfferStatus.PENDING:
        offer.submitted_at = now
    audit.record(
        user, f"offer.{action.value}", "offer", offer.id, before=before, after=offer.snapshot(),
        now=now,
    )  # fmt: skip
    db.session.commit()


def submit_offer(user: User, offer: ServiceOffer, *, now: datetime) -> None:
    """Send the offer to the administrator for vetting."""
    _move(user, offer, OfferAction.SUBMIT, now)


def withdraw_offer(user: User, offer: ServiceOffer, *, now: datetime) -> None:
    """Take the offer off the menu (or out of the queue); proposals made from it stay."""
    _move(user, offer, OfferAction.WITHDRAW, now)


def decide_offer(
    actor: User, offer: ServiceOffer, *, approve: bool, reason: str, now: datetime
) -> None:
    """The administrator's vetting of a pending offer: approved onto the menu, or refused with a
    public reason. Two decisions at once make one. The organization's members are told."""
    if not is_admin(actor):
        raise PermissionDenied()
    _lock(offer)
    action = OfferAction.APPROVE if approve else OfferAction.REFUSE
    after = _require(actor, offer, action)
    reason = clean_text(reason)
    if len(reason) > REASON_MAX:
        raise ServiceError(ErrorCode.TOO_LONG, field="reason")
    if not approve and not clean_line(reason):
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    before = offer.snapshot()
    offer.status = after
    offer.reviewed_by_id = actor.id
    offer.reviewed_at = now
    offer.updated_at = now
    if not approve:
        offer.refusal_reason = reason
    audit.record(
        actor, f"offer.{action.value}", "offer", offer.id, before=before,
        after={**offer.snapshot(), "reason": reason}, now=now,
    )  # fmt: skip
    members = [m.user_id for m in offer.organization.members]
    notify(
        members,
        "offer_approved" if approve else "offer_refused",
        None,
        {"offer": offer.id, "title": offer.title, "reason": reason},
        now=now,
    )
    db.session.commit()


# --- proposing from the menu -------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A cycle collecting now and the community a proposal of it would belong to."""

    cycle: Cycle
    community: Community
    as_committee: bool

    @property
    def key(self) -> str:
        return f"{self.cycle.id}-{self.community.id}"


def _committee_communities(user: User) -> list[Community]:
    return [
        m.community
        for m in user.committee_memberships
        if can(actor_for(user), Action.SCREEN_PROPOSALS, m.community_id)
    ]


def places_for(user: User | None, offer: ServiceOffer, now: datetime) -> list[Place]:
    """Where ``user`` may propose from ``offer`` now: the collecting cycles of their community
    as a verified resident, and of the communities on whose committee they sit, in the
    offer's scope."""
    if user is None or not user.is_authenticated:
        return []
    found: dict[str, Place] = {}
    residency = user.residency
    if residency is not None and residency.is_verified:
        community = residency.community
        for cycle in list_community_cycles(community):
            if (
                cycle.phase(now) is Phase.COLLECTING
                and participation_problem(user, cycle, now) is None
            ):
                place = Place(cycle, community, as_committee=False)
                found[place.key] = place
    for community in _committee_communities(user):
        for cycle in list_community_cycles(community):
            if cycle.phase(now) is Phase.COLLECTING:
                place = Place(cycle, community, as_committee=True)
                found.setdefault(place.key, place)
    return [p for p in found.values() if in_scope(offer.street_id, p.community.street_id)]


def propose_problem(user: User | None, offer: ServiceOffer, now: datetime) -> ErrorCode | None:
    """Why ``user`` cannot propose from ``offer`` now (None: they can), in the order a person
    would want to hear it."""
    if offer.status is not OfferStatus.APPROVED:
        return ErrorCode.OFFER_NOT_APPROVED
    if user is None or not user.is_authenticated:
        return ErrorCode.OFFER_CANNOT_PROPOSE
    residency = user.residency
    mine = [residency.community] if residency is not None and residency.is_verified else []
    mine += _committee_communities(user)
    if not mine:
        return ErrorCode.OFFER_CANNOT_PROPOSE
    if not any(in_scope(offer.street_id, c.street_id) for c in mine):
        return ErrorCode.OFFER_OUT_OF_SCOPE
    if is_full(offer.capacity, in_hand(offer)):
        return ErrorCode.OFFER_FULL
    if not places_for(user, offer, now):
        return ErrorCode.OFFER_NO_COLLECTING_CYCLE
    return None


def propose_from_offer(
    user: User,
    offer: ServiceOffer,
    cycle: Cycle,
    community: Community,
    data: ProposalInput,
    *,
    quantity: int,
    on_behalf_of: str = "",
    now: datetime,
) -> Proposal:
    """A proposal of ``cycle`` for ``community`` made from an approved offer in scope: by a
    verified resident through ``create_proposal``, by a committee member through
    ``enter_on_behalf``; its cost the offer's price times ``quantity`` (按服务菜单报价), its
    type the offer's. Refused when the offer is full: as many of its projects as its capacity
    are funded and not yet accepted."""
    _lock(offer)
    if offer.status is not OfferStatus.APPROVED:
        raise ServiceError(ErrorCode.OFFER_NOT_APPROVED)
    if not in_scope(offer.street_id, community.street_id):
        raise ServiceError(ErrorCode.OFFER_OUT_OF_SCOPE)
    place = next(
        (p for p in places_for(user, offer, now) if p.key == f"{cycle.id}-{community.id}"), None
    )
    if place is None:
        if community.id not in cycle.community_ids or cycle.phase(now) is not Phase.COLLECTING:
            raise ServiceError(ErrorCode.OFFER_NO_COLLECTING_CYCLE)
        raise ServiceError(ErrorCode.OFFER_CANNOT_PROPOSE)
    if is_full(offer.capacity, in_hand(offer)):
        raise ServiceError(ErrorCode.OFFER_FULL)
    if not 1 <= quantity <= QUANTITY_MAX:
        raise ServiceError(ErrorCode.OFFER_QUANTITY_RANGE, max=QUANTITY_MAX)
    data = replace(
        data,
        project_type=ProjectType(offer.project_type),
        estimated_cost_fen=cost_fen(offer.price_fen, quantity),
    )
    link = {"offer_id": offer.id, "offer_price_fen": offer.price_fen, "offer_quantity": quantity}
    if place.as_committee:
        return enter_on_behalf(
            user, cycle, community, data, on_behalf_of=on_behalf_of, now=now, link=link
        )
    return create_proposal(user, cycle, data, submit=True, now=now, link=link)


# --- reading ----------------------------------------------------------------------------------


def find_offer(offer_id: int) -> ServiceOffer | None:
    return db.session.get(ServiceOffer, offer_id)


def find_photo(photo_id: int) -> OfferPhoto | None:
    return db.session.get(OfferPhoto, photo_id)


def offer_of(proposal: Proposal) -> ServiceOffer | None:
    return None if proposal.offer_id is None else db.session.get(ServiceOffer, proposal.offer_id)


def list_streets() -> list[Street]:
    return list(db.session.scalars(select(Street).order_by(Street.name, Street.id)))


def _funded_rows(where: object) -> list[tuple[int, int | None, int | None, object]]:
    """(proposal, offer, organization, accepted_on) of each proposal matching ``where`` that
    its cycle's latest count funded."""
    latest = (
        select(Count.cycle_id, func.max(Count.number).label("number"))
        .group_by(Count.cycle_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Proposal.id, Proposal.offer_id, Proposal.organization_id, Implementation.accepted_on)
        .join(Count, Count.cycle_id == Proposal.cycle_id)
        .join(latest, and_(latest.c.cycle_id == Count.cycle_id, latest.c.number == Count.number))
        .join(
            CountOutcome,
            and_(
                CountOutcome.count_id == Count.id,
                CountOutcome.proposal_id == Proposal.id,
                CountOutcome.funded.is_(True),
            ),
        )
        .outerjoin(Implementation, Implementation.proposal_id == Proposal.id)
        .where(where)  # type: ignore[arg-type]
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def in_hand(offer: ServiceOffer) -> int:
    """The offer's projects funded and not yet accepted: what its organization is delivering."""
    return sum(
        1 for _, _, _, accepted in _funded_rows(Proposal.offer_id == offer.id) if accepted is None
    )


@dataclass(frozen=True)
class Record:
    """An organization's record of delivery, derived: the projects from its offers and the
    proposals made for it that were funded, how many are accepted, and their satisfaction."""

    funded: int
    accepted: int
    ratings: int
    average_stars: float | None
    # Online ratings and the paper survey's answers at acceptance together, as a project's
    # page counts them (satisfied and basically satisfied of all answers); None: no answer.
    paper_answers: int = 0
    satisfaction_pct: float | None = None


def delivery_record(organization_id: int) -> Record:
    offers = select(ServiceOffer.id).where(ServiceOffer.organization_id == organization_id)
    mine = or_(Proposal.offer_id.in_(offers), Proposal.organization_id == organization_id)
    rows = _funded_rows(mine)
    ids = [r[0] for r in rows]
    stars: dict[int, int] = {}
    paper = dict.fromkeys(Answer, 0)
    if ids:
        stars = {
            int(n_stars): int(n)
            for n_stars, n in db.session.execute(
                select(Rating.stars, func.count())
                .where(Rating.proposal_id.in_(ids))
                .group_by(Rating.stars)
            )
        }
        sums = db.session.execute(
            select(
                func.sum(PaperSurvey.satisfied),
                func.sum(PaperSurvey.basically),
                func.sum(PaperSurvey.dissatisfied),
            )
            .join(Implementation, Implementation.id == PaperSurvey.implementation_id)
            .where(Implementation.proposal_id.in_(ids))
        ).one()
        paper = dict(zip(Answer, (int(n or 0) for n in sums), strict=True))
    ratings = sum(stars.values())
    average = round(sum(k * n for k, n in stars.items()) / ratings, 1) if ratings else None
    return Record(
        funded=len(rows),
        accepted=sum(1 for r in rows if r[3] is not None),
        ratings=ratings,
        average_stars=average,
        paper_answers=sum(paper.values()),
        satisfaction_pct=satisfaction(stars, paper).rate,
    )


@dataclass(frozen=True)
class MenuItem:
    offer: ServiceOffer
    left: int
    record: Record


def menu(
    *, street_id: int | None = None, city_only: bool = False, project_type: str = "",
    category: str = "",
) -> list[MenuItem]:  # fmt: skip
    """The approved offers, newest first, with the capacity each has left and its
    organization's record. ``street_id``: that street's library and the city's."""
    query = select(ServiceOffer).where(ServiceOffer.status == OfferStatus.APPROVED.value)
    if city_only:
        query = query.where(ServiceOffer.street_id.is_(None))
    elif street_id is not None:
        query = query.where(
            or_(ServiceOffer.street_id.is_(None), ServiceOffer.street_id == street_id)
        )
    if project_type:
        query = query.where(ServiceOffer.project_type == project_type)
    if category:
        query = query.where(ServiceOffer.category == category)
    offers = list(db.session.scalars(query.order_by(ServiceOffer.id.desc()).limit(200)))
    records: dict[int, Record] = {}
    items = []
    for offer in offers:
        if offer.organization_id not in records:
            records[offer.organization_id] = delivery_record(offer.organization_id)
        left = capacity_left(offer.capacity, in_hand(offer))
        items.append(MenuItem(offer, left, records[offer.organization_id]))
    return items


@dataclass(frozen=True)
class Use:
    """One proposal made from an offer, as the offer's page shows it."""

    proposal: Proposal
    on_ballot: bool
    votes: int | None
    funded: bool
    accepted: bool


ON_BALLOT = frozenset({ProposalState.APPROVED})


def uses(offer: ServiceOffer) -> list[Use]:
    """Where the offer has been proposed (drafts aside), newest first: community, cycle, state,
    whether it was put on the ballot, its votes once counted, and whether it was funded."""
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.offer_id == offer.id, Proposal.state != ProposalState.DRAFT.value)
            .order_by(Proposal.id.desc())
        )
    )
    if not proposals:
        return []
    funded = {r[0]: r[3] for r in _funded_rows(Proposal.offer_id == offer.id)}
    votes: dict[int, int] = {}
    latest = (
        select(Count.cycle_id, func.max(Count.number).label("number"))
        .group_by(Count.cycle_id)
        .subquery()
    )
    for proposal_id, score in db.session.execute(
        select(CountOutcome.proposal_id, CountOutcome.score)
        .join(Count, Count.id == CountOutcome.count_id)
        .join(latest, and_(latest.c.cycle_id == Count.cycle_id, latest.c.number == Count.number))
        .where(CountOutcome.proposal_id.in_([p.id for p in proposals]))
    ):
        votes[proposal_id] = int(score)
    return [
        Use(
            proposal=p,
            on_ballot=p.state in ON_BALLOT,
            votes=votes.get(p.id),
            funded=p.id in funded,
            accepted=funded.get(p.id) is not None,
        )
        for p in proposals
    ]


def my_offers(user: User) -> list[ServiceOffer]:
    org = organization_of(user)
    if org is None:
        return []
    return list(
        db.session.scalars(
            select(ServiceOffer)
            .where(ServiceOffer.organization_id == org.id)
            .order_by(ServiceOffer.updated_at.desc(), ServiceOffer.id.desc())
        )
    )


def review_queue(actor: User) -> list[ServiceOffer]:
    """The offers waiting for vetting, the longest waiting first."""
    if not is_admin(actor):
        raise PermissionDenied()
    return list(
        db.session.scalars(
            select(ServiceOffer)
            .where(ServiceOffer.status == OfferStatus.PENDING.value)
            .order_by(ServiceOffer.submitted_at, ServiceOffer.id)
        )
    )
