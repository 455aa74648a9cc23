"""The service menu's rules: the status transitions, the cost of an order, a full offer, the
libraries' scope."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.offers import (
    PRICE_MAX_FEN,
    TRANSITIONS,
    OfferAction,
    OfferProblem,
    OfferStatus,
    allowed_actions,
    capacity_left,
    cost_fen,
    in_scope,
    is_full,
    next_status,
    offer_problem,
)

statuses = st.sampled_from(list(OfferStatus))
actions = st.sampled_from(list(OfferAction))


@given(statuses, actions)
def test_members_write_and_withdraw_the_administrator_vets(status, action):
    member = allowed_actions(status, is_member=True, is_admin=False)
    admin = allowed_actions(status, is_member=False, is_admin=True)
    assert not member & {OfferAction.APPROVE, OfferAction.REFUSE}
    assert not admin & {OfferAction.EDIT, OfferAction.SUBMIT, OfferAction.WITHDRAW}
    assert allowed_actions(status, is_member=False, is_admin=False) == frozenset()
    assert (action in member | admin) == (next_status(status, action) is not None)


def test_only_a_pending_offer_is_vetted_and_an_edit_sends_it_back():
    for status in OfferStatus:
        vetted = next_status(status, OfferAction.APPROVE)
        assert (vetted is not None) == (status is OfferStatus.PENDING)
    assert next_status(OfferStatus.APPROVED, OfferAction.EDIT) is OfferStatus.PENDING
    assert next_status(OfferStatus.REFUSED, OfferAction.EDIT) is OfferStatus.PENDING
    assert next_status(OfferStatus.DRAFT, OfferAction.EDIT) is OfferStatus.DRAFT
    # Only vetting puts an offer on the menu.
    assert {after for (_, a), after in TRANSITIONS.items() if after is OfferStatus.APPROVED} == {
        OfferStatus.APPROVED
    }
    assert [a for (_, a), after in TRANSITIONS.items() if after is OfferStatus.APPROVED] == [
        OfferAction.APPROVE
    ]


@given(st.integers(1, PRICE_MAX_FEN), st.integers(1, 1000))
def test_the_cost_is_the_price_times_the_quantity(price, quantity):
    assert cost_fen(price, quantity) == price * quantity
    assert cost_fen(price, quantity + 1) - cost_fen(price, quantity) == price


@given(st.integers(-5, 0), st.integers(-5, 0))
def test_no_cost_without_a_price_and_a_quantity(price, quantity):
    with pytest.raises(ValueError):
        cost_fen(price, 1)
    with pytest.raises(ValueError):
        cost_fen(100, quantity)


@given(st.integers(1, 50), st.integers(0, 60))
def test_an_offer_is_full_once_its_projects_in_hand_reach_its_capacity(capacity, in_hand):
    left = capacity_left(capacity, in_hand)
    assert 0 <= left <= capacity
    assert is_full(capacity, in_hand) == (in_hand >= capacity)
    assert left == max(0, capacity - in_hand)


@given(st.one_of(st.none(), st.integers(1, 9)), st.integers(1, 9))
def test_a_city_offer_serves_every_community_a_street_offer_its_street(offer_street, street):
    assert in_scope(offer_street, street) == (offer_street is None or offer_street == street)


def test_what_an_offer_needs():
    good = {"title": "长者理发", "description": "上门理发", "unit": "次", "price_fen": 3000,
            "capacity": 2}  # fmt: skip
    assert offer_problem(**good) is None
    assert offer_problem(**{**good, "price_fen": 0}) is OfferProblem.PRICE_RANGE
    assert offer_problem(**{**good, "price_fen": -1}) is OfferProblem.PRICE_RANGE
    assert offer_problem(**{**good, "price_fen": PRICE_MAX_FEN + 1}) is OfferProblem.PRICE_RANGE
    assert offer_problem(**{**good, "capacity": 0}) is OfferProblem.CAPACITY_RANGE
    assert offer_problem(**{**good, "title": ""}) is OfferProblem.TITLE_REQUIRED
    assert offer_problem(**{**good, "unit": ""}) is OfferProblem.UNIT_REQUIRED
    assert offer_problem(**{**good, "title": "长" * 81}) is OfferProblem.TOO_LONG
