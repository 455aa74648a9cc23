"""Building test data through the services, as real use would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import Community, User
from microprojects.services import accounts, places, residency

PASSWORD = "correct-horse-9"
NOW = datetime(2026, 11, 1, 9, 0, 0)


def user(username: str, *, display_name: str | None = None, phone: str | None = None) -> User:
    return accounts.register_user(
        username=username,
        password=PASSWORD,
        display_name=display_name or username,
        phone=phone,
        now=NOW,
    )


def community(slug: str, name: str, street: str = "和平南街道") -> Community:
    return places.ensure_community(
        city="海口市",
        district="美兰区",
        street=street,
        community=name,
        slug=slug,
        grids=["第一网格", "第二网格"],
    )


def roster_csv(*rows: str) -> bytes:
    header = "网格,地址,姓名,手机号,出生日期,类别\n"
    return ("\ufeff" + header + "".join(r + "\n" for r in rows)).encode("utf-8")


@dataclass
class World:
    """Two communities, a committee member of each, an admin, a verified resident of A, a
    verified resident of B, a registered but unverified account and an organization's account."""

    a: Community
    b: Community
    admin: User
    committee_a: User
    committee_b: User
    resident_a: User
    resident_b: User
    unverified: User
    organization: User

    def snapshot(self) -> Snapshot:
        return Snapshot(
            a_slug=self.a.slug,
            b_slug=self.b.slug,
            a_id=self.a.id,
            b_id=self.b.id,
            ids={
                name: getattr(self, name).id
                for name in (
                    "admin", "committee_a", "committee_b", "resident_a", "resident_b",
                    "unverified", "organization",
                )
            },
        )  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """Plain values of a World, usable outside the app context that built it."""

    a_slug: str
    b_slug: str
    a_id: int
    b_id: int
    ids: dict[str, int]


def verified_resident(
    username: str, place: Community, committee_member: User, name: str, address: str
) -> User:
    person = user(username)
    residency.import_roster(
        committee_member, place, roster_csv(f"第一网格,{address},{name},,1980-01-01,居住"), now=NOW
    )
    request = residency.request_verification(
        person,
        place,
        basis=Basis.LIVE,
        full_name=name,
        phone=None,
        birth_date=None,
        address=address,
        note="",
        now=NOW,
    )
    entry = residency.roster_matches(request)[0]
    residency.approve_verification(committee_member, request, roster_entry=entry, note="", now=NOW)
    return person


def world() -> World:
    a = community("zhenxing", "振兴社区")
    b = community("bailong", "白龙社区", street="白龙街道")
    admin = user("admin")
    accounts.bootstrap_admin(admin, now=NOW)
    committee_a = user("committee_a")
    accounts.add_committee_member(admin, committee_a, a, title="主任", now=NOW)
    committee_b = user("committee_b")
    accounts.add_committee_member(admin, committee_b, b, title="主任", now=NOW)
    resident_a = verified_resident("resident_a", a, committee_a, "王秀英", "1栋1单元101")
    resident_b = verified_resident("resident_b", b, committee_b, "符明", "2栋1单元201")
    unverified = user("unverified")
    org_user = user("organization")
    org = accounts.create_organization(
        admin, name="阳光助老服务中心", registration_no=None, community=a, now=NOW
    )
    accounts.add_organization_member(admin, org, org_user, now=NOW)
    return World(
        a, b, admin, committee_a, committee_b, resident_a, resident_b, unverified, org_user
    )


def empty_tables() -> None:
    """Every table emptied, children first, as the migrations left it; the schema stays."""
    db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # Proposals point to each other (merged_into): check once, at the end.
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
        # The one row a migrated database starts with.
        conn.execute(text("INSERT INTO content_versions (id, version) VALUES (1, 0)"))


