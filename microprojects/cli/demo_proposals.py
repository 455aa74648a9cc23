"""The demo city's cycles and proposals: a cycle in every phase, and in 振兴社区's (now in
screening) proposals in every state, with photos, supports, comments, assessments and the
decision log that the services write. Built through the services, at past moments, so every
record is what real use would have left; nothing is dated after ``now``."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from ..domain.ballots import Choice
from ..domain.cycles import Feasibility, ProjectType, Stance
from ..extensions import db
from ..models import (
    Community,
    Cycle,
    Implementation,
    Participation,
    Proposal,
    RosterEntry,
    Street,
    User,
)
from ..services import (
    acceptance,
    accounts,
    comments,
    counting,
    proposals,
    publication,
    stations,
    voting,
)
from ..services import implementation as impl
from ..services.cycles import CycleInput, create_cycle
from ..services.proposals import ProposalInput

Progress = Callable[[str], None]

DAY = timedelta(days=1)
ORDER = ["collecting", "screening", "voting", "publication", "implementation", "closed"]
LENGTHS = [timedelta(days=d) for d in (20, 14, 7, 5, 180)]

# Each demo cycle, the phase the README says it is in, and how long ago that phase began.
PHASES: dict[str, tuple[str, timedelta]] = {
    "zhenxing": ("screening", 2 * DAY),
    "wenzhuang": ("collecting", 6 * DAY),
    "bailong": ("voting", 2 * DAY),
    "longfeng": ("publication", 2 * DAY),
    "haida-2": ("implementation", 75 * DAY),
    "haida-1": ("closed", 20 * DAY),
    "street": ("collecting", 6 * DAY),
}


def opening(now: datetime) -> datetime:
    """The last 09:00 in Hainan (UTC+8, no summer time) at or before ``now``, as naive UTC: the
    demo's phases change then, as an office day begins, whenever the demo is loaded."""
    morning = now.replace(hour=1, minute=0, second=0, microsecond=0)
    return morning if morning <= now else morning - DAY


def _cycle(
    actor: User, place: Community | None, title: str, key: str, now: datetime, *,
    street: Street | None = None, budget_yuan: int = 300_000, screening_mode: str = "committee",
    shortlist_days: int = 0,
) -> Cycle:  # fmt: skip
    """The cycle ``key`` of ``PHASES``, in its phase since the time given there, counted from
    the morning of ``now``. ``title`` has ``{year}``, the year it began."""
    phase, since = PHASES[key]
    index = ORDER.index(phase)
    start = opening(now) - since - sum(LENGTHS[:index], timedelta())
    dates, moment = {}, start
    for i, name in enumerate(ORDER):
        dates[f"{name}_at"] = moment
        if i < len(LENGTHS):
            moment += LENGTHS[i]
    data = CycleInput(
        title=title.format(year=dates["collecting_at"].year),
        budget_fen=budget_yuan * 100,
        project_cap_fen=100_000_00 if place else 500_000_00,
        cap_engineering_fen=100_000_00 if place else 1_000_000_00,
        cap_service_fen=50_000_00 if place else 500_000_00,
        cap_goods_fen=50_000_00 if place else 500_000_00,
        description=(
            "每年由居民提出、协商并投票决定的民生小事。"
            "提议征集期间，认证居民和社会组织均可提出提议。"
        ),
        screening_mode=screening_mode,
        shortlist_days=shortlist_days,
        **dates,
    )
    return create_cycle(actor, data, community=place, street=street, now=start - DAY)


