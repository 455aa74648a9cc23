"""The electorate counted: the roster's active people (or households), with or without an
account, and residents verified off the roster, under the cycle's rules. It is the denominator of
turnout, so a paper vote by someone without an account never makes turnout pass 100%. On SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import factories as f
from sqlalchemy import select

from microprojects.domain.ballots import Choice
from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import RosterEntry, utcnow
from microprojects.services import accounts, electorate, overview, residency, roster_upkeep, voting


def _entry(name: str) -> RosterEntry:
    return db.session.scalar(select(RosterEntry).filter_by(full_name=name))


def _roster(w: f.World, *rows: str) -> None:
    residency.import_roster(w.committee_a, w.a, f.roster_csv(*rows), now=f.NOW)


def test_everyone_active_on_the_roster_counts_with_or_without_an_account(ctx):
    w = f.world()  # 王秀英, verified by her roster entry, in A
    _roster(
        w,
        "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住",
        "第二网格,5栋2单元302,陈阿公,,1946-07-09,居住",
        "第二网格,6栋1单元101,吴大姐,,1970-01-01,居住",
    )
    assert electorate.by_community([w.a.id])[w.a.id] == 4
    # Someone verified to work there has no roster entry and counts on their own.
    worker = f.user("worker")
    request = residency.request_verification(
        worker, w.a, basis=Basis.WORK, full_name="郑师傅", phone=None, birth_date=None,
        address="", note="工作", now=f.NOW,
    )  # fmt: skip
    residency.approve_verification(w.committee_a, request, roster_entry=None, note="", now=f.NOW)
    assert electorate.by_community([w.a.id])[w.a.id] == 5
    # Moved away: counted no more (and her verification, had she one, would end with it).
    roster_upkeep.mark_standing(
        w.committee_a, _entry("吴大姐"), standing="moved", reason="搬到三亚", now=utcnow()
    )
    assert electorate.by_community([w.a.id])[w.a.id] == 4
    assert electorate.by_community(None) == {w.a.id: 4, w.b.id: 1}


def test_a_cycle_counts_under_its_own_rules_and_unit(ctx):
    w = f.world()
    _roster(
        w,
        "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住",
        "第二网格,5栋2单元302,小黎,,,居住",  # no date of birth: let through, as at the vote
        "第二网格,6栋1单元101,吴小妹,,2015-06-01,居住",  # eleven when voting opens
    )
    worker = f.user("worker")
    request = residency.request_verification(
        worker, w.a, basis=Basis.WORK, full_name="郑师傅", phone=None, birth_date=None,
        address="", note="工作", now=f.NOW,
    )  # fmt: skip
    residency.approve_verification(w.committee_a, request, roster_entry=None, note="", now=f.NOW)
    cycle, _ = f.voting_cycle(w.a, w.committee_a)  # min_age 15, work and study allowed
    # 王秀英, the ballot's author, 黎阿婆, 小黎 and 郑师傅; not the child.
    assert electorate.by_community(cycle.community_ids, cycle)[w.a.id] == 5
    cycle.allow_work = False
    assert electorate.by_community(cycle.community_ids, cycle)[w.a.id] == 4
    cycle.allow_work, cycle.vote_unit = True, "household"
    # Households 1栋1单元101, the author's, 5栋2单元302 (two people, one vote), 6栋 (only a
    # child: none); 郑师傅 votes as himself.
    assert electorate.by_community(cycle.community_ids, cycle)[w.a.id] == 4
    cycle.min_age = 0
    assert electorate.by_community(cycle.community_ids, cycle)[w.a.id] == 5


def test_a_birthday_on_the_day_voting_opens_is_old_enough(ctx):
    w = f.world()
    cycle, _ = f.voting_cycle(w.a, w.committee_a)
    day = cycle.voting_at.date()
    fifteen = date(day.year - 15, day.month, day.day) if (day.month, day.day) != (2, 29) else None
    fifteen = fifteen or date(day.year - 15, 2, 28)
    too_young = fifteen + timedelta(days=1)
    _roster(
        w,
        f"第二网格,7栋1单元101,满十五,,{fifteen.isoformat()},居住",
        f"第二网格,7栋1单元102,差一天,,{too_young.isoformat()},居住",
    )
    counted = electorate.by_community(cycle.community_ids, cycle)[w.a.id]
    # 王秀英 and the author have no date of birth on their residencies but 1980 on the roster.
    assert counted == 3


def test_turnout_counts_a_paper_vote_without_an_account_within_the_roster(ctx):
    w = f.world()
    cycle, projects = f.voting_cycle(w.a, w.committee_a)
    _roster(w, "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住")
    second = f.user("second_member")
    accounts.add_committee_member(w.admin, second, w.a, title="委员", now=f.NOW)
    choice = [Choice(str(projects[0].id))]
    paper = voting.enter_roster_paper_ballot(
        w.committee_a, cycle, _entry("黎阿婆"), choice, identity_check="id_card", now=utcnow()
    )
    assert voting.key_paper_ballot(second, paper, choice, now=utcnow()) == "confirmed"
    t = voting.turnout(cycle)
    # She has no account, and is one of the three who may vote: 王秀英, the author and she.
    assert (t.total, t.eligible) == (1, 3)
    assert t.by_community == [("振兴社区", 1, 3)]
    assert t.by_channel["paper"] == 1
    shown = overview.overview(overview.Filters(), now=utcnow(), zone=ZoneInfo("Asia/Shanghai"))
    assert shown.totals.eligible == 3
