"""One participation per voting unit, whatever races: a web cast against a paper confirmation
for the same person, two stations typing or confirming the same person, two members of one
household on two channels. Real threads, real transactions, on SQLite and PostgreSQL; each
loser gets a clear refusal, and no sealed ballot is left without its participation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import factories as f
from flask import Flask
from helpers import row_count
from sqlalchemy import select

from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import (
    Ballot,
    Cycle,
    PaperEntry,
    Participation,
    PollingStation,
    RosterEntry,
    SealedBallot,
    User,
    utcnow,
)
from microprojects.services import accounts, residency, stations, voting
from microprojects.services.errors import ServiceError

Ids = dict[str, Any]
ROSTER = (
    "\ufeff网格,地址,姓名,手机号,出生日期,类别,身份证号\n"
    "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住,46010319480302122X\n"
    "第二网格,5栋2单元302,陈阿公,,1946-07-09,居住,460103194607091234\n"
).encode()


def _race(app: Flask, *runs: Callable[[], str]) -> list[str]:
    """Run each at the same moment, each in its own app context; their outcomes (or error
    codes), in any order."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(runs))

    def run(body: Callable[[], str]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(body())
            except ServiceError as error:
                outcomes.append(error.code)
            except Exception as error:  # any other error: the test names it, and fails
                outcomes.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(body,)) for body in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _setup(app: Flask, *, household: bool = False) -> Ids:
    with app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a)
        if household:
            c.vote_unit = "household"
            db.session.commit()
        second, third = f.user("second_member"), f.user("third_member")
        for member in (second, third):
            accounts.add_committee_member(w.admin, member, w.a, title="委员", now=f.NOW)
        residency.import_roster(w.committee_a, w.a, ROSTER, now=f.NOW)
        one = stations.open_station(w.committee_a, c, w.a.id, name="振兴小学", place="", now=f.NOW)
        two = stations.open_station(w.committee_a, c, w.a.id, name="文化广场", place="", now=f.NOW)
        li = db.session.scalar(select(RosterEntry).filter_by(full_name="黎阿婆"))
        chen = db.session.scalar(select(RosterEntry).filter_by(full_name="陈阿公"))
        ids = {
            "cycle": c.id, "pid": str(projects[0].id), "chair": w.committee_a.id,
            "second": second.id, "third": third.id, "one": one.id, "two": two.id,
            "li": li.id, "chen": chen.id, "a": w.a.id,
        }  # fmt: skip
        db.session.remove()
    return ids


def _get(model: Any, ident: Any) -> Any:
    return db.session.get(model, ident)


def _type_first(ids: Ids, by: str, entry: str, station: str) -> Callable[[], str]:
    def body() -> str:
        voting.enter_roster_paper_ballot(
            _get(User, ids[by]),
            _get(Cycle, ids["cycle"]),
            _get(RosterEntry, ids[entry]),
            [Choice(ids["pid"])],
            identity_check="id_card",
            station=_get(PollingStation, ids[station]),
            now=utcnow(),
        )
        return "typed"

    return body


def _type_second(ids: Ids, by: str, paper_id: int) -> Callable[[], str]:
    def body() -> str:
        entry = _get(PaperEntry, paper_id)
        return voting.key_paper_ballot(
            _get(User, ids[by]), entry, [Choice(ids["pid"])], now=utcnow()
        )

    return body


def _first_typing(app: Flask, ids: Ids, entry: str) -> int:
    with app.app_context():
        _type_first(ids, "chair", entry, "one")()
        paper_id = db.session.scalar(select(PaperEntry.id).order_by(PaperEntry.id.desc()))
        db.session.remove()
    assert paper_id is not None
    return paper_id


def _one_vote_stored(app: Flask) -> None:
    with app.app_context():
        assert row_count(Participation) == 1
        assert row_count(SealedBallot) + row_count(Ballot) == 1


def _claim(app: Flask, ids: Ids, entry: str, username: str) -> int:
    """The person claims their household code with a new account; its id."""
    with app.app_context():
        chair = _get(User, ids["chair"])
        person = _get(RosterEntry, ids[entry])
        code = residency.issue_codes(chair, person.community, entries=[person], now=f.NOW)[0]
        user = f.user(username)
        residency.claim_code(user, person.community, code.code, now=utcnow())
        user_id = user.id
        db.session.remove()
    return user_id


def _cast(ids: Ids, user_id: int) -> Callable[[], str]:
    def body() -> str:
        voting.cast_ballot(
            _get(User, user_id), _get(Cycle, ids["cycle"]), [Choice(ids["pid"])], now=utcnow()
        )
        return "web"

    return body


def test_a_web_cast_racing_the_paper_confirmation_of_the_same_person_stores_one(app):
    ids = _setup(app)
    paper_id = _first_typing(app, ids, "li")  # typed at the station before she had an account
    user_id = _claim(app, ids, "li", "li_apo")
    outcomes = _race(app, _cast(ids, user_id), _type_second(ids, "second", paper_id))
    assert sorted(outcomes) in (["already_voted", "web"], ["already_voted", "confirmed"])
    _one_vote_stored(app)
    with app.app_context():
        participation = db.session.scalar(select(Participation))
        assert participation.residency_id is not None  # hers, on whichever channel won


def test_two_stations_typing_the_same_person_at_once_keep_one_entry(app):
    ids = _setup(app)
    outcomes = _race(
        app, _type_first(ids, "chair", "li", "one"), _type_first(ids, "second", "li", "two")
    )
    assert sorted(outcomes) == ["paper_pending", "typed"], outcomes
    with app.app_context():
        assert row_count(PaperEntry) == 1


def test_two_members_confirming_the_same_ballot_at_once_store_one(app):
    ids = _setup(app)
    paper_id = _first_typing(app, ids, "li")
    outcomes = _race(
        app, _type_second(ids, "second", paper_id), _type_second(ids, "third", paper_id)
    )
    assert "confirmed" in outcomes and len(outcomes) == 2, outcomes
    assert set(outcomes) - {"confirmed"} <= {"already_voted", "paper_decided"}
    _one_vote_stored(app)


def test_two_members_of_one_household_on_two_channels_store_one(app):
    ids = _setup(app, household=True)
    paper_id = _first_typing(app, ids, "li")  # 黎阿婆 on paper
    user_id = _claim(app, ids, "chen", "chen_agong")  # 陈阿公 on his phone
    outcomes = _race(app, _cast(ids, user_id), _type_second(ids, "second", paper_id))
    assert sorted(outcomes) in (["already_voted", "web"], ["already_voted", "confirmed"])
    _one_vote_stored(app)
