"""Notices that reach people, clicked through in a real browser on a phone: a resident confirms
a mobile number with the code sent to it (read from the log sender's record) and turns text
messages on; the committee tells every resident that voting is open; the resident finds the
notice; the text message fails at the provider (a local stand-in of Aliyun's API), shows on
the committee's 通知发送 page, and "立即重发" sends it."""

from __future__ import annotations

import factories as f
import sms_standin
from webclient import axe_problems, log_in, need_axe, observe, shot

PHONE = {"width": 390, "height": 844}


def _phone(browser, base_url, watch):
    page = browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN").new_page()
    return observe(page, watch)


def _code_sent_to(phone: str) -> str:
    from microprojects.services import sms

    for message in reversed(sms.LOG_RECORD):
        if message.phone == phone and message.kind == "phone_code":
            return str(message.params["code"])
    raise AssertionError("no code was sent")


def test_a_resident_is_told_by_sms_and_a_failure_is_sent_again(browser, base_url, fresh_db, watch):
    with fresh_db.app_context():
        w = f.world()
        c, _projects = f.voting_cycle(w.a, w.committee_a, title="2026 年振兴社区微实事")
        cycle_id, slug = c.id, w.a.slug

    resident = _phone(browser, base_url, watch)
    log_in(resident, "resident_a")
    resident.goto("/account")
    resident.get_by_role("link", name="选择通知方式").click()
    resident.get_by_label("接收短信的手机号").fill("138 0013 8000")
    resident.get_by_role("button", name="给我发验证码").click()
    assert "6 位验证码已发到 13800138000" in resident.locator(".flash-success").inner_text()
    resident.get_by_label("短信里的 6 位验证码").fill("000000" if _code_sent_to(
        "13800138000") != "000000" else "111111")  # fmt: skip
    resident.get_by_role("button", name="确认手机号").click()
    assert "验证码不对" in resident.locator("main").inner_text()
    shot(resident, "notices-wrong-code-phone")
    resident.get_by_label("短信里的 6 位验证码").fill(_code_sent_to("13800138000"))
    resident.get_by_role("button", name="确认手机号").click()
    assert "手机号已确认，短信通知已开启。" in resident.locator(".flash-success").inner_text()
    assert resident.get_by_label("同时用短信通知我").is_checked()
    shot(resident, "notices-confirmed-phone")

    # From now on the provider is Aliyun's API (its stand-in), and it is down.
    standin = sms_standin.start()
    saved = dict(fresh_db.config)
    fresh_db.config.update(sms_standin.settings(standin))
    standin.mode = "http500"
    try:
        committee = _phone(browser, base_url, watch)
        log_in(committee, "committee_a")
        committee.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
        committee.get_by_role("link", name="通知全体居民").click()
        assert "投票已开始（附截止时间）" in committee.locator("main").inner_text()
        committee.get_by_role("button", name="现在发送").click()
        flash = committee.locator(".flash-success").inner_text()
        assert "短信 1 条" in flash
        shot(committee, "notices-announced-phone")

        resident.goto("/account/notifications")
        notices = resident.locator("main").inner_text()
        assert "投票已开始。" in notices and "2026 年振兴社区微实事" in notices
        shot(resident, "notices-resident-sees-phone")

        committee.get_by_role("link", name="通知发送").first.click()
        main = committee.locator("main").inner_text()
        assert "HTTP 500: InternalError" in main and "138****8000" in main
        assert "发送失败，稍后自动重发" in main
        shot(committee, "notices-failed-phone")
        standin.mode = "ok"
        committee.get_by_role("button", name="立即重发").click()
        assert "已重发：消息发出去了。" in committee.locator(".flash-success").inner_text()
        assert "没有发送失败的消息" in committee.locator("main").inner_text()
        shot(committee, "notices-resent-phone")
    finally:
        fresh_db.config.clear()
        fresh_db.config.update(saved)
        standin.close()
    sent = [p for p in standin.received if p.get("TemplateCode") == "SMS_101"]
    assert len(sent) == 2 and standin.bad_signatures == 0
    assert sent[-1]["PhoneNumbers"] == "13800138000"


def test_the_notice_pages_have_no_serious_accessibility_violation(browser, base_url, fresh_db):
    """axe-core on the settings page with a code waiting, the announcement page and the
    通知发送 page with a failed message."""

    from microprojects.extensions import db
    from microprojects.models import OutgoingMessage, utcnow
    from microprojects.services import channels

    need_axe()
    with fresh_db.app_context():
        w = f.world()
        c, _projects = f.voting_cycle(w.a, w.committee_a)
        channels.request_phone_code(w.resident_a, "13800138000", now=utcnow())
        db.session.add(
            OutgoingMessage(
                user_id=w.resident_a.id, community_id=w.a.id, channel="sms",
                address="13800138000", kind="voting_open", params={}, status="given_up",
                attempts=5, last_error="isv.BUSINESS_LIMIT_CONTROL: 触发分钟级流控",
                created_at=utcnow(), next_attempt_at=None,
            )
        )  # fmt: skip
        db.session.commit()
        cycle_id, slug = c.id, w.a.slug
    problems: list[str] = []
    for who, paths in (
        ("resident_a", ["/account/notice-settings"]),
        (
            "committee_a",
            [f"/c/{slug}/committee/cycles/{cycle_id}/announce", f"/c/{slug}/committee/notices"],
        ),
    ):
        context = browser.new_context(
            base_url=base_url, locale="zh-CN", viewport=PHONE, bypass_csp=True
        )
        page = context.new_page()
        log_in(page, who)
        for path in paths:
            page.goto(path)
            problems += axe_problems(page, path)
        shot(page, "notices-given-up-phone")
        context.close()
    assert problems == []
