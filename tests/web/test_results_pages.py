"""The count through the pages: the committee sets the rule, closes voting and counts; anyone
reads the result and downloads the counted ballots."""

import hashlib
import re

import factories as f
import pytest
from proposal_pages import CONFIRM_TOKEN
from sqlalchemy import func, select
from webclient import login, page_queries, post, recorded_queries

from microprojects.extensions import db
from microprojects.models import Community, Count, Cycle, User


def _place_and_admin(world):
    return db.session.get(Community, world.a_id), db.session.get(User, world.ids["admin"])


@pytest.fixture
def counted(app, world):
    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, made, _ = f.counted_cycle(place, admin)
        return cycle.id, [p.id for p in made]


def test_anyone_reads_the_result_with_its_explanations(app, counted):
    cycle_id, _ = counted
    page = app.test_client().get(f"/cycles/{cycle_id}/results")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for title in ("报刊亭旁放两张石凳", "幸福巷安装路灯", "老年人智能手机课堂"):
        assert title in text
    assert text.count(">获资助</span>") == 2 and text.count(">未获资助</span>") == 1
    assert "未获资助：轮到它时只剩 5,000 元，不够付它的费用 30,000 元。" in text
    assert "得分完全相同时，先提交的提议优先。" in text
    assert "得票多者优先" in text
    assert "30,000 元" in text and "5,000 元" in text  # used, left
    assert '<svg viewBox="0 0 400' in text and '<title id="chart-title">' in text
    # The page's digest is the downloaded file's.
    digest = re.search(r'<code class="digest">([0-9a-f]{64})</code>', text).group(1)
    download = app.test_client().get(f"/cycles/{cycle_id}/results.pb")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.get_data()).hexdigest() == digest


def test_the_result_in_english(app, counted):
    cycle_id, _ = counted
    client = app.test_client()
    client.set_cookie("lang", "en")
    text = client.get(f"/cycles/{cycle_id}/results?lang=en", headers={"Accept-Language": "en"})
    body = text.get_data(as_text=True)
    assert "Not funded: when its turn came only 5,000 yuan was left" in body
    assert "Most votes first" in body


def test_before_the_count_the_page_says_so(app, world):
    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, _ = f.voting_cycle(place, admin)
        cycle_id = cycle.id
    client = app.test_client()
    assert "尚未计票" in client.get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    assert client.get(f"/cycles/{cycle_id}/results.pb").status_code == 404
    assert client.get("/cycles/999999/results").status_code == 404


def test_the_committee_counts_then_counts_again_with_a_reason(app, client, world):
    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, _ = f.voting_cycle(place, admin)
        cycle_id, slug = cycle.id, place.slug
    login(client, "committee_a")
    url = f"/c/{slug}/committee/cycles/{cycle_id}/count"
    page = client.get(url).get_data(as_text=True)
    assert "投票结束后才能计票。" in page and "计票</button>" not in page
    refused = post(client, url)
    assert "投票结束后才能计票。" in refused.get_data(as_text=True)
    with app.app_context():
        from microprojects.domain.phases import Phase
        from microprojects.models import utcnow
        from microprojects.services import cycles

        cycle = db.session.get(Cycle, cycle_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycles.change_phase(committee, cycle, phase=Phase.VOTING, reason="结束", now=utcnow())
    # The count asks first, naming the cycle; nothing is counted until it is confirmed.
    asked = post(client, url)
    assert asked.status_code == 200 and "确定，开始计票" in asked.get_data(as_text=True)
    assert "<dt>计票规则</dt><dd>得票多者优先</dd>" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Count)) == 0
    token = CONFIRM_TOKEN.search(asked.get_data(as_text=True)).group(1)
    counted = post(client, url, {"confirm_token": token})
    assert counted.status_code == 302
    assert "已完成计票。" in client.get(url).get_data(as_text=True)
    # The same confirmation sent again counts nothing, and does not correct the count.
    replayed = post(client, url, {"confirm_token": token}, follow_redirects=True)
    assert "未做任何操作" in replayed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Count)) == 1
    again = post(client, url, {"reason": ""}).get_data(as_text=True)
    assert "如需重新计票，请填写理由" in again
    asked = post(client, url, {"reason": "纸质选票漏录一张，已补录"})
    text = asked.get_data(as_text=True)
    assert "更正" in text and "纸质选票漏录一张，已补录" in text and "无法撤销" in text
    token = CONFIRM_TOKEN.search(text).group(1)
    post(client, url, {"confirm_token": token})
    post(client, url, {"confirm_token": token})  # a double tap: one correction
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Count)) == 2
    public = app.test_client().get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    assert "第 2 次计票；理由：纸质选票漏录一张，已补录" in public
    assert "此前的计票" in public


