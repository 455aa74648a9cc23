"""A 居务协商会 meeting in a real browser: scheduled with three proposals, members checked in,
the author recused, the quorum shown and enforced, the votes recorded, the resolution on the
proposal's page, and the minutes printed to PDF (read back, and turned into PNGs to look at)."""

from __future__ import annotations

import re
from typing import Any

import factories as f
from test_printed_journeys import _need_poppler, flat, printed  # noqa: F401 (autouse fixture)
from webclient import log_in, shot

TITLES = ("报刊亭旁放两张石凳", "楼道灯换成声控灯", "小广场加装健身器材")
MEMBERS = ["陈主任", "林委员", "黄委员", "吴代表", "郑代表", "周代表", "冯代表", "何代表", "曾代表"]


def _setting(app: Any) -> tuple[str, list[int]]:
    """Three proposals of resident_a in A's collecting cycle."""
    from microprojects.models import utcnow
    from microprojects.services import proposals

    with app.app_context():
        w = f.world()
        cycle = f.cycle(w.a, w.committee_a)
        made = [
            proposals.create_proposal(
                w.resident_a, cycle, f.proposal_input(title=t), submit=True, now=utcnow()
            )
            for t in TITLES
        ]
        return w.a.slug, [p.id for p in made]


def _members(app: Any) -> None:
    """The council's other ten members, as the committee would add them one by one."""
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import Body, User, utcnow
    from microprojects.services import deliberation

    with app.app_context():
        body = db.session.scalars(select(Body)).one()
        chair = db.session.scalars(select(User).filter_by(username="committee_a")).one()
        for name in [*MEMBERS, "钱代表"]:
            deliberation.add_member(chair, body, name=name, role="委员", now=utcnow())


