"""Delivery contracts (合同) of funded projects: the committee of the project's community records
the contract with its supplier and amends it until it is fully paid; payments against it are the
project's spending entries (see ``implementation.add_spending``); the supplier's organization
sees its contracts and reports progress, which the committee approves (then it is public and
followers are told) or returns with a reason.

Each change is one transaction with its audit row. Rows that two requests could change at once
are held (a no-op UPDATE, which also takes SQLite's write lock) and read again before deciding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain.characters import clean_line, clean_text
from ..domain.contracts import (
    Payments,
    UpdateReview,
    amendment_problem,
    approved_progress,
    contract_problem,
    payments,
)
from ..domain.implementation import Status
from ..domain.money import format_yuan
from ..extensions import db
from ..models import (
    DeliveryContract,
    Implementation,
    Organization,
    OrganizationMember,
    ProgressUpdate,
    Proposal,
    Spending,
    User,
)
from . import audit
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError
from .implementation import MAX_TEXT, attach_photos, audience, contract_paid, find_of_community
from .notifications import notify
from .proposals import upload_dir
from .rows import rows_changed

MAX_NUMBER = 60
MAX_COMPANY = 120
MAX_REASON = 300


@dataclass(frozen=True)
class ContractTerms:
    """What the committee types: the supplier is a registered organization (its id) or a
    company named in words, exactly one of them."""

    organization_id: int | None
    company_name: str
    number: str
    amount_fen: int
    signed_on: date
    starts_on: date
    ends_on: date
    deliverables: str


# --- reading ----------------------------------------------------------------------------------


def contract_of(record: Implementation) -> DeliveryContract | None:
    return db.session.scalar(
        select(DeliveryContract)
        .where(DeliveryContract.implementation_id == record.id)
        .options(selectinload(DeliveryContract.organization))
    )


def summary(contract: DeliveryContract) -> Payments:
    return payments(contract.amount_fen, contract_paid(contract.id))


def contract_payments(contract: DeliveryContract) -> list[Spending]:
    return list(
        db.session.scalars(
            select(Spending)
            .where(Spending.contract_id == contract.id)
            .order_by(Spending.spent_on, Spending.id)
        )
    )


def organizations() -> list[Organization]:
    """The registered organizations a contract may name as its supplier."""
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def pending_updates(record: Implementation) -> list[ProgressUpdate]:
    """The supplier's updates waiting for the committee, oldest first."""
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .where(
                ProgressUpdate.implementation_id == record.id,
                ProgressUpdate.review_status == UpdateReview.PENDING,
            )
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
            .options(selectinload(ProgressUpdate.photos))
        )
    )


def find_contract(contract_id: int, community_id: int) -> DeliveryContract | None:
    """A contract of one of the community's projects (None: none such there)."""
    return find_of_community(DeliveryContract, contract_id, community_id)


def find_update(update_id: int, community_id: int) -> ProgressUpdate | None:
    """A progress update of one of the community's projects (None: none such there)."""
    return find_of_community(ProgressUpdate, update_id, community_id)


def find_own_contract(user: User, contract_id: int) -> DeliveryContract | None:
    """A contract whose supplier is ``user``'s organization (None: none such)."""
    membership = user.organization_membership
    found = db.session.get(DeliveryContract, contract_id)
    if found is None or membership is None or found.organization_id != membership.organization_id:
        return None
    return found


@dataclass(frozen=True)
class SupplierContract:
    """One contract as its supplier sees it: the project, the money, the payments received and
    the updates it posted (each with its review)."""

    contract: DeliveryContract
    proposal: Proposal
    record: Implementation
    money: Payments
    payments: list[Spending]
    updates: list[ProgressUpdate]

    @property
    def open(self) -> bool:
        return Status(self.record.status) is not Status.ACCEPTED


def supplier_contracts(user: User) -> list[SupplierContract]:
    """The contracts of ``user``'s organization, latest first (none when it has no
    organization)."""
    membership = user.organization_membership
    if membership is None:
        return []
    found = db.session.scalars(
        select(DeliveryContract)
        .where(DeliveryContract.organization_id == membership.organization_id)
        .order_by(DeliveryContract.signed_on.desc(), DeliveryContract.id.desc())
    )
    views = []
    for contract in found:
        record = contract.implementation
        updates = list(
            db.session.scalars(
                select(ProgressUpdate)
                .where(
                    ProgressUpdate.implementation_id == record.id,
                    ProgressUpdate.organization_id == membership.organization_id,
                )
                .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
                .options(selectinload(ProgressUpdate.photos))
            )
        )
        views.append(
            SupplierContract(
                contract=contract,
                proposal=record.proposal,
                record=record,
                money=summary(contract),
                payments=contract_payments(contract),
                updates=updates,
            )
        )
    return views


# --- the committee: the contract --------------------------------------------------------------


def may_see_update(user: User | None, posted: ProgressUpdate) -> bool:
    """Whether ``user`` may see a supplier's update that is not public (waiting or returned):
    the committee that reviews it and the members of the organization that posted it."""
    if user is None or not user.is_authenticated:
        return False
    proposal = posted.implementation.proposal
    if can_manage(user, proposal.cycle):
        return True
    membership = user.organization_membership
    return membership is not None and membership.organization_id == posted.organization_id


