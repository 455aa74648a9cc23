"""The service menu (服务菜单) in a real browser: an organization's member writes an offer with a
photo and submits it; the administrator refuses it once with a reason; the member reads the
reason, edits it and it is approved; a resident on a phone finds it in the menu, proposes from
it, and the proposal shows where it came from. The pages pass an axe audit."""

from __future__ import annotations

import factories as f
from webclient import audit_pages, log_in, need_axe, observe, shot


def _offer_id(app):
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import ServiceOffer

    with app.app_context():
        return db.session.scalar(select(ServiceOffer.id).order_by(ServiceOffer.id.desc()))


def test_write_refuse_edit_approve_propose(browser, base_url, fresh_db, page, watch, tmp_path):
    with fresh_db.app_context():
        w = f.world()
        f.cycle(w.a, w.committee_a)
    photo = tmp_path / "haircut.jpg"
    photo.write_bytes(f.jpeg())

    # The organization's member writes the offer with a photo and submits it.
    log_in(page, "organization")
    page.goto("/offers/new")
    page.locator("[name=title]").fill("长者上门理发")
    page.locator("[name=description]").fill("理发师每月上门，为行动不便的长者理发。")
    page.locator("[name=price]").fill("30")
    page.locator("[name=unit]").fill("次")
    page.locator("[name=category]").select_option("养老助老")
    page.locator("[name=capacity]").fill("2")
    page.locator("[name=photo]").set_input_files(str(photo))
    page.locator("main form button[type=submit]").click()
    page.get_by_role("button", name="提交审核").click()
    assert "待审核" in page.locator("main").inner_text()
    offer_id = _offer_id(fresh_db)

    # The administrator refuses it once, with a reason.
    admin = observe(browser.new_context(base_url=base_url, locale="zh-CN").new_page(), watch)
    log_in(admin, "admin")
    admin.goto("/admin/offers")
    admin.locator(f"[name='decide{offer_id}-decision'][value=refuse]").check()
    admin.locator(f"[name='decide{offer_id}-reason']").fill("请写明每次服务的时长。")
    shot(admin, "menu-admin-queue")
    admin.locator(f"#offer-{offer_id} button[type=submit]").click()
    shot(admin, "menu-admin-refused")

    # The member reads the reason, edits the offer; the administrator approves it.
    page.goto("/offers/mine")
    assert "请写明每次服务的时长。" in page.locator("main").inner_text()
    shot(page, "menu-mine-refused")
    page.goto(f"/offers/{offer_id}/edit")
    page.locator("[name=description]").fill("理发师每月上门，每次约 30 分钟。")
    page.locator("main form button[type=submit]").click()
    admin.goto("/admin/offers")
    admin.locator(f"[name='decide{offer_id}-decision'][value=approve]").check()
    admin.locator(f"#offer-{offer_id} button[type=submit]").click()

    # A resident on a phone finds it in the menu and proposes from it.
    phone_context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    phone = observe(phone_context.new_page(), watch)
    log_in(phone, "resident_a")
    phone.goto("/")
    phone.get_by_role("link", name="服务菜单").first.click()
    assert "长者上门理发" in phone.locator("main").inner_text()
    shot(phone, "menu-phone")
    phone.get_by_role("link", name="长者上门理发").click()
    phone.locator("[name=quantity]").fill("12")
    shot(phone, "menu-offer-phone")
    phone.get_by_role("button", name="从菜单点单").click()
    main = phone.locator("main").inner_text()
    assert "来自服务菜单：长者上门理发" in main
    shot(phone, "menu-proposal-phone")
    assert watch == []


def test_menu_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    from microprojects.domain.cycles import ProjectType
    from microprojects.models import utcnow
    from microprojects.services import offers

    with fresh_db.app_context():
        w = f.world()
        f.cycle(w.a, w.committee_a)
        data = offers.OfferInput(
            title="长者上门理发", description="上门理发", price_fen=30_00, unit="次",
            project_type=ProjectType.SERVICE, category="养老助老", capacity=2,
        )  # fmt: skip
        on_menu = offers.create_offer(w.organization, data, photos=[f.jpeg()], now=utcnow())
        pending = offers.create_offer(w.organization, data, now=utcnow())
        for made in (on_menu, pending):
            offers.submit_offer(w.organization, made, now=utcnow())
        offers.decide_offer(w.admin, on_menu, approve=True, reason="", now=utcnow())
        offer_id = on_menu.id
    visits = (
        ("resident_a", ["/offers", f"/offers/{offer_id}"]),
        ("organization", ["/offers/mine", "/offers/new", f"/offers/{offer_id}/edit"]),
        ("admin", ["/admin/offers"]),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
