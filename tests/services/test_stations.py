"""The roster is the electorate: paper ballots of people without an account, polling stations
and their reconciliation, roster upkeep. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import select

from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Ballot,
    Cycle,
    Participation,
    PollingStation,
    Residency,
    RosterEntry,
    SealedBallot,
    User,
    utcnow,
)
from microprojects.services import accounts, home, residency, roster_upkeep, stations, voting
from microprojects.services.errors import PermissionDenied, ServiceError

HEADER = "网格,地址,姓名,手机号,出生日期,类别,身份证号\n"


def roster_with_ids(*rows: str) -> bytes:
    return ("\ufeff" + HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


@dataclass
class Station:
    w: f.World
    cycle: Cycle
    pids: list[str]
    second: User
    station: PollingStation
    li: RosterEntry  # 黎阿婆, on the roster, no account
    chen: RosterEntry  # her husband, same household


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def _entry(name: str) -> RosterEntry:
    return db.session.scalar(select(RosterEntry).filter_by(full_name=name))


@pytest.fixture
def at_station(ctx) -> Station:
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    second = f.user("second_member")
    accounts.add_committee_member(w.admin, second, w.a, title="委员", now=f.NOW)
    residency.import_roster(
        w.committee_a,
        w.a,
        roster_with_ids(
            "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住,46010319480302122X",
            "第二网格,5栋2单元302,陈阿公,,1946-07-09,居住,460103194607091234",
        ),
        now=f.NOW,
    )
    station = stations.open_station(
        w.committee_a, c, w.a.id, name="振兴小学", place="校门口", now=utcnow()
    )
    return Station(
        w, c, [str(p.id) for p in projects], second, station, _entry("黎阿婆"), _entry("陈阿公")
    )


def _enter(s: Station, entry: RosterEntry, by: User | None = None, *, pid: int = 0, **kw):
    return voting.enter_roster_paper_ballot(
        by or s.w.committee_a,
        s.cycle,
        entry,
        [Choice(s.pids[pid])],
        identity_check=kw.pop("identity_check", "id_card"),
        station=kw.pop("station", s.station),
        now=utcnow(),
    )


def test_the_roster_keeps_only_the_last_four_characters_of_an_id_number(at_station):
    s = at_station
    assert s.li.id_tail == "122X" and s.chen.id_tail == "1234"
    report = residency.import_roster(
        s.w.committee_a, s.w.a, roster_with_ids("第一网格,6栋,错号,,,居住,46010A"), now=f.NOW
    )
    assert [(p.code, p.value) for p in report.problems] == [("bad_id_number", None)]


def test_a_roster_person_without_an_account_votes_on_paper_at_a_station(at_station):
    s = at_station
    found = stations.search_roster(s.cycle, s.w.a.id, "122x")
    assert [(r.entry.full_name, r.taken_part, r.has_account) for r in found] == [
        ("黎阿婆", None, False)
    ]
    entry = _enter(s, s.li)
    assert entry.residency_id is None and entry.roster_entry_id == s.li.id
    assert entry.voter_key == f"entry:{s.li.id}" and entry.identity_check == "id_card"
    count = stations.station_count(s.station)
    assert (count.entered, count.waiting, count.confirmed) == (1, 1, 0)
    # While it waits, the station sees so and no second ballot is taken.
    assert stations.search_roster(s.cycle, s.w.a.id, "黎阿婆")[0].taken_part.channel == "waiting"
    assert _error(_enter, s, s.li, s.second) == "paper_pending"
    # The second member types it blind; it counts.
    assert voting.key_paper_ballot(s.second, entry, [Choice(s.pids[0])], now=utcnow()) == (
        "confirmed"
    )
    participation = db.session.scalar(select(Participation))
    assert participation.residency_id is None and participation.channel == "paper"
    assert participation.voter_key == f"entry:{s.li.id}"
    assert participation.grid_id == s.li.household.grid_id is not None
    taken = stations.search_roster(s.cycle, s.w.a.id, "黎阿婆")[0].taken_part
    assert (taken.channel, taken.day) == ("paper", utcnow().date())
    assert _error(_enter, s, s.li) == "already_voted"
    count = stations.station_count(s.station)
    assert (count.entered, count.waiting, count.confirmed) == (1, 0, 1)
    audit = db.session.scalar(select(AuditEntry).filter_by(action="paper.enter"))
    assert audit.after["identity_check"] == "id_card" and audit.after["station"] == "振兴小学"


def test_the_identity_check_is_required(at_station):
    s = at_station
    assert _error(_enter, s, s.li, identity_check="") == "identity_check_required"
    assert _error(_enter, s, s.li, identity_check="looked_ok") == "identity_check_required"


def test_refused_for_moved_or_deceased_another_committee_and_a_web_voter(at_station):
    s = at_station
    roster_upkeep.mark_standing(
        s.w.committee_a, s.chen, standing="deceased", reason="家属告知", now=utcnow()
    )
    assert _error(_enter, s, s.chen) == "roster_not_active"
    with pytest.raises(PermissionDenied):
        _enter(s, s.li, s.w.committee_b)
    with pytest.raises(PermissionDenied):
        roster_upkeep.mark_standing(
            s.w.committee_b, s.li, standing="moved", reason="x", now=utcnow()
        )
    # 王秀英 has an account and voted on the web: her roster entry is refused on paper.
    wang = s.w.resident_a.residency.roster_entry
    voting.cast_ballot(s.w.resident_a, s.cycle, [Choice(s.pids[1])], now=utcnow())
    found = stations.search_roster(s.cycle, s.w.a.id, "王秀英")[0]
    assert found.has_account and found.taken_part.channel == "web"
    assert _error(_enter, s, wang) == "already_voted"


def test_a_household_votes_once_across_its_members(at_station):
    s = at_station
    s.cycle.vote_unit = "household"
    db.session.commit()
    entry = _enter(s, s.li)
    assert entry.voter_key == f"household:{s.li.household_id}"
    assert _error(_enter, s, s.chen) == "paper_pending"  # one entry waits per household
    voting.key_paper_ballot(s.second, entry, [Choice(s.pids[0])], now=utcnow())
    assert _error(_enter, s, s.chen) == "already_voted"
    assert stations.search_roster(s.cycle, s.w.a.id, "陈阿公")[0].taken_part.channel == "paper"


def test_a_claim_after_a_paper_vote_shows_it_and_the_web_refuses(at_station):
    s = at_station
    entry = _enter(s, s.li)
    voting.key_paper_ballot(s.second, entry, [Choice(s.pids[0])], now=utcnow())
    code = residency.issue_codes(s.w.committee_a, s.w.a, entries=[s.li], now=utcnow())[0].code
    li = f.user("li_apo", phone="13907550099")
    residency.claim_code(li, s.w.a, code, now=utcnow())
    vote = home.read_cycle_now(li, s.cycle, utcnow()).vote
    assert vote is not None and (vote.channel, vote.day) == ("paper", utcnow().date())
    assert voting.voting_problem(li, voting.find_voting_cycle(s.cycle.id), utcnow()) == (
        "already_voted"
    )
    assert _error(voting.cast_ballot, li, s.cycle, [Choice(s.pids[1])], now=utcnow()) == (
        "already_voted"
    )
    assert row_count(Participation) == 1


def test_a_reconciliation_that_does_not_add_up_is_refused_with_the_numbers(at_station):
    s = at_station
    voting.key_paper_ballot(s.second, _enter(s, s.li), [Choice(s.pids[0])], now=utcnow())
    _enter(s, s.chen)  # waiting for its second typing: entered all the same
    with pytest.raises(ServiceError) as caught:
        stations.close_station(
            s.w.committee_a, s.station, received="5", spoiled="1", blank="1", now=utcnow()
        )
    assert caught.value.code == "reconciliation_mismatch"
    assert caught.value.params == {
        "received": 5, "entered": 2, "spoiled": 1, "blank": 1, "total": 4,
    }  # fmt: skip
    assert s.station.is_open and row_count(AuditEntry, action="station.close") == 0
    assert _error(
        stations.close_station, s.w.committee_a, s.station,
        received="-1", spoiled="0", blank="0", now=utcnow(),
    ) == "reconciliation_numbers"  # fmt: skip
    with pytest.raises(PermissionDenied):
        stations.close_station(
            s.w.committee_b, s.station, received="4", spoiled="1", blank="1", now=utcnow()
        )
    stations.close_station(
        s.w.committee_a, s.station, received="4", spoiled="1", blank="1", now=utcnow()
    )
    db.session.refresh(s.station)
    assert not s.station.is_open and (s.station.received, s.station.spoiled) == (4, 1)
    audit = db.session.scalar(select(AuditEntry).filter_by(action="station.close"))
    assert audit.after["entered"] == 2 and audit.actor_id == s.w.committee_a.id
    # Closed: no more entries, no second closing; its queue can still be typed a second time.
    wang = s.w.resident_a.residency.roster_entry
    assert _error(_enter, s, wang) == "station_closed"
    assert _error(
        stations.close_station, s.w.committee_a, s.station,
        received="4", spoiled="1", blank="1", now=utcnow(),
    ) == "station_closed"  # fmt: skip


def test_a_search_finding_nobody_finds_nobody(at_station):
    s = at_station
    assert stations.search_roster(s.cycle, s.w.a.id, "无此人") == []
    assert stations.search_roster(s.cycle, s.w.a.id, "9999") == []
    assert stations.search_roster(s.cycle, s.w.a.id, "%") == []  # no pattern
    assert stations.search_roster(s.cycle, s.w.b.id, "黎阿婆") == []  # another community's


def test_marking_moved_ends_the_residency_and_keeps_the_vote(at_station):
    s = at_station
    resident = s.w.resident_a
    voting.cast_ballot(resident, s.cycle, [Choice(s.pids[0])], now=utcnow())
    wang = resident.residency.roster_entry
    assert _error(
        roster_upkeep.mark_standing, s.w.committee_a, wang, standing="moved", reason=" ",
        now=utcnow(),
    ) == "reason_required"  # fmt: skip
    roster_upkeep.mark_standing(
        s.w.committee_a, wang, standing="moved", reason="搬去三亚", now=utcnow()
    )
    db.session.refresh(wang)
    assert wang.standing == "moved" and wang.standing_note == "搬去三亚"
    assert db.session.scalar(select(Residency.status).filter_by(user_id=resident.id)) == ("revoked")
    assert row_count(Participation) == 1  # the vote cast stays
    audit = db.session.scalar(select(AuditEntry).filter_by(action="roster.standing"))
    assert audit.before["standing"] == "active" and audit.after["standing"] == "moved"
    assert audit.after["residency_ended"] is not None
    assert _error(
        roster_upkeep.mark_standing, s.w.committee_a, wang, standing="moved", reason="再说一次",
        now=utcnow(),
    ) == "standing_unchanged"  # fmt: skip


def test_a_residency_moved_to_a_new_account_cannot_vote_twice(at_station):
    s = at_station
    old = s.w.resident_a
    voting.cast_ballot(old, s.cycle, [Choice(s.pids[0])], now=utcnow())
    new = f.user("wang_new_phone", phone="13907550123")
    assert roster_upkeep.find_account("13907550123") == new
    assert roster_upkeep.find_account("wang_new_phone") == new
    with pytest.raises(PermissionDenied):
        roster_upkeep.move_residency(s.w.committee_b, old.residency, new, now=utcnow())
    roster_upkeep.move_residency(s.w.committee_a, old.residency, new, now=utcnow())
    new, old = db.session.get(User, new.id), db.session.get(User, old.id)
    assert new.residency is not None and new.residency.is_verified and old.residency is None
    assert _error(voting.cast_ballot, new, s.cycle, [Choice(s.pids[1])], now=utcnow()) == (
        "already_voted"
    )
    assert _error(voting.cast_ballot, old, s.cycle, [Choice(s.pids[1])], now=utcnow()) == (
        "not_verified"
    )
    assert home.read_cycle_now(new, s.cycle, utcnow()).vote.channel == "web"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"residency.move_from", "residency.move_to"} <= actions
    # An account that has a residency already is refused.
    assert _error(
        roster_upkeep.move_residency, s.w.committee_a, new.residency, s.w.resident_b,
        now=utcnow(),
    ) == "transfer_target_has_residency"  # fmt: skip
    assert row_count(Participation) == 1
    assert row_count(Ballot) + row_count(SealedBallot) == 1


def test_a_person_marked_away_between_two_typings_is_not_counted_nor_claims_a_code(at_station):
    s = at_station
    code = residency.issue_codes(s.w.committee_a, s.w.a, entries=[s.chen], now=utcnow())[0]
    entry = _enter(s, s.chen)
    roster_upkeep.mark_standing(
        s.w.committee_a, s.chen, standing="moved", reason="搬去女儿家", now=utcnow()
    )
    assert _error(voting.key_paper_ballot, s.second, entry, [Choice(s.pids[0])], now=utcnow()) == (
        "roster_not_active"
    )
    assert row_count(Participation) == 0 and row_count(SealedBallot) == 0
    chen = f.user("chen_agong")
    assert _error(residency.claim_code, chen, s.w.a, code.code, now=utcnow()) == "code_revoked"
