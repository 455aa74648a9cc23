"""The paper artefacts' pages: who may open each in each phase (the public, the own committee,
another community's committee, a resident, a visitor), what each prints, and the committee's
form for where and when paper ballots are cast."""

from __future__ import annotations

import re
from typing import Any

import factories as f
import pytest
from sqlalchemy import func, select
from webclient import csrf_token, login, post

from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import AuditEntry, Community, Cycle, User, utcnow
from microprojects.services import cycles
from microprojects.services import implementation as impl

ROLES = ("anonymous", "resident_a", "committee_b", "committee_a", "admin")


def _people(world: Any) -> tuple[Community, User]:
    return db.session.get(Community, world.a_id), db.session.get(User, world.ids["committee_a"])


def _answers(app: Any, path: str) -> dict[str, str]:
    """How each role is answered at ``path``: 200, login, 403 or 404."""
    answers = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(client, role)
        response = client.get(path)
        if response.status_code == 302 and "/login" in response.headers["Location"]:
            answers[role] = "login"
        else:
            answers[role] = str(response.status_code)
    return answers


PUBLIC = dict.fromkeys(ROLES, "200")
COMMITTEE = {
    "anonymous": "login",
    "resident_a": "403",
    "committee_b": "403",
    "committee_a": "200",
    "admin": "200",
}
NOWHERE = dict.fromkeys(ROLES, "404")


@pytest.mark.parametrize(
    ("phase", "expected"),
    [("collecting", COMMITTEE), ("screening", COMMITTEE), ("voting", PUBLIC), ("closed", PUBLIC)],
)
def test_the_ballot_and_shortlist_are_public_once_voting_opens(app, world, phase, expected):
    with app.app_context():
        place, committee = _people(world)
        cycle_id = f.cycle(place, committee, phase=phase).id
    assert _answers(app, f"/cycles/{cycle_id}/print/ballot") == expected
    assert _answers(app, f"/cycles/{cycle_id}/print/shortlist") == expected


def test_the_results_notice_needs_a_count(app, world):
    with app.app_context():
        place, committee = _people(world)
        voting_id = f.voting_cycle(place, committee)[0].id
        counted, _, count = f.counted_cycle(place, committee)
        counted_id, digest = counted.id, count.ballots_digest
    assert _answers(app, f"/cycles/{voting_id}/print/results") == NOWHERE
    assert _answers(app, f"/cycles/{counted_id}/print/results") == PUBLIC
    page = app.test_client().get(f"/cycles/{counted_id}/print/results").get_data(as_text=True)
    assert digest in page and "异议期" in page and "<svg" in page
    assert f"/cycles/{counted_id}/results" in page  # the URL under the QR code
    results = app.test_client().get(f"/cycles/{counted_id}/results").get_data(as_text=True)
    assert f'href="/cycles/{counted_id}/print/results"' in results


def test_the_completion_notice_is_public_once_the_work_is_completed(app, world):
    with app.app_context():
        place, committee = _people(world)
        _, made, _ = f.final_cycle(place, committee)
        waiting, going = made[1].id, made[0].id
        record = impl.start(committee, made[0], now=utcnow())
        impl.post_update(committee, record, body="已进场。", status="in_progress",
                         progress_pct=30, photos=[], now=utcnow())  # fmt: skip
    assert _answers(app, f"/proposals/{waiting}/print/completion") == NOWHERE
    assert _answers(app, f"/proposals/{going}/print/completion") == COMMITTEE
    story = app.test_client().get(f"/proposals/{going}").get_data(as_text=True)
    assert "/print/completion" not in story
    with app.app_context():
        record = impl.implementation_of(db.session.get(type(made[0]), going))
        impl.post_update(db.session.get(User, world.ids["committee_a"]), record, body="已完工。",
                         status="completed", progress_pct=100, photos=[], now=utcnow())  # fmt: skip
    assert _answers(app, f"/proposals/{going}/print/completion") == PUBLIC
    story = app.test_client().get(f"/proposals/{going}").get_data(as_text=True)
    assert f'href="/proposals/{going}/print/completion"' in story


def test_the_archive_is_the_committees_until_the_cycle_is_closed(app, world):
    with app.app_context():
        place, committee = _people(world)
        c, _, _ = f.final_cycle(place, committee)
        cycle_id = c.id
    assert _answers(app, f"/cycles/{cycle_id}/print/archive") == COMMITTEE
    with app.app_context():
        c = db.session.get(Cycle, cycle_id)
        cycles.change_phase(db.session.get(User, world.ids["committee_a"]), c,
                            phase=Phase.IMPLEMENTATION, reason="项目均已完工",
                            now=utcnow())  # fmt: skip
    assert _answers(app, f"/cycles/{cycle_id}/print/archive") == PUBLIC
    page = app.test_client().get(f"/cycles/{cycle_id}/print/archive").get_data(as_text=True)
    # Counts only: the voters of counted_cycle are named 投票人0, 投票人1, ...
    assert "三、会议记录" in page and "本平台未记录本轮次的会议" in page
    assert "投票人" not in page
    cycle_page = app.test_client().get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/print/archive"' in cycle_page


