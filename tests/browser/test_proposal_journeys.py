"""A proposal's path to the ballot, clicked through in a real browser."""

from __future__ import annotations

from pathlib import Path

import factories as f
from webclient import log_in, shot


def test_a_bench_from_idea_to_the_ballot(browser, base_url, fresh_db, page, watch, tmp_path: Path):
    from microprojects.extensions import db
    from microprojects.models import Community, User

    with fresh_db.app_context():
        w = f.world()
        cycle_id = f.cycle(w.a, w.committee_a).id
        committee = db.session.get(User, w.committee_a.id)
        f.verified_resident("neighbour", db.session.get(Community, w.a.id), committee, "林海燕",
                            "2栋1单元202")  # fmt: skip

    # 王秀英 proposes on her phone, with a photo.
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, "resident_a")
    phone.goto(f"/cycles/{cycle_id}")
    phone.get_by_role("link", name="去提议").click()
    phone.get_by_label("标题").fill("报刊亭旁放两张石凳")
    phone.get_by_label("要做什么，为什么").fill("老人买报后没有地方坐。\n\n- 两张石凳\n- 一棵树")
    phone.get_by_label("类别").select_option("设施维修")
    phone.get_by_label("货物类").check()
    phone.get_by_label("预估费用（元）").fill("3,600")
    phone.get_by_label("地点").fill("振兴路报刊亭东侧")
    phone.get_by_label("微：方便日常生活的小事").check()
    phone.get_by_role("button", name="保存草稿").click()
    assert "已保存为草稿" in phone.locator(".flash-success").inner_text()
    photo = tmp_path / "bench.jpg"
    photo.write_bytes(f.jpeg(1200, 900))
    phone.get_by_label("照片").set_input_files(str(photo))
    phone.get_by_role("button", name="添加照片").click()
    assert phone.locator(".photos img").count() == 1
    phone.get_by_role("button", name="提交", exact=True).click()
    assert "已提交" in phone.locator("main").inner_text()
    shot(phone, "proposal-submitted-phone")
    proposal_url = phone.url.split("#")[0]

    # A neighbour supports it and says why.
    page.goto("/")
    log_in(page, "neighbour")
    page.goto(proposal_url)
    page.get_by_role("button", name="附议").click()
    assert "1 人附议" in page.locator("#support").inner_text().replace("\n", " ")
    page.get_by_label("您的评论").fill("支持，我妈每天都去买报。")
    page.get_by_label("支持").check()
    page.get_by_role("button", name="发布").click()
    assert "支持，我妈每天都去买报。" in page.locator("#comments").inner_text()

    # The committee assesses it and puts it on the ballot.
    committee_page = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    log_in(committee_page, "committee_a")
    committee_page.goto(proposal_url)
    # Approving before the checklist is answered is refused, and the reason typed stays.
    reason = "场地可用，费用在上限之内，列入投票。"
    committee_page.get_by_label("通过理由（公开）").fill(reason)
    committee_page.get_by_role("button", name="审核通过，列入投票").click()
    assert "请先按审核清单记录可行性评估" in committee_page.locator("main").inner_text()
    assert committee_page.get_by_label("通过理由（公开）").input_value() == reason
    committee_page.get_by_role("radio", name="可行", exact=True).check()
    committee_page.get_by_role("button", name="记录评估").click()
    committee_page.get_by_label("通过理由（公开）").fill(reason)
    committee_page.get_by_role("button", name="审核通过，列入投票").click()
    committee_page.get_by_role("button", name="确定，审核通过并列入投票").click()
    text = committee_page.locator("main").inner_text()
    assert "已列入投票" in text
    assert "记录了可行性评估" in committee_page.locator("#decisions").inner_text()
    assert reason in committee_page.locator("#decisions").inner_text()
    shot(committee_page, "proposal-approved")

    # 王秀英 sees what happened in her notices.
    phone.goto("/account/notifications")
    assert "该提议已列入投票" in phone.locator("main").inner_text()
