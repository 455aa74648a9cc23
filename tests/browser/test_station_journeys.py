"""A polling station in a real browser: a resident with no account votes on paper at a school,
found by the last digits of her ID card, typed by one member and typed blind by a second; the
station closes once its numbers add up; then she registers on her phone, claims her household
code and is told she voted on paper, with no ballot to cast again."""

from __future__ import annotations

import factories as f
from sqlalchemy import select
from webclient import axe_problems, log_in, need_axe, register, shot

ROSTER = (
    "\ufeff网格,地址,姓名,手机号,出生日期,类别,身份证号\n"
    "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住,46010319480302122X\n"
    "第二网格,5栋2单元301,黎小红,,1990-01-01,居住,460103199001014321\n"
).encode()


def _election(app):
    from microprojects.extensions import db
    from microprojects.models import RosterEntry, User
    from microprojects.services import accounts, residency

    with app.app_context():
        w = f.world()
        c, _projects = f.voting_cycle(w.a, w.committee_a)
        second = f.user("second_member", display_name="李委员")
        accounts.add_committee_member(w.admin, second, w.a, title="委员", now=f.NOW)
        residency.import_roster(w.committee_a, w.a, ROSTER, now=f.NOW)
        li = db.session.scalar(select(RosterEntry).filter_by(full_name="黎阿婆"))
        chair = db.session.get(User, w.committee_a.id)
        code = residency.issue_codes(chair, w.a, entries=[li], now=f.NOW)[0].code
        return c.id, code


def test_a_resident_without_an_account_votes_at_a_station_and_later_sees_it(
    browser, base_url, fresh_db, watch
):
    cycle_id, code = _election(fresh_db)
    first = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    second = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    log_in(first, "committee_a")
    log_in(second, "second_member")

    # The chair opens a station at the school.
    first.goto(f"/c/zhenxing/committee/cycles/{cycle_id}/paper")
    first.get_by_role("link", name="投票点：查找名册上的任何人，有没有账号都可以").click()
    first.get_by_label("名称（例如 白龙小学）").fill("振兴小学")
    first.get_by_label("具体位置（选填）").fill("校门口")
    first.get_by_role("button", name="开放投票点").click()
    assert "投票点已开放" in first.locator(".flash-success").inner_text()
    station_url = first.url

    # Nobody matches a misspelt name: the page says so and offers the roster.
    search = first.get_by_label("查找居民：姓名、手机号、身份证后 4 位或入户码")
    assert search.evaluate("el => el === document.activeElement")  # ready to type
    search.fill("黎阿姿")
    first.get_by_role("button", name="查找", exact=True).click()
    assert "名册上没有与“黎阿姿”相符的人" in first.locator("main").inner_text()
    assert first.get_by_role("link", name="打开居民名册").is_visible()
    shot(first, "station-nobody")

    # Found by the last digits of her ID card: not voted, no account.
    first.get_by_label("查找居民：姓名、手机号、身份证后 4 位或入户码").fill("122x")
    first.get_by_role("button", name="查找", exact=True).click()
    card = first.locator(".station-person").filter(has_text="黎阿婆")
    assert "尚未投票" in card.inner_text() and "身份证尾号 122X" in card.inner_text()
    assert first.locator(".station-person").count() == 1
    shot(first, "station-found")
    card.get_by_role("link", name="收取此人的选票").click()
    first.get_by_label("查看身份证").check()
    first.get_by_label("幸福巷安装路灯").check()
    shot(first, "station-person-ballot")
    first.get_by_role("button", name="保存，查找下一位").click()
    assert first.url == station_url  # back to the empty search
    assert "已保存：黎阿婆的选票已录入" in first.locator(".flash-success").inner_text()
    first.wait_for_load_state("load")  # the counts are read as laid out by the stylesheet
    counts = first.locator("ul.stats").inner_text()
    assert "1\n本点已录入" in counts and "1\n等待第二次录入" in counts
    # The search is empty again, and she is shown as waiting if looked up twice.
    assert first.get_by_label("查找居民：姓名、手机号、身份证后 4 位或入户码").input_value() == ""
    first.get_by_label("查找居民：姓名、手机号、身份证后 4 位或入户码").fill("黎阿婆")
    first.get_by_role("button", name="查找", exact=True).click()
    assert "正等待第二次录入" in first.locator(".station-person").inner_text()
    shot(first, "station-running-count")

    # The second member types it without seeing the first typing, from the station's queue.
    second.goto(station_url)
    second.get_by_role("link", name="录入（第二次）").click()
    assert second.get_by_label("幸福巷安装路灯").is_checked() is False  # blind
    second.get_by_label("幸福巷安装路灯").check()
    second.get_by_role("button", name="保存这次录入").click()
    assert "两次录入一致：纸质选票已计入" in second.locator(".flash-success").inner_text()
    assert "/stations/" in second.url  # back to the station
    shot(second, "station-second-typing-done")

    # Closing: three ballots handed in, one typed, one spoiled: does not add up.
    first.goto(station_url)
    first.get_by_label("收到的选票").fill("3")
    first.get_by_label("废票").fill("1")
    first.get_by_role("button", name="关闭投票点").click()
    refused = first.locator(".flash-error").inner_text()
    assert "收到 3 张选票，但已录入 1 张 + 废票 1 张 + 空白票 0 张 = 2 张" in refused
    shot(first, "station-reconciliation-refused")
    # The numbers counted stay in the form: only the blank ballot found on recount is added.
    assert first.get_by_label("收到的选票").input_value() == "3"
    assert first.get_by_label("废票").input_value() == "1"
    first.get_by_label("空白票").fill("1")
    first.get_by_role("button", name="关闭投票点").click()
    assert "投票点已关闭" in first.locator(".flash-success").inner_text()
    assert first.get_by_label("查找居民：姓名、手机号、身份证后 4 位或入户码").count() == 0
    shot(first, "station-closed")

    # Later she registers on her phone and claims her household code.
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    phone.goto(f"/c/zhenxing/claim?code={code.replace('-', '')}")
    phone.get_by_role("link", name="注册").last.click()
    register(phone, "liapo", "黎阿婆")
    phone.wait_for_url("**/verify")
    phone.get_by_role("link", name="和平南街道 · 振兴社区").click()
    phone.get_by_label("入户码").fill(code)
    phone.get_by_role("button", name="认证").click()
    phone.wait_for_url("**/account")
    phone.goto("/")
    now = phone.locator("main").inner_text()
    assert "您已于" in now and "在纸质选票上投票" in now
    assert phone.get_by_role("link", name="去投票", exact=True).count() == 0
    shot(phone, "claimed-home-voted-on-paper-phone")
    phone.goto(f"/cycles/{cycle_id}/vote")
    page = phone.locator("main").inner_text()
    assert "在纸质选票上投票，感谢参与" in page and "回执" not in page
    assert phone.locator("form.ballot").count() == 0
    shot(phone, "claimed-ballot-voted-on-paper-phone")