def test_the_rule_is_set_before_voting_and_fixed_after(app, client, world):
    with app.app_context():
        place, admin = _place_and_admin(world)
        upcoming = f.cycle(place, admin, phase="screening")
        voting_now, _ = f.voting_cycle(place, admin)
        ids, slug = (upcoming.id, voting_now.id), place.slug
    login(client, "committee_a")
    url = f"/c/{slug}/committee/cycles/{ids[0]}/voting"
    saved = post(
        client,
        url,
        {
            "ballot_kind": "approval", "ballot_min": "1", "vote_unit": "person",
            "points_total": "10", "rank_k": "3", "tally_rule": "equal-shares",
            "tally_threshold": "5", "tie_break": "cheaper",
        },
    )  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        cycle = db.session.get(Cycle, ids[0])
        assert (cycle.tally_rule, cycle.tally_threshold, cycle.tie_break) == (
            "equal-shares",
            5,
            "cheaper",
        )
    bad = post(client, url, {"ballot_kind": "approval", "vote_unit": "person",
                             "tally_rule": "lottery", "tie_break": "cheaper"})  # fmt: skip
    errors = re.findall(r'class="error" role="alert">([^<]*)<', bad.get_data(as_text=True))
    assert bad.status_code == 200 and errors == ["不是有效的选择。"]
    fixed = client.get(f"/c/{slug}/committee/cycles/{ids[1]}/voting").get_data(as_text=True)
    assert "等额分担法" not in fixed and "得票多者优先" in fixed
    assert 'name="tally_rule"' not in fixed


def test_the_results_page_does_not_grow_with_ballots_or_projects(app, world):
    with app.app_context():
        place, admin = _place_and_admin(world)
        small, _, _ = f.counted_cycle(place, admin, votes=((0,),))
        many_votes = tuple((n % 3, (n + 1) % 3) for n in range(12))
        large, made, _ = f.counted_cycle(place, admin, votes=many_votes)
        small_id, large_id = small.id, large.id
        with_objection = made[0].id
        from microprojects.models import utcnow
        from microprojects.services import publication

        resident = db.session.get(User, world.ids["resident_a"])
        publication.file_objection(
            resident, large, reason="异议", proposal_id=with_objection, now=utcnow()
        )
    few = page_queries(app, f"/cycles/{small_id}/results")
    more = page_queries(app, f"/cycles/{large_id}/results")
    assert few == more, (few, more)
    # Nothing on the page groups the participations: turnout comes with the stored count.
    with recorded_queries(app) as seen:
        app.test_client().get(f"/cycles/{large_id}/results")
    assert not [q for q in seen if "participations" in q]


def test_visitors_share_a_kept_page_that_follows_every_change(app, counted, world):
    cycle_id, _ = counted
    path = f"/cycles/{cycle_id}/results"

    def main(page: str) -> str:
        return page[page.index("<main") : page.index("</main>")]

    first = main(app.test_client().get(path).get_data(as_text=True))
    with recorded_queries(app) as seen:
        again = main(app.test_client().get(path).get_data(as_text=True))
    # Served whole from what was kept: one query finds out whether anything has changed.
    assert again == first and len(seen) == 1, seen
    assert "csrf_token" not in first  # a visitor's kept page holds no form token
    # An objection shows at once, and so does its answer.
    with app.app_context():
        from microprojects.models import Objection, utcnow
        from microprojects.services import publication

        resident = db.session.get(User, world.ids["resident_a"])
        cycle = db.session.get(Cycle, cycle_id)
        publication.file_objection(resident, cycle, reason="请核实", proposal_id=None, now=utcnow())
        objection = db.session.scalar(select(Objection))
        committee = db.session.get(User, world.ids["committee_a"])
        publication.answer_objection(
            committee, objection, decision="dismissed", answer="已核实无误", now=utcnow()
        )
    later = app.test_client().get(path).get_data(as_text=True)
    assert "请核实" in later and "已核实无误" in later
    # A resident who may object gets the form, never a visitor's kept page.
    client = app.test_client()
    login(client, "resident_a")
    assert 'name="csrf_token"' in client.get(path).get_data(as_text=True)
    assert "提出异议</button>" in client.get(path).get_data(as_text=True)


