"""The demo city, loaded once per backend: coherent with the moment it is loaded (nothing dated
after it, milestones in order, each report on the project it is about, each cycle in the phase
the README gives it), and every account of the README's table able to do what the table says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import empty_tables
from flask import Flask
from sqlalchemy import Date, DateTime, func, select
from webclient import login, post

from microprojects import config as configs
from microprojects import create_app
from microprojects.cli.demo import DEMO_PASSWORD, load_demo
from microprojects.extensions import db, limiter
from microprojects.models import (
    Comment,
    Community,
    Count,
    Cycle,
    Implementation,
    Objection,
    Participation,
    ProblemReport,
    Proposal,
    User,
    utcnow,
)

README = Path(__file__).resolve().parents[2] / "README.md"

# The dates a cycle is planned by: the phases to come are after today, as they should be.
PLANS = {("cycles", name) for name in (
    "collecting_at", "screening_at", "voting_at", "publication_at", "implementation_at",
    "closed_at",
)} | {("milestones", "planned_on"), ("delivery_contracts", "ends_on")}  # fmt: skip


@dataclass
class Demo:
    app: Flask
    now: datetime  # the moment the demo was loaded for
    done: datetime  # the moment the load ended
    progress: list[str] = field(default_factory=list)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, instance_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    url = request.getfixturevalue(f"{request.param}_url")
    config = configs.TestConfig(url, instance_path=str(instance_dir))
    config.UPLOAD_FOLDER = str(tmp_path_factory.mktemp("demo-uploads"))
    app = create_app(config)
    lines: list[str] = []
    with app.app_context():
        empty_tables()
        now = utcnow()
        load_demo(now=now, progress=lines.append)
        loaded = Demo(app, now, utcnow(), lines)
    limiter.reset()
    yield loaded
    with app.app_context():
        empty_tables()
        db.engine.dispose()


def test_the_load_says_each_step_with_its_counts(demo):
    said = "\n".join(demo.progress)
    assert len(demo.progress) >= 10
    assert "5 communities" in said
    assert re.search(r"residents: 振兴社区, \d+ on the roster", said)
    assert re.search(r"cycle: \d{4} 年白龙社区微实事, voting, 4 proposals", said)
    assert re.search(r"ballots: \d{4} 年白龙社区微实事, \d+", said)


def test_zhenxing_has_a_wish_of_each_answer(demo):
    from microprojects.models import Wish

    with demo.app.app_context():
        rows = db.session.scalars(select(Wish).order_by(Wish.id)).all()
        assert {w.community.slug for w in rows} == {"zhenxing"}
        assert sorted(w.status.value for w in rows) == ["declined", "open", "referred", "taken"]
        referred = next(w for w in rows if w.status.value == "referred")
        assert referred.referred_to.startswith("12345")
        assert [w.status.value for w in rows if w.photo_filename] == ["open"]


def test_nothing_is_dated_after_the_load(demo):
    """No record was made, submitted, answered or published after the demo was loaded; only a
    cycle's phases to come and a milestone's planned day lie ahead, as plans."""
    today = demo.done.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai"))
    late: list[str] = []
    with demo.app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if (table.name, column.name) in PLANS:
                    continue
                if isinstance(column.type, DateTime):
                    limit: datetime | date = demo.done
                elif isinstance(column.type, Date):
                    limit = today.date()
                else:
                    continue
                latest = db.session.scalar(select(func.max(column)))
                if latest is not None and latest > limit:
                    late.append(f"{table.name}.{column.name}: {latest} > {limit}")
    assert not late


def test_every_event_falls_in_its_phase(demo):
    with demo.app.app_context():
        for cycle in db.session.scalars(select(Cycle)):
            for proposal in _proposals(cycle):
                if proposal.submitted_at is not None:
                    assert cycle.collecting_at <= proposal.submitted_at < cycle.screening_at
            for comment in db.session.scalars(
                select(Comment).join(Proposal).where(Proposal.cycle_id == cycle.id)
            ):
                assert cycle.collecting_at <= comment.created_at < cycle.voting_at
            for when in db.session.scalars(
                select(Participation.day).where(Participation.cycle_id == cycle.id)
            ):
                assert cycle.voting_at.date() <= when <= cycle.publication_at.date()
            for counted in db.session.scalars(select(Count).where(Count.cycle_id == cycle.id)):
                assert counted.created_at >= cycle.publication_at
            for objection in db.session.scalars(
                select(Objection).where(Objection.cycle_id == cycle.id)
            ):
                assert cycle.publication_at <= objection.created_at < cycle.implementation_at
        # Accounts came before what they did.
        for proposal in db.session.scalars(select(Proposal)):
            assert proposal.author is None or proposal.author.created_at <= proposal.created_at
            assert proposal.cycle.created_at <= proposal.created_at


def test_milestones_and_updates_come_in_order(demo):
    today = demo.done.date()
    with demo.app.app_context():
        records = list(db.session.scalars(select(Implementation)))
        assert records
        for record in records:
            milestones = sorted(record.milestones, key=lambda m: m.position)
            planned = [m.planned_on for m in milestones if m.planned_on]
            assert planned == sorted(planned), record.proposal.title
            done = [m.done_on for m in milestones if m.done_on]
            assert done == sorted(done), record.proposal.title
            # Done in the order they come: none done while an earlier one waits.
            assert [m.done_on is not None for m in milestones] == sorted(
                (m.done_on is not None for m in milestones), reverse=True
            )
            assert all(record.created_at.date() <= day <= today for day in done)
            steps = ["in_progress", "completed", "accepted"]
            statuses = [u.status for u in sorted(record.updates, key=lambda u: u.created_at)]
            # Several updates may report one status (a supplier's, approved, among them).
            moves = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
            assert moves == steps[: len(moves)], record.proposal.title


# What a report says names what it is about: a lamp, the shade's canvas, a teacher, a meal.
TOPICS = {"声控灯": "灯", "遮阳棚": "篷布", "托管班": "老师", "助餐": "饭"}


def test_each_report_and_comment_is_about_its_project(demo):
    with demo.app.app_context():
        reports = list(db.session.scalars(select(ProblemReport)))
        assert reports
        for report in reports:
            reported = db.session.get(Proposal, report.proposal_id)
            assert reported is not None
            title = reported.title
            about = [word for key, word in TOPICS.items() if key in title]
            assert about and about[0] in report.body, (title, report.body)
            others = [word for key, word in TOPICS.items() if key not in title]
            assert not [word for word in others if word in report.body], (title, report.body)
            assert report.answered_at is None or report.answered_at >= report.created_at
        for objection in db.session.scalars(select(Objection)):
            if objection.proposal_id is not None:
                proposal = db.session.get(Proposal, objection.proposal_id)
                assert proposal is not None and proposal.title in objection.reason
        # In the deliberation, a word of one proposal is not said under another.
        words = ["石凳", "减速带", "巷子"]
        for comment in db.session.scalars(select(Comment)):
            proposal = db.session.get(Proposal, comment.proposal_id)
            assert proposal is not None
            text = proposal.title + proposal.description + (proposal.location or "")
            for word in words:
                if word in comment.body:
                    assert word in text or word[0] in text, (proposal.title, comment.body)


# The README: "文庄社区 collecting proposals, 振兴社区 in screening, 白龙社区 voting, 龙峰社区
# publishing results, 海达社区 implementing one cycle with another closed, and a street-wide
# 和平南街道 cycle" (collecting).
README_PHASES = {
    "文庄社区": ["collecting"],
    "振兴社区": ["screening"],
    "白龙社区": ["voting"],
    "龙峰社区": ["publication"],
    "海达社区": ["closed", "implementation"],
    "和平南街道": ["collecting"],
}


def test_each_cycle_is_in_the_phase_the_readme_says(demo):
    text = README.read_text(encoding="utf-8")
    for place in README_PHASES:
        assert place in text
    with demo.app.app_context():
        phases: dict[str, list[str]] = {}
        for cycle in db.session.scalars(select(Cycle)):
            place = cycle.community.name if cycle.community else cycle.street.name
            phases.setdefault(place, []).append(cycle.phase(demo.done).value)
            # Still so an hour later: nobody finds a phase just ended on opening the demo.
            assert cycle.phase(demo.done + timedelta(hours=1)) == cycle.phase(demo.done)
        assert {place: sorted(found) for place, found in phases.items()} == README_PHASES
        # The README says which cycle is screened by resolution (四议两公开); only that one is.
        assert "文庄社区 collecting proposals (to be screened by\nresolution, 四议两公开)" in text
        modes = {c.scope_name: c.screening_mode.value for c in db.session.scalars(select(Cycle))}
        assert {place for place, mode in modes.items() if mode == "resolution"} == {"文庄社区"}


# --- the README's table: each account does what it says -------------------------------------


def _proposals(cycle: Cycle) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.cycle_id == cycle.id)))


def _cycle_of(place: str) -> Cycle:
    found = db.session.scalar(
        select(Cycle).join(Community).where(Community.name == place).order_by(Cycle.id.desc())
    )
    assert found is not None
    return found


def _street_cycle() -> Cycle:
    found = db.session.scalar(select(Cycle).where(Cycle.community_id.is_(None)))
    assert found is not None
    return found


def _committee(browser: Any, slug: str) -> None:
    page = browser.get(f"/c/{slug}/committee")
    assert page.status_code == 200


def _propose(browser: Any, cycle: Cycle) -> None:
    page = browser.get(f"/cycles/{cycle.id}/propose")
    assert page.status_code == 200, page.headers.get("Location")
    assert 'name="title"' in page.get_data(as_text=True)


def _may_not_propose(browser: Any, cycle: Cycle) -> None:
    assert browser.get(f"/cycles/{cycle.id}/propose").status_code == 302


def _vote(browser: Any, cycle: Cycle) -> None:
    page = browser.get(f"/cycles/{cycle.id}/vote")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'action="/cycles/{cycle.id}/vote/review"' in body
    assert 'class="warn"' not in body
    # The review offers the cast: she has not voted yet.
    project = next(p for p in _proposals(cycle) if p.state.value == "approved")
    review = post(browser, f"/cycles/{cycle.id}/vote/review", {"p": str(project.id)})
    assert review.status_code == 200
    assert f'action="/cycles/{cycle.id}/vote/cast"' in review.get_data(as_text=True)


def _screen(browser: Any, cycle: Cycle) -> None:
    page = browser.get(f"/c/zhenxing/committee/cycles/{cycle.id}/screening")
    assert page.status_code == 200
    # A 5-day shortlist 公示 not published yet: the committee sees its button, and screens.
    assert cycle.shortlist_days == 5 and "发布候选项目公示</button>" in page.get_data(as_text=True)
    submitted = [p for p in _proposals(cycle) if p.state.value == "submitted"]
    assert submitted
    detail = browser.get(f"/proposals/{submitted[0].id}").get_data(as_text=True)
    assert f'action="/proposals/{submitted[0].id}/approve"' in detail


def _see_draft(browser: Any, cycle: Cycle) -> None:
    drafts = [p for p in _proposals(cycle) if p.state.value == "draft"]
    assert drafts
    assert browser.get(f"/proposals/{drafts[0].id}").status_code == 200


def _verified(browser: Any, community: str) -> None:
    page = browser.get("/account").get_data(as_text=True)
    assert f"您是{community}的认证居民" in page


def _waiting(browser: Any, community: str) -> None:
    page = browser.get("/account").get_data(as_text=True)
    assert f"您向{community}提交的申请正等待居务协商会审核" in page


def _admin(browser: Any) -> None:
    assert browser.get("/admin").status_code == 200


def _not_verified(browser: Any) -> None:
    assert "尚未" in browser.get("/account").get_data(as_text=True)
    _may_not_propose(browser, _cycle_of("文庄社区"))


def _grid_work(browser: Any, grid: str) -> None:
    """The grid worker's list: who to visit, and while 白龙社区 votes, who has not voted yet."""
    listing = browser.get("/grid").get_data(as_text=True)
    path = re.search(r'href="(/grid/\d+)"[^>]*>' + grid, listing)
    assert path is not None, listing
    page = browser.get(path.group(1)).get_data(as_text=True)
    assert "尚未投票" in page and "人参与" in page
    assert browser.get("/c/bailong/committee").status_code == 403


