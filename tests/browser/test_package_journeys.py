"""Procurement packages (采购包) in a real browser: the committee creates two packages, adds the
funded projects (one already packaged is refused with the other package's name), sets a
supplier and the awarded amount (an amount above the projects' total refused with the figures,
what was typed kept); a resident on a phone sees the package on the project's page and the
cycle's packages page."""

from __future__ import annotations

import factories as f
from webclient import audit_pages, log_in, need_axe, shot


def _funded(app):
    """Community A's final cycle with both funded projects' records opened."""
    with app.app_context():
        w = f.world()
        cycle, records = f.funded_records(w.a, w.committee_a)
        return (
            cycle.id,
            w.a.slug,
            [(r.proposal_id, r.proposal.display_title) for r in records],
        )


def _create(page, name: str, kind: str, method: str) -> None:
    new = page.locator("#new-package")
    new.get_by_label("采购包名称").fill(name)
    new.get_by_label("类别").select_option(label=kind)
    new.get_by_label("采购方式").select_option(label=method)
    new.get_by_role("button", name="创建采购包").click()
    assert f"采购包“{name}”已创建。" in page.locator("main").inner_text()


def test_the_committee_packages_projects_and_a_resident_sees_them(
    browser, base_url, fresh_db, watch
):
    cycle_id, slug, projects = _funded(fresh_db)
    (lights_id, lights), (_, benches) = projects
    desk = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    ).new_page()
    log_in(desk, "committee_a")
    desk.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
    desk.get_by_role("link", name="采购包").click()
    assert desk.locator("h1").inner_text() == "采购包"

    _create(desk, "路灯与设施工程包", "工程", "询价")
    _create(desk, "社区服务包", "服务", "竞争性磋商")
    works, services = desk.locator("section.package").nth(0), desk.locator("section.package").nth(1)

    # Another tab of the committee opened the page while both projects were free.
    stale = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    log_in(stale, "committee_a")
    stale.goto(f"/c/{slug}/committee/cycles/{cycle_id}/packages")

    # Both projects into the engineering package; one taken out and put back.
    for title in (lights, benches):
        works.get_by_label("获资助项目").select_option(label=title)
        works.get_by_role("button", name="加入采购包").click()
        assert "项目已加入采购包。" in desk.locator("main").inner_text()
    assert "所有获资助项目都已入包。" in services.inner_text()
    works.get_by_role("button", name="移出").nth(1).click()
    assert "项目已移出采购包。" in desk.locator("main").inner_text()
    works.get_by_label("获资助项目").select_option(label=benches)
    works.get_by_role("button", name="加入采购包").click()
    assert "项目已加入采购包。" in desk.locator("main").inner_text()

    # From the stale tab, a project already in a package is refused with that package's name.
    stale_services = stale.locator("section.package").nth(1)
    stale_services.get_by_label("获资助项目").select_option(label=lights)
    stale_services.get_by_role("button", name="加入采购包").click()
    refused = stale.locator("main").inner_text()
    assert "这个项目已在采购包“路灯与设施工程包”中：请先从那里移出。" in refused
    shot(stale, "packages-already-packaged")
    stale.context.close()

    # An amount above the projects' total (10,000 + 20,000 yuan) is refused with the figures.
    works = desk.locator("section.package").nth(0)
    works.get_by_label("或公司（填写注册名称）").fill("海口某建设工程有限公司")
    works.get_by_label("中标金额（元）").fill("30,500")
    works.get_by_role("button", name="保存供应商").click()
    main = desk.locator("main").inner_text()
    assert "中标金额 30,500 元超过了包内项目的计划金额合计 30,000 元。" in main
    works = desk.locator("section.package").nth(0)
    assert works.get_by_label("或公司（填写注册名称）").input_value() == "海口某建设工程有限公司"
    assert works.get_by_label("中标金额（元）").input_value() == "30,500"
    shot(desk, "packages-amount-refused")
    works.get_by_label("中标金额（元）").fill("29,400")
    works.get_by_role("button", name="保存供应商").click()
    assert "供应商和中标金额已保存。" in desk.locator("main").inner_text()
    shot(desk, "packages-committee")

    # A resident on a phone: the project's page names the package, the list shows both.
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, "resident_a")
    phone.goto(f"/proposals/{lights_id}")
    line = phone.locator("#package").inner_text()
    assert "采购包：" in line and "路灯与设施工程包" in line and "（工程）" in line
    assert "供应商：海口某建设工程有限公司" in line
    shot(phone, "packages-project-phone")
    phone.locator("#package").get_by_role("link", name="路灯与设施工程包").click()
    listing = phone.locator("main").inner_text()
    assert "路灯与设施工程包" in listing and "社区服务包" in listing
    assert "海口某建设工程有限公司" in listing and "29,400" in listing
    assert lights in listing and benches in listing and "尚未确定" in listing
    shot(phone, "packages-public-phone")
    desk.context.close()
    phone.context.close()


def test_package_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    with fresh_db.app_context():
        from microprojects.models import utcnow
        from microprojects.services import packages

        w = f.world()
        cycle, records = f.funded_records(w.a, w.committee_a)
        package = packages.create_package(
            w.committee_a, cycle, name="路灯工程包", kind="engineering", now=utcnow()
        )
        packages.add_project(w.committee_a, package, records[0].id, now=utcnow())
        cycle_id, slug, project_id = cycle.id, w.a.slug, records[0].proposal_id
    visits = (
        ("committee_a", f"/c/{slug}/committee/cycles/{cycle_id}/packages"),
        (None, f"/cycles/{cycle_id}/packages"),
        (None, f"/proposals/{project_id}"),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
