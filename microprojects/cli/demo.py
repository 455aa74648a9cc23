"""The demo city: 海口市美兰区, with streets, communities, grids, rosters, a committee for each
community, verified residents, waiting requests and an organization. Built through the same
services as real use, so the audit log shows how it came about.

Every demo account's password is ``DEMO_PASSWORD``. Every moment in it is counted back from
``now``, the moment it is loaded: nothing is dated after it, and each cycle is in the phase the
README gives it (``PHASES``). The accounts came first, long enough ago for the oldest cycle.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..domain.people import Basis
from ..extensions import db
from ..models import Community, User
from ..services import accounts, grid_work, places, residency
from .demo_contracts import load_contracts
from .demo_offers import load_offers
from .demo_packages import load_packages
from .demo_proposals import PHASES, Progress, load_cycles, proposal_count
from .demo_wishes import load_wishes

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

# A resident of 白龙社区 who registered with her name and her phone number and chose no login
# name: she logs in by phone. Verified, she has not voted yet (README).
PHONE_RESIDENT = ("符小梅", "13907550002", "bailong", date(1979, 6, 2), "2栋1单元302")

# How long ago the accounts and rosters came (before the oldest demo cycle began).
ACCOUNTS_SINCE = timedelta(days=400)

__all__ = ["DEMO_PASSWORD", "PHASES", "DemoSummary", "load_demo"]


@dataclass
class DemoSummary:
    communities: int = 0
    roster: int = 0
    accounts: int = 0
    verified: int = 0
    pending: int = 0
    cycles: int = 0
    proposals: int = 0
    ballots: int = 0

    def __str__(self) -> str:
        return (
            f"{self.communities} communities, {self.roster} people on rosters, "
            f"{self.accounts} accounts ({self.verified} verified, {self.pending} waiting), "
            f"{self.cycles} cycles with {self.proposals} proposals and {self.ballots} ballots; "
            f"password of every demo account: {DEMO_PASSWORD}"
        )


def _roster_csv(rng: random.Random, grids: list[str], households: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["网格", "地址", "姓名", "手机号", "出生日期", "类别", "身份证号"])
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
            # A made-up ID number (the import keeps its last 4 characters), drawn from nothing
            # random, so that the rest of the demo stays as it was.
            serial = (h * 37 + len(names) * 11) % 1000
            id_number = (
                f"460108{birth:%Y%m%d}{serial:03d}{'X' if serial % 11 == 0 else serial % 10}"
            )
            writer.writerow([grid, address, name, phone, birth.isoformat(), "居住", id_number])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class _Accounts:
    """Registers the demo's accounts with one password hash, made once: hashing it for each of
    a hundred accounts would take most of the load's time, for the same password."""

    def __init__(self) -> None:
        self.hash = accounts.hash_password(DEMO_PASSWORD)

    def __call__(
        self, username: str, display_name: str, when: datetime, phone: str | None = None
    ) -> User:
        return accounts.register_user(
            username=username, password=DEMO_PASSWORD, display_name=display_name, phone=phone,
            now=when, password_hash=self.hash,
        )  # fmt: skip


def _matched(
    chair: User, community: Community, person: User, *, full_name: str, phone: str,
    birth: date, address: str, when: datetime,
) -> None:  # fmt: skip
    """``person`` asks to be verified as living in ``community``; the committee adds them to
    the roster and matches the request to it, a day apart each."""
    data = (
        "\ufeff网格,地址,姓名,手机号,出生日期,类别\n"
        f"第一网格,{address},{full_name},{phone},{birth.isoformat()},居住\n"
    ).encode()
    residency.import_roster(chair, community, data, now=when)
    request = residency.request_verification(
        person, community, basis=Basis.LIVE, full_name=full_name, phone=phone, birth_date=birth,
        address=address, note="", now=when + timedelta(days=1),
    )  # fmt: skip
    match = residency.roster_matches(request)[0]
    residency.approve_verification(
        chair, request, roster_entry=match, note="本人到社区核对", now=when + timedelta(days=2)
    )


def _quiet(message: str) -> None:
    del message


