"""Grid workers' pages: the committee gives and ends grids; the worker's list, code cards and
door-to-door proposals; paper ballots where the cycle allows; and nothing else of the committee."""

from __future__ import annotations

import re

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import select
from webclient import login, post

from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import (
    Community,
    Cycle,
    GridAssignment,
    PaperEntry,
    Proposal,
    RosterEntry,
    User,
    utcnow,
)
from microprojects.services import grid_work, residency, voting


@pytest.fixture
def grids(app, world):
    """A's two grids and B's first; a roster in A's first grid with codes; ``worker`` working
    A's first grid."""
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        b = db.session.get(Community, world.b_id)
        committee_a = db.session.get(User, world.ids["committee_a"])
        residency.import_roster(
            committee_a,
            a,
            f.roster_csv(
                "第一网格,5栋1单元101,张建国,,1950-03-01,居住",
                "第一网格,5栋2单元202,陈阿婆,,1940-01-01,居住",
                "第二网格,6栋1单元101,吴强,,1970-01-01,居住",
            ),
            now=f.NOW,
        )
        residency.issue_codes(committee_a, a, now=f.NOW)
        f.user("worker", display_name="王网格")
        grid_work.give_assignment(committee_a, a.grids[0], "worker", now=f.NOW)
        return {"mine": a.grids[0].id, "other": a.grids[1].id, "b": b.grids[0].id}


def _worker(app):
    client = app.test_client()
    login(client, "worker")
    return client


def test_the_committee_gives_a_grid_by_login_name(app, world, grids):
    chair = app.test_client()
    login(chair, "committee_a")
    page = chair.get(f"/c/{world.a_slug}/committee/grid-workers").get_data(as_text=True)
    assert "王网格" in page and "第一网格" in page
    f_user = "neighbour"
    with app.app_context():
        f.user(f_user, display_name="李桂兰")
    given = post(
        chair,
        f"/c/{world.a_slug}/committee/grid-workers",
        {"login": f_user, "grid": str(grids["other"])},
    )
    assert given.status_code == 302
    assert row_count(GridAssignment, app=app, ended_at=None) == 2
    # A second tap: refused with words, still two.
    again = post(
        chair,
        f"/c/{world.a_slug}/committee/grid-workers",
        {"login": f_user, "grid": str(grids["other"])},
        follow_redirects=True,
    )
    assert "已是该网格的网格员" in again.get_data(as_text=True)
    assert row_count(GridAssignment, app=app, ended_at=None) == 2
    # An unknown account: the form says what to do, nothing given.
    unknown = post(
        chair,
        f"/c/{world.a_slug}/committee/grid-workers",
        {"login": "nobody", "grid": str(grids["other"])},
    )
    assert unknown.status_code == 422
    assert "先注册" in unknown.get_data(as_text=True)
    # Another community's grid is not in A's form.
    foreign = post(
        chair,
        f"/c/{world.a_slug}/committee/grid-workers",
        {"login": f_user, "grid": str(grids["b"])},
    )
    assert foreign.status_code == 400
    assert row_count(GridAssignment, app=app) == 2


def test_the_worker_sees_their_grid_and_nothing_else(app, world, grids):
    client = _worker(app)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/grid"' in home
    listing = client.get("/grid").get_data(as_text=True)
    assert f'href="/grid/{grids["mine"]}"' in listing
    page = client.get(f"/grid/{grids['mine']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "5栋1单元101" in text and "张建国" in text and "陈阿婆" in text
    assert "吴强" not in text  # the second grid's
    assert f'href="/grid/{grids["mine"]}/codes"' in text
    cards = client.get(f"/grid/{grids['mine']}/codes").get_data(as_text=True)
    assert "张建国" in cards and "吴强" not in cards
    assert client.get(f"/grid/{grids['other']}").status_code == 403
    assert client.get(f"/grid/{grids['other']}/codes").status_code == 403
    assert client.get(f"/grid/{grids['b']}").status_code == 403
    assert client.get("/grid/99999").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/c/{a}/committee",
        "/c/{a}/committee/roster",
        "/c/{a}/committee/codes",
        "/c/{a}/committee/codes/sheet",
        "/c/{a}/committee/grid-workers",
        "/c/{a}/committee/cycles",
        "/c/{a}/committee/audit",
        "/c/{b}/committee",
        "/c/{b}/committee/grid-workers",
    ],
)
def test_a_grid_worker_reaches_no_committee_page(app, world, grids, path):
    client = _worker(app)
    assert client.get(path.format(a=world.a_slug, b=world.b_slug)).status_code == 403