def _picture(seed: int, label: str) -> bytes:
    """A simple drawing standing in for a resident's photo."""
    rng = random.Random(seed)  # noqa: S311 (a drawing)
    image = Image.new("RGB", (800, 600), (135 + rng.randint(0, 60), 190, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 380, 800, 600], fill=(120 + rng.randint(0, 40), 150, 110))
    if "凳" in label:
        draw.rectangle([250, 330, 550, 360], fill=(150, 150, 150))
        draw.rectangle([270, 360, 290, 420], fill=(120, 120, 120))
        draw.rectangle([510, 360, 530, 420], fill=(120, 120, 120))
    elif "灯" in label:
        draw.rectangle([390, 120, 410, 420], fill=(60, 60, 60))
        draw.ellipse([360, 90, 440, 140], fill=(250, 220, 120))
    else:
        for _ in range(4):
            x, y = rng.randint(60, 700), rng.randint(200, 420)
            draw.rectangle([x, y, x + 80, y + 60], fill=(rng.randint(80, 200), 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _input(
    title: str, description: str, category: str, kind: ProjectType, yuan: int, **extra: object
) -> ProposalInput:
    return ProposalInput(
        title=title, description=description, category=category, project_type=kind,
        estimated_cost_fen=yuan * 100, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def _residents(slug: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.username.like(f"{slug}%")).order_by(User.username)
        )
    )


def load_cycles(now: datetime, say: Progress) -> tuple[int, int]:
    """Every demo cycle, as it stands at ``now``; the number of cycles and of ballots."""
    admin = accounts.find_login("admin")
    assert admin is not None
    places = {c.slug: c for c in db.session.scalars(select(Community))}
    chairs = {slug: accounts.find_login(name) for slug, name in [
        ("zhenxing", "zhangwei"), ("wenzhuang", "chenhong"), ("bailong", "fuqiang"),
        ("longfeng", "wufang"), ("haida", "xingjun"),
    ]}  # fmt: skip

    made: list[Cycle] = []

    def cycle(slug: str, key: str, title: str, **extra: object) -> Cycle:
        found = _cycle(chairs[slug], places[slug], title, key, now, **extra)  # type: ignore[arg-type]
        made.append(found)
        return found

    def told(cycle: Cycle) -> None:
        count = db.session.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.cycle_id == cycle.id)
        )
        say(f"cycle: {cycle.title}, {cycle.phase(now).value}, {count} proposals")

    # 候选项目公示 of 5 days, not published yet: the committee sees its button.
    zhenxing = cycle("zhenxing", "zhenxing", "{year} 年振兴社区微实事", shortlist_days=5)
    _screening_story(zhenxing, now)
    told(zhenxing)
    # 文庄社区 screens by resolution (四议两公开): its meetings decide what goes on the ballot.
    wenzhuang = cycle(
        "wenzhuang", "wenzhuang", "{year} 年文庄社区微实事", screening_mode="resolution"
    )
    _simple(wenzhuang, "wenzhuang", now, approve=False)
    told(wenzhuang)
    bailong = cycle("bailong", "bailong", "{year} 年白龙社区微实事")
    _simple(bailong, "bailong", now, approve=True)
    told(bailong)
    longfeng = cycle("longfeng", "longfeng", "{year} 年龙峰社区微实事", budget_yuan=80_000)
    _simple(longfeng, "longfeng", now, approve=True)
    told(longfeng)
    haida_old = cycle("haida", "haida-1", "{year} 年第一期海达社区微实事")
    _simple(haida_old, "haida", now, approve=True)
    told(haida_old)
    haida_now = cycle("haida", "haida-2", "{year} 年第二期海达社区微实事", budget_yuan=90_000)
    # 海达 counts with the Method of Equal Shares, fixed before its voting opened.
    haida_now.tally_rule = "equal-shares"
    _simple(haida_now, "haida", now, approve=True)
    told(haida_now)
    for voted, until, paper_pending in (
        (bailong, now, True),
        (longfeng, longfeng.voting_at + 3 * DAY, False),
        (haida_old, haida_old.voting_at + 5 * DAY, False),
        (haida_now, haida_now.voting_at + 2 * DAY, False),
    ):
        cast = _votes(voted, voted.community.slug, until, paper_pending=paper_pending)  # type: ignore[union-attr]
        say(f"ballots: {voted.title}, {cast}")

    typed = _station(bailong, now)
    say(f"polling station: 白龙小学, {typed} paper ballots of people without an account")

    for counted in (longfeng, haida_old, haida_now):
        counting.run_count(
            db.session.get(User, counted.created_by_id), counted,
            now=counted.publication_at + timedelta(hours=2),
        )  # fmt: skip
        say(f"count: {counted.title}")
    _objections(longfeng, "longfeng", now)
    _implementation(haida_old, "haida", haida_old.closed_at - DAY, stages=("accepted",) * 4)
    say(f"implementation: {haida_old.title}, 4 projects accepted")
    _implementation(haida_now, "haida", now, stages=("completed", "in_progress", "inspected"))
    say(
        f"implementation: {haida_now.title}, one project under way, one completed, "
        "one accepted (验收) with its documents and paper survey"
    )
    street = places["zhenxing"].street
    whole = _cycle(admin, None, "{year} 年和平南街道微实事（街道统筹）", "street", now,
                   street=street, budget_yuan=1_050_000)  # fmt: skip
    say(f"cycle: {whole.title}, {PHASES['street'][0]}")
    ballots = db.session.scalar(select(func.count()).select_from(Participation)) or 0
    return len(made) + 1, int(ballots)


