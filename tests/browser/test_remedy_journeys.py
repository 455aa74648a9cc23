"""A correction after an objection, in a real browser: a resident objects to a project's cost on
a phone, the committee upholds the objection, corrects the cost with a public reason and counts
again; the results page shows the corrected result beside the earlier count, and the objector
finds the notice."""

from __future__ import annotations

import factories as f
from webclient import audit_pages, log_in, need_axe, shot


def _counted(app):
    """A counted cycle of community A: 10,000, 20,000 and 30,000 yuan projects of a 35,000
    budget, the first two funded."""
    with app.app_context():
        w = f.world()
        c, made, _ = f.counted_cycle(w.a, w.committee_a)
        return c.id, [p.id for p in made], w.a.slug


def test_an_upheld_objection_corrects_the_cost_and_the_count(
    browser, base_url, fresh_db, page, watch
):
    cycle_id, made, slug = _counted(fresh_db)
    count_page = f"/c/{slug}/committee/cycles/{cycle_id}/count"

    # A resident reads the provisional result on a phone and objects to the third project.
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, "resident_a")
    phone.goto(f"/cycles/{cycle_id}/results")
    assert "未获资助：轮到它时只剩 5,000 元" in phone.locator("main").inner_text()
    phone.get_by_label("涉及哪个项目（选填）").select_option(label="老年人智能手机课堂")
    phone.get_by_label("您的异议及理由").fill("课堂报价多写了一个零，实际是 5,000 元。")
    phone.get_by_role("button", name="提出异议").click()
    assert "您的异议已提交" in phone.locator("main").inner_text()

    # The committee upholds it, then corrects the cost with a public reason.
    log_in(page, "committee_a")
    page.goto(count_page)
    page.get_by_label("采纳：更正后重新计票").check()
    page.get_by_label("公开答复").fill("经核实报价单，确实多写了一个零。")
    page.get_by_role("button", name="公开答复").click()
    page.wait_for_url("**#objection-*")
    form = page.locator("details.remedy-form")
    assert form.get_attribute("open") is not None
    assert form.get_by_label("项目", exact=True).input_value() == str(made[2])
    form.get_by_label("更正费用").check()
    form.get_by_label("更正后的费用（元）").fill("")
    form.get_by_label("理由（公开）", exact=True).fill("施工方报价单多写了一个零，实为 5,000 元。")
    form.get_by_role("button", name="登记更正").click()
    # Without the cost it is refused, and what was typed stays.
    main = page.locator("main").inner_text()
    assert "请填写更正后的费用（元）。" in main
    form = page.locator("details.remedy-form")
    assert form.get_by_label("理由（公开）", exact=True).input_value().startswith("施工方报价单")
    form.get_by_label("更正后的费用（元）").fill("5,000")
    form.get_by_role("button", name="登记更正").click()
    main = page.locator("main").inner_text()
    assert "更正已登记，重新计票时生效。" in main
    assert "重新计票将计入以下更正：" in main
    assert "“老年人智能手机课堂”的费用更正为 5,000 元（原为 30,000 元）" in main
    shot(page, "remedy-committee")

    # The recount says what it applies, then counts.
    page.get_by_label("重新计票的理由（将与新结果一起公开）").fill("采纳异议：更正课堂报价")
    page.get_by_role("button", name="重新计票").click()
    confirm = page.locator("main").inner_text()
    assert "本次计入的更正" in confirm and "费用更正为 5,000 元" in confirm
    shot(page, "remedy-recount-confirm")
    page.get_by_role("button", name="确定，重新计票并更正").click()
    assert "计票已更正，理由将公开。" in page.locator("main").inner_text()

    # The public page: all three funded, the correction with its reason, the earlier count.
    phone.goto(f"/cycles/{cycle_id}/results")
    text = phone.locator("main").inner_text()
    table = phone.locator("table.outcomes").inner_text()
    assert table.count("获资助") == 3 and "未获资助" not in table
    remedies = phone.locator("#remedies").inner_text()
    assert "施工方报价单多写了一个零，实为 5,000 元。" in remedies
    assert "已计入第 2 次计票" in remedies
    assert "第 2 次计票；理由：采纳异议：更正课堂报价" in text
    assert "此前的计票" in text and "第 1 次计票" in text
    shot(phone, "remedy-results-phone")

    # The objector's notice.
    phone.goto("/account/notifications")
    notices = phone.locator("main").inner_text()
    assert "居务协商会已根据您的异议更正结果，并重新计票。" in notices
    assert "现在的结果以第 2 次计票为准。" in notices
    shot(phone, "remedy-notice-phone")


def test_remedy_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    with fresh_db.app_context():
        from microprojects.extensions import db
        from microprojects.models import Cycle, User, utcnow
        from microprojects.services import publication, remedies

        w = f.world()
        c, made, _ = f.counted_cycle(w.a, w.committee_a)
        resident = db.session.get(User, w.resident_a.id)
        upheld = publication.file_objection(
            resident, c, reason="报价偏高", proposal_id=made[2].id, now=utcnow()
        )
        publication.answer_objection(
            w.committee_a, upheld, decision="upheld", answer="属实", now=utcnow()
        )
        remedies.add_remedy(
            w.committee_a, c, upheld, proposal_id=made[2].id, kind="cost", cost_fen=5_000_00,
            reason="报价有误", now=utcnow(),
        )  # fmt: skip
        # A second upheld objection, still without a correction: its form is open.
        other = publication.file_objection(
            resident, c, reason="第一个项目重复立项", proposal_id=made[0].id, now=utcnow()
        )
        publication.answer_objection(
            w.committee_a, other, decision="upheld", answer="属实", now=utcnow()
        )
        cycle_id, slug = db.session.get(Cycle, c.id).id, w.a.slug
    visits = (
        ("committee_a", [f"/c/{slug}/committee/cycles/{cycle_id}/count"]),
        ("resident_a", [f"/cycles/{cycle_id}/results"]),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
