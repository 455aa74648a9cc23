"""The shortlist's 公示 through the pages: the committee's publish button and what voting waits
for, the public page with both lists, residents' objections (a refused one keeps its text),
the committee's answer that reopens a proposal, and the ballot page that says what is missing."""

import factories as f
import pytest
from proposal_pages import confirmation
from sqlalchemy import select
from webclient import login, post

from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import Community, Proposal, ShortlistObjection, User, utcnow
from microprojects.services import cycles, shortlist


def _people(world):
    return db.session.get(Community, world.a_id), db.session.get(User, world.ids["committee_a"])


@pytest.fixture
def listed(app, world):
    """A screening cycle of A with a 5-day shortlist 公示 not yet published."""
    with app.app_context():
        place, committee = _people(world)
        c, approved, rejected = f.shortlist_cycle(place, committee)
        return c.id, approved.id, rejected.id, place.slug


def test_the_committee_publishes_and_the_public_reads_both_lists(app, client, listed):
    cycle_id, approved_id, _rejected_id, slug = listed
    login(client, "committee_a")
    page = client.get(f"/c/{slug}/committee/cycles/{cycle_id}").get_data(as_text=True)
    assert "候选项目公示" in page and "发布候选项目公示</button>" in page
    assert "居务协商会发布候选项目公示" in page  # what voting waits for
    screening = client.get(f"/c/{slug}/committee/cycles/{cycle_id}/screening")
    assert "发布候选项目公示</button>" in screening.get_data(as_text=True)
    return_form = f'action="/proposals/{approved_id}/return"'
    before = client.get(f"/proposals/{approved_id}").get_data(as_text=True)
    assert return_form in before and 'id="shortlist-frozen"' not in before
    url = f"/c/{slug}/committee/cycles/{cycle_id}/shortlist/publish"
    asked = post(client, url)
    assert asked.status_code == 200 and "确定，发布候选项目公示" in asked.get_data(as_text=True)
    with app.app_context():
        assert shortlist.publication_of(cycle_id) is None  # asking does nothing
    token = confirmation(asked)
    done = post(client, url, {"confirm_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/cycles/{cycle_id}/shortlist"
    )
    # The same confirmation sent again (a double tap) finds the list published: nothing done.
    again = post(client, url, {"confirm_token": token}, follow_redirects=True)
    assert "未做任何操作" in again.get_data(as_text=True)
    public = app.test_client().get(f"/cycles/{cycle_id}/shortlist").get_data(as_text=True)
    assert "幸福巷安装路灯" in public and "篮球场换新篮板" in public
    assert "不属于本社区的公共区域" in public  # the rejection's public reason
    assert "怎样提出异议" in public and "登录" in public
    cycle_page = app.test_client().get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/shortlist"' in cycle_page
    # Screening is frozen on the pages too: the decisions are no longer offered, the page says
    # why, and a decision sent anyway is refused by name.
    after = client.get(f"/proposals/{approved_id}").get_data(as_text=True)
    assert return_form not in after and 'id="shortlist-frozen"' in after
    assert "审核决定已冻结" in after
    refused = post(
        client, f"/proposals/{approved_id}/return", {"reason": "再议"}, follow_redirects=True
    )
    assert "候选名单已公示" in refused.get_data(as_text=True)


def test_other_committees_cannot_publish_or_answer(app, client, world, listed):
    cycle_id, _a, _r, slug = listed
    login(client, "committee_b")
    assert (
        post(client, f"/c/{slug}/committee/cycles/{cycle_id}/shortlist/publish").status_code == 403
    )
    with app.app_context():
        assert shortlist.publication_of(cycle_id) is None


def test_a_resident_objects_and_the_committee_reopens_the_proposal(app, client, listed):
    cycle_id, _approved_id, rejected_id, slug = listed
    with app.app_context():
        committee = db.session.get(
            User, db.session.scalar(select(User.id).where(User.username == "committee_a"))
        )
        shortlist.publish_shortlist(committee, cycles.find_cycle(cycle_id), now=utcnow())
    login(client, "resident_a")
    url = f"/cycles/{cycle_id}/shortlist/objections"
    empty = post(client, url, {"project": str(rejected_id), "reason": ""})
    assert empty.status_code == 422
    unknown = post(client, url, {"project": "999999", "reason": "篮板坏了"})
    assert unknown.status_code == 422 and "篮板坏了" in unknown.get_data(as_text=True)
    filed = post(client, url, {"project": str(rejected_id), "reason": "篮板坏了，属于公共区域"})
    assert filed.status_code == 302
    with app.app_context():
        objection_id = db.session.scalar(select(ShortlistObjection.id))
    client.post("/logout", data={"csrf_token": ""})
    other = app.test_client()
    login(other, "committee_a")
    page = other.get(f"/cycles/{cycle_id}/shortlist").get_data(as_text=True)
    assert "让这个提议在投票前重新审核" in page
    # Upholding without a reopenable proposal's state is refused with what was typed kept.
    refused = post(
        other,
        f"/c/{slug}/committee/shortlist-objections/{objection_id}/answer",
        {
            f"answer{objection_id}-decision": "dismissed",
            f"answer{objection_id}-answer": "答复草稿不能丢",
            f"answer{objection_id}-reopen": "y",
        },
    )
    assert refused.status_code == 422 and "答复草稿不能丢" in refused.get_data(as_text=True)
    answered = post(
        other,
        f"/c/{slug}/committee/shortlist-objections/{objection_id}/answer",
        {
            f"answer{objection_id}-decision": "upheld",
            f"answer{objection_id}-answer": "核实属实，重新审核",
            f"answer{objection_id}-reopen": "y",
        },
    )
    assert answered.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, rejected_id).state == "submitted"
    # The reopened proposal is offered for a decision again; the frozen note is gone from it.
    reopened = other.get(f"/proposals/{rejected_id}").get_data(as_text=True)
    assert f'action="/proposals/{rejected_id}/approve"' in reopened
    assert 'id="shortlist-frozen"' not in reopened
    public = app.test_client().get(f"/cycles/{cycle_id}/shortlist").get_data(as_text=True)
    assert "核实属实，重新审核" in public and "因异议成立，重新审核中" in public
    outsider = app.test_client()
    login(outsider, "committee_b")
    assert (
        post(
            outsider,
            f"/c/bailong/committee/shortlist-objections/{objection_id}/answer",
            {"decision": "dismissed", "answer": "x"},
        ).status_code
        == 404
    )


