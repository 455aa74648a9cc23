"""Delivery contracts in a real browser: the committee records the contract of a funded project
and pays against it (an overpayment refused with the figures); a member of the supplier's
organization, on a phone, reports progress with a photo; the public page does not show it until
the committee approves it, and then does."""

from __future__ import annotations

import factories as f
from webclient import audit_pages, log_in, shot

PHONE = {"width": 390, "height": 844}


def _funded(app):
    """Community A's first funded project, in progress, planned at 10,000 yuan."""
    with app.app_context():
        from microprojects.models import utcnow
        from microprojects.services import implementation as impl

        w = f.world()
        _, made, _ = f.final_cycle(w.a, w.committee_a)
        record = impl.start(w.committee_a, made[0], now=utcnow())
        impl.post_update(w.committee_a, record, body="已进场施工。", status="in_progress",
                         progress_pct=10, now=utcnow())  # fmt: skip
        return made[0].id, w.a.slug, record.planned_fen


def test_a_contract_paid_against_and_a_supplier_update_approved(browser, base_url, fresh_db, watch):
    project_id, slug, planned = _funded(fresh_db)
    assert planned == 10_000_00
    manage = f"/c/{slug}/committee/projects/{project_id}"
    desk = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    log_in(desk, "committee_a")
    desk.goto(manage)

    # The committee records the contract with the registered organization.
    contract = desk.locator("#contract")
    contract.get_by_label("承接方：已登记的社会组织").select_option(label="阳光助老服务中心")
    contract.get_by_label("合同编号（选填）").fill("ZX-2026-07")
    contract.get_by_label("合同金额（元）").fill("8000")
    contract.get_by_label("签订日期").fill("2026-03-01")
    contract.get_by_label("开工日期").fill("2026-03-05")
    contract.get_by_label("完工日期").fill("2026-05-30")
    contract.get_by_label("承接方交付的内容").fill("更换12盏太阳能路灯，含基座与一年维保。")
    contract.get_by_role("button", name="登记合同").click()
    assert "合同已登记；此后的支出都按合同付款。" in desk.locator("main").inner_text()
    shown = desk.locator("#contract").inner_text()
    assert "阳光助老服务中心" in shown and "8,000" in shown
    shot(desk, "contract-recorded")

    # A payment against it, then one beyond what remains: refused with the figures.
    spending = desk.locator("#spending")
    spending.locator('[name="amount"]').fill("5000")
    spending.locator('[name="spent_on"]').fill("2026-03-10")
    spending.locator('[name="note"]').fill("首付款")
    spending.locator('button[type="submit"]').last.click()
    assert "3,000" in desk.locator("#contract").inner_text()
    spending = desk.locator("#spending")
    spending.locator('[name="amount"]').fill("3000.01")
    spending.locator('[name="spent_on"]').fill("2026-03-11")
    spending.locator('[name="note"]').fill("尾款")
    spending.locator('button[type="submit"]').last.click()
    refused = desk.locator("main").inner_text()
    assert (
        "本次付款 3,000.01 元超出合同允许的范围：合同金额 8,000 元，已付 5,000 元，尚余 3,000 元。"
        in refused
    )
    shot(desk, "contract-overpayment-refused")

    # The organization, on a phone, reports progress with a photo.
    phone = browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN").new_page()
    log_in(phone, "organization")
    phone.get_by_role("link", name="我们的合同").first.click()
    mine = phone.locator("main").inner_text()
    assert "合同金额" in mine and "首付款" in mine
    phone.get_by_label("完成了哪些工作").fill("已安装6盏路灯，基座全部浇筑完成。")
    phone.get_by_label("进度（%）").fill("50")
    phone.get_by_label("施工中照片（选填）").set_input_files(
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg()}
    )
    phone.get_by_role("button", name="提交进展").click()
    mine = phone.locator("main").inner_text()
    assert "经居务协商会审核通过后才会公开" in mine and "等待居务协商会审核" in mine
    shot(phone, "contract-supplier-update-phone")

    # Not on the public page yet.
    visitor = browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN").new_page()
    visitor.goto(f"/proposals/{project_id}")
    assert "已安装6盏路灯" not in visitor.locator("main").inner_text()
    assert "8,000" in visitor.locator("#contract").inner_text()
    shot(visitor, "contract-public-before-approval-phone")

    # The committee approves it; now it is public, with its photo.
    desk.goto(manage)
    waiting = desk.locator("#supplier-updates")
    assert "已安装6盏路灯" in waiting.inner_text()
    shot(desk, "contract-update-waiting")
    waiting.get_by_role("button", name="审核通过并发布").click()
    assert "进展已发布，已通知关注者。" in desk.locator("main").inner_text()
    visitor.goto(f"/proposals/{project_id}")
    story = visitor.locator("#implementation").inner_text()
    assert "已安装6盏路灯" in story and "50%" in story
    assert visitor.locator("#implementation .photos img").count() == 1
    shot(visitor, "contract-public-after-approval-phone")


def test_contract_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    """The committee's project page with the contract and an update waiting, the
    organization's contracts page with its report form, and the public page."""
    with fresh_db.app_context():
        from microprojects.extensions import db
        from microprojects.models import User, utcnow
        from microprojects.services import contracts

        w = f.world()
        member = db.session.get(User, w.organization.id)
        project, _record, contract = f.contracted_project(
            w.a, w.committee_a, organization=member.organization_membership.organization
        )
        contracts.post_supplier_update(
            member, contract, body="已安装6盏路灯。", progress_pct=50, now=utcnow()
        )
        project_id, slug = project.id, w.a.slug
    visits = (
        ("committee_a", f"/c/{slug}/committee/projects/{project_id}"),
        ("organization", "/organization/contracts"),
        (None, f"/proposals/{project_id}"),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