def _objections(cycle: Cycle, slug: str, now: datetime) -> None:
    """Publication (公示) under way: one objection answered, one waiting. The first is about a
    project the count left out, whichever it is."""

    people = _residents(slug)
    chair = db.session.get(User, cycle.created_by_id)
    assert chair is not None
    count = counting.latest_count(cycle)
    assert count is not None
    left_out = next(o.proposal for o in sorted(count.outcomes, key=lambda o: o.rank)
                    if not o.funded)  # fmt: skip
    first = publication.file_objection(
        people[1], cycle, proposal_id=left_out.id, now=now - timedelta(hours=20),
        reason=f"“{left_out.title}”是很多居民盼着的事，希望说明它为什么没有入选。",
    )  # fmt: skip
    publication.answer_objection(
        chair, first, decision="dismissed", now=now - timedelta(hours=6),
        answer="计票按公布的规则进行，预算用完后得票较少的项目未能入选；可在下一期重新提议。",
    )  # fmt: skip
    publication.file_objection(
        people[2], cycle, proposal_id=None, now=now - timedelta(hours=3),
        reason="请公布纸质选票的录入和确认人员名单。",
    )  # fmt: skip


def voting_projects(cycle: Cycle) -> list[Proposal]:
    return voting.ballot_projects(cycle)


@dataclass(frozen=True)
class Works:
    """How the work on one kind of project is told: who does it, its two milestones, its
    updates, and the problem a resident reports once it is done, with the committee's answer."""

    unit: str
    first: str
    last: str
    started: str
    done: str
    problem: str
    answer: str


# By the titles of the ideas in ``_simple``: a report on the lights is about lights.
WORKS = {
    "楼道安装声控灯": Works(
        "美兰区市政工程队", "灯具和线路进场", "完工验收",
        "施工队已进场，先逐栋检查楼道线路。", "各楼道的声控灯已装好，请居民监督使用情况。",
        "三栋二单元四楼的声控灯晚上九点以后经常不亮。", "已联系施工方检修这盏灯的感应器，三天内修好。",
    ),
    "社区小广场增设遮阳棚": Works(
        "美兰区市政工程队", "钢架进场安装", "完工验收",
        "施工队已进场，先清理场地、浇筑基础。", "遮阳棚已完工，欢迎居民使用。",
        "遮阳棚东侧有一块篷布被风吹松了，下雨时会漏水。", "已请施工方重新固定篷布，本周内完成。",
    ),
    "暑期儿童托管班": Works(
        "海达社区志愿服务队", "报名和分班", "结业汇报",
        "托管班开始报名，已有 30 个家庭报名，分成两个班。", "托管班已结束，孩子们做了结业汇报。",
        "下午的看护老师换了好几次，孩子不太适应。", "已和服务队商定，下一期每班固定两位老师。",
    ),
    "独居老人助餐服务": Works(
        "海达社区长者饭堂", "确定送餐名单", "服务满一个月回访",
        "已登记 26 位独居老人，开始每周送餐三次。", "送餐服务已满一个月，回访的老人都表示满意。",
        "周三的午饭有时晚到一个小时，送到时饭菜已经凉了。", "已调整送餐路线，周三改由两位志愿者分头送。",
    ),
}  # fmt: skip