def load_demo(*, now: datetime, seed: int = 2026, progress: Progress | None = None) -> DemoSummary:
    """Load the demo city as it stands at ``now``. ``progress`` hears of each step as it is
    done, with its counts (the load takes some seconds)."""
    say: Callable[[str], None] = progress or _quiet
    rng = random.Random(seed)  # noqa: S311 (made-up people, not secrets)
    summary = DemoSummary()
    user = _Accounts()
    since = now - ACCOUNTS_SINCE
    admin = user("admin", "美兰区管理员", since)
    accounts.bootstrap_admin(admin, now=since)
    summary.accounts += 1

    communities: dict[str, Community] = {}
    for street, entries in PLACES.items():
        for name, slug, grids in entries:
            communities[slug] = places.ensure_community(
                city=CITY, district=DISTRICT, street=street, community=name, slug=slug, grids=grids
            )
    summary.communities = len(communities)
    say(f"places: {summary.communities} communities in {len(PLACES)} streets of {DISTRICT}")

    for username, display, slug, title in COMMITTEE:
        member = user(username, display, since + timedelta(days=2))
        accounts.add_committee_member(
            admin, member, communities[slug], title=title, now=since + timedelta(days=3)
        )
        summary.accounts += 1
    say(f"committees: {len(COMMITTEE)} members")

    chairs = {slug: username for username, _, slug, title in COMMITTEE if title == "主任"}
    for slug, community in communities.items():
        chair = accounts.find_login(chairs[slug])
        assert chair is not None
        data = _roster_csv(rng, [g.name for g in community.grids], 30)
        report = residency.import_roster(chair, community, data, now=since + timedelta(days=5))
        assert report.ok, report.problems
        summary.roster += report.added
        codes = residency.issue_codes(chair, community, now=since + timedelta(days=6))
        # About a third of the roster claimed its code, over the weeks after the codes came.
        claimed = codes[: len(codes) // 3]
        for index, code in enumerate(claimed):
            entry = code.roster_entry
            when = since + timedelta(days=7 + index % 20, hours=index)
            person = user(f"{slug}{index + 1:02d}", entry.full_name, when)
            residency.claim_code(person, community, code.code, now=when + timedelta(hours=1))
            summary.accounts += 1
            summary.verified += 1
        say(
            f"residents: {community.name}, {report.added} on the roster, "
            f"{len(codes)} household codes, {len(claimed)} claimed"
        )

    # The named residents the README mentions.
    zhenxing = communities["zhenxing"]
    chair = accounts.find_login("zhangwei")
    assert chair is not None
    wang = user("wangxiuying", "王秀英", now - timedelta(days=60), phone="13907550001")
    _matched(chair, zhenxing, wang, full_name="王秀英", phone="13907550001",
             birth=date(1958, 3, 12), address="1栋1单元101",
             when=now - timedelta(days=59))  # fmt: skip
    name, phone, slug, birth, address = PHONE_RESIDENT
    # No login name chosen: an internal one is made, and she logs in by phone.
    fu = user("", name, now - timedelta(days=40), phone=phone)
    bailong_chair = accounts.find_login(chairs[slug])
    assert bailong_chair is not None
    _matched(bailong_chair, communities[slug], fu, full_name=name, phone=phone, birth=birth,
             address=address, when=now - timedelta(days=39))  # fmt: skip
    summary.accounts += 2
    summary.verified += 2

    for username, name, basis, note in [
        ("fuming", "符明", Basis.LIVE, "刚搬来，名册里可能还没有我"),
        ("lihaiyan", "黎海燕", Basis.WORK, "在社区卫生服务站工作"),
        ("yunxiaodong", "云晓东", Basis.STUDY, "在海口市第九中学读高二"),
    ]:
        person = user(username, name, now - timedelta(days=5))
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

    user("visitor", "游客小李", now - timedelta(days=2))
    summary.accounts += 1
    # 王网格 walks 白龙社区's first grid: who to visit, and who has not voted yet.
    user("wanggrid", "王网格", now - timedelta(days=30))
    grid_work.give_assignment(bailong_chair, communities["bailong"].grids[0], "wanggrid",
                              now=now - timedelta(days=29))  # fmt: skip
    summary.accounts += 1

    org_user = user("yangguang", "阳光助老服务中心", since + timedelta(days=10))
    org = accounts.create_organization(
        admin,
        name="海口市美兰区阳光助老服务中心",
        registration_no="52460108MJ0000001X",
        community=zhenxing,
        now=since + timedelta(days=10),
    )
    accounts.add_organization_member(admin, org, org_user, now=since + timedelta(days=10))
    summary.accounts += 1
    say(
        f"accounts: {summary.accounts} ({summary.verified} verified residents, "
        f"{summary.pending} waiting for the committee)"
    )

    summary.cycles, summary.ballots = load_cycles(now, say)
    summary.proposals = proposal_count()
    load_wishes(now, say)
    load_offers(now, say)
    load_packages(now, say)  # bought first, then contracted and paid
    load_contracts(now, say)
    db.session.commit()
    return summary
