"""Pages kept for visitors (a cycle's list of proposals and a proposal's page): one rendering
serves every visitor until something the page shows changes, and nobody else is ever served
it. Tried the way a page goes stale: a comment, a moderation, a new proposal, a phase that
starts by the clock alone, a browser shared by a visitor and a resident, another language."""

from __future__ import annotations

import re
from datetime import timedelta

from proposal_pages import _as, _cycle, _listed, _page, _propose
from webclient import login, post, recorded_queries

from microprojects.extensions import db
from microprojects.models import Comment, utcnow
from microprojects.web import kept


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_a_visitor_is_served_the_kept_page_with_one_query(app, world):
    cycle_id = _cycle(app, world)
    proposal_id = _propose(app, cycle_id, title="公园加装路灯")
    for path in (f"/proposals/{proposal_id}", f"/cycles/{cycle_id}"):
        first = app.test_client().get(path)
        with recorded_queries(app) as seen:
            again = app.test_client().get(path)
        assert again.get_data() == first.get_data()
        assert len(seen) == 1 and "content_versions" in seen[0], seen
        # The same for every visitor: no form token, and no cookie set.
        assert "csrf_token" not in again.get_data(as_text=True)
        assert "Set-Cookie" not in again.headers


def test_a_comment_and_its_moderation_show_to_the_next_visitor(app, world):
    cycle_id = _cycle(app, world)
    proposal_id = _propose(app, cycle_id)
    path = f"/proposals/{proposal_id}"
    assert "楼下也要装一盏" not in _page(app.test_client(), path)
    resident = _as(app, "resident_a")
    post(resident, f"{path}/comments", {"body": "楼下也要装一盏", "stance": "support"})
    assert "楼下也要装一盏" in _page(app.test_client(), path)
    with app.app_context():
        comment_id = db.session.query(Comment.id).scalar()
    committee = _as(app, "committee_a")
    post(committee, f"/comments/{comment_id}/hide", {"reason": "与提议无关"})
    shown = _page(app.test_client(), path)
    assert "楼下也要装一盏" not in shown and "与提议无关" in shown


def test_a_new_proposal_and_a_filter_each_show_at_once(app, world):
    cycle_id = _cycle(app, world)
    first = _propose(app, cycle_id, category="设施维修")
    visitor = app.test_client()
    assert _listed(visitor, cycle_id) == [first]
    assert _listed(visitor, cycle_id, category="养老助老") == []
    second = _propose(app, cycle_id, category="养老助老")
    assert sorted(_listed(visitor, cycle_id)) == sorted([first, second])
    assert _listed(visitor, cycle_id, category="养老助老") == [second]


def test_a_browser_shared_by_a_visitor_and_a_resident(app, world):
    """The page kept for visitors is never served to whoever is logged in on the same browser,
    and what the resident saw is never kept for the visitor who comes after."""
    cycle_id = _cycle(app, world)
    proposal_id = _propose(app, cycle_id, author="resident_a")
    path = f"/proposals/{proposal_id}"
    browser = app.test_client()
    visitor_page = _page(browser, path)
    assert "附议" not in _main(visitor_page) or "登录" in _main(visitor_page)
    login(browser, "resident_a")
    own = _page(browser, path)
    assert 'name="csrf_token"' in own and "您的提议" in own
    post(browser, "/logout")
    after = _page(browser, path)  # the logout's message shows once, on its own page
    assert "您已退出登录" in after and "csrf_token" not in after
    again = _page(browser, path)
    assert "您的提议" not in again and "您已退出登录" not in again
    assert _main(again) == _main(visitor_page)


def test_each_language_has_its_own_kept_page(app, world):
    cycle_id = _cycle(app, world)
    proposal_id = _propose(app, cycle_id)
    path = f"/proposals/{proposal_id}"
    chinese = _page(app.test_client(), path)
    english = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert '<html lang="zh' in chinese
    assert '<html lang="en"' in english.get_data(as_text=True)
    assert '<html lang="zh' in _page(app.test_client(), path)


def test_a_kept_page_ends_when_the_phase_changes_by_the_clock(app, world):
    """Nothing is written when collection ends at its set time: the page kept until then is
    made again from that moment, and a page never outlives a minute."""
    made: list[str] = []

    def render(until):
        made.append("x")
        return f"page {len(made)}", until

    moment = utcnow()
    with app.test_request_context("/proposals/1"):
        key = kept.key_of("test", 1)
        boundary = moment + timedelta(seconds=20)
        until = kept.within_a_minute(moment, boundary)
        assert until == boundary
        assert kept.serve(key, lambda: render(until), now=moment) == "page 1"
        assert kept.serve(key, lambda: render(until), now=moment + timedelta(seconds=19)) == (
            "page 1"
        )
        assert kept.serve(key, lambda: render(until), now=boundary) == "page 2"
        # No change ahead: a minute at most.
        assert kept.within_a_minute(moment, None) == moment + timedelta(minutes=1)
        assert kept.within_a_minute(moment, moment + timedelta(days=3)) == moment + timedelta(
            minutes=1
        )


def test_the_phase_shown_follows_the_cycle_dates(app, world):
    """A cycle whose collection is closed by the committee (its dates changed) shows the next
    phase to the very next visitor."""
    cycle_id = _cycle(app, world)
    path = f"/cycles/{cycle_id}"
    assert "当前：征集" in _page(app.test_client(), path)
    with app.app_context():
        from microprojects.models import Cycle

        cycle = db.session.get(Cycle, cycle_id)
        shift = cycle.screening_at - utcnow() + timedelta(minutes=1)
        for name in ("collecting_at", "screening_at", "voting_at", "publication_at",
                     "implementation_at", "closed_at"):  # fmt: skip
            setattr(cycle, name, getattr(cycle, name) - shift)
        db.session.commit()
    shown = _page(app.test_client(), path)
    assert "当前：征集" not in shown and re.search(r"当前：\w+", shown)


def test_a_residents_list_shares_the_kept_parts_but_not_the_call(app, world):
    """The list's parts that are the same for everyone are kept for residents too; the call to
    act around them is each viewer's own, whichever came first."""
    cycle_id = _cycle(app, world)
    first = _propose(app, cycle_id, title="公园加装路灯")
    path = f"/cycles/{cycle_id}"
    resident = _as(app, "resident_a")
    own = _page(resident, path)
    assert "去提议" in own
    with recorded_queries(app) as seen:
        again = _page(resident, path)
    # The kept parts ask nothing of the proposals again.
    assert not [q for q in seen if "FROM proposals" in q], seen
    assert _main(again) == _main(own)
    visitor = _page(app.test_client(), path)
    assert "注册后提议" in visitor and "去提议" not in visitor
    assert "注册后提议" not in _page(resident, path)
    second = _propose(app, cycle_id, title="楼道装感应灯")
    assert sorted(_listed(resident, cycle_id)) == sorted([first, second])
