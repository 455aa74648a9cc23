"""The figures a journalist quotes, on a phone: the Equal Shares result in real money, the city
overview with its download, and the open-data page; the tables open as downloads."""

from __future__ import annotations

import factories as f
from webclient import observe, shot


def _city(app):
    """A's cycle counted with the Method of Equal Shares (5,000 yuan left unspent), and a second
    cycle of A with its first project built."""
    with app.app_context():
        w = f.world()
        cycle, _, _ = f.counted_cycle(
            w.a, w.admin, votes=((0, 1), (0,), (2,), (0,)), tally_rule="equal-shares"
        )
        f.implemented_project(w.a, w.admin)
        return cycle.id


def test_a_phone_reads_the_figures_and_downloads_them(browser, base_url, fresh_db, watch):
    cycle_id = _city(fresh_db)
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN",
        accept_downloads=True,
    ).new_page()  # fmt: skip
    observe(phone, watch)

    phone.goto(f"/cycles/{cycle_id}/results")
    main = phone.locator("main").inner_text()
    assert "每位投票人分到的预算份额是 8,750 元" in main
    assert "有 5,000 元（占预算的 14.3%）没有花出去" in main
    assert "计算方法的一步" in main
    shot(phone, "figures-results-phone")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载结果表（可用 Excel 打开）").click()
    assert download.value.suggested_filename == f"cycle-{cycle_id}-results-table.csv"
    with open(download.value.path(), "rb") as saved:
        assert saved.read().startswith("\ufeff名次,项目".encode())

    phone.goto("/overview")
    main = phone.locator("main").inner_text()
    assert "未开始" in main and "下载这些数据（CSV，可用 Excel 打开）" in main
    shot(phone, "figures-overview-phone")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载这些数据（CSV，可用 Excel 打开）").click()
    assert download.value.suggested_filename == "overview.csv"

    phone.get_by_role("link", name="开放数据").click()
    phone.wait_for_url("**/open-data")
    main = phone.locator("main").inner_text()
    assert "请求示例" in main and "许可协议" in main
    # Nothing wider than the phone: the examples wrap.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "figures-open-data-phone")


def test_the_figures_pages_pass_the_accessibility_audit(browser, base_url, fresh_db):
    from webclient import axe_problems, need_axe

    need_axe()
    cycle_id = _city(fresh_db)
    context = browser.new_context(base_url=base_url, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []
    for path in (f"/cycles/{cycle_id}/results", "/overview", "/open-data"):
        page.goto(path)
        problems += axe_problems(page, path)
    context.close()
    assert problems == []