def test_the_committee_sets_where_to_vote_on_paper_and_the_ballot_prints_it(app, world):
    with app.app_context():
        place, committee = _people(world)
        c, made = f.voting_cycle(place, committee)
        cycle_id, slug, other = c.id, place.slug, world.b_slug
        titles = [p.title for p in made]
    path = f"/c/{slug}/committee/cycles/{cycle_id}/print"
    client = app.test_client()
    login(client, "committee_a")
    cycle_page = client.get(f"/c/{slug}/committee/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="{path}"' in cycle_page
    token = csrf_token(client, path)
    where = "社区党群服务中心一楼大厅，每天 8:30–17:30"
    for _ in range(2):  # a double tap saves once
        sent = client.post(path, data={"csrf_token": token, "paper_where": where})
        assert sent.status_code == 302
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(action="cycle.paper_where")
        )
    assert rows == 1
    ballot = app.test_client().get(f"/cycles/{cycle_id}/print/ballot").get_data(as_text=True)
    assert where in ballot and "本选票不记名" in ballot
    assert all(title in ballot for title in titles)
    assert "10,000 元" in ballot and "在您赞成的每个项目的方框内打 ✓。" in ballot
    # Too long: the text stays in the form, with what to do.
    long = client.post(path, data={"csrf_token": token, "paper_where": "长" * 301})
    page = long.get_data(as_text=True)
    assert long.status_code == 200 and "长" * 301 in page and "不超过 300 个字" in page
    # Another community's committee reaches no such page for this cycle; a resident none at all.
    intruder = app.test_client()
    login(intruder, "committee_b")
    assert intruder.get(f"/c/{other}/committee/cycles/{cycle_id}/print").status_code == 404
    assert post(intruder, path, {"paper_where": "别处"}).status_code == 403
    resident = app.test_client()
    login(resident, "resident_a")
    assert post(resident, path, {"paper_where": "别处"}).status_code == 403
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).paper_where == where


@pytest.mark.parametrize(
    ("settings", "how", "spoiled"),
    [
        ({"ballot_kind": "points", "points_total": 10, "points_max": 6},
         "单个项目最多给 6 分。", "分数合计不等于 10 分；"),
        ({"ballot_kind": "ranking", "rank_k": 2},
         "在最想要的项目方框内写 1", "同一个数字写了两次，或写了大于 2 的数字；"),
        ({"ballot_kind": "choose_one"}, "只能勾选一个", "勾选多于一个，或一个也没有勾选；"),
        ({"ballot_kind": "budget", "ballot_max": None},
         "所勾选项目的费用合计不能超过预算 35,000 元", "所勾选项目的费用合计超过预算；"),
    ],
)  # fmt: skip
def test_the_ballot_says_how_to_mark_it_from_the_rule(app, world, settings, how, spoiled):
    with app.app_context():
        place, committee = _people(world)
        c, _ = f.voting_cycle(place, committee, budget_fen=35_000_00)
        for key, value in settings.items():
            setattr(c, key, value)
        db.session.commit()
        cycle_id = c.id
    page = app.test_client().get(f"/cycles/{cycle_id}/print/ballot").get_data(as_text=True)
    assert how in page and spoiled in page
    boxes = re.findall(r'class="paper-box( paper-box-number)?"', page)
    assert len(boxes) == 3
    writes = settings["ballot_kind"] in ("points", "ranking")
    assert all(bool(b) == writes for b in boxes)


def test_the_papers_print_in_english_too(app, world):
    with app.app_context():
        place, committee = _people(world)
        counted, _, _ = f.counted_cycle(place, committee)
        cycle_id = counted.id
    english = {"Accept-Language": "en"}
    client = app.test_client()
    ballot = client.get(f"/cycles/{cycle_id}/print/ballot", headers=english)
    assert "No name on this ballot" in ballot.get_data(as_text=True)
    notice = client.get(f"/cycles/{cycle_id}/print/results", headers=english)
    assert "Objections are open from" in notice.get_data(as_text=True)


def test_the_ballot_lists_the_polling_stations_still_open(app, world):
    from microprojects.services import stations

    with app.app_context():
        place, committee = _people(world)
        c, _ = f.voting_cycle(place, committee)
        cycle_id = c.id
        stations.open_station(committee, c, place.id, name="振兴小学", place="校门口", now=utcnow())
        closed = stations.open_station(
            committee, c, place.id, name="文化广场", place="东门", now=utcnow()
        )
        stations.close_station(
            committee, closed, received="0", spoiled="0", blank="0", now=utcnow()
        )
    ballot = app.test_client().get(f"/cycles/{cycle_id}/print/ballot").get_data(as_text=True)
    assert "投票点：" in ballot and "振兴小学（校门口）" in ballot
    assert "文化广场" not in ballot  # closed: no paper is taken in there any more
    # With stations and no text of its own, the ballot sends nobody to ask the committee.
    assert "投票箱设在何处" not in ballot