def _implementation(
    cycle: Cycle, slug: str, until: datetime, *, stages: tuple[str | None, ...]
) -> None:
    """The funded projects of ``cycle`` at the given stages (None: no record yet), with
    spending, milestones in order, photo updates and, once completed, ratings and a problem
    report fitting the project; all between the start of implementation and ``until``."""

    chair = db.session.get(User, cycle.created_by_id)
    assert chair is not None
    count = counting.latest_count(cycle)
    assert count is not None
    funded = [o.proposal for o in sorted(count.outcomes, key=lambda o: o.rank) if o.funded]
    start = cycle.implementation_at + DAY
    span = until - start
    people = _residents(slug)
    for index, (proposal, stage) in enumerate(zip(funded, stages, strict=False)):
        if stage is None:
            continue
        works = WORKS[proposal.title]
        record = impl.start(chair, proposal, now=start)
        impl.update_details(chair, record, contractor=works.unit, planned_fen=proposal.cost_fen,
                            now=start)  # fmt: skip
        # The end is planned for after today while the work goes on; for earlier otherwise.
        end = until + 20 * DAY if stage == "in_progress" else start + span * 0.7
        first = impl.add_milestone(chair, record, title=works.first,
                                   planned_on=(start + span * 0.15).date(), now=start)  # fmt: skip
        last = impl.add_milestone(chair, record, title=works.last, planned_on=end.date(),
                                  now=start)  # fmt: skip
        moment = start + span * 0.2
        impl.post_update(
            chair, record, body=works.started, status="in_progress", progress_pct=20,
            photos=[("before", _picture(proposal.id, proposal.title))], now=moment,
        )  # fmt: skip
        impl.complete_milestone(chair, first, done_on=moment.date(), now=moment)
        impl.add_spending(chair, record, amount_fen=proposal.cost_fen * 4 // 10,
                          spent_on=moment.date(), note="首期款", now=moment)  # fmt: skip
        if stage == "in_progress":
            continue
        moment = start + span * 0.6
        impl.add_spending(chair, record, amount_fen=proposal.cost_fen * 55 // 100,
                          spent_on=moment.date(), note="尾款", now=moment)  # fmt: skip
        impl.post_update(
            chair, record, body=works.done, status="completed", progress_pct=100,
            photos=[("after", _picture(proposal.id + 1, proposal.title))], now=moment,
        )  # fmt: skip
        impl.complete_milestone(chair, last, done_on=moment.date(), now=moment)
        for n, person in enumerate(people[index : index + 6]):
            impl.rate(person, proposal, stars=5 - (n + index) % 3, comment="",
                      now=moment + timedelta(hours=n + 1))  # fmt: skip
        if stage == "accepted":
            moment = start + span * 0.9
            impl.post_update(chair, record, body="社区组织居民代表验收合格。", status="accepted",
                             progress_pct=100, now=moment)  # fmt: skip
        elif people:
            report = impl.report_problem(people[0], proposal, body=works.problem, photo=None,
                                         now=moment + DAY)  # fmt: skip
            impl.answer_problem(chair, report, answer=works.answer, now=moment + 2 * DAY)
        if stage == "inspected":
            _inspection(chair, record, proposal, people, moment + 3 * DAY)