def _check(name: str, browser: Any) -> None:
    """What the README's table says ``name`` does, done in ``browser`` (logged in)."""
    chairs = {"chenhong": "wenzhuang", "fuqiang": "bailong", "wufang": "longfeng",
              "xingjun": "haida"}  # fmt: skip
    if name == "admin":
        _admin(browser)
    elif name == "zhangwei":
        _committee(browser, "zhenxing")
        _screen(browser, _cycle_of("振兴社区"))
    elif name == "linli":
        _committee(browser, "zhenxing")
    elif name in chairs:
        _committee(browser, chairs[name])
    elif name == "wangxiuying":
        _verified(browser, "振兴社区")
        _see_draft(browser, _cycle_of("振兴社区"))
    elif name == "13907550002":
        _verified(browser, "白龙社区")
        _vote(browser, _cycle_of("白龙社区"))
    elif name in {"zhenxing01", "bailong01"}:
        _verified(browser, {"zhenxing01": "振兴社区", "bailong01": "白龙社区"}[name])
    elif name == "wenzhuang01":
        _verified(browser, "文庄社区")
        _propose(browser, _cycle_of("文庄社区"))
    elif name in {"fuming", "lihaiyan", "yunxiaodong"}:
        _waiting(browser, "振兴社区")
    elif name == "yangguang":
        _propose(browser, _street_cycle())
        assert "长者上门理发" in browser.get("/offers/mine").get_data(as_text=True)
        contracts = browser.get("/organization/contracts").get_data(as_text=True)
        assert "独居老人助餐服务" in contracts and "等待居务协商会审核" in contracts
    elif name == "visitor":
        _not_verified(browser)
    elif name == "wanggrid":
        _grid_work(browser, "白龙社区 · 第一网格")
    else:
        raise AssertionError(f"the README names {name}, which no test checks")