def _require_committee(actor: User, proposal: Proposal) -> None:
    if not can_manage(actor, proposal.cycle):
        raise PermissionDenied()


def _clean_terms(terms: ContractTerms, planned: int, paid: int) -> ContractTerms:
    company = clean_line(terms.company_name)
    if (terms.organization_id is None) == (not company):
        raise ServiceError(ErrorCode.CONTRACT_SUPPLIER_ONE)
    if (
        terms.organization_id is not None
        and db.session.get(Organization, terms.organization_id) is None
    ):
        raise ServiceError(ErrorCode.CONTRACT_ORGANIZATION_UNKNOWN)
    number = clean_line(terms.number)
    deliverables = clean_text(terms.deliverables)
    if not clean_line(deliverables):  # nothing visible
        raise ServiceError(ErrorCode.REQUIRED)
    if len(company) > MAX_COMPANY or len(number) > MAX_NUMBER or len(deliverables) > MAX_TEXT:
        raise ServiceError(ErrorCode.TOO_LONG)
    problem = contract_problem(terms.amount_fen, planned, terms.starts_on, terms.ends_on, paid=paid)
    if problem is not None:
        raise ServiceError(
            ErrorCode(problem.value), amount=format_yuan(max(terms.amount_fen, 0)),
            planned=format_yuan(planned), paid=format_yuan(paid),
        )  # fmt: skip
    return ContractTerms(
        organization_id=terms.organization_id, company_name=company, number=number,
        amount_fen=terms.amount_fen, signed_on=terms.signed_on, starts_on=terms.starts_on,
        ends_on=terms.ends_on, deliverables=deliverables,
    )  # fmt: skip


def _apply(contract: DeliveryContract, terms: ContractTerms) -> None:
    contract.organization_id = terms.organization_id
    contract.company_name = terms.company_name if terms.organization_id is None else None
    contract.number = terms.number
    contract.amount_fen = terms.amount_fen
    contract.signed_on = terms.signed_on
    contract.starts_on = terms.starts_on
    contract.ends_on = terms.ends_on
    contract.deliverables = terms.deliverables


def _show_supplier(record: Implementation, contract: DeliveryContract) -> None:
    """The record's contractor names the contract's supplier (the text typed before the
    contract stays in the audit log)."""
    db.session.flush()
    db.session.refresh(contract, ["organization"])
    record.contractor = contract.supplier[:120]


def record_contract(
    actor: User, record: Implementation, terms: ContractTerms, *, now: datetime
) -> DeliveryContract:
    """The project's one delivery contract, recorded while the project is open."""
    proposal = record.proposal
    _require_committee(actor, proposal)
    if Status(record.status) is Status.ACCEPTED:
        raise ServiceError(ErrorCode.PROJECT_CLOSED)
    if contract_of(record) is not None:
        raise ServiceError(ErrorCode.CONTRACT_EXISTS)
    clean = _clean_terms(terms, record.planned_fen, 0)
    contract = DeliveryContract(
        implementation_id=record.id, created_by_id=actor.id, created_at=now, updated_at=now
    )
    _apply(contract, clean)
    db.session.add(contract)
    before = {"contractor": record.contractor}
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # recorded by someone else at the same moment
        raise ServiceError(ErrorCode.CONTRACT_EXISTS) from None
    _show_supplier(record, contract)
    record.updated_at = now
    audit.record(
        actor, "contract.record", "proposal", proposal.id, community_id=proposal.community_id,
        before=before, after={"contract": contract.id, **contract.terms()}, now=now,
    )  # fmt: skip
    db.session.commit()
    return contract


def _hold(contract: DeliveryContract) -> None:
    """Hold the contract's row and read it as it is (payments and amendments one at a time)."""
    rows_changed(
        update(DeliveryContract)
        .where(DeliveryContract.id == contract.id)
        .values(amount_fen=DeliveryContract.amount_fen)
    )
    db.session.refresh(contract)


def amend_contract(
    actor: User, contract: DeliveryContract, terms: ContractTerms, *, now: datetime
) -> None:
    """Change the contract's terms while the project is open and the contract is not fully
    paid; its amount never drops below what has been paid."""
    record = contract.implementation
    proposal = record.proposal
    _require_committee(actor, proposal)
    _hold(contract)
    paid = contract_paid(contract.id)
    problem = amendment_problem(Status(record.status), contract.amount_fen, paid)
    if problem is not None:
        raise ServiceError(ErrorCode(problem.value))
    clean = _clean_terms(terms, record.planned_fen, paid)
    before = contract.terms()
    _apply(contract, clean)
    after = contract.terms()
    if before == after:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    contract.updated_at = now
    _show_supplier(record, contract)
    record.updated_at = now
    audit.record(
        actor, "contract.amend", "proposal", proposal.id, community_id=proposal.community_id,
        before=before, after={"contract": contract.id, **after}, now=now,
    )  # fmt: skip
    db.session.commit()


