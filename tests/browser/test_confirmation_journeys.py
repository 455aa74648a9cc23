"""What cannot be undone asks first, clicked through in a real browser on a phone: a resident
withdraws a proposal, a committee member ends a phase, each after a page that says what will
happen; the same confirmation sent again, from a second tab, does nothing more."""

from __future__ import annotations

import factories as f
from webclient import log_in, shot

PHONE = {"width": 390, "height": 844}


def _phone(browser, base_url):
    return browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN").new_page()


def test_a_resident_withdraws_after_confirming(browser, base_url, fresh_db, page, watch):
    from microprojects.services import proposals

    with fresh_db.app_context():
        w = f.world()
        c = f.cycle(w.a, w.committee_a)
        p = proposals.create_proposal(
            w.resident_a, c, f.proposal_input(title="报刊亭旁放两张石凳"), submit=True,
            now=c.collecting_at,
        )  # fmt: skip
        pid = p.id
    phone = _phone(browser, base_url)
    log_in(phone, "resident_a")
    phone.goto(f"/proposals/{pid}")
    # Submitted, it can still be revised while proposals are collected.
    assert phone.get_by_role("link", name="修改").count() == 1
    phone.get_by_role("button", name="撤回").click()
    main = phone.locator("main").inner_text()
    assert "撤回“报刊亭旁放两张石凳”？" in main and "此操作无法撤销。" in main
    assert "撤回的提议不能再次提交" in main
    shot(phone, "confirm-withdraw-phone")
    # Cancel first: nothing happens.
    phone.get_by_role("link", name="取消，不做任何更改").click()
    assert "已提交" in phone.locator("main").inner_text()
    phone.get_by_role("button", name="撤回").click()
    # The same confirmation open in a second tab, as a double tap or a resend would send it.
    tab = phone.context.new_page()
    tab.goto(f"/proposals/{pid}")
    tab.get_by_role("button", name="撤回").click()
    phone.get_by_role("button", name="确定，撤回提议").click()
    assert "提议已撤回。" in phone.locator(".flash-success").inner_text()
    assert "已撤回" in phone.locator("main").inner_text()
    shot(phone, "confirm-withdrawn-phone")
    tab.get_by_role("button", name="确定，撤回提议").click()
    assert "未做任何操作" in tab.locator(".flash-error").inner_text()
    with fresh_db.app_context():
        from microprojects.extensions import db
        from microprojects.models import AuditEntry

        withdrawals = db.session.query(AuditEntry).filter_by(action="proposal.withdraw").count()
        assert withdrawals == 1


def test_a_committee_member_ends_a_phase_after_confirming(browser, base_url, fresh_db, watch):
    from microprojects.services import comments, proposals

    with fresh_db.app_context():
        w = f.world()
        c = f.cycle(w.a, w.committee_a, title="2026 年振兴社区微实事")
        cycle_id, slug = c.id, w.a.slug
        # Work waiting for the committee: a proposal to screen, a reported comment.
        p = proposals.create_proposal(
            w.resident_a, c, f.proposal_input(), submit=True, now=c.collecting_at
        )
        comment = comments.post_comment(
            w.committee_a, p, body="请补充位置", stance=comments.Stance.NEUTRAL,
            now=c.collecting_at,
        )  # fmt: skip
        comments.report_comment(w.resident_a, comment, reason="与提议无关", now=c.collecting_at)
    phone = _phone(browser, base_url)
    log_in(phone, "committee_a")
    phone.goto(f"/c/{slug}/committee")
    waiting = phone.locator(".waiting").inner_text()
    assert "1 份提议待审核" in waiting and "1 条被举报的评论待处理" in waiting
    shot(phone, "committee-dashboard-phone")
    phone.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
    # An empty date never ends the phase: choosing to extend without one is an error.
    phone.get_by_label("延长本阶段至下面填写的时间").check()
    phone.get_by_label("理由（公开）").fill("提议已经足够")
    phone.get_by_role("button", name="继续").click()
    assert "如要延长本阶段，请填写延长到的日期和时间。" in phone.locator("main").inner_text()
    assert "当前：征集" in phone.locator("main").inner_text()
    shot(phone, "phase-change-error-phone")
    phone.get_by_label("立即结束本阶段").check()
    tab = phone.context.new_page()  # a second tab asks too, with the same form
    tab.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
    tab.get_by_label("立即结束本阶段").check()
    tab.get_by_label("理由（公开）").fill("提议已经足够")
    tab.get_by_role("button", name="继续").click()
    phone.get_by_role("button", name="继续").click()
    main = phone.locator("main").inner_text()
    assert "立即结束“征集”？" in main and "2026 年振兴社区微实事" in main
    assert "提议已经足够" in main and "已结束的阶段不能重新开启。" in main
    assert "“协商审核”将立即开始。" in main
    shot(phone, "confirm-end-phase-phone")
    phone.get_by_role("button", name="确定，立即结束本阶段").click()
    assert "本阶段已结束，理由将公开。" in phone.locator(".flash-success").inner_text()
    assert "当前：协商审核" in phone.locator("main").inner_text()
    shot(phone, "phase-ended-phone")
    # The second tab's confirmation: the next phase is not ended too.
    tab.get_by_role("button", name="确定，立即结束本阶段").click()
    assert "未做任何操作" in tab.locator(".flash-error").inner_text()
    assert "当前：协商审核" in tab.locator("main").inner_text()


def test_moderation_finishes_and_a_submitted_proposal_is_revised(browser, base_url, fresh_db):
    from microprojects.services import comments, proposals

    with fresh_db.app_context():
        w = f.world()
        c = f.cycle(w.a, w.committee_a, comment_report_threshold=1)
        p = proposals.create_proposal(
            w.resident_a, c, f.proposal_input(title="报刊亭旁放两张石凳"), submit=True,
            now=c.collecting_at,
        )  # fmt: skip
        comment = comments.post_comment(
            w.committee_a, p, body="隔壁的人都是骗子", stance=comments.Stance.OPPOSE,
            now=c.collecting_at,
        )  # fmt: skip
        comments.report_comment(w.resident_a, comment, reason="人身攻击", now=c.collecting_at)
        pid, slug = p.id, w.a.slug
    # The committee decides on the comment that a report hid; it leaves the queue.
    phone = _phone(browser, base_url)
    log_in(phone, "committee_a")
    phone.goto(f"/c/{slug}/committee/moderation")
    phone.get_by_label("维持隐藏").check()
    phone.get_by_label("理由（公开）").fill("人身攻击，维持隐藏")
    shot(phone, "moderation-queue-phone")
    phone.get_by_role("button", name="记录处理决定").click()
    main = phone.locator("main").inner_text()
    assert "已处理：评论维持隐藏，理由将公开。" in main and "没有需要处理的评论。" in main
    phone.get_by_text("处理记录").click()
    assert "人身攻击，维持隐藏" in phone.locator(".moderation-history").inner_text()
    shot(phone, "moderation-decided-phone")
    # The author revises the submitted proposal while proposals are collected.
    author = _phone(browser, base_url)
    log_in(author, "resident_a")
    author.goto(f"/proposals/{pid}")
    author.get_by_role("link", name="修改").click()
    assert "您的提议已提交。" in author.locator("main").inner_text()
    author.get_by_label("标题").fill("报刊亭旁放两张石凳和一把遮阳伞")
    shot(author, "proposal-revise-phone")
    author.get_by_role("button", name="保存").click()
    assert "修改已保存。" in author.locator(".flash-success").inner_text()
    assert "修改了提议" in author.locator("#decisions").inner_text()
