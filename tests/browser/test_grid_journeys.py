"""A grid worker's day, in a real browser: the committee gives them a grid, their list on a
phone before and after a household claims its code and a resident votes, a proposal brought to
the door, and the committee ending the assignment."""

from __future__ import annotations

import factories as f
from sqlalchemy import select
from webclient import audit_pages, log_in, need_axe, observe, shot

from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import Community, Cycle, HouseholdCode, RosterEntry, User, utcnow
from microprojects.services import grid_work, residency, voting


def test_a_grid_workers_list_before_and_after(browser, base_url, fresh_db, page, watch):
    with fresh_db.app_context():
        w = f.world()
        residency.import_roster(
            w.committee_a,
            w.a,
            f.roster_csv(
                "第一网格,5栋1单元101,张建国,,1950-03-01,居住",
                "第一网格,5栋1单元101,张丽,,1978-06-01,居住",
                "第一网格,5栋2单元202,陈阿婆,,1940-01-01,居住",
                "第二网格,6栋1单元101,吴强,,1970-01-01,居住",
            ),
            now=f.NOW,
        )
        residency.issue_codes(w.committee_a, w.a, now=f.NOW)
        voting_cycle, projects = f.voting_cycle(w.a, w.committee_a)
        collecting = f.cycle(w.a, w.committee_a, title="2027 年振兴社区微实事")
        voting_id, project_id, on_ballot = voting_cycle.id, projects[0].id, projects[0].title
        grid_id, place_id = w.a.grids[0].id, w.a.id
        assert collecting.phase(utcnow()) == "collecting"
        f.user("someone", display_name="王网格")

    # The committee gives `someone` the first grid.
    log_in(page, "committee_a")
    page.goto("/c/zhenxing/committee/grid-workers")
    page.get_by_label("账号的登录名或手机号").fill("someone")
    page.get_by_label("网格", exact=True).select_option(label="第一网格")
    page.get_by_role("button", name="指定为该网格的网格员").click()
    assert "王网格 已成为第一网格的网格员" in page.locator(".flash-success").inner_text()
    assert "王网格" in page.locator("table").first.inner_text()
    shot(page, "grid-workers-given")

    # The worker, on a phone: from the home page to the grid's list.
    phone = observe(
        browser.new_context(
            base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
        ).new_page(),
        watch,
    )
    log_in(phone, "someone")
    phone.goto("/")
    phone.get_by_role("link", name="我的网格：该走访谁").click()
    phone.get_by_role("link", name="振兴社区 · 第一网格").click()
    unverified = phone.locator("#unverified")
    assert "5栋2单元202" in unverified.inner_text() and "陈阿婆" in unverified.inner_text()
    assert "吴强" not in phone.locator("main").inner_text()
    not_voted = phone.locator(f"#voting-{voting_id}")
    assert "陈阿婆" in not_voted.inner_text()
    before = not_voted.locator(".big-number").inner_text()
    assert "中已有 0 人参与" in before
    assert on_ballot not in phone.locator("main").inner_text()
    # Nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "grid-work-before-phone")

    # 陈阿婆 claims the code the worker handed her, and votes.
    with fresh_db.app_context():
        entry = db.session.scalars(select(RosterEntry).filter_by(full_name="陈阿婆")).one()
        code = db.session.scalars(select(HouseholdCode).filter_by(roster_entry_id=entry.id)).one()
        chen = f.user("chenapo", display_name="陈阿婆")
        place = db.session.get(Community, place_id)
        residency.claim_code(chen, place, code.code, now=utcnow())
        chen = db.session.get(User, chen.id)
        voting.cast_ballot(
            chen, db.session.get(Cycle, voting_id), [Choice(str(project_id))], now=utcnow()
        )

    phone.reload()
    assert "5栋2单元202" not in phone.locator("#unverified").inner_text()
    not_voted = phone.locator(f"#voting-{voting_id}")
    assert "陈阿婆" not in not_voted.inner_text()
    assert "中已有 1 人参与" in not_voted.locator(".big-number").inner_text()
    shot(phone, "grid-work-after-phone")

    # A resident tells the worker of a need at her door: without consent, the form says so.
    phone.goto(f"/grid/{grid_id}")
    phone.get_by_role("link", name="上门代录提议").click()
    phone.get_by_label("本网格名册上的居民（可不选）").select_option(label="张丽 · 5栋1单元101")
    phone.get_by_label("标题").fill("楼道加装扶手")
    phone.get_by_label("要做什么，为什么").fill("老人上下楼不便，楼道需要扶手。")
    phone.get_by_label("预估费用（元）").fill("3000")
    phone.get_by_role("button", name="录入并提交").click()
    assert "请先征得居民同意" in phone.locator(".consent").inner_text()
    shot(phone, "grid-door-proposal-consent-missing-phone")
    phone.get_by_label("居民同意由网格员代为提交并公开其姓名").check()
    phone.get_by_role("button", name="录入并提交").click()
    phone.wait_for_url("**/proposals/*")
    assert "网格员 王网格 上门代 张丽 提交" in phone.locator("main").inner_text()
    shot(phone, "grid-door-proposal-page-phone")

    # The committee ends the assignment: the worker's next request is refused.
    page.goto("/c/zhenxing/committee/grid-workers")
    page.get_by_role("button", name="结束：王网格，第一网格").click()
    assert "任务已结束" in page.locator(".flash-success").inner_text()
    assert "已结束的任务" in page.locator("main").inner_text()
    shot(page, "grid-workers-ended")
    answer = phone.goto(f"/grid/{grid_id}")
    assert answer is not None and answer.status == 403
    assert "我的网格" not in phone.locator("header").inner_text()
    shot(phone, "grid-work-refused-phone")


def test_grid_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    with fresh_db.app_context():
        w = f.world()
        residency.import_roster(
            w.committee_a, w.a, f.roster_csv("第一网格,5栋2单元202,陈阿婆,,1940-01-01,居住"),
            now=f.NOW,
        )  # fmt: skip
        residency.issue_codes(w.committee_a, w.a, now=f.NOW)
        f.voting_cycle(w.a, w.committee_a)
        collecting_id = f.cycle(w.a, w.committee_a).id
        f.user("someone", display_name="王网格")
        grid_work.give_assignment(w.committee_a, w.a.grids[0], "someone", now=f.NOW)
        grid_id = w.a.grids[0].id
    visits = (
        ("someone", ["/grid", f"/grid/{grid_id}", f"/grid/{grid_id}/propose/{collecting_id}"]),
        ("committee_a", ["/c/zhenxing/committee/grid-workers"]),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
