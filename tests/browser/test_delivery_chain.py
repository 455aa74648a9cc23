"""Delivery as practised, from the service menu to acceptance, in one browser run.

阳光助老服务中心 publishes an offer on the service menu with a photo; the administrator approves
it; 王秀英 (resident_a), on her phone, proposes it for 振兴社区 and sends a wish; the committee
approves the proposal, the vote runs and the count funds it; the committee records the delivery
contract with the organization, pays against it and buys the project in a services package from
the same supplier; the organization reports progress on a phone and the committee approves the
report; the work is completed and accepted with the signed form (PDF) and the paper survey's
answers; the public sees the whole chain on the project's page, and the offer shows where it was
proposed, voted and funded. Meanwhile the committee took 王秀英's wish for the next cycle, and
once that cycle collects, makes a proposal of it.

Every step a person takes is clicked; only the people, the first cycle and the next one are made
through the services.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import factories as f
from webclient import end_phase, log_in, observe, shot

PHONE = {"width": 390, "height": 844}
SLUG = "zhenxing"


def _start(app) -> int:
    """The world (振兴社区 with its committee, 王秀英 verified, 阳光助老服务中心 with its
    member, the administrator) and a cycle of 振兴社区 collecting proposals now."""
    with app.app_context():
        w = f.world()
        return f.cycle(w.a, w.committee_a).id


def _next_cycle(app) -> None:
    """The committee's next cycle, collecting from now."""
    from microprojects.extensions import db
    from microprojects.models import Community, User

    with app.app_context():
        place = db.session.scalar(db.select(Community).filter_by(slug=SLUG))
        committee = db.session.scalar(db.select(User).filter_by(username="committee_a"))
        f.cycle(place, committee, title="2027 年振兴社区微实事")


def _day(offset: int = 0) -> str:
    """A date input's value: today in the deployment's time zone, moved by ``offset`` days."""
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=offset)).date().isoformat()


def _id_in(url: str, after: str) -> int:
    found = re.search(rf"{after}/(\d+)", url)
    assert found, url
    return int(found.group(1))


