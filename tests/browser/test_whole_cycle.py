"""One cycle of 振兴社区 from its first day to a rated bench, clicked through in one browser run.

The committee creates the cycle and issues household codes; 林海燕 claims hers on a phone and
proposes a bench with a photo; 王秀英 supports and comments; the committee ends the collection,
sets a budget ballot, merges a duplicate, assesses and approves, and opens the vote; 林海燕 votes
on the phone and checks her receipt from the results page; 王秀英 meets the over-budget refusal,
then votes; 陈阿婆's paper ballot is typed by one member and again, blind, by another; the vote
closes, the committee counts; 王秀英 objects and the committee answers; the result becomes final,
progress is posted and 林海燕 rates the finished bench. Along the way: a second vote refused, and
the results read in English.

Every phase change goes through the committee's schedule form, as on the real day. Only people
and the roster are made through the services, and two more proposals (one of them the duplicate),
since proposing is clicked through once already.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import factories as f
from webclient import end_phase, log_in, observe, register, shot

SLUG = "zhenxing"


def new_page(browser, base_url: str, **options):
    return browser.new_context(base_url=base_url, locale="zh-CN", **options).new_page()


def _local(moment: datetime) -> str:
    """A datetime-local input's value, in the deployment's time zone."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def _end_phase(page, cycle_id: int, reason: str) -> None:
    end_phase(page, SLUG, cycle_id, reason)


def _people(app) -> None:
    """振兴社区 and its committee of two, 王秀英 (verified), 林海燕 on the roster without an
    account, and 陈阿婆, verified, who will vote on paper."""
    from microprojects.extensions import db
    from microprojects.models import Community, User
    from microprojects.services import accounts, residency

    with app.app_context():
        w = f.world()
        second = f.user("committee_a2", display_name="李委员")
        admin = db.session.get(User, w.admin.id)
        place = db.session.get(Community, w.a.id)
        accounts.add_committee_member(admin, second, place, title="委员", now=f.NOW)
        committee = db.session.get(User, w.committee_a.id)
        residency.import_roster(
            committee, place, f.roster_csv("第一网格,3栋1单元301,林海燕,,1985-03-02,居住"),
            now=f.NOW,
        )  # fmt: skip
        f.verified_resident("chenapo", place, committee, "陈阿婆", "8栋1单元101")


def _more_proposals(app, cycle_id: int) -> None:
    """王秀英's three proposals: street lights, a class, and a second bench by the news-stand
    (the duplicate)."""
    from sqlalchemy import select

    from microprojects.domain.cycles import ProjectType
    from microprojects.extensions import db
    from microprojects.models import Cycle, User, utcnow
    from microprojects.services import proposals

    with app.app_context():
        author = db.session.scalar(select(User).filter_by(username="resident_a"))
        cycle = db.session.get(Cycle, cycle_id)
        for title, category, cost, kind in (
            ("幸福巷安装路灯", "照明", 30_000_00, ProjectType.ENGINEERING),
            ("老年人智能手机课堂", "文体活动", 20_000_00, ProjectType.SERVICE),
            ("报刊亭边加几张凳子", "设施维修", 2_000_00, ProjectType.GOODS),
        ):
            made = f.proposal_input(
                title=title, category=category, estimated_cost_fen=cost, project_type=kind
            )
            proposals.create_proposal(author, cycle, made, submit=True, now=utcnow())


def _proposal_id(app, title: str) -> int:
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import Proposal

    with app.app_context():
        return int(db.session.scalar(select(Proposal.id).filter_by(title=title)))