# --- the results in real money, and the table for Excel ----------------------------------------


def _text(html_text):
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


def test_equal_shares_is_explained_in_real_money_and_the_completion_as_a_step(app, world):
    """Four voters share a 35,000 budget: 8,750 yuan each. Three choose the 10,000 project, one
    the 20,000 and one the 30,000. Only the completion step funds the 20,000 one; the 30,000 one
    is more than its single supporter's share, and 5,000 yuan stays unspent."""
    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, made, count = f.counted_cycle(
            place, admin, votes=((0, 1), (0,), (2,), (0,)), tally_rule="equal-shares"
        )
        cycle_id, second_id = cycle.id, made[1].id
        mes = count.result["mes"]
    share = 35_000 // 4
    assert mes["initial_budget_per_voter"] == str(share)  # in the count's unit, yuan
    page = app.test_client().get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    words = _text(page)
    assert f"每位投票人分到的预算份额是 {share:,} 元：预算 35,000 元 平均分给 4 位投票人。" in words
    assert (
        "有 5,000 元（占预算的 14.3%）没有花出去：剩下的项目没有一个是它的支持者付得起的，"
        "而且每个未获资助的项目，费用都超过剩下的钱。"
    ) in words
    # The 10,000 project: three supporters' shares, all left in round 1, each pays a third.
    assert (
        f"第 1 轮获得资助。每位投票人分到的预算份额是 {share:,} 元；它的 3 位支持者的份额合计 "
        f"{3 * share:,} 元。轮到它时，他们的份额还剩 {3 * share:,} 元，够付它的费用 10,000 元："
        "每人出 约 3,333.33 元。"
    ) in words
    # The 20,000 project: its supporter had 8,750 - 3,333.33 left, short by 14,583.33.
    assert "第 2 轮靠补足步骤获得资助。" in words
    assert (
        "轮到它时，他们的份额只剩 约 5,416.67 元，比它的费用 20,000 元 少 约 14,583.33 元。"
    ) in words
    # The 30,000 project: more than its only supporter's whole share.
    assert (
        f"未获资助：它的支持者付不起。每位投票人分到的预算份额是 {share:,} 元；它的 1 位支持者的"
        f"份额合计只有 {share:,} 元，即使一分钱都没花在别的项目上，也不够付它的费用 30,000 元。"
    ) in words
    # The notional figures come after, marked as a step of the method, never in yuan.
    steps = re.findall(r'class="(?:small )?method-step">(.*?)</(?:span|p)>', page, re.S)
    assert len(steps) == 1 + 3
    for step in steps:
        assert step.startswith("计算方法的一步") and "元" not in step, step
    assert "这样剩下不用的钱就很少" not in words
    assert "剩下的钱如果没有哪个项目的支持者付得起，就不花出去" in words
    # The project's own page gives the same reason, which stands without the table.
    project = _text(app.test_client().get(f"/proposals/{second_id}").get_data(as_text=True))
    assert "计算方法的补足步骤让他们付了差额，因为获资助的项目仍在预算之内" in project
    # Nothing of the old wording that called the notional money the supporters'.
    assert "合计有" not in re.sub(r"合计有 [\d,.]+ 个计算单位", "", words)