def test_from_the_service_menu_to_acceptance_and_a_wish_into_the_next_cycle(
    browser, base_url, fresh_db, watch, tmp_path
):
    cycle_id = _start(fresh_db)
    desk = observe(browser.new_context(base_url=base_url, locale="zh-CN").new_page(), watch)
    log_in(desk, "committee_a")
    admin = observe(browser.new_context(base_url=base_url, locale="zh-CN").new_page(), watch)
    log_in(admin, "admin")
    supplier = observe(
        browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN").new_page(), watch
    )
    log_in(supplier, "organization")
    resident = observe(
        browser.new_context(
            base_url=base_url, viewport=PHONE, locale="zh-CN", accept_downloads=True
        ).new_page(),
        watch,
    )
    log_in(resident, "resident_a")
    photo = tmp_path / "haircut.jpg"
    photo.write_bytes(f.jpeg(1200, 900))

    # --- The organization publishes an offer on the menu; the administrator approves it. -------
    supplier.goto("/offers/mine")
    supplier.get_by_role("link", name="填写服务项目").click()
    supplier.get_by_label("标题").fill("长者上门理发")
    supplier.get_by_label("服务内容、服务对象、服务方式").fill(
        "理发师每月上门一次，为行动不便的长者理发，每次约 30 分钟。"
    )
    supplier.get_by_label("价格（元）").fill("30")
    supplier.get_by_label("计价单位").fill("次")
    supplier.get_by_label("类别").select_option("养老助老")
    supplier.get_by_label("承接能力").fill("3")
    supplier.get_by_label("照片（选填）").set_input_files(str(photo))
    supplier.get_by_role("button", name="保存").click()
    supplier.get_by_role("button", name="提交审核").click()
    assert "待审核" in supplier.locator("main").inner_text()
    offer_id = _id_in(supplier.url, "/offers")

    admin.goto("/admin/offers")
    offer = admin.locator(f"#offer-{offer_id}")
    offer.get_by_label("通过：上服务菜单").check()
    offer.get_by_role("button", name="公布审核结果").click()
    admin.goto(f"/offers/{offer_id}")
    assert "为您的社区点单" in admin.locator("main").inner_text()  # on the menu, to propose from

    # --- 王秀英 finds it on her phone and proposes it for 振兴社区; she also sends a wish. --------
    resident.goto("/")
    resident.get_by_role("link", name="服务菜单").first.click()
    resident.get_by_role("link", name="长者上门理发").click()
    resident.get_by_label("数量").fill("24")
    shot(resident, "chain-offer-phone")
    resident.get_by_role("button", name="从菜单点单").click()
    resident.wait_for_url("**/proposals/*")
    project_id = _id_in(resident.url, "/proposals")
    page_text = resident.locator("main").inner_text()
    assert "来自服务菜单：长者上门理发" in page_text
    assert "720" in page_text  # 30 yuan a visit, 24 visits
    shot(resident, "chain-proposal-phone")

    resident.goto(f"/c/{SLUG}/wishes")
    resident.get_by_label("您的心愿是什么？").fill("3栋楼道没有扶手，老人上下楼不方便。")
    resident.get_by_label("地点（可不填）").fill("3栋1单元")
    resident.get_by_role("button", name="提交心愿").click()
    resident.wait_for_url("**/wishes/mine")

    # --- The committee screens and approves it; the vote; the count funds it. -----------------
    end_phase(desk, SLUG, cycle_id, "征集期结束。")
    desk.goto(f"/proposals/{project_id}")
    assert "来自服务菜单：长者上门理发" in desk.locator("main").inner_text()
    desk.get_by_role("radio", name="可行", exact=True).check()
    desk.get_by_role("button", name="记录评估").click()
    desk.get_by_label("通过理由（公开）").fill("按服务菜单报价，组织已登记，可行。")
    desk.get_by_role("button", name="审核通过，列入投票").click()
    desk.get_by_role("button", name="确定，审核通过并列入投票").click()
    assert "已列入投票" in desk.locator("main").inner_text()

    # The committee answers the wish while the cycle runs: taken into the next cycle.
    desk.goto(f"/c/{SLUG}/committee/wishes")
    wish = desk.locator("li.comment").filter(has_text="3栋楼道没有扶手")
    wish.get_by_label("纳入下一轮，作为提议").check()
    wish.get_by_role("button", name="公开答复").click()

    end_phase(desk, SLUG, cycle_id, "审核完成，开始投票。")
    resident.goto(f"/cycles/{cycle_id}")
    resident.get_by_role("link", name="去投票", exact=True).click()
    resident.get_by_label("长者上门理发").check()
    resident.get_by_role("button", name="查看我的选择").click()
    resident.get_by_role("button", name="投出选票").click()
    assert "您的选票已投出" in resident.locator("main").inner_text()

    end_phase(desk, SLUG, cycle_id, "投票结束。")
    desk.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}/count")
    desk.get_by_role("button", name="计票").click()
    desk.get_by_role("button", name="确定，开始计票").click()
    assert "已完成计票。" in desk.locator("main").inner_text()
    end_phase(desk, SLUG, cycle_id, "公示期满，无异议。")

    # --- The contract with the organization, a payment against it, and the package. ----------
    manage = f"/c/{SLUG}/committee/projects/{project_id}"
    desk.goto(manage)
    desk.get_by_role("button", name="建立实施记录").click()
    contract = desk.locator("#contract")
    contract.get_by_label("承接方：已登记的社会组织").select_option(label="阳光助老服务中心")
    contract.get_by_label("合同编号（选填）").fill("ZX-2026-12")
    contract.get_by_label("合同金额（元）").fill("720")
    contract.get_by_label("签订日期").fill(_day(-1))
    contract.get_by_label("开工日期").fill(_day())
    contract.get_by_label("完工日期").fill(_day(360))
    contract.get_by_label("承接方交付的内容").fill("一年内上门理发 24 次，每次登记服务对象。")
    contract.get_by_role("button", name="登记合同").click()
    assert "合同已登记；此后的支出都按合同付款。" in desk.locator("main").inner_text()
    spending = desk.locator("#spending")
    spending.locator('[name="amount"]').fill("360")
    spending.locator('[name="spent_on"]').fill(_day())
    spending.locator('[name="note"]').fill("合同首付款")
    spending.locator('button[type="submit"]').last.click()
    assert "360" in desk.locator("#contract").inner_text()

    desk.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}")
    desk.get_by_role("link", name="采购包").click()
    new = desk.locator("#new-package")
    new.get_by_label("采购包名称").fill("振兴社区助老服务包")
    new.get_by_label("类别").select_option(label="服务")
    new.get_by_label("采购方式").select_option(label="询价")
    new.get_by_role("button", name="创建采购包").click()
    package = desk.locator("section.package").first
    package.get_by_label("获资助项目").select_option(label="长者上门理发")
    package.get_by_role("button", name="加入采购包").click()
    assert "项目已加入采购包。" in desk.locator("main").inner_text()
    package = desk.locator("section.package").first
    package.get_by_label("已登记的组织").select_option(label="阳光助老服务中心")
    package.get_by_label("中标金额（元）").fill("720")
    package.get_by_role("button", name="保存供应商").click()
    assert "供应商和中标金额已保存。" in desk.locator("main").inner_text()
    shot(desk, "chain-package")

    # --- The organization reports progress on its phone; the committee approves it. ----------
    supplier.goto("/")
    supplier.get_by_role("link", name="我们的合同").first.click()
    assert "长者上门理发" in supplier.locator("main").inner_text()
    supplier.get_by_label("完成了哪些工作").fill("已上门服务 12 次，共 12 位长者。")
    supplier.get_by_label("进度（%）").fill("50")
    supplier.get_by_label("施工中照片（选填）").set_input_files(str(photo))
    supplier.get_by_role("button", name="提交进展").click()
    assert "等待居务协商会审核" in supplier.locator("main").inner_text()
    shot(supplier, "chain-supplier-report-phone")
    resident.goto(f"/proposals/{project_id}")
    assert "已上门服务 12 次" not in resident.locator("main").inner_text()
    desk.goto(manage)
    desk.locator("#supplier-updates").get_by_role("button", name="审核通过并发布").click()
    assert "进展已发布，已通知关注者。" in desk.locator("main").inner_text()

    # --- Completed, and accepted with the signed form and the paper survey. -------------------
    updates = desk.locator("#updates")
    updates.get_by_label("进展情况").fill("24 次上门理发全部完成。")
    updates.get_by_label("状态").select_option(label="已完工")
    updates.get_by_label("进度（%）").fill("100")
    updates.get_by_role("button", name="发布进展").click()
    assert "进展已发布" in desk.locator("main").inner_text()
    desk.get_by_label("验收日期").fill(_day())
    for n, (name, role) in enumerate((("李主任", "居务协商会成员"), ("王秀英", "居民代表"),
                                      ("阳光助老服务中心", "施工方或供应商"))):  # fmt: skip
        desk.locator(f'[name="inspectors-{n}-name"]').fill(name)
        desk.locator(f'[name="inspectors-{n}-role"]').select_option(label=role)
    desk.get_by_label("验收情况").fill("服务记录齐全，抽访 5 位长者均表示满意。")
    desk.get_by_label("验收合格", exact=True).check()
    desk.get_by_label("验收材料：签字的验收单（PDF）或照片").set_input_files(
        [{"name": "验收单.pdf", "mimeType": "application/pdf", "buffer": f.pdf()}]
    )
    desk.get_by_role("button", name="保存验收结果").click()
    assert "已验收，项目已结项。" in desk.locator("main").inner_text()
    survey = desk.locator("#survey")
    survey.get_by_label("满意", exact=True).fill("18")
    survey.get_by_label("基本满意", exact=True).fill("2")
    survey.get_by_label("不满意", exact=True).fill("0")
    survey.get_by_role("button", name="录入", exact=True).click()
    assert "纸质问卷结果已录入。" in desk.locator("main").inner_text()

    # --- What the public sees: the whole chain on the project's page, and on the offer's. -----
    resident.goto(f"/proposals/{project_id}")
    main = resident.locator("main").inner_text()
    assert "来自服务菜单：长者上门理发" in main and "获资助 · 已验收" in main
    assert "已上门服务 12 次，共 12 位长者。" in main  # the approved report
    contract_text = resident.locator("#contract").inner_text()
    assert "阳光助老服务中心" in contract_text and "720" in contract_text
    line = resident.locator("#package").inner_text()
    assert "振兴社区助老服务包" in line and "供应商：阳光助老服务中心" in line
    accepted = resident.locator("#acceptance").inner_text()
    assert "验收合格" in accepted and "纸质问卷 20 份" in accepted
    shot(resident, "chain-project-phone")
    with resident.expect_download() as download:
        resident.get_by_role("link", name="验收单.pdf").click()
    assert Path(download.value.path()).read_bytes() == f.pdf()
    resident.goto(f"/offers/{offer_id}")
    uses = resident.locator(".offer-uses").inner_text()
    assert "振兴社区" in uses and "长者上门理发" in uses
    assert "已列入选票 · 1 票 · 获资助，已验收" in uses
    record = resident.locator(".offer-record").first.inner_text()
    assert (
        "1 个获资助，1 个已验收" in record
        and "满意率 100.0%（网上评价和纸质问卷共 20 份）" in record
    )
    shot(resident, "chain-offer-uses-phone")

    # --- The next cycle collects: the committee makes the wish a proposal of it. --------------
    _next_cycle(fresh_db)
    desk.goto(f"/c/{SLUG}/committee/wishes")
    wish = desk.locator("li.comment").filter(has_text="3栋楼道没有扶手")
    wish.get_by_label("类别").select_option("设施维修")
    wish.get_by_label("预估费用（元）").fill("3,000")
    wish.get_by_role("button", name="把这个心愿转为提议").click()
    desk.wait_for_url("**/proposals/*")
    made = desk.locator("main").inner_text()
    assert "来自微心愿" in made and "2027 年振兴社区微实事" in made
    resident.goto("/wishes/mine")
    assert "已纳入下一轮" in resident.locator("main").inner_text()
    shot(resident, "chain-wish-phone")
    assert watch == []
