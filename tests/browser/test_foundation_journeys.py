"""Journeys through the foundation as people make them, in a real browser."""

from __future__ import annotations

from pathlib import Path

import factories as f
from webclient import log_in, register, shot


def test_committee_issues_codes_and_a_resident_claims_one_on_a_phone(
    browser, base_url, fresh_db, page, watch, tmp_path: Path
):
    with fresh_db.app_context():
        f.world()
    # The committee imports its roster through the page, with one bad row first.
    log_in(page, "committee_a")
    page.goto("/c/zhenxing/committee/roster")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        f.roster_csv("第一网格,3栋1单元301,林海燕,,,居住", "第一网格,3栋1单元302,林小梅,999,,居住")
    )
    page.get_by_label("名册文件（CSV）").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    report = page.get_by_role("alert").filter(has_text="发现 1 个问题")
    assert "“999”不是 11 位中国大陆手机号" in report.inner_text()
    shot(page, "roster-import-report")
    good = tmp_path / "good.csv"
    good.write_bytes(
        f.roster_csv("第一网格,3栋1单元301,林海燕,,,居住", "第一网格,3栋1单元302,林小梅,,,居住")
    )
    page.get_by_label("名册文件（CSV）").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    assert "新增 2 人" in page.locator(".flash-success").inner_text()

    page.goto("/c/zhenxing/committee/codes")
    page.get_by_role("button", name="生成入户码").click()
    page.goto("/c/zhenxing/committee/codes/sheet")
    card = page.locator(".code-card").filter(has_text="林海燕")
    code = card.locator(".code.big").inner_text()
    shot(page, "code-sheet")

    # The resident scans the QR code with a phone: the claim page, then register, then claim.
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    phone.on("console", lambda m: watch.append(f"console: {m.text}") if m.type == "error" else None)
    phone.goto(f"/c/zhenxing/claim?code={code.replace('-', '')}")
    shot(phone, "claim-anonymous-phone")
    phone.get_by_role("link", name="注册").last.click()
    register(phone, "linhaiyan", "林海燕")
    phone.wait_for_url("**/verify")
    phone.get_by_role("link", name="和平南街道 · 振兴社区").click()
    phone.get_by_label("入户码").fill(code.lower())
    phone.get_by_role("button", name="认证").click()
    phone.wait_for_url("**/account")
    assert "您是振兴社区的认证居民" in phone.locator("main").inner_text()
    shot(phone, "account-verified-phone")

    # The code is spent: a second account is told so.
    page.goto("/")
    page.locator("header").get_by_role("button", name="退出").click()
    with fresh_db.app_context():
        f.user("someone")
    log_in(page, "someone")
    page.goto("/c/zhenxing/claim")
    page.get_by_label("入户码").fill(code)
    page.get_by_role("button", name="认证").click()
    assert "该入户码已被使用" in page.locator(".error").inner_text()
    shot(page, "claim-refused")


def test_language_switch_keeps_the_page(base_url, fresh_db, page, watch):
    with fresh_db.app_context():
        f.world()
    page.goto("/c/zhenxing")
    assert page.locator("h1").inner_text() == "振兴社区"
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/c/zhenxing")
    assert "Take part" in page.locator("main").inner_text()
    shot(page, "community-english")
    page.get_by_role("button", name="中文").click()
    assert "参与" in page.locator("main").inner_text()


def test_keyboard_only_login(base_url, fresh_db, page, watch):
    with fresh_db.app_context():
        f.user("wang")
    page.goto("/login")
    # The login field has the focus when the page opens.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'login'")
    page.keyboard.type("wang")
    page.keyboard.press("Tab")
    page.keyboard.type(f.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.rstrip("/").count("/") == 2)  # the home page: the now
    assert "参与只需三步" in page.locator("main").inner_text()