def test_the_results_table_opens_in_excel_in_the_pages_language(app, counted):
    import csv
    import io

    cycle_id, _ = counted
    client = app.test_client()
    page = client.get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    table = f'href="/cycles/{cycle_id}/results-table.csv" download>'
    assert table + "下载结果表（可用 Excel 打开）" in page
    assert f'href="/api/v1/cycles/{cycle_id}/results.csv">机器可读的结果 CSV' in page
    assert "供程序使用：" in page
    response = client.get(f"/cycles/{cycle_id}/results-table.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["名次", "项目", "类别", "票数", "费用（元）", "结果", "原因", "结果状态"]
    assert [r[4] for r in rows[1:]] == ["10000.00", "20000.00", "30000.00"]
    assert [r[5] for r in rows[1:]] == ["获资助", "获资助", "未获资助"]
    assert rows[3][6] == "未获资助：轮到它时只剩 5,000 元，不够付它的费用 30,000 元。"
    assert {r[7] for r in rows[1:]} == {"公示中：可以提出异议"}
    english = client.get(
        f"/cycles/{cycle_id}/results-table.csv", headers={"Accept-Language": "en"}
    ).get_data()
    header = english.decode("utf-8-sig").splitlines()[0]
    assert header == "Rank,Project,Category,Votes,Cost (yuan),Result,Why,Results status"
    # The machine CSV keeps its columns, in fen and codes, whatever the language.
    machine = client.get(f"/api/v1/cycles/{cycle_id}/results.csv").get_data().decode("utf-8-sig")
    assert machine.splitlines()[0] == (
        "count_number,status,rank,proposal_id,title,category,cost_fen,score,funded,explanation"
    )
    assert ",1000000," in machine and ",did_not_fit" in machine


def test_the_results_table_before_the_count_and_of_no_cycle(app, world):
    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, _ = f.voting_cycle(place, admin)
        cycle_id = cycle.id
    client = app.test_client()
    body = client.get(f"/cycles/{cycle_id}/results-table.csv").get_data().decode("utf-8-sig")
    assert body.splitlines() == ["名次,项目,类别,票数,费用（元）,结果,原因,结果状态"]
    assert client.get("/cycles/999999/results-table.csv").status_code == 404


def test_a_title_in_the_results_table_never_starts_a_formula(app, world):
    import csv
    import io

    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, made, _ = f.counted_cycle(place, admin)
        evil = '=HYPERLINK("http://x","点我")'
        made[0].ballot_title = evil
        made[0].category = "+1"
        db.session.commit()
        cycle_id = cycle.id
    body = app.test_client().get(f"/cycles/{cycle_id}/results-table.csv").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    first = next(r for r in rows[1:] if "HYPERLINK" in r[1])
    assert first[1] == "'" + evil and first[2] == "'+1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_ballots_left_sealed_at_the_close_are_opened_by_the_count(app, client, world):
    """Fewer ballots than ``MIX_BATCH`` stay sealed while voting runs: once it closes, the
    committee counts them through the page as any other (the count opens them first). With a
    wrong ballot key the count refuses, saying so, and nothing is counted."""
    from microprojects.domain.ballots import Choice
    from microprojects.domain.phases import Phase
    from microprojects.models import SealedBallot, utcnow
    from microprojects.services import cycles, mixing, voting

    with app.app_context():
        place, admin = _place_and_admin(world)
        cycle, projects = f.voting_cycle(place, admin)
        resident = db.session.get(User, world.ids["resident_a"])
        voting.cast_ballot(resident, cycle, [Choice(str(projects[0].id))], now=utcnow())
        assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 1
        committee = db.session.get(User, world.ids["committee_a"])
        cycles.change_phase(committee, cycle, phase=Phase.VOTING, reason="结束", now=utcnow())
        cycle_id, slug = cycle.id, place.slug
    login(client, "committee_a")
    url = f"/c/{slug}/committee/cycles/{cycle_id}/count"
    page = client.get(url).get_data(as_text=True)
    assert "计票</button>" in page and "BALLOT_KEY" not in page
    right = app.config["BALLOT_KEY"]
    app.config["BALLOT_KEY"] = mixing.new_key()  # another server's key
    try:
        token = CONFIRM_TOKEN.search(post(client, url).get_data(as_text=True)).group(1)
        refused = post(client, url, {"confirm_token": token}, follow_redirects=True)
        assert "BALLOT_KEY" in refused.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Count)) == 0
    finally:
        app.config["BALLOT_KEY"] = right
    token = CONFIRM_TOKEN.search(post(client, url).get_data(as_text=True)).group(1)
    assert post(client, url, {"confirm_token": token}).status_code == 302
    with app.app_context():
        [count] = db.session.scalars(select(Count)).all()
        assert count.num_ballots == 1
        assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 0