def readme_accounts() -> list[str]:
    """The login names of the README's demo table, in its order."""
    text = README.read_text(encoding="utf-8")
    table = text.split("Every demo account's password is", 1)[1].split("\n\n", 2)[1]
    names: list[str] = []
    for row in table.splitlines()[2:]:
        for name in re.findall(r"`([^`]+)`", row):
            if name not in names and name != "…":
                names.append(name)
    return names


def test_the_readme_table_names_accounts_and_their_password():
    names = readme_accounts()
    assert {"admin", "zhangwei", "wangxiuying", "13907550002", "wenzhuang01", "visitor"} <= set(
        names
    )
    assert f"`{DEMO_PASSWORD}`" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", readme_accounts())
def test_each_readme_account_does_what_the_table_says(demo, name):
    browser = demo.app.test_client()
    login(browser, name, DEMO_PASSWORD)
    with demo.app.app_context():
        user = db.session.scalar(select(User).where(User.deleted_at.is_(None)).where(
            (User.username == name) | (User.phone == name)))  # fmt: skip
        assert user is not None
        # A name the README gives as a phone number logs in by phone, with a name of her own.
        if name.isdigit():
            assert not user.chose_login
            assert user.display_name == "符小梅"
        _check(name, browser)


@pytest.mark.parametrize("hour", [0, 1, 2, 15, 16, 23])
def test_phases_change_at_nine_in_the_morning_in_hainan(hour):
    from microprojects.cli.demo_proposals import opening

    now = datetime(2026, 12, 5, hour, 30)
    morning = opening(now)
    assert now - timedelta(days=1) < morning <= now
    local = morning.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (9, 0)


