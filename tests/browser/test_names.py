"""A resident registers on a phone with her name in Chinese and her number, no login name."""

from __future__ import annotations

from webclient import shot


def test_a_resident_registers_with_her_chinese_name_and_logs_in_by_phone(
    browser, base_url, fresh_db, watch
):
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    phone.on("console", lambda m: watch.append(f"console: {m.text}") if m.type == "error" else None)
    phone.goto("/register")
    # A Chinese name typed where the login name goes is told where it belongs.
    phone.get_by_label("姓名").fill("符小梅")
    phone.get_by_label("登录名").fill("符小梅")
    phone.get_by_label("密码", exact=True).fill("correct-horse-9")
    phone.get_by_label("确认密码").fill("correct-horse-9")
    phone.get_by_role("button", name="创建账号").click()
    error = phone.locator(".field.has-error .error")
    assert "中文姓名请填在“姓名”一栏" in error.inner_text()
    shot(phone, "register-name-in-login-field-phone")
    # She leaves the login name empty and gives her number instead.
    phone.get_by_label("手机号").fill("139 0755 0002")
    phone.get_by_label("登录名").fill("")
    phone.get_by_label("密码", exact=True).fill("correct-horse-9")
    phone.get_by_label("确认密码").fill("correct-horse-9")
    shot(phone, "register-chinese-name-phone")
    phone.get_by_role("button", name="创建账号").click()
    phone.wait_for_url("**/verify")
    phone.goto("/account")
    facts = phone.locator("dl.facts").inner_text()
    assert "符小梅" in facts and "您用手机号登录" in facts and "~" not in facts
    shot(phone, "account-without-login-name-phone")
    phone.locator("header").get_by_role("button", name="退出").click()
    phone.goto("/login")
    phone.get_by_label("用户名或手机号").fill("13907550002")
    phone.get_by_label("密码").fill("correct-horse-9")
    phone.locator("main").get_by_role("button", name="登录").click()
    # Logging in lands on the home page: registered, her next step is to verify her residency.
    phone.wait_for_url(lambda url: url.rstrip("/") == base_url.rstrip("/"))
    steps = phone.locator("main").inner_text()
    assert "已完成" in steps and "认证居民身份" in steps
