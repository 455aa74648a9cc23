"""The committee's proposal pages: screening (who may, what it shows, the queue), and the
committee's cycle forms (a new cycle in local time, ending or extending a phase, a
proposal entered on behalf of a resident)."""

from datetime import timedelta

import factories as f
import pytest
from helpers import row_count
from proposal_pages import (
    _as,
    _assess,
    _cycle,
    _listed,
    _neighbours,
    _objects,
    _page,
    _proposal_form,
    _propose,
    _state,
    _support,
    confirmation,
    confirmed,
)
from sqlalchemy import select
from webclient import post

from microprojects.domain.cycles import Stance
from microprojects.extensions import db
from microprojects.models import Comment, Cycle, Proposal, User, utcnow
from microprojects.services import comments

# --- screening through the pages -----------------------------------------------------------


@pytest.mark.parametrize("who", ["resident_a", "resident_b", "committee_b", "organization"])
def test_committee_routes_refuse_other_roles(app, world, who):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    target = _propose(app, cycle_id)
    with app.app_context():
        o = _objects(world)
        comment_id = comments.post_comment(
            o.resident_a, db.session.get(Proposal, pid), body="好", stance=Stance.SUPPORT,
            now=utcnow(),
        ).id  # fmt: skip
    client = _as(app, who)
    for path, data in [
        (f"/proposals/{pid}/approve", {}),
        (f"/proposals/{pid}/return", {"reason": "x"}),
        (f"/proposals/{pid}/reject", {"reason": "x"}),
        (f"/proposals/{pid}/merge", {"into": str(target), "note": ""}),
        (f"/proposals/{pid}/revise", {"cost": "100", "ballot_title": "", "note": "x"}),
        (f"/proposals/{pid}/assess", {"feasibility": "feasible", "note": ""}),
        (f"/comments/{comment_id}/hide", {"reason": "x"}),
        (f"/comments/{comment_id}/restore", {"reason": "x"}),
    ]:
        assert post(client, path, data).status_code == 403, path
    assert _state(app, pid) == "submitted"
    assert client.get(f"/c/{world.a_slug}/committee/moderation").status_code == 403
    assert client.get(f"/c/{world.a_slug}/committee/cycles/{cycle_id}/screening").status_code == 403
    with app.app_context():
        assert not db.session.get(Comment, comment_id).is_hidden


