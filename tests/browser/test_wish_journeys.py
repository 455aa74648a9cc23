"""Small wishes (点亮微心愿) in a real browser: a resident on a phone sends a wish with a
photo (a file that is no photo refused first, what was typed kept) and another; the committee
takes the first into the next cycle and makes a proposal of the collecting cycle from it, and
refers the second to 12345; the resident reads both answers and finds the proposal. The pages
pass an axe audit."""

from __future__ import annotations

import factories as f
from webclient import audit_pages, log_in, need_axe, observe, shot


def _collecting(app):
    """Community A with a cycle collecting proposals now."""
    with app.app_context():
        w = f.world()
        cycle = f.cycle(w.a, w.committee_a)
        return cycle.id, w.a.slug


def _wish_ids(app):
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import Wish

    with app.app_context():
        return list(db.session.scalars(select(Wish.id).order_by(Wish.id)))


def test_send_take_propose_refer(browser, base_url, fresh_db, page, watch, tmp_path):
    _cycle_id, slug = _collecting(fresh_db)
    photo = tmp_path / "stairs.jpg"
    photo.write_bytes(f.jpeg())
    fake = tmp_path / "stairs-fake.jpg"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")

    # A resident on a phone, from the community's page.
    phone_context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    phone = observe(phone_context.new_page(), watch)
    log_in(phone, "resident_a")
    phone.goto(f"/c/{slug}")
    phone.get_by_role("link", name="提交心愿，看看心愿墙").click()
    phone.get_by_label("您的心愿是什么？").fill("1栋楼道没有扶手，老人上下楼不方便。")
    phone.get_by_label("地点（可不填）").fill("1栋1单元")
    phone.get_by_label("照片（选填）").set_input_files(str(fake))
    phone.get_by_role("button", name="提交心愿").click()
    main = phone.locator("main").inner_text()
    assert "该文件不是照片。" in main
    typed = phone.get_by_label("您的心愿是什么？").input_value()
    assert typed == "1栋楼道没有扶手，老人上下楼不方便。"
    assert phone.get_by_label("地点（可不填）").input_value() == "1栋1单元"
    shot(phone, "wish-refused-upload-phone")
    phone.get_by_label("照片（选填）").set_input_files(str(photo))
    phone.get_by_role("button", name="提交心愿").click()
    phone.wait_for_url("**/wishes/mine")
    assert "您的心愿已提交" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="提交心愿").first.click()
    phone.get_by_label("您的心愿是什么？").fill("振兴路井盖松动，车一压就响。")
    phone.get_by_role("button", name="提交心愿").click()
    phone.wait_for_url("**/wishes/mine")
    shot(phone, "wish-mine-phone")
    first, second = _wish_ids(fresh_db)
    # Her photo is hers and the committee's: the wish's page shows it to her.
    phone.goto(f"/wishes/{first}")
    assert phone.locator(".wish-photo img").evaluate("img => img.naturalWidth") > 0

    # The committee takes the first into the next cycle and makes a proposal of it.
    log_in(page, "committee_a")
    page.goto(f"/c/{slug}/committee")
    page.locator("nav.subnav").get_by_role("link", name="微心愿").click()
    assert "等待答复: 2" in page.locator(".wish-counts").inner_text()
    shot(page, "wish-committee-list")
    item = page.locator(f"#wish-{first}")
    item.get_by_label("纳入下一轮，作为提议").check()
    item.get_by_role("button", name="公开答复").click()
    page.wait_for_url(f"**#wish-{first}")
    item = page.locator(f"#wish-{first}")
    assert item.get_by_label("标题").input_value().startswith("1栋楼道没有扶手")
    item.get_by_label("类别").select_option("设施维修")
    item.get_by_label("预估费用（元）").fill("3,000")
    shot(page, "wish-make-proposal")
    item.get_by_role("button", name="把这个心愿转为提议").click()
    page.wait_for_url("**/proposals/*")
    detail = page.locator("main").inner_text()
    assert "来自微心愿" in detail and "1栋楼道没有扶手，老人上下楼不方便。" in detail
    proposal_path = page.url.split(base_url)[-1]

    # The second is referred to 12345; a referral without its where-to is refused first.
    page.goto(f"/c/{slug}/committee/wishes")
    item = page.locator(f"#wish-{second}")
    item.get_by_label("转办（12345、物业、街道等）").check()
    item.get_by_role("textbox", name="公开答复").fill("井盖归市政管理，已转 12345。")
    item.get_by_role("button", name="公开答复").click()
    assert "请写明转给了哪里" in page.locator("main").inner_text()
    item = page.locator(f"#wish-{second}")
    kept = item.get_by_role("textbox", name="公开答复").input_value()
    assert kept == "井盖归市政管理，已转 12345。"
    item.get_by_label("转办给").fill("12345 市民热线")
    item.get_by_role("button", name="公开答复").click()
    page.wait_for_url(f"**#wish-{second}")
    shot(page, "wish-committee-answered")

    # The resident reads the answers, finds the proposal, and was told.
    phone.goto("/wishes/mine")
    mine = phone.locator("main").inner_text()
    assert "已纳入下一轮" in mine and "已转办给12345 市民热线" in mine
    assert "井盖归市政管理，已转 12345。" in mine
    phone.get_by_role("link", name="1栋楼道没有扶手").first.click()
    assert proposal_path in phone.url
    shot(phone, "wish-proposal-phone")
    phone.goto("/account/notifications")
    notices = phone.locator("main").inner_text()
    assert "居委会已答复您的微心愿。" in notices and "您的微心愿已转为提议" in notices
    # The public wall names nobody.
    phone.goto(f"/c/{slug}/wishes")
    wall = phone.locator(".wish-wall").inner_text()
    assert "王秀英" not in wall and "振兴路井盖松动" in wall
    shot(phone, "wish-wall-phone")
    phone_context.close()


def test_wish_pages_have_no_serious_accessibility_violations(browser, base_url, fresh_db):
    need_axe()
    _cycle_id, slug = _collecting(fresh_db)
    from microprojects.extensions import db
    from microprojects.models import Community, User, utcnow
    from microprojects.services import wishes

    with fresh_db.app_context():
        a = db.session.scalar(db.select(Community).filter_by(slug=slug))
        resident = db.session.scalar(db.select(User).filter_by(username="resident_a"))
        committee = db.session.scalar(db.select(User).filter_by(username="committee_a"))
        wish = wishes.send_wish(resident, a, text="楼道装扶手", photo=f.jpeg(), now=utcnow())
        taken = wishes.send_wish(resident, a, text="门口加路灯", now=utcnow())
        wishes.answer_wish(committee, taken, status="taken", answer="", now=utcnow())
        wish_id = wish.id
    visits = (
        ("resident_a", [f"/c/{slug}/wishes", "/wishes/mine", f"/wishes/{wish_id}"]),
        ("committee_a", [f"/c/{slug}/committee/wishes", f"/wishes/{wish_id}"]),
    )
    assert audit_pages(browser, base_url, visits, phone=True) == []
