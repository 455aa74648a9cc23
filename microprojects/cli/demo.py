"""The demo city: 海口市美兰区, with streets, communities, grids, rosters, a committee for each
community, verified residents, waiting requests and an organization. Built through the same
services as real use, so the audit log shows how it came about.

Every demo account's password is ``DEMO_PASSWORD``.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..domain.people import Basis
from ..extensions import db
from ..models import Community, User
from ..services import accounts, places, residency
from .demo_proposals import load_cycles, proposal_count

DEMO_PASSWORD = "demo-2026"  # published in the README on purpose

CITY = "海口市"
DISTRICT = "美兰区"
# street -> [(community, slug, grids)]
PLACES: dict[str, list[tuple[str, str, list[str]]]] = {
    "和平南街道": [
        ("振兴社区", "zhenxing", ["第一网格", "第二网格", "第三网格"]),
        ("文庄社区", "wenzhuang", ["第一网格", "第二网格"]),
    ],
    "白龙街道": [
        ("白龙社区", "bailong", ["第一网格", "第二网格", "第三网格"]),
        ("龙峰社区", "longfeng", ["第一网格", "第二网格"]),
    ],
    "海甸街道": [("海达社区", "haida", ["第一网格", "第二网格"])],
}

SURNAMES = "王陈林符吴黎邢李张黄云冯周郑蔡羊韩梁"
GIVEN = [
    "秀英",
    "建国",
    "丽华",
    "志强",
    "海燕",
    "国平",
    "芳",
    "明",
    "海",
    "美玲",
    "小梅",
    "志华",
    "大伟",
    "少雄",
    "春花",
    "文斌",
    "晓东",
    "玉兰",
    "家豪",
    "思琪",
    "子涵",
    "雨桐",
    "浩然",
    "欣怡",
]

# (username, display name, community slug, committee title)
COMMITTEE = [
    ("zhangwei", "张伟", "zhenxing", "主任"),
    ("linli", "林丽", "zhenxing", "委员"),
    ("chenhong", "陈红", "wenzhuang", "主任"),
    ("fuqiang", "符强", "bailong", "主任"),
    ("wufang", "吴芳", "longfeng", "主任"),
    ("xingjun", "邢军", "haida", "主任"),
]


@dataclass
class DemoSummary:
    communities: int = 0
    roster: int = 0
    accounts: int = 0
    verified: int = 0
    pending: int = 0
    cycles: int = 0
    proposals: int = 0

    def __str__(self) -> str:
        return (
            f"{self.communities} communities, {self.roster} people on rosters, "
            f"{self.accounts} accounts ({self.verified} verified, {self.pending} waiting), "
            f"{self.cycles} cycles with {self.proposals} proposals; "
            f"password of every demo account: {DEMO_PASSWORD}"
        )


def _roster_csv(rng: random.Random, grids: list[str], households: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["网格", "地址", "姓名", "手机号", "出生日期", "类别"])
    for h in range(households):
        building, unit, room = 1 + h // 12, 1 + (h // 4) % 3, 101 + (h % 4) + 100 * (h % 6)
        address = f"{building}栋{unit}单元{room}"
        grid = grids[h % len(grids)]
        surname = rng.choice(SURNAMES)
        names: set[str] = set()
        for _ in range(rng.randint(1, 4)):
            name = (surname if rng.random() < 0.7 else rng.choice(SURNAMES)) + rng.choice(GIVEN)
            if name in names:
                continue
            names.add(name)
            birth = date(rng.randint(1945, 2010), rng.randint(1, 12), rng.randint(1, 28))
            phone = (
                f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
                if rng.random() < 0.8
                else ""
            )
            writer.writerow([grid, address, name, phone, birth.isoformat(), "居住"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _user(username: str, display_name: str, now: datetime, phone: str | None = None) -> User:
    return accounts.register_user(
        username=username, password=DEMO_PASSWORD, display_name=display_name, phone=phone, now=now
    )


def load_demo(*, now: datetime, seed: int = 2026) -> DemoSummary:
    rng = random.Random(seed)  # noqa: S311 (made-up people, not secrets)
    summary = DemoSummary()
    admin = _user("admin", "美兰区管理员", now - timedelta(days=60))
    accounts.bootstrap_admin(admin, now=now - timedelta(days=60))
    summary.accounts += 1

    communities: dict[str, Community] = {}
    for street, entries in PLACES.items():
        for name, slug, grids in entries:
            communities[slug] = places.ensure_community(
                city=CITY, district=DISTRICT, street=street, community=name, slug=slug, grids=grids
            )
    summary.communities = len(communities)

    for username, display, slug, title in COMMITTEE:
        member = _user(username, display, now - timedelta(days=50))
        accounts.add_committee_member(
            admin, member, communities[slug], title=title, now=now - timedelta(days=50)
        )
        summary.accounts += 1

    chairs = {slug: username for username, _, slug, title in COMMITTEE if title == "主任"}
    for slug, community in communities.items():
        chair = accounts.find_login(chairs[slug])
        assert chair is not None
        data = _roster_csv(rng, [g.name for g in community.grids], 30)
        report = residency.import_roster(chair, community, data, now=now - timedelta(days=40))
        assert report.ok, report.problems
        summary.roster += report.added
        codes = residency.issue_codes(chair, community, now=now - timedelta(days=35))
        # About a third of the roster has claimed its code already.
        for index, code in enumerate(codes[: len(codes) // 3]):
            entry = code.roster_entry
            person = _user(
                f"{slug}{index + 1:02d}", entry.full_name, now - timedelta(days=30 - index % 20)
            )
            residency.claim_code(
                person, community, code.code, now=now - timedelta(days=29 - index % 20)
            )
            summary.accounts += 1
            summary.verified += 1

    # The named residents the README mentions, in 振兴社区.
    zhenxing = communities["zhenxing"]
    chair = accounts.find_login("zhangwei")
    assert chair is not None
    wang = _user("wangxiuying", "王秀英", now - timedelta(days=20), phone="13907550001")
    data = (
        "\ufeff网格,地址,姓名,手机号,出生日期,类别\n"
        "第一网格,1栋1单元101,王秀英,13907550001,1958-03-12,居住\n"
    ).encode()
    residency.import_roster(chair, zhenxing, data, now=now - timedelta(days=19))
    req = residency.request_verification(
        wang,
        zhenxing,
        basis=Basis.LIVE,
        full_name="王秀英",
        phone="13907550001",
        birth_date=date(1958, 3, 12),
        address="1栋1单元101",
        note="",
        now=now - timedelta(days=18),
    )
    match = residency.roster_matches(req)[0]
    residency.approve_verification(
        chair, req, roster_entry=match, note="本人到社区核对", now=now - timedelta(days=17)
    )
    summary.accounts += 1
    summary.verified += 1

    for username, name, basis, note in [
        ("fuming", "符明", Basis.LIVE, "刚搬来，名册里可能还没有我"),
        ("lihaiyan", "黎海燕", Basis.WORK, "在社区卫生服务站工作"),
        ("yunxiaodong", "云晓东", Basis.STUDY, "在海口市第九中学读高二"),
    ]:
        person = _user(username, name, now - timedelta(days=5))
        residency.request_verification(
            person,
            zhenxing,
            basis=basis,
            full_name=name,
            phone=None,
            birth_date=None,
            address="",
            note=note,
            now=now - timedelta(days=4),
        )
        summary.accounts += 1
        summary.pending += 1

    _user("visitor", "游客小李", now - timedelta(days=2))
    summary.accounts += 1

    org_user = _user("yangguang", "阳光助老服务中心", now - timedelta(days=45))
    org = accounts.create_organization(
        admin,
        name="海口市美兰区阳光助老服务中心",
        registration_no="52460108MJ0000001X",
        community=zhenxing,
        now=now - timedelta(days=45),
    )
    accounts.add_organization_member(admin, org, org_user, now=now - timedelta(days=45))
    summary.accounts += 1

    summary.cycles = load_cycles(now)
    summary.proposals = proposal_count()
    db.session.commit()
    return summary