def test_a_council_meeting_decides_and_its_minutes_print(
    page, fresh_db, watch, tmp_path, browser, base_url
):
    slug, ids = _setting(fresh_db)
    log_in(page, "committee_a")
    page.goto(f"/c/{slug}/committee")
    page.get_by_role("link", name="议事会议").first.click()
    page.get_by_role("link", name="议事机构及成员").first.click()
    page.get_by_role("radio", name="居务协商会").check()
    page.get_by_label("名称，例如 振兴社区居务协商会").fill("振兴社区居务协商会")
    page.get_by_role("button", name="添加机构").click()
    assert "议事机构已添加" in page.locator("main").inner_text()
    # The author of the proposals is a member, found by her login name.
    page.get_by_label("如有账号，填写其登录名或手机号（可不填）").fill("resident_a")
    page.get_by_label("职务，例如 主持 或 委员（可不填）").fill("委员")
    page.get_by_role("button", name="添加成员").click()
    assert "成员已添加" in page.locator("main").inner_text()
    _members(fresh_db)
    page.reload()
    shot(page, "meeting-bodies")

    page.goto(f"/c/{slug}/committee/meetings")
    page.get_by_label("会议名称，例如 十二月居务协商会").fill("十二月居务协商会")
    page.get_by_label("日期和时间").fill("2026-12-03T19:30")
    page.get_by_label("地点（可不填）").fill("社区二楼会议室")
    page.get_by_label("记录人（负责会议记录，可不填）").select_option(label="林委员 · 委员")
    for title in TITLES[:2]:
        page.get_by_label(re.compile(title)).check()
    page.get_by_label("其他议题，每行一项（可不填）").fill("下季度议事安排")
    page.get_by_role("button", name="安排会议").click()
    main = page.locator("main")
    assert "会议已安排" in main.inner_text()
    assert "应到 11，实到 0，需要 8" in main.inner_text()

    # The agenda changes before the meeting: the third proposal added, the other item taken off.
    page.locator("summary", has_text="修改议程").click()
    page.get_by_label(re.compile(TITLES[2])).check()
    page.get_by_role("button", name="加入议程").click()
    assert "议程已修改" in main.inner_text()
    page.locator("summary", has_text="修改议程").click()
    page.locator("form", has_text="下季度议事安排").get_by_role("button", name="移出议程").click()
    assert "该议题已从议程中移除" in main.inner_text()
    assert page.locator(".agenda > li").count() == 3
    assert page.get_by_label("记录人（负责会议记录）").input_value() != ""
    # The author is recused on each of her proposals, with the reason.
    assert main.inner_text().count("resident_a (提议人)") == 3
    shot(page, "meeting-agenda")

    # The author checks in on her phone with the code shown in the room.
    page.locator("summary", has_text="成员用手机扫码签到").click()
    link = page.locator(".check-in-link").inner_text().strip()
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, "resident_a")
    phone.goto(link)
    phone.get_by_role("button", name="我已到会（签到）").click()
    assert "您已标记为到会" in phone.locator(".flash-success").inner_text()
    shot(phone, "meeting-checked-in-phone")
    phone.context.close()
    page.reload()
    assert "应到 11，实到 1，需要 8" in main.inner_text()

    # Six more are ticked by the secretary: seven, no quorum; the vote is refused and the page
    # says why.
    boxes = page.locator("input[name=present]")
    for i in range(7):
        boxes.nth(i).check()
    page.get_by_role("button", name="保存出席情况").click()
    assert "应到 11，实到 7，需要 8" in main.inner_text()
    assert "未达到法定人数，暂不能作出决议。" in main.inner_text()
    first = page.locator(".agenda > li").first
    first.get_by_label("赞成").fill("6")
    first.get_by_role("button", name="登记表决").click()
    refusal = page.locator(".flash-error").first.inner_text()
    assert "未达到法定人数：应到 11 人，实到 7 人，需要 8 人" in refusal
    shot(page, "meeting-no-quorum")

    # Two more arrive: quorum. Nine present, the author recused: eight vote.
    boxes = page.locator("input[name=present]")
    boxes.nth(7).check()
    boxes.nth(8).check()
    page.get_by_role("button", name="保存出席情况").click()
    assert "应到 11，实到 9，需要 8" in main.inner_text()
    assert "已达到法定人数，可以作出决议。" in main.inner_text()
    first = page.locator(".agenda > li").first
    first.get_by_label("赞成").fill("7")
    first.get_by_label("反对").fill("1")
    first.get_by_role("button", name="登记表决").click()
    assert "表决已登记" in main.inner_text()
    second = page.locator(".agenda > li").nth(1)
    second.get_by_label("赞成").fill("3")
    second.get_by_label("反对").fill("4")
    second.get_by_label("弃权").fill("1")
    second.get_by_role("button", name="登记表决").click()
    results = page.locator(".resolution")
    assert "决议： 通过" in results.nth(0).inner_text()
    assert "赞成 7，反对 1，弃权 0，回避 1；应到 11 人，实到 9 人" in results.nth(0).inner_text()
    assert "决议： 未通过" in results.nth(1).inner_text()
    page.get_by_label("由记录人填写会上的发言和议定事项").fill(
        "陈主任主持。石凳方案同意，楼道灯方案请提议人补充报价后再议。"
    )
    page.get_by_role("button", name="保存纪要").click()
    page.get_by_role("button", name="公开决议").click()
    assert "决议和纪要已公开" in main.inner_text()
    shot(page, "meeting-resolved")

    # The resolution is in the proposal's public decision log.
    page.goto(f"/proposals/{ids[0]}")
    log = page.locator("#decisions").inner_text()
    assert (
        "振兴社区居务协商会 2026-12-03 会议决议：通过（赞成 7，反对 1，弃权 0，回避 1；"
        "应到 11 人，实到 9 人）"
    ) in log
    page.locator("#decisions").scroll_into_view_if_needed()
    shot(page, "meeting-proposal-log")
    page.locator("#decisions").get_by_role("link", name="会议").click()
    assert "陈主任主持" in page.locator("main").inner_text()
    shot(page, "meeting-public")

    # The minutes, printed.
    page.goto(f"/c/{slug}/committee/meetings")
    page.get_by_role("link", name=re.compile("十二月居务协商会")).click()
    page.get_by_role("link", name="打印会议纪要").click()
    assert page.get_by_role("button", name="打印").is_visible()
    pages, text = printed(page, "minutes", tmp_path)
    body = flat(text)
    assert pages <= 2
    assert "振兴社区居务协商会" in body and "会议纪要" in body
    assert "赞成7，反对1，弃权0，回避1；应到11人，实到9人" in body
    assert "回避：resident_a(提议人)" in body
    assert "菜单" not in body and "退出" not in body
