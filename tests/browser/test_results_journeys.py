"""After the vote, in a real browser: the committee counts, a resident reads the result on a phone
and objects, the committee answers; once final, the committee posts progress with a photo and a
resident rates the finished project."""

from __future__ import annotations

import factories as f
from webclient import log_in, shot


def _voted_and_closed(app):
    """A cycle of community A whose voting has just closed, with three ballots cast."""
    from datetime import timedelta

    from microprojects.domain.ballots import Choice
    from microprojects.domain.phases import Phase
    from microprojects.models import utcnow
    from microprojects.services import cycles, voting

    with app.app_context():
        w = f.world()
        c, made = f.voting_cycle(w.a, w.admin, budget_fen=35_000_00)
        for n, chosen in enumerate(((0, 1), (0,), (2,))):
            voter = f.verified_resident(f"voter{n}", w.a, w.admin, f"投票人{n}", f"7栋{n + 1}01")
            voting.cast_ballot(voter, c, [Choice(str(made[i].id)) for i in chosen],
                               now=c.voting_at + timedelta(hours=1))  # fmt: skip
        cycles.change_phase(w.admin, c, phase=Phase.VOTING, reason="投票结束", now=utcnow())
        return c.id, made[0].id, w.a.slug


def test_count_object_answer_implement_and_rate(browser, base_url, fresh_db, page, watch, tmp_path):
    cycle_id, first_id, slug = _voted_and_closed(fresh_db)
    # The committee counts.
    log_in(page, "committee_a")
    page.goto(f"/c/{slug}/committee/cycles/{cycle_id}/count")
    page.get_by_role("button", name="计票").click()
    page.get_by_role("button", name="确定，开始计票").click()
    assert "已完成计票。" in page.locator("main").inner_text()
    shot(page, "count-committee")

    # A resident reads the provisional result on a phone and objects.
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, "resident_a")
    phone.goto(f"/cycles/{cycle_id}/results")
    text = phone.locator("main").inner_text()
    assert "公示中：可以提出异议" in text and "未获资助：轮到它时只剩 5,000 元" in text
    shot(phone, "results-phone")
    phone.get_by_label("涉及哪个项目（选填）").select_option(label="老年人智能手机课堂")
    phone.get_by_label("您的异议及理由").fill("课堂报价明显偏高，请核实。")
    phone.get_by_role("button", name="提出异议").click()
    assert "您的异议已提交" in phone.locator("main").inner_text()

    # The committee answers it publicly.
    page.goto(f"/c/{slug}/committee/cycles/{cycle_id}/count")
    page.get_by_label("不予采纳：维持结果").check()
    page.get_by_label("公开答复").fill("报价经第三方核实无误，维持结果。")
    page.get_by_role("button", name="公开答复").click()
    page.wait_for_url("**#objection-*")
    phone.goto(f"/cycles/{cycle_id}/results")
    assert "报价经第三方核实无误" in phone.locator("#objections").inner_text()

    # The publication period ends; the committee opens the record and posts progress.
    with fresh_db.app_context():
        from sqlalchemy import select

        from microprojects.domain.phases import Phase
        from microprojects.extensions import db
        from microprojects.models import Cycle, User, utcnow
        from microprojects.services import cycles

        committee = db.session.scalar(select(User).filter_by(username="committee_a"))
        cycles.change_phase(committee, db.session.get(Cycle, cycle_id), phase=Phase.PUBLICATION,
                            reason="公示期满", now=utcnow())  # fmt: skip
    page.goto(f"/c/{slug}/committee/projects/{first_id}")
    page.get_by_role("button", name="建立实施记录").click()
    photo = tmp_path / "before.jpg"
    photo.write_bytes(f.jpeg())
    for status, body in (("实施中", "施工队已进场。"), ("已完工", "已完工，请居民监督。")):
        page.get_by_label("进展情况").fill(body)
        page.get_by_label("状态").select_option(label=status)
        page.get_by_label("进度（%）").fill("100" if status == "已完工" else "40")
        if status == "实施中":
            page.get_by_label("施工前照片（选填）").set_input_files(str(photo))
        page.get_by_role("button", name="发布进展").click()
        assert "进展已发布" in page.locator("main").inner_text()
    shot(page, "implementation-committee")

    # The resident sees the story and rates the finished project.
    phone.goto(f"/proposals/{first_id}")
    story = phone.locator("#implementation").inner_text()
    assert "已完工" in story and "施工队已进场。" in story
    assert phone.locator("#implementation img").count() == 1
    phone.get_by_label("4 颗星").check()
    phone.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价。" in phone.locator("main").inner_text()
    assert "您给了 4 颗星。" in phone.locator("#rating").inner_text()
    shot(phone, "project-story-phone")