def test_a_resident_without_assignment_is_refused(app, world, grids):
    client = app.test_client()
    login(client, "resident_a")
    assert client.get("/grid").status_code == 403
    assert client.get(f"/grid/{grids['mine']}").status_code == 403
    assert 'href="/grid"' not in client.get("/").get_data(as_text=True)


def test_during_voting_the_list_shows_who_has_not_voted_never_what(app, world, grids):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        cycle, projects = f.voting_cycle(a, db.session.get(User, world.ids["committee_a"]))
        resident = db.session.get(User, world.ids["resident_a"])
        voting.cast_ballot(resident, cycle, [Choice(str(projects[0].id))], now=utcnow())
        titles = [p.title for p in projects]
    text = _worker(app).get(f"/grid/{grids['mine']}").get_data(as_text=True)
    # 王秀英 (voted), 张建国, 陈阿婆 and the cycle's proposer live in the first grid.
    assert "4 人中已有 1 人参与" in text
    start = text.index('<section class="card" id="voting-')
    section = text[start : text.index("</section>", start)]
    assert "张建国" in section and "王秀英" not in section
    assert not any(title in text for title in titles)


def test_a_door_to_door_proposal_needs_consent_and_says_so(app, world, grids):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        cycle_id = f.cycle(a, db.session.get(User, world.ids["committee_a"])).id
        chen = db.session.scalars(select(RosterEntry).filter_by(full_name="陈阿婆")).one().id
        wu = db.session.scalars(select(RosterEntry).filter_by(full_name="吴强")).one().id
    client = _worker(app)
    path = f"/grid/{grids['mine']}/propose/{cycle_id}"
    form = client.get(path).get_data(as_text=True)
    assert "陈阿婆" in form and "吴强" not in form  # only this grid's people to pick
    data = {
        "title": "楼道加装扶手",
        "description": "老人上下楼不便。",
        "category": "设施维修",
        "project_type": "goods",
        "estimated_cost": "3000",
        "roster_entry": str(chen),
        "on_behalf_of": "",
    }
    refused = post(client, path, data)
    assert refused.status_code == 400 and "先征得居民同意" in refused.get_data(as_text=True)
    assert row_count(Proposal, app=app) == 0
    # A person of another grid, forged into the form: refused, nothing entered.
    forged = post(client, path, {**data, "roster_entry": str(wu), "consent": "y"})
    assert forged.status_code == 400
    assert row_count(Proposal, app=app) == 0
    entered = post(client, path, {**data, "consent": "y"})
    assert entered.status_code == 302
    detail = client.get(entered.headers["Location"]).get_data(as_text=True)
    assert "网格员 王网格 上门代 陈阿婆 提交" in detail
    # The open data says so too, and not that it was brought to the office.
    project = client.get("/api/v1/projects/" + entered.headers["Location"].rsplit("/", 1)[1])
    assert project.json["entered_at_door"] is True
    assert project.json["entered_at_office"] is False
    # Not for another grid, nor another community's.
    assert client.get(f"/grid/{grids['other']}/propose/{cycle_id}").status_code == 403
    assert client.get(f"/grid/{grids['b']}/propose/{cycle_id}").status_code == 403