def test_the_station_and_roster_pages_have_no_serious_accessibility_violations(
    browser, base_url, fresh_db
):

    from microprojects.extensions import db
    from microprojects.models import Cycle, PollingStation, RosterEntry

    need_axe()
    cycle_id, _code = _election(fresh_db)
    with fresh_db.app_context():
        from microprojects.models import User
        from microprojects.services import stations

        chair = db.session.scalar(select(User).filter_by(username="committee_a"))
        opened = stations.open_station(
            chair, db.session.get(Cycle, cycle_id), chair.committee_memberships[0].community_id,
            name="振兴小学", place="", now=f.NOW,
        )  # fmt: skip
        station_id = opened.id
        li = db.session.scalar(select(RosterEntry).filter_by(full_name="黎阿婆")).id
        assert db.session.get(PollingStation, station_id) is not None
    # The strict CSP (script-src 'self') would refuse the injected audit script.
    page = browser.new_context(base_url=base_url, locale="zh-CN", bypass_csp=True).new_page()
    log_in(page, "committee_a")
    base = f"/c/zhenxing/committee/stations/{station_id}"
    problems = []
    for path in (
        f"/c/zhenxing/committee/cycles/{cycle_id}/stations",
        f"{base}?q=122x",
        f"{base}?q=无此人",
        f"{base}/person/{li}",
        f"/c/zhenxing/committee/roster/{li}",
        f"/c/zhenxing/committee/cycles/{cycle_id}/paper",
    ):
        page.goto(path)
        problems += axe_problems(page, path)
    shot(page, "station-paper-office")
    page.goto(f"/c/zhenxing/committee/roster/{li}")
    shot(page, "roster-person-upkeep")
    assert problems == []