# --- the supplier's updates -------------------------------------------------------------------


def post_supplier_update(
    actor: User,
    contract: DeliveryContract,
    *,
    body: str,
    progress_pct: int,
    photos: Sequence[tuple[str, bytes]] = (),
    now: datetime,
) -> ProgressUpdate:
    """A progress report of the contract's supplier, by a member of its organization: it waits
    for the committee's approval, shown to nobody else and told to no follower until then."""
    membership = actor.organization_membership
    if membership is None or membership.organization_id != contract.organization_id:
        raise PermissionDenied()
    record = contract.implementation
    if Status(record.status) is Status.ACCEPTED:
        raise ServiceError(ErrorCode.PROJECT_CLOSED)
    body = clean_text(body)
    if not clean_line(body):  # nothing visible
        raise ServiceError(ErrorCode.REQUIRED)
    if len(body) > MAX_TEXT:
        raise ServiceError(ErrorCode.TOO_LONG)
    if not 0 <= progress_pct <= 100:
        raise ServiceError(ErrorCode.PROGRESS_RANGE)
    kept: list[str] = []
    try:
        posted = ProgressUpdate(
            implementation_id=record.id, body=body, status=Status(record.status).value,
            progress_pct=progress_pct, created_at=now, author_id=actor.id,
            review_status=UpdateReview.PENDING, organization_id=membership.organization_id,
        )  # fmt: skip
        attach_photos(posted, photos, kept)
        db.session.add(posted)
        db.session.flush()
        audit.record(
            actor, "contract.update_posted", "proposal", record.proposal_id,
            community_id=record.proposal.community_id,
            after={"update": posted.id, "progress_pct": progress_pct, "photos": len(kept)},
            now=now,
        )  # fmt: skip
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in kept:
            (upload_dir() / name).unlink(missing_ok=True)
        raise
    return posted


def _hold_update(posted: ProgressUpdate) -> None:
    rows_changed(
        update(ProgressUpdate)
        .where(ProgressUpdate.id == posted.id)
        .values(review_status=ProgressUpdate.review_status)
    )
    db.session.refresh(posted)


def _review(actor: User, posted: ProgressUpdate) -> Implementation:
    record = posted.implementation
    _require_committee(actor, record.proposal)
    _hold_update(posted)
    if posted.review_status != UpdateReview.PENDING:
        raise ServiceError(ErrorCode.CONTRACT_UPDATE_NOT_PENDING)
    db.session.refresh(record)
    if Status(record.status) is Status.ACCEPTED:
        raise ServiceError(ErrorCode.PROJECT_CLOSED)
    return record


def approve_update(actor: User, posted: ProgressUpdate, *, now: datetime) -> None:
    """Publish a supplier's update: it moves the project's progress, and followers are told as
    they are of the committee's updates. Approved twice at once, it is published once."""
    record = _review(actor, posted)
    before = {"status": record.status, "progress_pct": record.progress_pct}
    status, pct = approved_progress(Status(record.status), record.progress_pct, posted.progress_pct)
    record.status = status
    record.progress_pct = pct
    record.updated_at = now
    posted.status = status.value
    posted.progress_pct = pct
    posted.review_status = UpdateReview.PUBLISHED
    posted.reviewed_by_id = actor.id
    posted.reviewed_at = now
    audit.record(
        actor, "contract.update_approved", "proposal", record.proposal_id,
        community_id=record.proposal.community_id, before=before,
        after={"update": posted.id, "status": status.value, "progress_pct": pct}, now=now,
    )  # fmt: skip
    notify(
        audience(record.proposal, exclude=actor), "progress", record.proposal,
        {"status": status.value, "progress": pct}, now=now,
    )  # fmt: skip
    _tell_supplier(posted, "supplier_update_approved", {}, now=now)
    db.session.commit()


def return_update(actor: User, posted: ProgressUpdate, *, reason: str, now: datetime) -> None:
    """Send a supplier's update back with a reason its organization sees; nothing is
    published."""
    record = _review(actor, posted)
    reason = clean_line(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if len(reason) > MAX_REASON:
        raise ServiceError(ErrorCode.TOO_LONG)
    posted.review_status = UpdateReview.RETURNED
    posted.return_reason = reason
    posted.reviewed_by_id = actor.id
    posted.reviewed_at = now
    audit.record(
        actor, "contract.update_returned", "proposal", record.proposal_id,
        community_id=record.proposal.community_id,
        after={"update": posted.id, "reason": reason}, now=now,
    )  # fmt: skip
    _tell_supplier(posted, "supplier_update_returned", {"reason": reason}, now=now)
    db.session.commit()


def _tell_supplier(
    posted: ProgressUpdate, kind: str, params: dict[str, str], *, now: datetime
) -> None:
    """The members of the organization that posted ``posted`` are told what became of it."""
    if posted.organization_id is None:
        return
    members = db.session.scalars(
        select(OrganizationMember.user_id).where(
            OrganizationMember.organization_id == posted.organization_id
        )
    ).all()
    proposal = posted.implementation.proposal
    notify(list(members), kind, proposal, params, now=now)