def test_the_whole_cycle(browser, base_url, fresh_db, page, watch, tmp_path: Path):
    _people(fresh_db)
    # Four people, four browsers; what goes wrong in any of them fails the test.
    phone = observe(new_page(browser, base_url, viewport={"width": 390, "height": 844}), watch)
    neighbour = observe(new_page(browser, base_url), watch)
    second = observe(new_page(browser, base_url), watch)

    # --- The committee creates the cycle: collection open now, the rest weeks ahead. -----------
    log_in(page, "committee_a")
    page.goto(f"/c/{SLUG}/committee/cycles")
    start = datetime.now().astimezone() - timedelta(hours=1)
    page.get_by_label("标题", exact=True).fill("2027 年振兴社区微实事")
    page.get_by_label("总预算（元）").fill("50,000")
    page.get_by_label("类别，每行一个").fill("设施维修\n照明\n文体活动")
    dates = ("征集开始", "协商审核开始", "投票开始", "公示开始", "实施开始", "结束")
    for i, label in enumerate(dates):
        page.get_by_label(label, exact=True).fill(_local(start + timedelta(days=14 * i)))
    page.get_by_role("button", name="创建轮次").click()
    page.wait_for_url(f"**/c/{SLUG}/committee/cycles/*")
    cycle_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert "征集" in page.locator(".phase").first.inner_text()

    # --- Household codes: printed by the committee, claimed by 林海燕 on her phone. --------------
    page.goto(f"/c/{SLUG}/committee/codes")
    page.get_by_role("button", name="生成入户码").click()
    page.goto(f"/c/{SLUG}/committee/codes/sheet")
    code = page.locator(".code-card").filter(has_text="林海燕").locator(".code.big").inner_text()
    phone.goto(f"/c/{SLUG}/claim?code={code.replace('-', '')}")
    phone.get_by_role("link", name="注册").last.click()
    register(phone, "linhaiyan", "林海燕")
    phone.wait_for_url("**/verify")
    phone.get_by_role("link", name="和平南街道 · 振兴社区").click()
    phone.get_by_label("入户码").fill(code)
    phone.get_by_role("button", name="认证").click()
    phone.wait_for_url("**/account")
    assert "您是振兴社区的认证居民" in phone.locator("main").inner_text()

    # --- 林海燕 proposes a bench with a photo. ----------------------------------------------------
    phone.goto(f"/cycles/{cycle_id}")
    phone.get_by_role("link", name="去提议").click()
    phone.get_by_label("标题").fill("报刊亭旁放两张石凳")
    phone.get_by_label("要做什么，为什么").fill("老人买报后没有地方坐。")
    phone.get_by_label("类别").select_option("设施维修")
    phone.get_by_label("货物类").check()
    phone.get_by_label("预估费用（元）").fill("3,600")
    phone.get_by_label("地点").fill("振兴路报刊亭东侧")
    phone.get_by_role("button", name="保存草稿").click()
    photo = tmp_path / "bench.jpg"
    photo.write_bytes(f.jpeg(1200, 900))
    phone.get_by_label("照片").set_input_files(str(photo))
    phone.get_by_role("button", name="添加照片").click()
    phone.get_by_role("button", name="提交", exact=True).click()
    assert "已提交" in phone.locator("main").inner_text()
    bench = _proposal_id(fresh_db, "报刊亭旁放两张石凳")
    _more_proposals(fresh_db, cycle_id)
    lights = _proposal_id(fresh_db, "幸福巷安装路灯")
    course = _proposal_id(fresh_db, "老年人智能手机课堂")
    duplicate = _proposal_id(fresh_db, "报刊亭边加几张凳子")

    # --- 王秀英 supports the bench and says why. -------------------------------------------------
    log_in(neighbour, "resident_a")
    neighbour.goto(f"/proposals/{bench}")
    neighbour.get_by_role("button", name="附议").click()
    assert "1 人附议" in neighbour.locator("#support").inner_text().replace("\n", " ")
    neighbour.get_by_label("您的评论").fill("支持，我妈每天都去买报。")
    neighbour.get_by_label("支持").check()
    neighbour.get_by_role("button", name="发布").click()
    assert "支持，我妈每天都去买报。" in neighbour.locator("#comments").inner_text()

    # --- Screening: the ballot is set, the duplicate merged, the rest assessed and approved. -----
    _end_phase(page, cycle_id, "征集期提前结束：提议已足够。")
    page.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}")
    page.get_by_role("link", name="投票设置").click()
    page.get_by_label("预算投票：在预算内选择项目").check()
    page.get_by_role("button", name="保存").click()
    assert "投票设置已保存。" in page.locator(".flash-success").inner_text()

    page.goto(f"/proposals/{duplicate}")
    page.get_by_label("合并到").select_option(value=str(bench))
    merge = page.locator("form", has=page.get_by_label("合并到"))
    merge.get_by_role("textbox", name="公开说明", exact=True).fill(f"与 #{bench} 是同一处石凳。")
    page.get_by_role("button", name="合并", exact=True).click()
    page.get_by_role("button", name="确定，合并提议").click()
    assert "已合并到" in page.locator("main").inner_text()
    for proposal in (bench, lights, course):
        page.goto(f"/proposals/{proposal}")
        page.get_by_role("radio", name="可行", exact=True).check()
        page.get_by_role("button", name="记录评估").click()
        page.get_by_label("通过理由（公开）").fill("经评估可行，列入投票。")
        page.get_by_role("button", name="审核通过，列入投票").click()
        page.get_by_role("button", name="确定，审核通过并列入投票").click()
        assert "已列入投票" in page.locator("main").inner_text()
    page.goto(f"/proposals/{bench}")
    assert "报刊亭边加几张凳子" in page.locator("main").inner_text()  # merged into this one
    shot(page, "cycle-bench-approved")
    _end_phase(page, cycle_id, "协商审核完成，开始投票。")

    # --- Voting: 林海燕 on her phone, then her receipt; a second vote is refused. ----------------
    phone.goto(f"/cycles/{cycle_id}")
    phone.get_by_role("link", name="去投票", exact=True).click()
    phone.get_by_label("报刊亭旁放两张石凳").check()
    phone.get_by_role("button", name="查看我的选择").click()
    phone.get_by_role("button", name="投出选票").click()
    receipt = phone.locator(".code.big").inner_text()
    shot(phone, "cycle-receipt-phone")
    phone.goto(f"/cycles/{cycle_id}/vote")
    assert "感谢您的投票" in phone.locator("main").inner_text()
    assert phone.locator("form.ballot").count() == 0

    # 王秀英 first chooses more than the budget allows, then a ballot that fits.
    neighbour.goto(f"/cycles/{cycle_id}/vote")
    neighbour.get_by_label("报刊亭旁放两张石凳").check()
    neighbour.get_by_label("幸福巷安装路灯").check()
    neighbour.get_by_label("老年人智能手机课堂").check()
    neighbour.get_by_role("button", name="查看我的选择").click()
    assert "超过预算" in neighbour.get_by_role("alert").inner_text()  # 53,600 of 50,000
    assert neighbour.get_by_role("button", name="投出选票").count() == 0
    shot(neighbour, "cycle-ballot-over-budget")
    neighbour.goto(f"/cycles/{cycle_id}/vote")
    neighbour.get_by_label("老年人智能手机课堂").uncheck()
    neighbour.get_by_label("报刊亭旁放两张石凳").check()
    neighbour.get_by_label("幸福巷安装路灯").check()
    neighbour.get_by_role("button", name="查看我的选择").click()
    neighbour.get_by_role("button", name="投出选票").click()
    assert "您的选票已投出" in neighbour.locator("main").inner_text()

    # --- 陈阿婆 votes on paper at the office: one member types it, another types it again. ------
    page.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}/paper")
    page.get_by_label("查找居民：姓名、手机号或入户码").fill("陈阿婆")
    page.get_by_role("button", name="搜索").click()
    page.get_by_label("本人认识").check()  # how her identity was checked: required
    page.get_by_label("幸福巷安装路灯").check()
    page.get_by_role("button", name="录入这张纸质选票").click()
    assert (
        "已录入。现在需由另一个人把同一张纸质选票再录入一次。" in page.locator("main").inner_text()
    )
    assert page.get_by_role("link", name="录入（第二次）").count() == 0  # not by themselves
    log_in(second, "committee_a2")
    second.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}/paper")
    second.get_by_role("link", name="录入（第二次）").click()
    assert second.get_by_label("幸福巷安装路灯").is_checked() is False  # blind: nothing shown
    shot(second, "cycle-paper-second-typing")
    second.get_by_label("幸福巷安装路灯").check()
    second.get_by_role("button", name="保存这次录入").click()
    assert "两次录入一致：纸质选票已计入。" in second.locator("main").inner_text()

    # --- The vote closes and the committee counts. ----------------------------------------------
    _end_phase(page, cycle_id, "投票结束。")
    page.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}/count")
    page.get_by_role("button", name="计票").click()
    page.get_by_role("button", name="确定，开始计票").click()
    assert "已完成计票。" in page.locator("main").inner_text()

    # 林海燕 checks her receipt from the results page.
    phone.goto(f"/cycles/{cycle_id}/results")
    assert "公示中" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="用回执码核对您的选票是否计入").click()
    phone.get_by_label("回执码").fill(receipt)
    phone.get_by_role("button", name="核对").click()
    assert "这张回执对应的选票已计入" in phone.locator("main").inner_text()

    # --- 王秀英 objects; the committee answers publicly. -----------------------------------------
    neighbour.goto(f"/cycles/{cycle_id}/results")
    neighbour.get_by_label("涉及哪个项目（选填）").select_option(label="幸福巷安装路灯")
    neighbour.get_by_label("您的异议及理由").fill("路灯报价偏高，请核实。")
    neighbour.get_by_role("button", name="提出异议").click()
    assert "您的异议已提交" in neighbour.locator("main").inner_text()
    page.goto(f"/c/{SLUG}/committee/cycles/{cycle_id}/count")
    page.get_by_label("不予采纳：维持结果").check()
    page.get_by_label("公开答复").fill("报价经街道核实无误，维持结果。")
    page.get_by_role("button", name="公开答复").click()
    page.wait_for_url("**#objection-*")

    # The results, in English.
    neighbour.goto(f"/cycles/{cycle_id}/results")
    neighbour.get_by_role("button", name="English").click()
    english = neighbour.locator("main").inner_text()
    assert "Funded: when its turn came 50,000 yuan was left" in english
    assert "报价经街道核实无误" in english and "Dismissed" in english
    shot(neighbour, "cycle-results-english")
    neighbour.get_by_role("button", name="中文").click()

    # --- Final result; the committee builds the bench and posts its progress. -------------------
    _end_phase(page, cycle_id, "公示期满，无异议成立。")
    page.goto(f"/c/{SLUG}/committee/projects/{bench}")
    page.get_by_role("button", name="建立实施记录").click()
    for status, body in (("实施中", "石凳已订购。"), ("已完工", "两张石凳已安装。")):
        page.get_by_label("进展情况").fill(body)
        page.get_by_label("状态").select_option(label=status)
        page.get_by_label("进度（%）").fill("100" if status == "已完工" else "50")
        if status == "已完工":
            page.get_by_label("施工后照片（选填）").set_input_files(str(photo))
        page.get_by_role("button", name="发布进展").click()
        assert "进展已发布" in page.locator("main").inner_text()

    # --- 林海燕 sees the finished bench and rates it. --------------------------------------------
    phone.goto(f"/proposals/{bench}")
    story = phone.locator("#implementation").inner_text()
    assert "已完工" in story and "两张石凳已安装。" in story
    phone.get_by_label("5 颗星").check()
    phone.get_by_role("button", name="提交评价").click()
    assert "您给了 5 颗星。" in phone.locator("#rating").inner_text()
    shot(phone, "cycle-bench-rated-phone")

    # What the public sees at the end: the bench funded with three votes, one of them on paper.
    with fresh_db.app_context():
        from sqlalchemy import select

        from microprojects.extensions import db
        from microprojects.models import Ballot, Participation

        channels = sorted(db.session.scalars(
            select(Participation.channel).filter_by(cycle_id=cycle_id)
        ))  # fmt: skip
        assert channels == ["paper", "web", "web"]
        assert len(db.session.scalars(select(Ballot).filter_by(cycle_id=cycle_id)).all()) == 3
