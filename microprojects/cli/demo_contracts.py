"""The demo's delivery contract (合同): 海达社区's project under way, its meal service for elders,
bought in a services package from the 海口市美兰区阳光助老服务中心, is delivered by it under a contract of nine tenths of its plan, with one payment made
against it; the organization reported progress twice: one update approved by 邢军 and public,
one waiting for the committee."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain.implementation import Status
from ..extensions import db
from ..models import Implementation, Organization, Proposal
from ..services import accounts, contracts, places
from ..services import implementation as impl
from .demo_proposals import _picture


def load_contracts(now: datetime, say: Callable[[str], None]) -> int:
    haida = places.find_community("haida")
    chair = accounts.find_login("xingjun")
    supplier = accounts.find_login("yangguang")
    org = db.session.scalar(select(Organization).filter_by(name="海口市美兰区阳光助老服务中心"))
    assert haida is not None and chair is not None and supplier is not None and org is not None
    record = db.session.scalar(
        select(Implementation)
        .join(Proposal, Proposal.id == Implementation.proposal_id)
        .where(Proposal.community_id == haida.id, Implementation.status == Status.IN_PROGRESS)
        .order_by(Implementation.id)
    )
    if record is None:
        return 0
    proposal = record.proposal
    signed = record.created_at + timedelta(days=3)  # after the package's award
    amount = record.planned_fen * 9 // 10
    last = record.milestones[-1].planned_on if record.milestones else None
    ends_on = last or (now + timedelta(days=20)).date()
    contract = contracts.record_contract(
        chair, record,
        contracts.ContractTerms(
            organization_id=org.id, company_name="", number=f"HD-{signed.year}-{proposal.id:03d}",
            amount_fen=amount, signed_on=signed.date(), starts_on=signed.date(), ends_on=ends_on,
            deliverables=f"按居民议定的方案完成“{proposal.title}”的全部工作，每周报告进度，"
            "完工后配合社区组织验收。",
        ),
        now=signed,
    )  # fmt: skip
    paid_at = now - timedelta(days=6)
    impl.add_spending(chair, record, amount_fen=amount * 3 // 10, spent_on=paid_at.date(),
                      note="合同进度款（第一期）", now=paid_at)  # fmt: skip
    first = contracts.post_supplier_update(
        supplier, contract, body="第一阶段已完成，材料和人员都已到位，居民反映良好。",
        progress_pct=45, photos=[("during", _picture(proposal.id + 7, proposal.title))],
        now=now - timedelta(days=5),
    )  # fmt: skip
    contracts.approve_update(chair, first, now=now - timedelta(days=4))
    contracts.post_supplier_update(
        supplier, contract, body="第二阶段进行中，预计两周内完成，届时请社区安排验收。",
        progress_pct=70, photos=[("during", _picture(proposal.id + 8, proposal.title))],
        now=now - timedelta(hours=20),
    )  # fmt: skip
    say(f"contract: {proposal.title}, delivered by {org.name}, one update waiting for approval")
    return 1
