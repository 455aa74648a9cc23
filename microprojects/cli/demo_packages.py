"""The demo's procurement packages (采购包) in 海达社区's cycle in implementation: its lighting
works bought as an engineering package from 美兰区市政工程队, and its meal service for elders
in a services package bought from 阳光助老服务中心 (which the contract then names); the children's
summer class is in no package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain.phases import Phase
from ..extensions import db
from ..models import Cycle, Implementation, Organization, User
from ..services import packages, places


def load_packages(now: datetime, say: Callable[[str], None]) -> int:
    haida = places.find_community("haida")
    assert haida is not None
    cycle = next(
        c
        for c in db.session.scalars(select(Cycle).where(Cycle.community_id == haida.id))
        if c.phase(now) is Phase.IMPLEMENTATION
    )
    chair = db.session.get(User, cycle.created_by_id)
    assert chair is not None
    records = {
        r.proposal.title: r
        for r in db.session.scalars(
            select(Implementation).where(Implementation.cycle_id == cycle.id)
        )
    }
    lights, meals = records["楼道安装声控灯"], records["独居老人助餐服务"]
    # Put together in the first days of implementation, once the records were opened.
    when = cycle.implementation_at + timedelta(days=2)
    works = packages.create_package(
        chair, cycle, name="海达社区楼道照明工程包", kind="engineering", method="inquiry",
        note="三家施工单位报价，选最低价。", now=when,
    )  # fmt: skip
    packages.add_project(chair, works, lights.id, now=when)
    packages.set_supplier(
        chair, works, organization_id=None, supplier_name=lights.contractor,
        amount_fen=lights.planned_fen * 96 // 100, now=when + timedelta(days=1),
    )  # fmt: skip
    service = packages.create_package(
        chair, cycle, name="海达社区长者助餐服务包", kind="services", method="consultation",
        note="", now=when,
    )  # fmt: skip
    packages.add_project(chair, service, meals.id, now=when)
    elders = db.session.scalar(select(Organization).filter_by(name="海口市美兰区阳光助老服务中心"))
    assert elders is not None
    packages.set_supplier(
        chair, service, organization_id=elders.id, supplier_name="",
        amount_fen=meals.planned_fen * 9 // 10, now=when + timedelta(days=1),
    )  # fmt: skip
    say(
        f"packages: {cycle.title}, an engineering package bought from {lights.contractor}, "
        "a services package bought from 阳光助老服务中心"
    )
    return 2
