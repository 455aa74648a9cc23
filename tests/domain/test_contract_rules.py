"""Delivery contracts as pure rules: the terms a contract may have, what may be paid against it,
what remains, when it may be amended, and what a supplier's approved report does to progress."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.contracts import (
    ContractProblem,
    amendment_problem,
    approved_progress,
    contract_problem,
    payment_problem,
    payments,
)
from microprojects.domain.implementation import Status

fen = st.integers(-(10**6), 10**12)
positive = st.integers(1, 10**12)
day = st.dates(date(2020, 1, 1), date(2030, 12, 31))

START = date(2026, 3, 1)


def test_an_example_contract():
    assert contract_problem(8_000_00, 10_000_00, START, START + timedelta(days=30)) is None
    assert contract_problem(0, 10_000_00, START, START) is ContractProblem.AMOUNT_NOT_POSITIVE
    assert contract_problem(-1, 10_000_00, START, START) is ContractProblem.AMOUNT_NOT_POSITIVE
    assert contract_problem(10_000_01, 10_000_00, START, START) is ContractProblem.ABOVE_PLAN
    assert (
        contract_problem(5_000_00, 10_000_00, START, START, paid=6_000_00)
        is ContractProblem.BELOW_PAID
    )
    assert (
        contract_problem(5_000_00, 10_000_00, START, START - timedelta(days=1))
        is ContractProblem.ENDS_BEFORE_START
    )


@given(amount=fen, planned=fen, paid=st.integers(0, 10**12), starts=day, ends=day)
def test_an_accepted_contract_keeps_every_bound(amount, planned, paid, starts, ends):
    if contract_problem(amount, planned, starts, ends, paid=paid) is None:
        assert 0 < amount <= planned
        assert paid <= amount
        assert starts <= ends


@given(amount=positive, payments_made=st.lists(st.integers(-5, 10**11), max_size=30))
def test_payments_accepted_one_by_one_never_exceed_the_contract(amount, payments_made):
    paid = 0
    for payment in payments_made:
        if payment_problem(amount, paid, payment) is None:
            assert payment > 0
            paid += payment
        assert paid <= amount
    money = payments(amount, paid)
    assert money.paid + money.remaining == amount
    assert 0 <= money.paid_pct <= 100
    assert money.fully_paid == (paid == amount)


@given(amount=positive, paid=st.integers(0, 10**12))
def test_exactly_the_remainder_may_be_paid(amount, paid):
    if paid > amount:
        return
    left = payments(amount, paid).remaining
    if left:
        assert payment_problem(amount, paid, left) is None
    assert payment_problem(amount, paid, left + 1) is ContractProblem.OVERPAID


@given(status=st.sampled_from(list(Status)), amount=positive, paid=st.integers(0, 10**12))
def test_amendment_while_open_and_not_fully_paid(status, amount, paid):
    problem = amendment_problem(status, amount, paid)
    if status is Status.ACCEPTED:
        assert problem is ContractProblem.PROJECT_CLOSED
    elif paid >= amount:
        assert problem is ContractProblem.FULLY_PAID
    else:
        assert problem is None


@given(
    status=st.sampled_from(list(Status)),
    current=st.integers(0, 100),
    reported=st.integers(0, 100),
)
def test_an_approved_report_never_completes_or_reopens_work(status, current, reported):
    new, pct = approved_progress(status, current, reported)
    if status in (Status.COMPLETED, Status.ACCEPTED):
        assert (new, pct) == (status, current)
    else:
        assert new is Status.IN_PROGRESS
        assert pct == min(reported, 99)


def test_a_report_is_a_percentage():
    for wrong in (-1, 101):
        with pytest.raises(ValueError):
            approved_progress(Status.IN_PROGRESS, 0, wrong)