def jpeg(width: int = 640, height: int = 480, color: str = "#b3261e") -> bytes:
    """A real photo's bytes, made on the spot."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


def cycle(place: Community, actor: User, *, phase: str = "collecting", **overrides: object):
    """A cycle of ``place`` that is in ``phase`` right now (real time: views use the clock)."""
    from datetime import timedelta

    from microprojects.models import utcnow
    from microprojects.services.cycles import CycleInput, create_cycle

    order = ["collecting", "screening", "voting", "publication", "implementation", "closed"]
    start = utcnow() - timedelta(days=1) - timedelta(days=10) * order.index(phase)
    dates = {f"{name}_at": start + timedelta(days=10) * i for i, name in enumerate(order)}
    values = {
        "title": "2026 年振兴社区微实事",
        "budget_fen": 300_000_00,
        "project_cap_fen": 100_000_00,
        "cap_engineering_fen": 100_000_00,
        "cap_service_fen": 50_000_00,
        "cap_goods_fen": 50_000_00,
        **dates,
        **overrides,
    }
    return create_cycle(actor, CycleInput(**values), community=place, now=utcnow())  # type: ignore[arg-type]


def proposal_input(**overrides: object):
    from microprojects.domain.cycles import ProjectType
    from microprojects.services.proposals import ProposalInput

    values = {
        "title": "报刊亭旁放两张石凳",
        "description": "老人买报后没有地方坐。",
        "category": "设施维修",
        "project_type": ProjectType.GOODS,
        "estimated_cost_fen": 3_000_00,
        "location": "振兴路报刊亭",
        **overrides,
    }
    return ProposalInput(**values)  # type: ignore[arg-type]


def proposal_with_comment(w: Snapshot):
    """A proposal by resident_a in A's collecting cycle, returned for revision (so its author
    may edit it), with a photo and a comment."""
    from microprojects.domain.cycles import Stance
    from microprojects.models import Community, utcnow
    from microprojects.services import comments, proposals

    place = db.session.get(Community, w.a_id)
    author = db.session.get(User, w.ids["resident_a"])
    committee = db.session.get(User, w.ids["committee_a"])
    c = cycle(place, committee)
    p = proposals.create_proposal(author, c, proposal_input(), submit=True, now=utcnow())
    comment = comments.post_comment(author, p, body="很需要", stance=Stance.SUPPORT, now=utcnow())
    proposals.return_for_revision(committee, p, message="请补充位置", now=utcnow())
    photo = proposals.add_photo(author, p, jpeg(), now=utcnow())
    return p, comment, photo


def assessed(committee: User, proposal, *, now: datetime | None = None, note: str = ""):
    """``proposal`` with the screening checklist answered by ``committee`` (feasible, every
    item yes), as approving and rejecting need. Returns the assessment."""
    from microprojects.domain.cycles import Feasibility
    from microprojects.models import utcnow
    from microprojects.services import proposals

    return proposals.assess(
        committee,
        proposal,
        answers=dict.fromkeys(proposal.cycle.checklist, True),
        feasibility=Feasibility.FEASIBLE,
        note=note,
        now=now or utcnow(),
    )


def approved(committee: User, proposal, *, now: datetime | None = None, note: str = "符合要求"):
    """``proposal`` assessed and approved for the ballot by ``committee``, with a public note."""
    from microprojects.models import utcnow
    from microprojects.services import proposals

    when = now or utcnow()
    assessed(committee, proposal, now=when)
    proposals.approve(committee, proposal, note=note, now=when)
    return proposal


def rejected(committee: User, proposal, *, reason: str, now: datetime | None = None):
    """``proposal`` assessed and rejected by ``committee`` with the public ``reason``."""
    from microprojects.models import utcnow
    from microprojects.services import proposals

    when = now or utcnow()
    assessed(committee, proposal, now=when)
    proposals.reject(committee, proposal, reason=reason, now=when)
    return proposal


def voting_cycle(place: Community, committee: User, *titles: str, **overrides: object):
    """A cycle of ``place`` in its voting phase now, with the given approved projects (made
    at moments of its past phases, as real use would have). Returns (cycle, proposals)."""
    from datetime import timedelta

    from microprojects.services import proposals

    c = cycle(place, committee, phase="voting", **overrides)
    author = verified_resident(
        f"author{c.id}", place, committee, f"提议人{c.id}", f"9栋{c.id}单元101"
    )
    made = []
    for i, title in enumerate(
        titles or ("报刊亭旁放两张石凳", "幸福巷安装路灯", "老年人智能手机课堂")
    ):
        p = proposals.create_proposal(
            author, c, proposal_input(title=title, estimated_cost_fen=(i + 1) * 10_000_00),
            submit=True, now=c.collecting_at + timedelta(hours=i + 1),
        )  # fmt: skip
        approved(committee, p, now=c.screening_at + timedelta(hours=1))
        made.append(p)
    return c, made


def counted_cycle(
    place: Community,
    committee: User,
    votes: tuple[tuple[int, ...], ...] = (),
    **overrides: object,
):
    """A cycle of ``place`` whose voting has just been closed and counted. ``votes`` lists
    each voter's choices as indexes into the three projects of :func:`voting_cycle` (costs
    10,000, 20,000 and 30,000 yuan of a 35,000 budget; by default they score 2, 1 and 1, so
    greedy funds the first two). Returns (cycle, proposals, count)."""
    from datetime import timedelta

    from microprojects.domain.ballots import Choice
    from microprojects.domain.phases import Phase
    from microprojects.models import utcnow
    from microprojects.services import counting, cycles, voting

    tally = {
        k: overrides.pop(k)
        for k in ("tally_rule", "tally_threshold", "tie_break")
        if k in overrides
    }
    c, made = voting_cycle(place, committee, budget_fen=35_000_00, **overrides)
    for key, value in tally.items():  # fixed before voting, as the settings page would
        setattr(c, key, value)
    db.session.commit()
    for n, chosen in enumerate(votes or ((0, 1), (0,), (2,))):
        voter = verified_resident(
            f"voter{c.id}x{n}", place, committee, f"投票人{n}", f"7栋{c.id}单元{n + 1:03d}"
        )
        voting.cast_ballot(
            voter,
            c,
            [Choice(str(made[i].id)) for i in chosen],
            now=c.voting_at + timedelta(hours=1),
        )
    cycles.change_phase(committee, c, phase=Phase.VOTING, reason="投票结束", now=utcnow())
    count = counting.run_count(committee, c, now=utcnow())
    return c, made, count


def final_cycle(place: Community, committee: User, **kwargs: object):
    """A counted cycle whose publication period has ended: its result is final and its funded
    projects (the first two of :func:`counted_cycle`) can be implemented.
    Returns (cycle, proposals, count)."""
    from microprojects.domain.phases import Phase
    from microprojects.models import utcnow
    from microprojects.services import cycles

    c, made, count = counted_cycle(place, committee, **kwargs)  # type: ignore[arg-type]
    cycles.change_phase(committee, c, phase=Phase.PUBLICATION, reason="公示期满", now=utcnow())
    return c, made, count


def implemented_project(place: Community, committee: User):
    """The first funded project of a final cycle, completed: 18,000 of its 10,000-yuan plan
    spent in two entries (12,000 + 6,000), one milestone done and one open, two updates.
    Returns (proposal, implementation)."""
    from datetime import date, timedelta

    from microprojects.models import utcnow
    from microprojects.services import implementation as impl

    _, made, _ = final_cycle(place, committee)
    project = made[0]
    record = impl.start(committee, project, now=utcnow())
    impl.update_details(committee, record, contractor="海口市美兰区某建筑公司",
                        planned_fen=10_000_00, now=utcnow())  # fmt: skip
    today = utcnow().date()
    impl.add_spending(committee, record, amount_fen=12_000_00, spent_on=today - timedelta(days=3),
                      note="材料费", now=utcnow())  # fmt: skip
    impl.add_spending(committee, record, amount_fen=6_000_00, spent_on=today,
                      note="人工费", now=utcnow())  # fmt: skip
    done = impl.add_milestone(committee, record, title="进场施工", planned_on=date(2026, 1, 5),
                              now=utcnow())  # fmt: skip
    impl.complete_milestone(committee, done, done_on=today - timedelta(days=2), now=utcnow())
    impl.add_milestone(committee, record, title="验收", planned_on=None, now=utcnow())
    impl.post_update(committee, record, body="已进场施工。", status="in_progress",
                     progress_pct=40, photos=[("before", jpeg())], now=utcnow())  # fmt: skip
    after = [("after", jpeg(color="#1a7f5a"))]
    impl.post_update(committee, record, body="已完工，等待验收。", status="completed",
                     progress_pct=100, photos=after, now=utcnow())  # fmt: skip
    return project, record


def resolution(committee: User, proposal, kind, *, passed: bool = True, held_at=None):
    """A resolution on ``proposal`` by its community's body of ``kind`` (made with three named
    members the first time): a meeting held at ``held_at`` (default: now), everyone present,
    three votes for (or against when not ``passed``). Returns the resolution."""
    from sqlalchemy import select

    from microprojects.domain.deliberation import BodyKind
    from microprojects.models import Body, utcnow
    from microprojects.services import deliberation as d

    kind = BodyKind(kind)
    now = utcnow()
    body = db.session.scalar(
        select(Body).filter_by(community_id=proposal.community_id, kind=kind).order_by(Body.id)
    )
    if body is None:
        body = d.create_body(
            committee, proposal.community, d.default_body_input(kind, f"{kind.value}议事"), now=now
        )
        for name in ("陈代表", "林代表", "黄代表"):
            d.add_member(committee, body, name=name, now=now)
    meeting = d.schedule_meeting(
        committee,
        body,
        d.MeetingInput(title="议事会议", starts_at=held_at or now, proposal_ids=(proposal.id,)),
        now=now,
    )
    d.record_attendance(committee, meeting, {a.member_id: "present" for a in meeting.attendance},
                        now=now)  # fmt: skip
    votes = d.VoteInput(3, 0, 0) if passed else d.VoteInput(0, 3, 0)
    return d.record_vote(committee, meeting, meeting.items[0], votes, now=now)


def shortlist_cycle(place: Community, committee: User, *, days: int = 5, **overrides: object):
    """A cycle of ``place`` in screening now (voting in 9 days) with a shortlist 公示 of
    ``days``, and two proposals submitted while collecting: the first approved, the second
    rejected by ``committee`` now. Returns (cycle, approved, rejected)."""
    from datetime import timedelta

    from microprojects.models import utcnow
    from microprojects.services import proposals

    c = cycle(place, committee, phase="screening", shortlist_days=days, **overrides)
    author = verified_resident(
        f"slauthor{c.id}", place, committee, f"提议人{c.id}", f"8栋{c.id}单元101"
    )
    made = [
        proposals.create_proposal(
            author,
            c,
            proposal_input(title=title),
            submit=True,
            now=c.collecting_at + timedelta(hours=i + 1),
        )
        for i, title in enumerate(("幸福巷安装路灯", "篮球场换新篮板"))
    ]
    approved(committee, made[0], now=utcnow())
    rejected(committee, made[1], reason="不属于本社区的公共区域", now=utcnow())
    return c, made[0], made[1]


def pdf(text: str = "Acceptance record") -> bytes:
    """A small valid PDF of one page, made on the spot."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
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
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def contracted_project(place: Community, committee: User, *, organization=None,
                       amount_fen: int = 8_000_00):  # fmt: skip
    """The first funded project of a final cycle, in progress, planned at 10,000 yuan, with a
    delivery contract of ``amount_fen`` (8,000 yuan) with ``organization``, or with a named
    company when None. Returns (proposal, implementation, contract)."""
    from datetime import timedelta

    from microprojects.models import utcnow
    from microprojects.services import contracts
    from microprojects.services import implementation as impl

    _, made, _ = final_cycle(place, committee)
    project = made[0]
    record = impl.start(committee, project, now=utcnow())
    if record.planned_fen != 10_000_00:
        impl.update_details(committee, record, contractor="", planned_fen=10_000_00,
                            now=utcnow())  # fmt: skip
    impl.post_update(committee, record, body="已进场施工。", status="in_progress",
                     progress_pct=10, now=utcnow())  # fmt: skip
    today = utcnow().date()
    contract = contracts.record_contract(
        committee, record,
        contracts.ContractTerms(
            organization_id=organization.id if organization is not None else None,
            company_name="" if organization is not None else "海口市美兰区某建筑公司",
            number="ZX-2026-07", amount_fen=amount_fen, signed_on=today - timedelta(days=5),
            starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=60),
            deliverables="更换12盏太阳能路灯，含基座与一年维保。",
        ),
        now=utcnow(),
    )  # fmt: skip
    return project, record, contract