def _inspection(
    chair: User, record: Implementation, proposal: Proposal, people: list[User], moment: datetime
) -> None:
    """The acceptance (验收) of a completed project: the chair, two resident representatives
    and the contractor inspect it; accepted, with the signed form (PDF) and a photo; the paper
    survey's answers typed in beside the residents' stars."""
    names = [p.display_name for p in people[6:8]]
    inspectors = [
        acceptance.Inspector(chair.display_name, "committee", user_id=chair.id),
        *(acceptance.Inspector(name, "resident") for name in names),
        acceptance.Inspector(record.contractor or "施工方", "supplier"),
    ]
    day = moment.date()
    acceptance.record_acceptance(
        chair, record, round=acceptance.next_round(record), inspected_on=day,
        inspectors=inspectors,
        findings="按方案完工，现场查看质量良好；居民代表试用后认可。资料齐全。",
        result="accepted",
        documents=[
            acceptance.Document("验收单.pdf", _pdf(f"Acceptance record {day.isoformat()}")),
            acceptance.Document("验收现场.jpg", _picture(proposal.id + 2, proposal.title)),
        ],
        now=moment,
    )  # fmt: skip
    acceptance.enter_survey(
        chair, record, token=f"demo-{record.id}", satisfied=41, basically=9, dissatisfied=2,
        note="验收当天收回问卷 52 份", now=moment + timedelta(hours=2),
    )  # fmt: skip


def _pdf(text: str) -> bytes:
    """A one-page PDF standing in for the signed acceptance form."""
    stream = f"BT /F1 16 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref,
    )  # fmt: skip
    return bytes(out)


def _simple(cycle: Cycle, slug: str, now: datetime, *, approve: bool) -> None:
    """Four proposals, each submitted and supported while the cycle collected them, before
    ``now``; approved for the ballot on the first day of screening when ``approve``."""
    people = _residents(slug)
    chair = db.session.get(User, cycle.created_by_id)
    assert chair is not None
    ideas = [
        ("楼道安装声控灯", "老旧楼道夜里太黑，老人上下楼容易摔倒。", "安全",
         ProjectType.ENGINEERING, 18_000),
        ("社区小广场增设遮阳棚", "夏天广场太晒，跳广场舞和带孩子的居民没有地方遮阴。", "设施维修",
         ProjectType.ENGINEERING, 42_000),
        ("暑期儿童托管班", "双职工家庭暑假孩子无人照看。", "儿童青少年", ProjectType.SERVICE,
         25_000),
        ("独居老人助餐服务", "为 70 岁以上独居老人每周送餐三次。", "养老助老",
         ProjectType.SERVICE, 30_000),
    ]  # fmt: skip
    start = cycle.collecting_at
    step = (min(cycle.screening_at, now) - start) / (len(ideas) + 2)
    for i, (title, text, category, kind, cost) in enumerate(ideas):
        author = people[i % len(people)]
        p = proposals.create_proposal(author, cycle, _input(title, text, category, kind, cost),
                                      submit=True, now=start + (i + 1) * step)  # fmt: skip
        for n, supporter in enumerate(people[i + 1 : i + 6]):
            proposals.support(supporter, p, now=start + (i + 1.5) * step + n * timedelta(minutes=7))
        if approve:
            proposals.assess(chair, p, answers=dict.fromkeys(cycle.checklist, True),
                             feasibility=Feasibility.FEASIBLE, note="",
                             now=cycle.screening_at + DAY)  # fmt: skip
            proposals.approve(chair, p, note="经评估可行，费用在本轮上限之内，列入投票。",
                              now=cycle.screening_at + DAY)  # fmt: skip


