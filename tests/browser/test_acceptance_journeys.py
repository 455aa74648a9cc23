"""Acceptance (验收) in a real browser: on a phone, the committee records the inspection of a
completed project with the signed form (PDF) and a photo, a bad upload refused first with what
was typed kept; it types in the paper survey's answers; the project's public page shows the
result, the inspectors and the satisfaction, and the document downloads."""

from __future__ import annotations

from pathlib import Path

import factories as f
from webclient import audit_pages, log_in, need_axe, shot


def _completed(app):
    """Community A's first funded project, its work completed."""
    with app.app_context():
        w = f.world()
        project, _record = f.implemented_project(w.a, w.committee_a)
        return project.id, w.a.slug


def _fill_inspection(page) -> None:
    page.get_by_label("验收日期").fill("2026-01-20")
    for n, (name, role) in enumerate((("李主任", "居务协商会成员"), ("王秀英", "居民代表"),
                                      ("陈工", "施工方或供应商"))):  # fmt: skip
        page.locator(f'[name="inspectors-{n}-name"]').fill(name)
        page.locator(f'[name="inspectors-{n}-role"]').select_option(label=role)
    page.get_by_label("验收情况").fill("十二盏灯全部点亮，线路规整，居民代表试用满意。")
    page.get_by_label("验收合格", exact=True).check()


def test_the_committee_accepts_a_project_and_residents_see_it(browser, base_url, fresh_db, watch):
    project_id, slug = _completed(fresh_db)
    manage = f"/c/{slug}/committee/projects/{project_id}"
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN",
        accept_downloads=True,
    ).new_page()  # fmt: skip
    log_in(phone, "committee_a")
    phone.goto(manage)

    # A web page named as a PDF is refused; what was typed stays.
    _fill_inspection(phone)
    documents = phone.get_by_label("验收材料：签字的验收单（PDF）或照片")
    documents.set_input_files(
        [{"name": "验收单.pdf", "mimeType": "application/pdf", "buffer": b"<html>x</html>"}]
    )
    phone.get_by_role("button", name="保存验收结果").click()
    main = phone.locator("main").inner_text()
    assert "文件只能是 PDF，或者 JPEG、PNG、WebP 格式的照片。" in main
    assert phone.get_by_label("验收情况").input_value().startswith("十二盏灯全部点亮")
    assert phone.locator('[name="inspectors-1-name"]').input_value() == "王秀英"
    shot(phone, "acceptance-refused-phone")

    # Again with the real signed form and a photo.
    documents = phone.get_by_label("验收材料：签字的验收单（PDF）或照片")
    documents.set_input_files([
        {"name": "验收单.pdf", "mimeType": "application/pdf", "buffer": f.pdf()},
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg()},
    ])  # fmt: skip
    phone.get_by_role("button", name="保存验收结果").click()
    main = phone.locator("main").inner_text()
    assert "验收已登记，项目页面上已经公开。" in main
    assert "已验收，项目已结项。" in main
    shot(phone, "acceptance-recorded-phone")

    # The paper survey: 30 satisfied, 8 basically, 2 not.
    survey = phone.locator("#survey")
    survey.get_by_label("满意", exact=True).fill("30")
    survey.get_by_label("基本满意", exact=True).fill("8")
    survey.get_by_label("不满意", exact=True).fill("2")
    survey.get_by_role("button", name="录入", exact=True).click()
    assert "纸质问卷结果已录入。" in phone.locator("main").inner_text()
    assert "满意率 95.0%" in phone.locator("#survey").inner_text()
    shot(phone, "acceptance-survey-phone")

    # The public page, as anyone sees it.
    visitor = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN",
        accept_downloads=True,
    ).new_page()  # fmt: skip
    visitor.goto(f"/proposals/{project_id}")
    public = visitor.locator("#acceptance").inner_text()
    assert "验收合格" in public and "2026-01-20 验收" in public
    assert (
        "李主任" in public and "王秀英 · 居民代表" in public and "陈工 · 施工方或供应商" in public
    )
    assert "十二盏灯全部点亮" in public
    assert "95.0%" in public and "纸质问卷 40 份" in public
    assert "已验收" in visitor.locator("#implementation").inner_text()
    shot(visitor, "acceptance-public-phone")
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="验收单.pdf").click()
    saved = download.value
    assert saved.suggested_filename == "验收单.pdf"
    assert Path(saved.path()).read_bytes() == f.pdf()

    # The completion notice carries the result and the satisfaction.
    visitor.goto(f"/proposals/{project_id}/print/completion")
    notice = visitor.locator("main").inner_text()
    assert "验收合格" in notice and "95.0%" in notice
    shot(visitor, "acceptance-completion-notice")


def test_acceptance_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    with fresh_db.app_context():
        from microprojects.extensions import db
        from microprojects.models import Implementation, User, utcnow
        from microprojects.services import acceptance

        w = f.world()
        project, record = f.implemented_project(w.a, w.committee_a)
        committee = db.session.get(User, w.committee_a.id)
        found = db.session.get(Implementation, record.id)
        acceptance.enter_survey(committee, found, token="a", satisfied=3, basically=1,
                                dissatisfied=0, now=utcnow())  # fmt: skip
        acceptance.record_acceptance(
            committee, found, round=1, inspected_on=utcnow().date(),
            inspectors=[acceptance.Inspector("李主任", "committee")], findings="基本完好",
            result="accepted_with_fixes", fixes="补装一盏灯", fixes_due=utcnow().date(),
            documents=[acceptance.Document("验收单.pdf", f.pdf())], now=utcnow(),
        )  # fmt: skip
        project_id, slug = project.id, w.a.slug
    visits = (
        ("committee_a", f"/c/{slug}/committee/projects/{project_id}"),
        (None, f"/proposals/{project_id}"),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