def funded_records(place: Community, committee: User):
    """A final cycle of ``place`` (in implementation) with both its funded projects' records
    opened: planned at their costs of 10,000 and 20,000 yuan, no payment yet.
    Returns (cycle, [record, record])."""
    from microprojects.models import utcnow
    from microprojects.services import implementation as impl

    c, made, _ = final_cycle(place, committee)
    records = [impl.start(committee, p, now=utcnow()) for p in made[:2]]
    return c, records


def packages_around(committee: User, record):
    """Procurement packages in the cycle of ``record`` (a funded project's record, its cycle in
    implementation): one holding ``record``, one open with nothing in it yet, one empty to be
    deleted; the cycle's other funded project's record opened, in no package.
    Returns (package, open_package, empty_package, spare_record)."""
    from sqlalchemy import select

    from microprojects.models import CountOutcome, Implementation, Proposal, utcnow
    from microprojects.services import implementation as impl
    from microprojects.services import packages

    other = db.session.scalar(
        select(Proposal)
        .join(CountOutcome, CountOutcome.proposal_id == Proposal.id)
        .where(
            Proposal.cycle_id == record.cycle_id,
            Proposal.id != record.proposal_id,
            CountOutcome.funded,
        )
        .limit(1)
    )
    spare = db.session.scalar(select(Implementation).filter_by(proposal_id=other.id))
    spare = spare or impl.start(committee, other, now=utcnow())
    cycle = record.proposal.cycle
    package = packages.create_package(
        committee, cycle, name="路灯工程包", kind="engineering", now=utcnow()
    )
    packages.add_project(committee, package, record.id, now=utcnow())
    open_package = packages.create_package(
        committee, cycle, name="保洁服务包", kind="services", now=utcnow()
    )
    empty = packages.create_package(committee, cycle, name="备用包", kind="goods", now=utcnow())
    return package, open_package, empty, spare


def street_cycle_in_implementation(admin: User, place: Community):
    """A cycle of ``place``'s street, made by the administrator, in implementation right now."""
    from datetime import timedelta

    from microprojects.models import utcnow
    from microprojects.services.cycles import CycleInput, create_cycle

    order = ["collecting", "screening", "voting", "publication", "implementation", "closed"]
    start = utcnow() - timedelta(days=41)
    dates = {f"{name}_at": start + timedelta(days=10) * i for i, name in enumerate(order)}
    data = CycleInput(title="2026 年和平南街道微实事", budget_fen=1_000_000_00, **dates)  # type: ignore[arg-type]
    return create_cycle(admin, data, street=place.street, now=utcnow())