def test_the_ballot_says_what_voting_waits_for(app, client, world):
    with app.app_context():
        place, committee = _people(world)
        c, _approved, _rejected = f.shortlist_cycle(place, committee)
        cycles.change_phase(committee, c, phase=Phase.SCREENING, reason="提前投票", now=utcnow())
        cycle_id, slug = c.id, place.slug
    login(client, "resident_a")
    page = client.get(f"/cycles/{cycle_id}/vote").get_data(as_text=True)
    assert "候选项目公示尚未完成" in page and "居务协商会发布候选项目公示" in page
    committee_client = app.test_client()
    login(committee_client, "committee_a")
    page = committee_client.get(f"/c/{slug}/committee/cycles/{cycle_id}").get_data(as_text=True)
    assert "投票开始前还需要" in page and "发布候选项目公示</button>" not in page


def test_a_new_cycle_takes_its_shortlist_days_from_the_form(app, client, world):
    login(client, "committee_a")
    page = client.get("/c/zhenxing/committee/cycles").get_data(as_text=True)
    assert "投票前候选项目公示天数" in page and "填 0 表示不公示" in page
    dates = {
        "collecting_at": "2027-01-01T09:00",
        "screening_at": "2027-01-20T09:00",
        "voting_at": "2027-02-10T09:00",
        "publication_at": "2027-02-20T09:00",
        "implementation_at": "2027-03-01T09:00",
        "closed_at": "2027-12-01T09:00",
    }
    form = {
        "title": "2027 年振兴社区微实事",
        "budget": "300000",
        "categories": "设施维修",
        "min_age": "15",
        **dates,
    }
    too_many = post(client, "/c/zhenxing/committee/cycles", {**form, "shortlist_days": "31"})
    assert too_many.status_code == 200 and "2027 年振兴社区微实事" in too_many.get_data(
        as_text=True
    )
    made = post(client, "/c/zhenxing/committee/cycles", {**form, "shortlist_days": "7"})
    assert made.status_code == 302
    with app.app_context():
        from microprojects.models import Cycle

        assert (
            db.session.scalar(select(Cycle.shortlist_days).where(Cycle.title == form["title"])) == 7
        )


def test_the_committee_sets_the_days_of_an_existing_cycle(app, client, world):
    with app.app_context():
        place, committee = _people(world)
        c = f.cycle(place, committee, phase="screening")
        cycle_id, slug = c.id, place.slug
    login(client, "committee_a")
    page = client.get(f"/c/{slug}/committee/cycles/{cycle_id}").get_data(as_text=True)
    assert "不设候选项目公示" in page and "保存公示天数" in page
    refused = post(
        client,
        f"/c/{slug}/committee/cycles/{cycle_id}/shortlist/days",
        {"days": "99"},
        follow_redirects=True,
    )
    assert refused.status_code == 200 and 'class="flash flash-error' in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert cycles.find_cycle(cycle_id).shortlist_days == 0
    saved = post(
        client,
        f"/c/{slug}/committee/cycles/{cycle_id}/shortlist/days",
        {"days": "4"},
        follow_redirects=True,
    )
    text = saved.get_data(as_text=True)
    assert "公示天数已修改。" in text and "发布候选项目公示</button>" in text
    with app.app_context():
        assert cycles.find_cycle(cycle_id).shortlist_days == 4