def _votes(cycle: Cycle, slug: str, until: datetime, *, paper_pending: bool = False) -> int:
    """Most of the community votes, over the days of voting up to ``until``; a few on paper.
    The number of ballots cast."""

    rng = random.Random(cycle.id)  # noqa: S311 (made-up choices)
    people = _residents(slug)
    ids = [str(p.id) for p in voting.ballot_projects(cycle)]
    chair = db.session.get(User, cycle.created_by_id)
    second = db.session.scalar(select(User).where(User.username == "admin"))
    span = max((until - cycle.voting_at).total_seconds(), 3600)
    voters = people[: int(len(people) * 0.7)]
    for index, person in enumerate(voters):
        choices = [Choice(i) for i in ids if rng.random() < 0.5] or [Choice(rng.choice(ids))]
        moment = cycle.voting_at + timedelta(seconds=span * (index + 1) / (len(voters) + 2))
        if index % 8 == 7 and chair and second and person.residency:
            entry = voting.enter_paper_ballot(chair, cycle, person.residency, choices, now=moment)
            voting.key_paper_ballot(second, entry, choices, now=moment)
        else:
            voting.cast_ballot(person, cycle, choices, now=moment)
    rest = people[len(voters) :]
    if paper_pending and rest and chair and rest[0].residency:
        voting.enter_paper_ballot(chair, cycle, rest[0].residency, [Choice(ids[0])], now=until)
    return len(voters)


def _station(cycle: Cycle, now: datetime) -> int:
    """白龙社区's polling station at the school, this morning: people on the roster who have no
    account, found there and their paper ballots typed by the chair; the administrator typed
    all but the last a second time, which waits. The number of ballots typed."""
    chair = db.session.get(User, cycle.created_by_id)
    second = accounts.find_login("admin")
    assert chair is not None and second is not None and cycle.community_id is not None
    opened = now - timedelta(hours=4)
    station = stations.open_station(
        chair, cycle, cycle.community_id, name="白龙小学", place="学校大门旁的操场", now=opened
    )
    found = db.session.scalars(
        select(RosterEntry)
        .where(RosterEntry.community_id == cycle.community_id, RosterEntry.claimed_at.is_(None))
        .order_by(RosterEntry.id.desc())
    ).all()
    people = [
        p
        for p in found
        if voting.paper_problem(voting.paper_voter_on_roster(p), cycle, now) is None
    ][:4]
    ids = [str(p.id) for p in voting.ballot_projects(cycle)]
    checks = ("id_card", "known_to_worker", "id_card", "household_code")
    for index, person in enumerate(people):
        choices = [Choice(ids[(index + k) % len(ids)]) for k in range(1 + index % 2)]
        moment = opened + timedelta(minutes=20 * (index + 1))
        entry = voting.enter_roster_paper_ballot(
            chair, cycle, person, choices, identity_check=checks[index], station=station,
            now=moment,
        )  # fmt: skip
        if index < len(people) - 1:
            voting.key_paper_ballot(second, entry, choices, now=moment + timedelta(minutes=5))
    return len(people)


