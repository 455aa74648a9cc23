"""Delivery contracts (合同) of funded projects, the payments made against them and the supplier's
progress reports, as pure code.

A contract binds one supplier to deliver a project for an amount no larger than the project's
planned budget, between a start and an end date. Once a project has a contract, every spending
entry is a payment against it, and payments together never exceed the contract's amount. The
committee may amend the contract while the project is open and the contract is not fully paid;
an amendment never lowers the amount below what has already been paid.

A progress update posted by the supplier's organization waits (*pending*) until a committee
member approves it (*published*: public, followers told) or returns it with a reason
(*returned*). The committee's own updates are published at once.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .implementation import Status


class UpdateReview(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"  # posted by the supplier, waiting for the committee
    RETURNED = "returned"  # sent back to the supplier with a reason


class ContractProblem(StrEnum):
    AMOUNT_NOT_POSITIVE = "contract_amount_not_positive"
    ABOVE_PLAN = "contract_above_plan"
    BELOW_PAID = "contract_below_paid"
    ENDS_BEFORE_START = "contract_ends_before_start"
    PAYMENT_NOT_POSITIVE = "amount_not_positive"
    OVERPAID = "contract_overpaid"
    FULLY_PAID = "contract_fully_paid"
    PROJECT_CLOSED = "project_closed"


@dataclass(frozen=True, slots=True)
class Payments:
    """A contract's amount, what has been paid against it and what remains, in fen."""

    amount: int
    paid: int
    remaining: int
    paid_pct: int  # rounded down

    @property
    def fully_paid(self) -> bool:
        return self.remaining <= 0


def payments(amount: int, paid: int) -> Payments:
    remaining = max(amount - paid, 0)
    pct = min(paid * 100 // amount, 100) if amount > 0 else 0
    return Payments(amount=amount, paid=paid, remaining=remaining, paid_pct=pct)


def contract_problem(
    amount: int, planned: int, starts_on: date, ends_on: date, *, paid: int = 0
) -> ContractProblem | None:
    """What is wrong with a contract's terms (None: nothing). ``paid``: what has already been
    paid against it, when it is amended."""
    if amount <= 0:
        return ContractProblem.AMOUNT_NOT_POSITIVE
    if amount > planned:
        return ContractProblem.ABOVE_PLAN
    if amount < paid:
        return ContractProblem.BELOW_PAID
    if ends_on < starts_on:
        return ContractProblem.ENDS_BEFORE_START
    return None


def payment_problem(amount: int, paid: int, payment: int) -> ContractProblem | None:
    """Whether ``payment`` may be paid against a contract of ``amount`` of which ``paid`` is
    paid: a positive sum that keeps the total within the amount."""
    if payment <= 0:
        return ContractProblem.PAYMENT_NOT_POSITIVE
    if paid + payment > amount:
        return ContractProblem.OVERPAID
    return None


def amendment_problem(status: Status, amount: int, paid: int) -> ContractProblem | None:
    """A contract is amended while its project is open and it is not fully paid."""
    if status is Status.ACCEPTED:
        return ContractProblem.PROJECT_CLOSED
    if paid >= amount:
        return ContractProblem.FULLY_PAID
    return None


def approved_progress(status: Status, current_pct: int, reported_pct: int) -> tuple[Status, int]:
    """The project's status and percentage once a supplier's report of ``reported_pct`` is
    approved: work not started is then in progress; work in progress takes the reported figure
    (below 100: only the committee marks work completed); completed or accepted work keeps its
    status and percentage."""
    if not 0 <= reported_pct <= 100:
        raise ValueError(f"a percentage is 0 to 100, not {reported_pct}")
    if status in (Status.COMPLETED, Status.ACCEPTED):
        return status, current_pct
    return Status.IN_PROGRESS, min(reported_pct, 99)
