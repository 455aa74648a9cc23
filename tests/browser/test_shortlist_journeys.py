"""The shortlist's 公示 before voting, in a real browser: the committee publishes the list, a
resident objects on a phone about a rejected proposal and about the list as a whole, the
committee upholds the first (reopening the proposal) and dismisses the second, decides the
reopened proposal again, and the resident reads both answers. The pages pass an axe audit."""

from __future__ import annotations

import factories as f
from webclient import axe_problems, log_in, need_axe, shot


def _screening(app):
    """A screening cycle of community A with a 5-day shortlist 公示, one proposal approved and
    one rejected."""
    with app.app_context():
        w = f.world()
        c, approved, rejected = f.shortlist_cycle(w.a, w.committee_a)
        return c.id, approved.id, rejected.id, w.a.slug


def _objection_ids(app, cycle_id):
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import ShortlistObjection

    with app.app_context():
        rows = db.session.execute(
            select(ShortlistObjection.id, ShortlistObjection.proposal_id)
            .where(ShortlistObjection.cycle_id == cycle_id)
            .order_by(ShortlistObjection.id)
        ).all()
        return [(r.id, r.proposal_id) for r in rows]


def test_publish_object_uphold_reopen_decide_again(browser, base_url, fresh_db, page, watch):
    cycle_id, _approved_id, rejected_id, slug = _screening(fresh_db)
    # The committee publishes the shortlist from its cycle page.
    log_in(page, "committee_a")
    page.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
    section = page.locator(".shortlist-committee").inner_text()
    assert "候选项目尚未公示" in section and "最晚要在" in section
    assert "居务协商会发布候选项目公示" in section
    shot(page, "shortlist-committee-before")
    page.get_by_role("button", name="发布候选项目公示").click()
    assert "不能再改动" in page.locator("main").inner_text()  # what cannot be undone
    shot(page, "shortlist-confirm")
    page.get_by_role("button", name="确定，发布候选项目公示").click()
    page.wait_for_url(f"**/cycles/{cycle_id}/shortlist")
    text = page.locator("main").inner_text()
    assert "候选项目公示中，可以提出异议" in text and "不属于本社区的公共区域" in text

    # A resident reads it on a phone and objects twice.
    phone_context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    phone = phone_context.new_page()
    log_in(phone, "resident_a")
    phone.goto(f"/cycles/{cycle_id}/shortlist")
    assert "篮球场换新篮板" in phone.locator("main").inner_text()
    shot(phone, "shortlist-phone")
    phone.get_by_label("针对哪个提议（可不选）").select_option(label="篮球场换新篮板 · 未采纳")
    phone.get_by_label("您的异议及理由").fill("篮板在小区公共活动场地上，属于本社区。")
    phone.get_by_role("button", name="提出异议").click()
    assert "您的异议已提交" in phone.locator("main").inner_text()
    phone.get_by_label("您的异议及理由").fill("名单应当多列几个项目。")
    phone.get_by_role("button", name="提出异议").click()
    (about_rejected, _), (about_list, _) = _objection_ids(fresh_db, cycle_id)

    # The committee upholds the first and reopens the proposal, and dismisses the second.
    page.goto(f"/cycles/{cycle_id}/shortlist")
    first = page.locator(f"#objection-{about_rejected}")
    first.get_by_label("成立：异议有道理").check()
    first.get_by_label("公开答复").fill("经现场核实，场地属于本社区，重新审核。")
    first.get_by_label("让这个提议在投票前重新审核").check()
    first.get_by_role("button", name="公开答复").click()
    page.wait_for_url("**#objection-*")
    second = page.locator(f"#objection-{about_list}")
    second.get_by_label("不成立：名单不变").check()
    second.get_by_label("公开答复").fill("名单按审核结果公示，预算只够这些项目。")
    second.get_by_role("button", name="公开答复").click()
    page.wait_for_url("**#objection-*")
    assert "因异议成立，重新审核中" in page.locator("main").inner_text()
    shot(page, "shortlist-answered")

    # The reopened proposal is decided again, on its own page.
    page.goto(f"/proposals/{rejected_id}")
    page.get_by_label("通过理由（公开）").fill("经现场核实，场地属于本社区，列入投票。")
    page.get_by_role("button", name="审核通过，列入投票").click()
    page.get_by_role("button", name="确定，审核通过并列入投票").click()
    assert "因异议成立，重新审核" in page.locator("main").inner_text()  # its decision log

    # The resident reads both answers.
    phone.goto(f"/cycles/{cycle_id}/shortlist")
    objections = phone.locator("#objections").inner_text()
    assert "经现场核实，场地属于本社区，重新审核。" in objections
    assert "名单按审核结果公示，预算只够这些项目。" in objections
    assert "已采纳" in objections and "不予采纳" in objections and "已重新审核" in objections
    approved_list = phone.locator("main").inner_text()
    assert "2 个提议通过审核，列入选票" in approved_list
    shot(phone, "shortlist-answers-phone")
    phone_context.close()


def test_shortlist_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    cycle_id, _a, _r, slug = _screening(fresh_db)
    problems: list[str] = []
    for who, paths, publish in (
        ("committee_a", [f"/c/{slug}/committee/cycles/{cycle_id}"], True),
        ("resident_a", [f"/cycles/{cycle_id}/shortlist"], False),
        ("committee_a", [f"/cycles/{cycle_id}/shortlist"], False),
    ):
        # The strict CSP (script-src 'self') would refuse the injected audit script.
        context = browser.new_context(
            base_url=base_url, locale="zh-CN", bypass_csp=True,
            viewport={"width": 390, "height": 844},
        )  # fmt: skip
        page = context.new_page()
        log_in(page, who)
        for path in paths:
            page.goto(path)
            problems += axe_problems(page, path)
            if publish:
                page.get_by_role("button", name="发布候选项目公示").click()
                page.get_by_role("button", name="确定，发布候选项目公示").click()
                page.wait_for_url(f"**/cycles/{cycle_id}/shortlist")
        if who == "resident_a":
            page.get_by_label("您的异议及理由").fill("名单不公平")
            page.get_by_role("button", name="提出异议").click()
        context.close()
    assert problems == []
