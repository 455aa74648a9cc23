"""The polling station's pages: who may open them, a search that finds nobody, a person's
ballot taken, the reconciliation refused with its numbers, the roster's upkeep."""

from __future__ import annotations

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import select
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import AuditEntry, PaperEntry, Residency, RosterEntry

ROSTER = (
    "\ufeff网格,地址,姓名,手机号,出生日期,类别,身份证号\n"
    "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住,46010319480302122X\n"
).encode()


@pytest.fixture
def station(app, world):
    from microprojects.models import Community, User
    from microprojects.services import residency, stations

    with app.app_context():
        chair = db.session.get(User, world.ids["committee_a"])
        place = db.session.get(Community, world.a_id)
        c, projects = f.voting_cycle(place, chair)
        residency.import_roster(chair, place, ROSTER, now=f.NOW)
        opened = stations.open_station(chair, c, place.id, name="振兴小学", place="", now=f.NOW)
        li = db.session.scalar(select(RosterEntry).filter_by(full_name="黎阿婆"))
        return {
            "cycle": c.id, "station": opened.id, "li": li.id,
            "pids": [str(p.id) for p in projects],
            "base": f"/c/{world.a_slug}/committee/stations/{opened.id}",
        }  # fmt: skip


@pytest.mark.parametrize("who", ["committee_b", "resident_a"])
def test_another_community_s_committee_and_a_resident_are_refused(app, client, world, station, who):
    login(client, who)
    assert client.get(station["base"]).status_code == 403
    assert client.get(f"{station['base']}/person/{station['li']}").status_code == 403
    assert post(client, f"{station['base']}/close", {"received": "0"}).status_code == 403
    entry = f"{station['base']}/person/{station['li']}"
    answer = post(client, entry, {"p": [station["pids"][0]], "identity_check": "id_card"})
    assert answer.status_code == 403 and row_count(PaperEntry, app=app) == 0


def test_a_search_that_finds_nobody_says_so_and_offers_the_roster(client, world, station):
    login(client, "committee_a")
    page = client.get(station["base"], query_string={"q": "无此人"}).get_data(as_text=True)
    assert "名册上没有与“无此人”相符的人" in page
    assert f'href="/c/{world.a_slug}/committee/roster?q=' in page
    found = client.get(station["base"], query_string={"q": "122x"}).get_data(as_text=True)
    assert "黎阿婆" in found and "尚未投票" in found and "autofocus" in found


def test_a_ballot_taken_at_the_station_and_a_reconciliation_refused_then_accepted(
    app, client, world, station
):
    login(client, "committee_a")
    person = f"{station['base']}/person/{station['li']}"
    # No identity check: refused, the person's page again, nothing saved.
    answer = post(client, person, {"p": [station["pids"][0]]})
    assert answer.headers["Location"].endswith(person)
    assert "请说明您如何核对此人身份" in client.get(person).get_data(as_text=True)
    answer = post(client, person, {"p": [station["pids"][0]], "identity_check": "id_card"})
    assert answer.headers["Location"].endswith(station["base"])
    page = client.get(station["base"]).get_data(as_text=True)
    assert "已保存：黎阿婆的选票已录入" in page and "查看身份证" in page
    # A second ballot typed for 王秀英 and set aside at the station: back at the station.
    with app.app_context():
        wang = db.session.scalar(select(Residency).filter_by(user_id=world.ids["resident_a"]))
        wang_entry = wang.roster_entry_id
    post(
        client,
        f"{station['base']}/person/{wang_entry}",
        {"p": [station["pids"][0]], "identity_check": "known_to_worker"},
    )
    with app.app_context():
        set_aside = db.session.scalar(select(PaperEntry.id).filter_by(roster_entry_id=wang_entry))
    discard = post(
        client, f"/c/{world.a_slug}/committee/paper/{set_aside}/discard",
        {"reason": "选票被撕坏", "station": str(station["station"])},
    )  # fmt: skip
    assert discard.headers["Location"].endswith(station["base"])
    page = client.get(station["base"]).get_data(as_text=True)
    assert 'name="spoiled" inputmode="numeric" pattern="[0-9]*" required value="1"' in page
    refused = post(
        client, f"{station['base']}/close", {"received": "3", "spoiled": "1", "blank": "4"}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "收到 3 张选票，但已录入 1 张 + 废票 1 张 + 空白票 4 张 = 6 张" in page
    # What was counted is still in the form, to check against the paper, not typed again.
    assert (
        'id="received" name="received" inputmode="numeric" pattern="[0-9]*" required value="3"'
        in page
    )
    assert 'id="blank" name="blank" inputmode="numeric" pattern="[0-9]*" required value="4"' in page
    assert row_count(AuditEntry, app=app, action="station.close") == 0
    post(client, f"{station['base']}/close", {"received": "2", "spoiled": "1", "blank": "0"})
    page = client.get(station["base"]).get_data(as_text=True)
    assert "投票点已关闭" in page and 'name="q"' not in page
    assert row_count(AuditEntry, app=app, action="station.close") == 1


def test_the_committee_marks_a_person_moved_and_moves_a_residency(app, client, world, station):
    login(client, "committee_a")
    with app.app_context():
        wang = db.session.scalar(select(Residency).filter_by(user_id=world.ids["resident_a"]))
        wang_entry, wang_id = wang.roster_entry_id, wang.id
        f.user("wang_new", phone="13907550123")
    page = f"/c/{world.a_slug}/committee/roster/{wang_entry}"
    assert "王秀英" in client.get(page).get_data(as_text=True)
    found = client.get(page, query_string={"account": "13907550123"}).get_data(as_text=True)
    assert "找到：wang_new" in found
    post(client, f"{page}/move", {"account": "13907550123"})
    with app.app_context():
        moved = db.session.scalar(select(Residency).filter_by(roster_entry_id=wang_entry))
        assert moved.user_id != world.ids["resident_a"] and moved.id == wang_id
    post(client, f"{page}/standing", {"standing": "moved", "reason": " "})  # no reason: no change
    with app.app_context():
        assert db.session.get(RosterEntry, wang_entry).standing == "active"
    post(client, f"{page}/standing", {"standing": "moved", "reason": "搬去三亚"})
    roster = client.get(f"/c/{world.a_slug}/committee/roster").get_data(as_text=True)
    assert "已迁出" in roster
    assert row_count(AuditEntry, app=app, action="roster.standing") == 1
    login(client, "committee_b")
    assert client.get(page).status_code == 403
