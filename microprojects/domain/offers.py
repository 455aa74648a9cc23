"""The service menu (服务菜单 / 点单): what registered organizations offer to deliver, vetted by
the administrator before residents and committees may propose from it.

An offer is written as a draft, submitted for vetting (pending), then approved or refused with a
public reason; its organization may withdraw it. Editing an approved or refused offer sends it
back for vetting; a withdrawn offer edited is a draft again. A proposal made from an offer costs
the offer's price times the quantity ordered; an offer is full while as many of its projects as
its capacity are funded and not yet accepted.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from enum import StrEnum

TITLE_MAX = 80
DESCRIPTION_MAX = 5000
UNIT_MAX = 10
REASON_MAX = 1000
# One offer's price: at most 1,000,000 yuan, in fen.
PRICE_MAX_FEN = 100_000_000
CAPACITY_MAX = 1000
QUANTITY_MAX = 1000
MAX_PHOTOS = 4

# The units organizations usually price by; another may be typed.
UNIT_SUGGESTIONS = ("次", "场", "期", "个", "课时", "户", "人")


class OfferStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # submitted, waiting for the administrator's vetting
    APPROVED = "approved"  # on the public menu
    REFUSED = "refused"  # with the administrator's public reason
    WITHDRAWN = "withdrawn"  # by its organization


class OfferAction(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REFUSE = "refuse"


# (status, action) -> the status after it. What is not listed may not be done.
TRANSITIONS: dict[tuple[OfferStatus, OfferAction], OfferStatus] = {
    (OfferStatus.DRAFT, OfferAction.EDIT): OfferStatus.DRAFT,
    (OfferStatus.PENDING, OfferAction.EDIT): OfferStatus.PENDING,
    # What was vetted is no longer what is offered: it is vetted again.
    (OfferStatus.APPROVED, OfferAction.EDIT): OfferStatus.PENDING,
    (OfferStatus.REFUSED, OfferAction.EDIT): OfferStatus.PENDING,
    (OfferStatus.WITHDRAWN, OfferAction.EDIT): OfferStatus.DRAFT,
    (OfferStatus.DRAFT, OfferAction.SUBMIT): OfferStatus.PENDING,
    (OfferStatus.WITHDRAWN, OfferAction.SUBMIT): OfferStatus.PENDING,
    (OfferStatus.REFUSED, OfferAction.SUBMIT): OfferStatus.PENDING,
    (OfferStatus.DRAFT, OfferAction.WITHDRAW): OfferStatus.WITHDRAWN,
    (OfferStatus.PENDING, OfferAction.WITHDRAW): OfferStatus.WITHDRAWN,
    (OfferStatus.APPROVED, OfferAction.WITHDRAW): OfferStatus.WITHDRAWN,
    (OfferStatus.REFUSED, OfferAction.WITHDRAW): OfferStatus.WITHDRAWN,
    (OfferStatus.PENDING, OfferAction.APPROVE): OfferStatus.APPROVED,
    (OfferStatus.PENDING, OfferAction.REFUSE): OfferStatus.REFUSED,
}

# Who does what: the organization's members write and withdraw, the administrator vets.
MEMBER_ACTIONS = frozenset({OfferAction.EDIT, OfferAction.SUBMIT, OfferAction.WITHDRAW})
VETTING_ACTIONS = frozenset({OfferAction.APPROVE, OfferAction.REFUSE})


def next_status(status: OfferStatus, action: OfferAction) -> OfferStatus | None:
    """The status after ``action`` (None: it may not be done in ``status``)."""
    return TRANSITIONS.get((status, action))


def allowed_actions(
    status: OfferStatus, *, is_member: bool, is_admin: bool
) -> frozenset[OfferAction]:
    """What the viewer may do to an offer in ``status``: the buttons shown and what the server
    accepts."""
    mine = (MEMBER_ACTIONS if is_member else frozenset()) | (
        VETTING_ACTIONS if is_admin else frozenset()
    )
    return frozenset(a for a in mine if next_status(status, a) is not None)


def cost_fen(price_fen: int, quantity: int) -> int:
    """What a proposal ordering ``quantity`` units at ``price_fen`` costs (按服务菜单报价)."""
    if price_fen <= 0 or quantity < 1:
        raise ValueError("a price above zero and a quantity of at least one")
    return price_fen * quantity


def capacity_left(capacity: int, in_hand: int) -> int:
    """How many more projects the organization can take on at once from this offer: its
    capacity less its funded projects not yet accepted."""
    return max(0, capacity - in_hand)


def is_full(capacity: int, in_hand: int) -> bool:
    return capacity_left(capacity, in_hand) == 0


def in_scope(offer_street_id: int | None, community_street_id: int) -> bool:
    """A city offer serves every community; a street offer only the communities of that
    street."""
    return offer_street_id is None or offer_street_id == community_street_id


class OfferProblem(StrEnum):
    TITLE_REQUIRED = "offer_title_required"
    DESCRIPTION_REQUIRED = "offer_description_required"
    UNIT_REQUIRED = "offer_unit_required"
    PRICE_RANGE = "offer_price_range"
    CAPACITY_RANGE = "offer_capacity_range"
    TOO_LONG = "too_long"


def offer_problem(
    *, title: str, description: str, unit: str, price_fen: int, capacity: int
) -> OfferProblem | None:
    """Why an offer with these fields may not be kept (None: it may)."""
    if not title:
        return OfferProblem.TITLE_REQUIRED
    if not description:
        return OfferProblem.DESCRIPTION_REQUIRED
    if not unit:
        return OfferProblem.UNIT_REQUIRED
    if len(title) > TITLE_MAX or len(description) > DESCRIPTION_MAX or len(unit) > UNIT_MAX:
        return OfferProblem.TOO_LONG
    if not 0 < price_fen <= PRICE_MAX_FEN:
        return OfferProblem.PRICE_RANGE
    if not 0 < capacity <= CAPACITY_MAX:
        return OfferProblem.CAPACITY_RANGE
    return None