def test_haidas_implementing_cycle_has_a_project_accepted_with_documents_and_paper_answers(demo):
    from microprojects.models import Acceptance, PaperSurvey

    with demo.app.app_context():
        found = db.session.scalars(select(Acceptance)).all()
        assert len(found) == 1
        inspection = found[0]
        record = inspection.implementation
        assert record.proposal.cycle.community.name == "海达社区"
        assert record.proposal.cycle.closed_at > utcnow()  # the cycle still implementing
        assert inspection.result == "accepted" and record.status == "accepted"
        assert sorted(d.mime for d in inspection.documents) == ["application/pdf", "image/jpeg"]
        assert {i.role for i in inspection.inspectors} == {"committee", "resident", "supplier"}
        surveys = db.session.scalars(select(PaperSurvey)).all()
        assert [s.implementation_id for s in surveys] == [record.id]


def test_the_service_menu_has_offers_of_each_status_and_a_proposal_from_one(demo):
    from microprojects.models import Proposal, ServiceOffer

    with demo.app.app_context():
        rows = db.session.scalars(select(ServiceOffer).order_by(ServiceOffer.id)).all()
        assert sorted(o.status.value for o in rows) == [
            "approved",
            "approved",
            "pending",
            "refused",
        ]
        assert {o.scope for o in rows if o.status.value == "approved"} == {"city", "street"}
        assert len({o.organization_id for o in rows}) == 2
        assert all(o.refusal_reason for o in rows if o.status.value == "refused")
        [made] = db.session.scalars(select(Proposal).where(Proposal.offer_id.is_not(None))).all()
        assert made.cycle.phase(demo.now).value == "collecting"
        assert made.estimated_cost_fen == made.offer_price_fen * made.offer_quantity


