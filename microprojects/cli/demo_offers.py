"""The demo's service menu (服务菜单): two organizations' offers, one in the city's library and
one in 和平南街道's approved, one waiting for vetting and one refused with its reason; and a
proposal 文庄社区's committee made from the street offer in its collecting cycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ..domain.cycles import ProjectType
from ..domain.phases import Phase
from ..models import Community, User
from ..services import accounts, offers, places
from ..services.cycles import list_community_cycles
from ..services.proposals import ProposalInput
from .demo_proposals import _picture

DEMO_PASSWORD = "demo-2026"  # as every demo account's (``demo.DEMO_PASSWORD``)


def load_offers(now: datetime, say: Callable[[str], None]) -> int:
    admin = accounts.find_login("admin")
    yangguang = accounts.find_login("yangguang")
    chair = accounts.find_login("chenhong")
    wenzhuang = places.find_community("wenzhuang")
    assert admin and yangguang and chair and isinstance(wenzhuang, Community)
    when = now - timedelta(days=40)
    rainbow = accounts.create_organization(
        admin, name="海口市美兰区彩虹青少年服务社", registration_no="52460108MJ0000002X",
        community=wenzhuang, now=when,
    )  # fmt: skip
    rainbow_user = accounts.register_user(
        username="caihong", password=DEMO_PASSWORD, display_name="彩虹青少年服务社",
        phone=None, now=when,
    )  # fmt: skip
    accounts.add_organization_member(admin, rainbow, rainbow_user, now=when)

    def offer(member: User, days: int, title: str, description: str, price: int, unit: str,
              category: str, capacity: int, street: bool, photo: bytes | None = None):  # fmt: skip
        data = offers.OfferInput(
            title=title, description=description, price_fen=price, unit=unit,
            project_type=ProjectType.SERVICE, category=category, capacity=capacity,
            street_id=wenzhuang.street_id if street else None,
        )  # fmt: skip
        made = offers.create_offer(member, data, photos=[photo] if photo else [],
                                   now=now - timedelta(days=days))  # fmt: skip
        offers.submit_offer(member, made, now=now - timedelta(days=days - 1))
        return made

    haircut = offer(yangguang, 30, "长者上门理发",
                    "理发师每月上门，为行动不便的 70 岁以上长者理发、修面，自带工具并消毒。",
                    30_00, "次", "养老助老", 3, street=False, photo=_picture(41, "上门理发"))  # fmt: skip
    offers.decide_offer(admin, haircut, approve=True, reason="", now=now - timedelta(days=28))
    tutoring = offer(rainbow_user, 25, "四点半课堂",
                     "放学后在社区活动室看护小学生、辅导作业，每期 8 周，每周 4 次。",
                     6_000_00, "期", "儿童青少年", 2, street=True)  # fmt: skip
    offers.decide_offer(admin, tutoring, approve=True, reason="", now=now - timedelta(days=23))
    offer(rainbow_user, 5, "青少年防溺水安全讲座", "由持证救生员讲解防溺水知识并现场演示。",
          1_500_00, "场", "安全", 4, street=False)  # fmt: skip
    meals = offer(yangguang, 12, "助餐配送", "为独居长者配送午餐。", 15_00, "份", "养老助老",
                  5, street=False)  # fmt: skip
    offers.decide_offer(admin, meals, approve=False,
                        reason="请写明配餐来源、食品经营许可和每份餐的标准。",
                        now=now - timedelta(days=10))  # fmt: skip
    cycle = next(c for c in list_community_cycles(wenzhuang) if c.phase(now) is Phase.COLLECTING)
    offers.propose_from_offer(
        chair, tutoring, cycle, wenzhuang,
        ProposalInput(title="文庄社区四点半课堂", description=tutoring.description,
                      category="儿童青少年", project_type=ProjectType.SERVICE,
                      estimated_cost_fen=0, location="文庄社区活动室"),
        quantity=2, on_behalf_of="文庄社区双职工家长", now=now - timedelta(days=2),
    )  # fmt: skip
    say("service menu: 4 offers (2 on the menu, 1 waiting, 1 refused), 1 proposal from it")
    return 4