def test_anonymous_posts_go_to_the_login_page(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    for action in ("approve", "support", "withdraw", "comments"):
        response = post(client, f"/proposals/{pid}/{action}", {"reason": "x", "body": "x"})
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert _state(app, pid) == "submitted"


def test_the_committee_screens_through_the_page(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id, title="小区门口减速带")
    other = _propose(app, cycle_id, title="减速带（重复）", estimated_cost_fen=2_000_00)
    committee = _as(app, "committee_a")
    # Assessment with the checklist.
    page = post(
        committee,
        f"/proposals/{pid}/assess",
        {"feasibility": "needs_changes", "note": "需交警同意", "check-0": "yes", "check-1": "no"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "评估已记录。" in page
    assert "需交警同意" in page and "✓ 不属于物业公司或产权单位的职责" in page
    assert "✗ 不与政府已有或在建项目重复" in page
    # A revision keeps the proposer's estimate visible.
    page = post(
        committee,
        f"/proposals/{pid}/revise",
        {"cost": "2,500", "ballot_title": "门口减速带", "note": "按询价核减"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "修改已保存，说明将公开。" in page
    assert "2,500 元" in page and "提议人预估：3,000 元" in page
    assert "居务协商会说明： 按询价核减" in page
    assert "原标题：小区门口减速带" in page and "<h1>门口减速带</h1>" in page
    bad = post(
        committee, f"/proposals/{pid}/revise", {"cost": "abc", "note": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请输入以元为单位的金额" in bad
    # Merging the duplicate.
    page = confirmed(
        committee, f"/proposals/{other}/merge", {"into": str(pid), "note": "同一位置"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "提议已合并，其附议人转为附议另一提议。" in page
    assert f'已合并到 <a href="/proposals/{pid}">#{pid} 门口减速带</a>' in page
    assert _state(app, other) == "merged"
    assert f"#{other} 减速带（重复）" in _page(committee, f"/proposals/{pid}")
    # A reason is needed to reject; the page says so and nothing changes.
    refused = post(committee, f"/proposals/{pid}/reject", {"reason": ""})
    assert refused.status_code == 422
    assert "请填写理由。" in refused.get_data(as_text=True)
    assert _state(app, pid) == "submitted"
    # Approve with its public reason, then return it to the author with a message.
    page = confirmed(
        committee, f"/proposals/{pid}/approve", {"note": "交警已同意设置"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "提议已列入投票。" in page and "已列入投票" in page
    page = post(
        committee, f"/proposals/{pid}/return", {"reason": "请补充交警意见"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "提议已退回提议人。" in page
    assert _state(app, pid) == "returned"
    log = page.split('id="decisions"')[1].split("</section>")[0]
    for line in ("提交了提议", "记录了可行性评估", "修改了费用或投票标题", "审核通过，已列入投票",
                 "交警已同意设置", "退回提议人修改", "请补充交警意见", "按询价核减"):  # fmt: skip
        assert line in log, line
    # The author sees the message and may resubmit during screening.
    author = _page(_as(app, "resident_a"), f"/proposals/{pid}")
    assert "居务协商会将该提议退回给您修改：请查看下方的意见，修改后重新提交。" in author
    assert f'action="/proposals/{pid}/submit"' in author


def test_a_rejection_reason_is_public(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    _assess(app, pid)
    confirmed(committee, f"/proposals/{pid}/reject", {"reason": "属于物业公司职责"})
    page = _page(client, f"/proposals/{pid}")
    assert "未采纳。理由： 属于物业公司职责" in page
    assert "决定不予采纳" in page  # the decision log's entry
    assert _listed(client, cycle_id, state="rejected") == [pid]


def test_screening_queue_lists_by_state(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    waiting = _propose(app, cycle_id, title="排队的提议")
    approved = _propose(app, cycle_id, title="已通过的提议")
    fans = _neighbours(app, world, 1)
    _support(app, approved, *fans)
    with app.app_context():
        committee_user = db.session.get(User, world.ids["committee_a"])
        f.approved(committee_user, db.session.get(Proposal, approved))
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/screening"
    queue = _page(committee, path)
    assert f'href="/proposals/{waiting}#screening"' in queue
    assert "已通过的提议" not in queue
    on_ballot = _page(committee, path, state="approved")
    assert f'href="/proposals/{approved}#screening"' in on_ballot
    assert "排队的提议" not in on_ballot
    assert "<td>1</td>" in on_ballot  # its supports


# --- the committee's cycle forms ----------------------------------------------------------


def _cycle_form(**overrides) -> dict:
    values = {
        "title": "2030 年振兴社区微实事",
        "description": "",
        "budget": "300,000",
        "project_cap": "100000",
        "cap_engineering": "",
        "cap_service": "",
        "cap_goods": "50000",
        "categories": "环境整治\n设施维修\n",
        "checklist": "不属于物业职责\n",
        "min_age": "16",
        "allow_work": "y",
        "collecting_at": "2030-03-01T09:00",
        "screening_at": "2030-03-20T09:00",
        "voting_at": "2030-04-01T00:30",
        "publication_at": "2030-04-10T09:00",
        "implementation_at": "2030-05-01T09:00",
        "closed_at": "2030-12-31T18:00",
        **overrides,
    }
    return values


def test_the_committee_creates_a_cycle_in_local_time(app, world):
    from datetime import datetime

    committee = _as(app, "committee_a")
    form = _page(committee, f"/c/{world.a_slug}/committee/cycles")
    assert "新建轮次" in form and "Asia/Shanghai" in form
    response = post(committee, f"/c/{world.a_slug}/committee/cycles", _cycle_form())
    assert response.status_code == 302
    page = _page(committee, response.headers["Location"])
    assert "轮次已创建。" in page and "2030 年振兴社区微实事" in page
    with app.app_context():
        c = db.session.scalar(select(Cycle))
        # Entered in Beijing time, stored in UTC: eight hours earlier.
        assert c.collecting_at == datetime(2030, 3, 1, 1, 0)
        assert c.voting_at == datetime(2030, 3, 31, 16, 30)
        assert c.closed_at == datetime(2030, 12, 31, 10, 0)
        assert (c.budget_fen, c.project_cap_fen, c.cap_goods_fen, c.cap_service_fen) == (
            300_000_00, 100_000_00, 50_000_00, None,
        )  # fmt: skip
        assert c.categories == ["环境整治", "设施维修"]
        assert c.checklist == ["不属于物业职责"]
        assert (c.min_age, c.allow_work, c.allow_study) == (16, True, False)
        assert c.community_id == world.a_id and c.created_by_id == world.ids["committee_a"]
    # The pages show it back in local time.
    assert '<th scope="row">征集</th><td>2030/3/1 09:00</td>' in page
    assert '<th scope="row">投票</th><td>2030/4/1 00:30</td>' in page


def test_cycle_form_errors(app, world):
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles"
    page = post(committee, path, _cycle_form(voting_at="2030-03-10T09:00")).get_data(as_text=True)
    assert "各阶段的开始时间须依次排列。" in page
    page = post(committee, path, _cycle_form(budget="很多")).get_data(as_text=True)
    assert "请输入以元为单位的金额" in page
    page = post(committee, path, _cycle_form(title="")).get_data(as_text=True)
    assert 'class="error"' in page
    assert row_count(Cycle, app=app) == 0


def test_a_cycle_without_minimum_age(app, world):
    committee = _as(app, "committee_a")
    response = post(committee, f"/c/{world.a_slug}/committee/cycles", _cycle_form(min_age="0"))
    assert "该字段是必填字段。" not in response.get_data(as_text=True)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Cycle.min_age)) == 0


def test_only_the_committee_creates_cycles(app, world):
    for who in ("resident_a", "committee_b"):
        client = _as(app, who)
        assert client.get(f"/c/{world.a_slug}/committee/cycles").status_code == 403
        assert post(client, f"/c/{world.a_slug}/committee/cycles", _cycle_form()).status_code == 403
    assert row_count(Cycle, app=app) == 0


def test_ending_a_phase_early_through_the_form(app, client, world):
    cycle_id = _cycle(app, world)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    form = _page(committee, path)
    assert "立即结束本阶段" in form and 'value="end"' in form and 'value="extend"' in form
    page = post(committee, path, {"change": "end", "until": "", "reason": ""}).get_data(
        as_text=True
    )
    assert 'class="error"' in page
    # The form asks first, naming the cycle, the phase and its dates; nothing changes yet.
    with app.app_context():
        before = db.session.get(Cycle, cycle_id).schedule
    asked = post(committee, path, {"change": "end", "until": "", "reason": "提议已经足够"})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "立即结束“征集”？" in text and "无法撤销" in text and "提议已经足够" in text
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).schedule == before
    response = post(committee, path, {"confirm_token": confirmation(asked)})
    assert response.status_code == 302
    assert "本阶段已结束，理由将公开。" in _page(committee, path)
    public = _page(client, f"/cycles/{cycle_id}")
    assert "当前：协商审核" in public
    assert "日程调整" in public and "提前结束了阶段" in public and "提议已经足够" in public
    # Not by another committee.
    other = _as(app, "committee_b")
    assert post(other, path, {"reason": "x"}).status_code == 403


def test_an_empty_date_never_ends_a_phase(app, world):
    cycle_id = _cycle(app, world)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    with app.app_context():
        before = db.session.get(Cycle, cycle_id).schedule
    # Extending with the date left empty: an error that names the date, nothing changed.
    response = post(committee, path, {"change": "extend", "until": "", "reason": "再等等"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "如要延长本阶段，请填写延长到的日期和时间。" in page
    # No choice at all: an error too; "end now" is never what an empty form means.
    page = post(committee, path, {"until": "", "reason": "再等等"}).get_data(as_text=True)
    assert "请选择立即结束本阶段，还是延长本阶段。" in page
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).schedule == before
        assert db.session.get(Cycle, cycle_id).phase(utcnow()).value == "collecting"


def test_ending_a_phase_twice_ends_one_phase(app, world):
    """The confirmation sent twice (a double tap, a replay) ends the phase it named, once."""
    cycle_id = _cycle(app, world)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    asked = post(committee, path, {"change": "end", "reason": "提议已经足够"})
    token = confirmation(asked)
    assert post(committee, path, {"confirm_token": token}).status_code == 302
    with app.app_context():
        after_first = db.session.get(Cycle, cycle_id).schedule
        assert db.session.get(Cycle, cycle_id).phase(utcnow()).value == "screening"
    again = post(committee, path, {"confirm_token": token}, follow_redirects=True)
    assert "未做任何操作" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).schedule == after_first
        assert db.session.get(Cycle, cycle_id).phase(utcnow()).value == "screening"
    # Another member's token, or a forged one, is not a confirmation: the form asks again.
    other = _as(app, "admin")
    forged = post(other, path, {"confirm_token": token})
    assert forged.status_code == 400  # no choice made: the form, with its errors
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).schedule == after_first


def test_extending_a_phase_through_the_form_in_local_time(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    with app.app_context():
        old = db.session.get(Cycle, cycle_id).schedule
    local_until = (old.voting + timedelta(days=2, hours=8)).replace(second=0, microsecond=0)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    response = post(
        committee,
        path,
        {
            "change": "extend",
            "until": local_until.strftime("%Y-%m-%dT%H:%M"),
            "reason": "再讨论两天",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        c = db.session.get(Cycle, cycle_id)
        assert c.voting_at == local_until - timedelta(hours=8)
        shift = c.voting_at - old.voting
        assert c.publication_at == old.publication + shift
        assert c.closed_at == old.closed + shift
    public = _page(client, f"/cycles/{cycle_id}")
    assert "延长了阶段" in public and "再讨论两天" in public
    past = (utcnow() + timedelta(hours=8) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = post(committee, path, {"change": "extend", "until": past, "reason": "x"}).get_data(
        as_text=True
    )
    assert "请延长到将来的某个时间。" in page


def test_entering_a_proposal_on_behalf_through_the_form(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/enter"
    form = _page(committee, path)
    assert "代录线下提议" in form and 'name="on_behalf_of"' in form
    response = post(
        committee, path, {**_proposal_form(), "on_behalf_of": "陈阿婆", "community": world.a_id}
    )
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _page(app.test_client(), f"/proposals/{pid}")
    assert "陈阿婆" in page
    assert "由 committee_a 在社区办公室代录" in page
    assert "代居民录入了提议" in page
    with app.app_context():
        p = db.session.get(Proposal, pid)
        assert (p.state, p.author_id, p.entered_by_id, p.on_behalf_of) == (
            "submitted", None, world.ids["committee_a"], "陈阿婆",
        )  # fmt: skip
    page = post(
        committee, path, {**_proposal_form(), "on_behalf_of": "", "community": world.a_id}
    ).get_data(as_text=True)
    assert 'class="error"' in page
    for who in ("resident_a", "committee_b"):
        client = _as(app, who)
        assert client.get(path).status_code == 403
        data = {**_proposal_form(), "on_behalf_of": "x", "community": world.a_id}
        assert post(client, path, data).status_code == 403
    assert row_count(Proposal, app=app) == 1


def test_the_on_behalf_form_offers_no_draft_it_cannot_keep(app, world):
    cycle_id = _cycle(app, world)
    committee = _as(app, "committee_a")
    form = _page(committee, f"/c/{world.a_slug}/committee/cycles/{cycle_id}/enter")
    assert 'name="draft"' not in form


def test_the_screening_page_gives_every_field_its_own_id(app, world):
    """The assessment, the revision and the merge each have a note: a label must find its own."""
    import re

    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    _propose(app, cycle_id)
    page = _as(app, "committee_a").get(f"/proposals/{pid}").get_data(as_text=True)
    assert 'name="feasibility"' in page and 'name="into"' in page  # all three forms are there
    # Every form's hidden CSRF field shares one id; it has no label, so nothing mistakes it.
    ids = [i for i in re.findall(r'\sid="([^"]+)"', page) if i != "csrf_token"]
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    for note in ("assess-note", "revise-note", "merge-note"):
        assert f'for="{note}"' in page and f'id="{note}"' in page