def test_haidas_project_under_way_has_its_contract_paid_in_part_and_an_update_waiting(demo):
    from microprojects.models import DeliveryContract, ProgressUpdate, Spending

    with demo.app.app_context():
        [contract] = db.session.scalars(select(DeliveryContract)).all()
        record = contract.implementation
        assert record.proposal.community.name == "海达社区" and record.status == "in_progress"
        assert contract.supplier == "海口市美兰区阳光助老服务中心" == record.contractor
        assert 0 < contract.amount_fen <= record.planned_fen
        paid = db.session.scalars(select(Spending).filter_by(contract_id=contract.id)).all()
        assert len(paid) == 1 and paid[0].amount_fen < contract.amount_fen
        reviews = sorted(
            u.review_status
            for u in db.session.scalars(
                select(ProgressUpdate).where(ProgressUpdate.organization_id.is_not(None))
            )
        )
        assert reviews == ["pending", "published"]
        # The supplier sees it on its page.
        client = demo.app.test_client()
        login(client, "yangguang", DEMO_PASSWORD)
        page = client.get("/organization/contracts").get_data(as_text=True)
        assert record.proposal.title in page and "等待居务协商会审核" in page


def test_haida_buys_its_projects_in_two_packages(demo):
    from microprojects.models import DeliveryContract, ProcurementPackage

    with demo.app.app_context():
        rows = db.session.scalars(select(ProcurementPackage).order_by(ProcurementPackage.id)).all()
        assert [(p.kind.value, len(p.items), p.has_supplier) for p in rows] == [
            ("engineering", 1, True),
            ("services", 1, True),
        ]
        works, meals = rows
        assert works.supplier == "美兰区市政工程队"
        # The meal service is bought from the organization its contract then names.
        [contract] = db.session.scalars(select(DeliveryContract)).all()
        assert meals.items[0].implementation_id == contract.implementation_id
        assert meals.supplier == contract.supplier == "海口市美兰区阳光助老服务中心"
        assert works.awarded_fen <= sum(works.planned)
        assert {p.cycle.community.slug for p in rows} == {"haida"}
        lights = works.items[0].implementation.proposal_id
        cycle_id = works.cycle_id
    client = demo.app.test_client()
    page = client.get(f"/proposals/{lights}").get_data(as_text=True)
    assert (
        "采购包：" in page
        and "海达社区楼道照明工程包" in page
        and "供应商：美兰区市政工程队" in page
    )
    listing = client.get(f"/cycles/{cycle_id}/packages").get_data(as_text=True)
    assert "海达社区长者助餐服务包" in listing and "海口市美兰区阳光助老服务中心" in listing
