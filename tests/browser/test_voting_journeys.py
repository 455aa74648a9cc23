"""Voting in a real browser: on a phone, by keyboard alone, and the refusals people meet."""

from __future__ import annotations

import factories as f
from playwright.sync_api import expect
from webclient import log_in, shot


def _election(app, **settings):
    from microprojects.extensions import db

    with app.app_context():
        w = f.world()
        c, _projects = f.voting_cycle(w.a, w.admin)
        for key, value in settings.items():
            setattr(c, key, value)
        db.session.commit()
        return c.id


def test_a_resident_votes_on_a_phone_and_checks_the_receipt(browser, base_url, fresh_db, watch):
    cycle_id = _election(fresh_db)
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, "resident_a")
    phone.goto(f"/cycles/{cycle_id}")
    phone.get_by_role("link", name="去投票", exact=True).click()
    phone.get_by_label("报刊亭旁放两张石凳").check()
    phone.get_by_label("老年人智能手机课堂").check()
    # The running count, once the page's script has run (it counts what is already ticked).
    expect(phone.locator("[data-chosen]")).to_have_text("2")
    shot(phone, "ballot-phone")
    phone.get_by_role("button", name="查看我的选择").click()
    phone.get_by_role("button", name="投出选票").click()
    receipt = phone.locator(".code.big").inner_text()
    assert "老年人智能手机课堂" in phone.locator("main").inner_text()
    shot(phone, "receipt-phone")
    phone.goto(f"/cycles/{cycle_id}/check")
    phone.get_by_label("回执码").fill(receipt)
    phone.get_by_role("button", name="核对").click()
    checked = phone.locator("main").inner_text()
    # Received and sealed until enough ballots are mixed; what it chose is never shown again.
    assert "这张回执对应的选票已收到" in checked and "老年人智能手机课堂" not in checked
    assert receipt not in phone.url
    shot(phone, "receipt-checked-phone")
    # A second vote: the page says so, and offers no ballot.
    phone.goto(f"/cycles/{cycle_id}/vote")
    assert "感谢您的投票" in phone.locator("main").inner_text()
    assert phone.locator("form.ballot").count() == 0


def test_casting_by_keyboard_alone(base_url, fresh_db, page, watch):
    cycle_id = _election(fresh_db)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{cycle_id}/vote")
    first = page.get_by_label("幸福巷安装路灯")
    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    # Tab on to the review button and press Enter, then the cast button.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "查看我的选择":
            break
    page.keyboard.press("Enter")
    page.get_by_role("button", name="投出选票").focus()
    page.keyboard.press("Enter")
    page.locator("[data-receipt]").wait_for()
    assert "您的选票已投出" in page.locator("main").inner_text()


def test_a_ballot_over_budget_is_explained(base_url, fresh_db, page, watch):
    # Projects cost 10,000, 20,000 and 30,000 yuan; a budget ballot of 40,000.
    cycle_id = _election(fresh_db, ballot_kind="budget", budget_fen=40_000_00)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{cycle_id}/vote")
    page.get_by_label("幸福巷安装路灯").check()
    page.get_by_label("老年人智能手机课堂").check()
    page.get_by_role("button", name="查看我的选择").click()
    alert = page.get_by_role("alert").inner_text()
    assert "超过预算" in alert
    assert page.get_by_role("button", name="投出选票").count() == 0
    shot(page, "ballot-over-budget")


def test_a_ballot_left_open_in_another_tab_is_refused_as_final(browser, base_url, fresh_db, watch):
    cycle_id = _election(fresh_db)
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    first, second = context.new_page(), context.new_page()
    log_in(first, "resident_a")
    first.goto(f"/cycles/{cycle_id}/vote")
    first.get_by_label("幸福巷安装路灯").check()
    # Meanwhile the resident votes in another tab.
    second.goto(f"/cycles/{cycle_id}/vote")
    second.get_by_label("报刊亭旁放两张石凳").check()
    second.get_by_role("button", name="查看我的选择").click()
    second.get_by_role("button", name="投出选票").click()
    second.locator("[data-receipt]").wait_for()
    # The first tab's ballot is refused as final: no cast, no "change my choices".
    first.get_by_role("button", name="查看我的选择").click()
    alert = first.get_by_role("alert").inner_text()
    assert "您不能投出这张选票" in alert and "每人只能投一次" in alert
    assert first.get_by_role("button", name="投出选票").count() == 0
    assert first.get_by_role("link", name="修改选择").count() == 0
    shot(first, "review-refused-already-voted")
    first.get_by_role("link", name="返回投票页面").click()
    assert "感谢您的投票" in first.locator("main").inner_text()


def test_the_cast_form_is_sent_once_however_often_it_is_tapped(base_url, fresh_db, page, watch):
    """The receipt is shown once, in the page that answers the cast: a second tap while the
    first is on its way would replace that page with the refusal of a second ballot."""
    cycle_id = _election(fresh_db)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{cycle_id}/vote")
    page.get_by_label("幸福巷安装路灯").check()
    page.get_by_role("button", name="查看我的选择").click()
    # The review page whole, its scripts run: a tap before they run is no tap a resident makes.
    page.locator("form[data-once]").wait_for()
    page.wait_for_load_state("load")
    # The cast never arrives (the answer is "no content", which leaves the page as it is).
    page.route("**/vote/cast", lambda route: route.fulfill(status=204))
    sent = page.evaluate(
        """() => {
            const form = document.querySelector("form[data-once]");
            const seen = [];
            form.addEventListener("submit", (event) => seen.push(!event.defaultPrevented));
            form.requestSubmit();
            form.requestSubmit();
            form.requestSubmit();
            return seen;
        }"""
    )
    assert sent == [True, False, False]