def _screening_story(cycle: Cycle, now: datetime) -> None:
    """振兴社区: proposals in every state, as a screening phase looks half-way through."""
    people = _residents("zhenxing")
    wang = accounts.find_login("wangxiuying")
    zhang = accounts.find_login("zhangwei")
    lin = accounts.find_login("linli")
    org = accounts.find_login("yangguang")
    assert wang and zhang and lin and org
    c0 = cycle.collecting_at + DAY
    s0 = cycle.screening_at + 6 * 3600 * timedelta(seconds=1)

    bench = proposals.create_proposal(wang, cycle, _input(
        "报刊亭旁放两张石凳",
        "振兴路报刊亭是老人每天买报、聊天的地方，但附近没有可以坐的地方，"
        "很多老人只能站着或坐在台阶上。\n\n建议：\n- 在报刊亭东侧空地安放两张石凳\n- 石凳旁种两棵树遮阴",
        "设施维修", ProjectType.GOODS, 3_600, location="振兴路报刊亭东侧",
        latitude=20.0431, longitude=110.3372, beneficiaries="附近老人、等车的居民",
        tag_small=True, tag_urgent=True,
    ), submit=False, now=c0)  # fmt: skip
    proposals.add_photo(wang, bench, _picture(1, "石凳"), now=c0 + timedelta(hours=1))
    proposals.submit_proposal(wang, bench, now=c0 + timedelta(hours=2))

    lamp = proposals.create_proposal(people[0], cycle, _input(
        "幸福巷安装路灯",
        "幸福巷长约 200 米，晚上没有一盏灯，下夜班的居民和放学的孩子经过时很不安全。",
        "安全", ProjectType.ENGINEERING, 45_000, location="幸福巷（振兴路至文明路段）",
        beneficiaries="幸福巷两侧约 300 户居民", tag_urgent=True, tag_hard=True,
    ), submit=False, now=c0 + DAY)  # fmt: skip
    proposals.add_photo(people[0], lamp, _picture(2, "路灯"), now=c0 + DAY)
    proposals.submit_proposal(people[0], lamp, now=c0 + DAY + timedelta(hours=1))

    phones = proposals.create_proposal(org, cycle, _input(
        "老年人智能手机课堂",
        "每周两次，教老人用手机挂号、视频通话、识别诈骗电话，由阳光助老服务中心的志愿者授课。",
        "养老助老", ProjectType.SERVICE, 12_000, location="社区活动室",
        beneficiaries="60 岁以上老人", tag_small=True,
    ), submit=True, now=c0 + 2 * DAY)  # fmt: skip

    bumps = proposals.create_proposal(people[1], cycle, _input(
        "小区门口设置减速带",
        "小区门口车速太快，孩子出入有危险。", "安全", ProjectType.ENGINEERING, 6_000,
        location="振兴花园北门",
    ), submit=True, now=c0 + 3 * DAY)  # fmt: skip

    gym = proposals.create_proposal(people[2], cycle, _input(
        "修好健身器材", "广场上的健身器材坏了。", "设施维修", ProjectType.GOODS, 8_000,
    ), submit=True, now=c0 + 4 * DAY)  # fmt: skip

    balcony = proposals.create_proposal(people[3], cycle, _input(
        "维修我家阳台漏水", "楼上阳台漏水到我家。", "设施维修", ProjectType.ENGINEERING, 5_000,
    ), submit=True, now=c0 + 5 * DAY)  # fmt: skip

    lamp_dup = proposals.create_proposal(people[4], cycle, _input(
        "幸福巷太黑了，装几盏灯吧", "晚上回家很害怕。", "安全", ProjectType.ENGINEERING, 30_000,
        location="幸福巷",
    ), submit=True, now=c0 + 6 * DAY)  # fmt: skip

    flyers = proposals.create_proposal(people[5], cycle, _input(
        "垃圾分类宣传活动", "做几次垃圾分类宣传。", "环境整治", ProjectType.SERVICE, 4_000,
    ), submit=True, now=c0 + 7 * DAY)  # fmt: skip

    proposals.create_proposal(wang, cycle, _input(
        "社区图书角", "想在活动室放一个书架，大家把看完的书放进来。", "文化活动",
        ProjectType.GOODS, 2_000,
    ), submit=False, now=c0 + 8 * DAY)  # a draft: only 王秀英 sees it  # fmt: skip

    sign = proposals.enter_on_behalf(lin, cycle, cycle.community, _input(  # type: ignore[arg-type]
        "菜市场旁增设公共厕所指示牌", "外地来买菜的人总找不到厕所。", "环境整治",
        ProjectType.GOODS, 1_500, location="振兴菜市场",
    ), on_behalf_of="陈阿婆（电话反映）", now=c0 + 9 * DAY)  # fmt: skip

    for i, person in enumerate(people[:18]):
        proposals.support(person, bench, now=c0 + timedelta(days=3, hours=i))
    for i, person in enumerate(people[5:20]):
        proposals.support(person, lamp, now=c0 + timedelta(days=4, hours=i))
    for i, person in enumerate(people[8:14]):
        proposals.support(person, lamp_dup, now=c0 + timedelta(days=7, hours=i))
    for i, person in enumerate(people[2:11]):
        proposals.support(person, phones, now=c0 + timedelta(days=5, hours=i))
    for i, person in enumerate(people[12:16]):
        proposals.support(person, bumps, now=c0 + timedelta(days=6, hours=i))

    comments.post_comment(people[6], bench, body="支持！我妈每天都去买报，站久了腿疼。",
                          stance=Stance.SUPPORT, now=c0 + 3 * DAY)  # fmt: skip
    question = comments.post_comment(people[7], bench, body="石凳会不会挡住人行道？",
                                     stance=Stance.NEUTRAL, now=c0 + 4 * DAY)  # fmt: skip
    comments.post_comment(zhang, bench, body="已到现场查看，东侧空地宽 3 米，不影响通行。",
                          stance=Stance.NEUTRAL, parent=question, official=True,
                          now=c0 + 5 * DAY)  # fmt: skip
    comments.post_comment(people[8], bumps, body="减速带太吵了，晚上车一过就响，反对。",
                          stance=Stance.OPPOSE, now=c0 + 6 * DAY)  # fmt: skip
    rude = comments.post_comment(people[9], bumps, body="提这个的人脑子有问题吧",
                                 stance=Stance.OPPOSE, now=c0 + 6 * DAY)  # fmt: skip
    comments.hide_comment(zhang, rude, reason="人身攻击，违反议事规则", now=s0)
    spam = comments.post_comment(people[10], lamp, body="低价出售二手家电，联系 138xxxx",
                                 stance=Stance.NEUTRAL, now=c0 + 7 * DAY)  # fmt: skip
    for reporter in people[11:14]:
        comments.report_comment(reporter, spam, reason="广告", now=c0 + 8 * DAY)
    comments.post_comment(people[11], lamp, body="强烈支持，孩子晚上补课回来要走这条巷子。",
                          stance=Stance.SUPPORT, now=c0 + 8 * DAY)  # fmt: skip

    checklist = {item: True for item in cycle.checklist}
    proposals.assess(zhang, bench, answers=checklist, feasibility=Feasibility.FEASIBLE,
                     note="园林部门同意在该空地安放。", now=s0)  # fmt: skip
    proposals.revise(zhang, bench, cost_fen=None, ballot_title="振兴路报刊亭旁安放石凳",
                     note="标题写明地点，方便投票时辨认。", now=s0)  # fmt: skip
    proposals.approve(zhang, bench, note="场地可用，园林部门已同意，列入投票。",
                      now=s0 + timedelta(hours=1))  # fmt: skip
    proposals.assess(lin, lamp, answers=checklist, feasibility=Feasibility.NEEDS_CHANGES,
                     note="供电部门报价 38,000 元（含 6 盏 LED 灯）。", now=s0)  # fmt: skip
    proposals.revise(lin, lamp, cost_fen=38_000_00, ballot_title=None,
                     note="按供电部门报价核定为 38,000 元。", now=s0 + timedelta(hours=1))  # fmt: skip
    proposals.merge(zhang, lamp_dup, lamp, note="与“幸福巷安装路灯”内容相同，合并办理。",
                    now=s0 + timedelta(hours=2))  # fmt: skip
    proposals.approve(zhang, lamp, note="按供电部门报价核定费用后可行，列入投票。",
                      now=s0 + timedelta(hours=3))  # fmt: skip
    proposals.return_for_revision(lin, gym, message="请写明是哪几件器材、坏在哪里，并附照片。",
                                  now=s0 + timedelta(hours=4))  # fmt: skip
    no = dict(checklist)
    no[cycle.checklist[0]] = False
    no[cycle.checklist[3]] = False
    proposals.assess(zhang, balcony, answers=no, feasibility=Feasibility.NOT_FEASIBLE,
                     note="属于业主与物业之间的维修责任。", now=s0)  # fmt: skip
    proposals.reject(zhang, balcony, reason="属于个人住宅维修，应由业主或物业公司负责，不属于微实事范围。"
                     "社区已联系物业上门查看。", now=s0 + timedelta(hours=5))  # fmt: skip
    proposals.withdraw_proposal(people[5], flyers, now=c0 + 10 * DAY)
    del sign, phones
    db.session.commit()


def proposal_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Proposal)) or 0)