def test_ending_the_assignment_refuses_the_next_request(app, world, grids):
    client = _worker(app)
    assert client.get(f"/grid/{grids['mine']}").status_code == 200
    chair = app.test_client()
    login(chair, "committee_a")
    with app.app_context():
        assignment_id = db.session.scalars(select(GridAssignment)).one().id
    ended = post(chair, f"/c/{world.a_slug}/committee/grid-workers/{assignment_id}/end")
    assert ended.status_code == 302
    assert client.get(f"/grid/{grids['mine']}").status_code == 403
    assert client.get("/grid").status_code == 403
    page = chair.get(f"/c/{world.a_slug}/committee/grid-workers").get_data(as_text=True)
    assert "已结束的任务" in page
    # Another community's committee cannot end A's.
    other = app.test_client()
    login(other, "committee_b")
    assert (
        post(other, f"/c/{world.a_slug}/committee/grid-workers/{assignment_id}/end").status_code
        == 403
    )


def test_paper_ballots_at_a_station_when_the_cycle_allows(app, world, grids):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        cycle, projects = f.voting_cycle(a, db.session.get(User, world.ids["committee_a"]))
        cycle_id, project = cycle.id, str(projects[0].id)
        residency_id = db.session.get(User, world.ids["resident_a"]).residency.id
    client = _worker(app)
    paper = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/paper"
    assert client.get(paper).status_code == 403
    assert f'href="{paper}"' not in client.get(f"/grid/{grids['mine']}").get_data(as_text=True)
    assert post(client, f"{paper}/{residency_id}", {"p": [project]}).status_code == 403
    assert row_count(PaperEntry, app=app) == 0

    chair = app.test_client()
    login(chair, "committee_a")
    with app.app_context():  # voting has started: the settings form is closed, set it here
        db.session.get(Cycle, cycle_id).grid_workers_enter_paper = True
        db.session.commit()
    assert client.get(paper).status_code == 200
    assert f'href="{paper}"' in client.get(f"/grid/{grids['mine']}").get_data(as_text=True)
    typed = post(
        client, f"{paper}/{residency_id}", {"p": [project], "identity_check": "known_to_worker"}
    )
    assert typed.status_code == 302
    assert row_count(PaperEntry, app=app) == 1
    # Still no other committee page, nor the settings or the second typist's choice.
    for path in (
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}/voting",
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}/turnout",
        f"/c/{world.a_slug}/committee",
    ):
        assert client.get(path).status_code == 403, path
    assert post(client, f"{paper}-keyer", {"keyer": ""}).status_code == 403
    # Not another community's paper ballots.
    with app.app_context():
        b = db.session.get(Community, world.b_id)
        b_cycle, _ = f.voting_cycle(b, db.session.get(User, world.ids["committee_b"]))
        b_cycle.grid_workers_enter_paper = True
        db.session.commit()
        b_cycle_id = b_cycle.id
    assert client.get(f"/c/{world.b_slug}/committee/cycles/{b_cycle_id}/paper").status_code == 403


def test_the_voting_settings_form_allows_grid_workers_paper_ballots(app, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        cycle_id = f.cycle(a, db.session.get(User, world.ids["committee_a"])).id
    chair = app.test_client()
    login(chair, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/voting"
    page = chair.get(path).get_data(as_text=True)
    assert 'name="grid_workers_enter_paper"' in page
    saved = post(
        chair,
        path,
        {
            "ballot_kind": "approval",
            "ballot_min": "1",
            "points_total": "10",
            "rank_k": "3",
            "vote_unit": "person",
            "public_turnout": "y",
            "grid_workers_enter_paper": "y",
            "tally_rule": "greedy",
            "tie_break": "submitted",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).grid_workers_enter_paper
    box = re.search(
        r'<input[^>]*name="grid_workers_enter_paper"[^>]*>', chair.get(path).get_data(as_text=True)
    )
    assert box and "checked" in box.group(0)
