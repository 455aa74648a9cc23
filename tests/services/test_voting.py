"""Casting, secrecy, revision, paper ballots and turnout, on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import func, inspect, select

from microprojects.domain import secrecy
from microprojects.domain.ballots import Choice
from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import (
    Ballot,
    Household,
    Participation,
    PublishedReceipt,
    Residency,
    RosterEntry,
    SealedBallot,
    User,
    utcnow,
)
from microprojects.services import cycles, mixing, voting
from microprojects.services import residency as residency_service
from microprojects.services.cycles import CycleInput
from microprojects.services.errors import PermissionDenied, ServiceError


def _ballots() -> int:
    """Ballots stored, sealed or mixed."""
    return row_count(Ballot) + row_count(SealedBallot)


def _mixed(cycle_id: int) -> list[tuple[list[str], list[int] | None]]:
    """Mix what is left, as at the close of voting, and read the plain ballots."""
    mixing.mix(cycle_id, final=True)
    assert row_count(SealedBallot) == 0
    return [(b.choices, b.points) for b in db.session.scalars(select(Ballot))]


@pytest.fixture
def election(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    return w, c, [str(p.id) for p in projects]


def _dates() -> dict:
    """Phases of ten days each, the voting phase now."""
    start = utcnow() - timedelta(days=21)
    names = ["collecting", "screening", "voting", "publication", "implementation", "closed"]
    return {f"{name}_at": start + timedelta(days=10) * i for i, name in enumerate(names)}


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def test_cast_stores_participation_and_anonymous_ballot(election):
    w, c, ids = election
    result = voting.cast_ballot(w.resident_a, c, [Choice(ids[0]), Choice(ids[2])], now=utcnow())
    assert voting.normalize_receipt(result.receipt) == result.receipt
    assert result.choices == (Choice(ids[0]), Choice(ids[2]))
    # Cast: the participation and a sealed ballot, nothing in the clear.
    participation = db.session.scalar(select(Participation))
    assert participation.channel == "web"
    assert participation.day == utcnow().date()
    assert participation.residency_id == w.resident_a.residency.id
    assert participation.receipt_commitment == secrecy.commitment(result.receipt)
    assert participation.receipt_commitment != voting.receipt_digest(result.receipt)
    sealed = db.session.scalar(select(SealedBallot))
    assert f'"c":["{ids[0]}"'.encode() not in sealed.sealed and row_count(Ballot) == 0
    assert len(sealed.sealed) % secrecy.PAD_BLOCK == 48  # the padded text and the seal's 48
    code = result.receipt.lower().replace("-", "")
    assert voting.receipt_status(c, code) == "sealed"
    # Mixed: a plain ballot with a random id, and the receipt's digest in the list apart.
    assert _mixed(c.id) == [([ids[0], ids[2]], None)]
    ballot = db.session.scalar(select(Ballot))
    assert len(ballot.id) == 32 and ballot.id != str(participation.id)
    assert ballot.revision_tag == secrecy.revision_tag(result.receipt)
    assert db.session.scalar(select(PublishedReceipt.digest)) == voting.receipt_digest(
        result.receipt
    )
    assert voting.receipt_status(c, code) == "counted"
    assert voting.receipt_status(c, "AAAA-BBBB-CCCC-DDDD") == "unknown"
    assert voting.receipt_status(c, "not a code") == "malformed"


def test_refusals_each_with_its_reason(election):
    w, c, ids = election
    now = utcnow()
    assert _error(voting.cast_ballot, w.unverified, c, [Choice(ids[0])], now=now) == "not_verified"
    assert _error(voting.cast_ballot, w.resident_b, c, [Choice(ids[0])], now=now) == (
        "other_community"
    )
    with pytest.raises(voting.BallotInvalid) as caught:
        voting.cast_ballot(w.resident_a, c, [Choice("999999")], now=now)
    assert caught.value.problems[0].code == "unknown_project"
    assert _error(voting.cast_ballot, w.resident_a, c, [Choice(ids[0])], now=c.publication_at) == (
        "voting_closed"
    )
    assert _error(
        voting.cast_ballot,
        w.resident_a,
        c,
        [Choice(ids[0])],
        now=c.voting_at - timedelta(seconds=1),
    ) == ("voting_closed")
    voting.cast_ballot(w.resident_a, c, [Choice(ids[0])], now=now)
    assert _error(voting.cast_ballot, w.resident_a, c, [Choice(ids[1])], now=now) == (
        "already_voted"
    )
    assert _ballots() == 1


def test_the_closing_second_is_decided_by_the_clock(election):
    w, c, ids = election
    last = c.publication_at - timedelta(microseconds=1)
    voting.cast_ballot(w.resident_a, c, [Choice(ids[0])], now=last)
    other = f.verified_resident("late", w.a, w.committee_a, "晚到", "6栋1单元601")
    assert _error(voting.cast_ballot, other, c, [Choice(ids[0])], now=c.publication_at) == (
        "voting_closed"
    )


def test_too_young_cannot_vote(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    c.min_age = 60  # resident_a was born in 1980
    db.session.commit()
    code = _error(voting.cast_ballot, w.resident_a, c, [Choice(str(projects[0].id))], now=utcnow())
    assert code == "too_young"


def test_no_ballot_can_be_joined_to_a_resident(election):
    """Schema: the ballots table has no column pointing to a person, account, participation
    or moment. Data: nothing in a ballot row equals a participation's or a person's id."""
    w, c, ids = election
    columns = {col["name"] for col in inspect(db.engine).get_columns("ballots")}
    assert columns == {"id", "cycle_id", "choices", "points", "revision_tag"}
    foreign = inspect(db.engine).get_foreign_keys("ballots")
    assert [fk["referred_table"] for fk in foreign] == ["cycles"]
    voters = [w.resident_a] + [
        f.verified_resident(f"voter{i}", w.a, w.committee_a, f"居民{i}", f"7栋{i}单元101")
        for i in range(5)
    ]
    for voter in voters:
        voting.cast_ballot(voter, c, [Choice(ids[0])], now=utcnow())
    _mixed(c.id)
    personal = {str(v.id) for v in voters} | {str(v.residency.id) for v in voters}
    personal |= {str(p.id) for p in db.session.scalars(select(Participation))}
    for ballot in db.session.scalars(select(Ballot)):
        assert ballot.id not in personal
        assert not any(ballot.id.startswith(p) for p in personal if len(p) > 3)
    # Ballot identifiers are random, not in casting order.
    ids_in_order = [b.id for b in db.session.scalars(select(Ballot).order_by(Ballot.id))]
    assert len(set(ids_in_order)) == len(voters)


def test_fifty_simultaneous_casts_by_one_resident_store_one(app):
    """Real threads, real transactions, on SQLite and on PostgreSQL."""
    with app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a)
        cycle_id, user_id, pid = c.id, w.resident_a.id, str(projects[0].id)
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def cast() -> None:
        from microprojects.models import Cycle

        with app.app_context():
            user = db.session.get(User, user_id)
            cycle = db.session.get(Cycle, cycle_id)
            # Give the connection back while waiting: 50 threads share a pool of 15.
            db.session.commit()
            barrier.wait()
            try:
                voting.cast_ballot(user, cycle, [Choice(pid)], now=utcnow())
                outcomes.append("ok")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cast) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} == {"already_voted"}
    with app.app_context():
        assert row_count(Participation) == 1
        assert _ballots() == 1


def test_web_cast_racing_a_paper_confirmation_stores_one(app):
    with app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a)
        second = f.user("second_member")
        from microprojects.services import accounts

        accounts.add_committee_member(w.admin, second, w.a, title="委员", now=utcnow())
        entry = voting.enter_paper_ballot(
            w.committee_a, c, w.resident_a.residency, [Choice(str(projects[1].id))], now=utcnow()
        )
        ids = (c.id, w.resident_a.id, second.id, entry.id, str(projects[0].id))
        projects_ids = [p.id for p in projects]
    cycle_id, resident_id, member_id, entry_id, pid = ids
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def web() -> None:
        from microprojects.models import Cycle

        with app.app_context():
            user, cycle = db.session.get(User, resident_id), db.session.get(Cycle, cycle_id)
            barrier.wait()
            try:
                voting.cast_ballot(user, cycle, [Choice(pid)], now=utcnow())
                outcomes.append("web")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    def paper() -> None:
        from microprojects.models import PaperEntry

        with app.app_context():
            member, found = db.session.get(User, member_id), db.session.get(PaperEntry, entry_id)
            barrier.wait()
            try:
                typed = [Choice(str(projects_ids[1]))]
                assert voting.key_paper_ballot(member, found, typed, now=utcnow()) == "confirmed"
                outcomes.append("paper")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=web), threading.Thread(target=paper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["already_voted", "web"], ["already_voted", "paper"]), outcomes
    with app.app_context():
        assert row_count(Participation) == 1
        assert _ballots() == 1


def test_revision_replaces_the_ballot_when_allowed(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    ids = [str(p.id) for p in projects]
    first = voting.cast_ballot(w.resident_a, c, [Choice(ids[0])], now=utcnow())
    assert (
        _error(voting.revise_ballot, w.resident_a, c, first.receipt, [Choice(ids[1])], now=utcnow())
        == "revision_not_allowed"
    )
    c.allow_revision = True
    db.session.commit()
    assert (
        _error(
            voting.revise_ballot,
            w.resident_a,
            c,
            "AAAA-BBBB-CCCC-DDDD",
            [Choice(ids[1])],
            now=utcnow(),
        )
        == "receipt_unknown"
    )
    second = voting.revise_ballot(w.resident_a, c, first.receipt, [Choice(ids[1])], now=utcnow())
    assert second.receipt != first.receipt
    assert _mixed(c.id) == [([ids[1]], None)]
    assert voting.receipt_status(c, first.receipt) == "unknown"
    assert voting.receipt_status(c, second.receipt) == "counted"
    assert row_count(Participation) == 1 and row_count(PublishedReceipt) == 1
    # The old receipt is spent.
    assert (
        _error(voting.revise_ballot, w.resident_a, c, first.receipt, [Choice(ids[2])], now=utcnow())
        == "receipt_unknown"
    )
    # A revision of a ballot mixed already, then one of a ballot still sealed.
    third = voting.revise_ballot(w.resident_a, c, second.receipt, [Choice(ids[2])], now=utcnow())
    fourth = voting.revise_ballot(w.resident_a, c, third.receipt, [Choice(ids[0])], now=utcnow())
    assert _mixed(c.id) == [([ids[0]], None)]
    assert db.session.scalars(select(PublishedReceipt.digest)).all() == [
        voting.receipt_digest(fourth.receipt)
    ]
    # Someone who has not voted cannot use a receipt to replace another's ballot.
    outsider = f.verified_resident("outsider", w.a, w.committee_a, "路人", "5栋1单元501")
    assert (
        _error(voting.revise_ballot, outsider, c, fourth.receipt, [Choice(ids[2])], now=utcnow())
        == "nothing_to_revise"
    )
    assert (
        _error(
            voting.revise_ballot,
            w.resident_a,
            c,
            fourth.receipt,
            [Choice(ids[2])],
            now=c.publication_at,
        )
        == "voting_closed"
    )


def test_a_receipt_is_of_no_use_to_another_voter(ctx):
    """Voter A holds B's receipt (seen over B's shoulder, or left in a shared browser): A cannot
    replace B's ballot with it, before or after the mix, and B's ballot stays as B cast it."""
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    c.allow_revision = True
    db.session.commit()
    ids = [str(p.id) for p in projects]
    b = f.verified_resident("voter_b", w.a, w.committee_a, "符小红", "3栋2单元201")
    mine = voting.cast_ballot(w.resident_a, c, [Choice(ids[0])], now=utcnow())
    theirs = voting.cast_ballot(b, c, [Choice(ids[1])], now=utcnow())
    for _ in range(2):
        assert (
            _error(
                voting.revise_ballot,
                w.resident_a,
                c,
                theirs.receipt,
                [Choice(ids[2])],
                now=utcnow(),
            )
            == "receipt_unknown"
        )
        mixing.mix(c.id, final=True)
    assert sorted(_mixed(c.id)) == sorted([([ids[0]], None), ([ids[1]], None)])
    assert voting.receipt_status(c, theirs.receipt) == "counted"
    # A's own receipt still works for A.
    voting.revise_ballot(w.resident_a, c, mine.receipt, [Choice(ids[2])], now=utcnow())
    assert sorted(_mixed(c.id)) == sorted([([ids[2]], None), ([ids[1]], None)])


def test_household_unit_gives_one_vote_per_household(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    c.vote_unit = "household"
    db.session.commit()
    spouse = f.verified_resident("spouse", w.a, w.committee_a, "王建国", "1栋1单元101")
    pid = str(projects[0].id)
    voting.cast_ballot(w.resident_a, c, [Choice(pid)], now=utcnow())
    assert _error(voting.cast_ballot, spouse, c, [Choice(pid)], now=utcnow()) == "already_voted"


def test_the_participation_names_the_voting_unit_and_its_grid(ctx):
    w = f.world()
    by_person, projects = f.voting_cycle(w.a, w.committee_a)
    by_household, more = f.voting_cycle(w.a, w.committee_a)
    by_household.vote_unit = "household"
    db.session.commit()
    residency = w.resident_a.residency
    entry = db.session.get(RosterEntry, residency.roster_entry_id)
    household = db.session.get(Household, entry.household_id)
    assert household.grid_id is not None
    voting.cast_ballot(w.resident_a, by_person, [Choice(str(projects[0].id))], now=utcnow())
    voting.cast_ballot(w.resident_a, by_household, [Choice(str(more[0].id))], now=utcnow())
    # Working here, not on the roster: the residency itself is the voter, in no grid.
    worker = f.user("lihaiyan")
    request = residency_service.request_verification(
        worker, w.a, basis=Basis.WORK, full_name="黎海燕", phone=None, birth_date=None,
        address="社区卫生服务站", note="", now=f.NOW,
    )  # fmt: skip
    residency_service.approve_verification(
        w.committee_a, request, roster_entry=None, note="", now=f.NOW
    )
    voting.cast_ballot(worker, by_person, [Choice(str(projects[1].id))], now=utcnow())
    rows = db.session.execute(
        select(Participation.cycle_id, Participation.voter_key, Participation.grid_id)
    ).all()
    assert sorted(rows) == sorted(
        [
            (by_person.id, f"entry:{entry.id}", household.grid_id),
            (by_household.id, f"household:{household.id}", household.grid_id),
            (by_person.id, f"residency:{request.id}", None),
        ]
    )
    assert _ballots() == 3


def _same_as_orm(found: voting.VotingCycle, c) -> None:
    assert found.id == c.id
    assert found.schedule == c.schedule and found.rule == c.rule
    assert sorted(found.community_ids) == sorted(c.community_ids)
    assert (found.min_age, found.allow_work, found.allow_study) == (
        c.min_age, c.allow_work, c.allow_study,
    )  # fmt: skip
    assert (found.ballot_kind, found.vote_unit, found.allow_revision) == (
        c.ballot_kind, c.vote_unit, c.allow_revision,
    )  # fmt: skip
    assert found.phase(utcnow()) is c.phase(utcnow())
    assert voting.project_costs(found) == voting.project_costs(c)
    assert found.title == c.title
    everything = [Choice(pid) for pid in voting.project_costs(c)]
    assert voting.chosen_titles(found, everything) == voting.chosen_titles(c, everything)


def test_the_cycle_read_for_a_cast_is_the_cycle_with_its_ballot_costs(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    projects[1].revised_cost_fen = 123_45
    projects[2].ballot_title = "老年人手机课堂（每周二）"
    c.ballot_kind, c.ballot_max, c.min_age, c.allow_study = "points", 2, 16, False
    db.session.commit()
    expected = {str(p.id): p.cost_fen for p in projects}
    assert expected[str(projects[1].id)] == 123_45
    assert voting.project_costs(c) == expected
    _same_as_orm(voting.find_voting_cycle(c.id), c)
    # A street's cycle: its communities come in the same statement; no project yet: no costs.
    neighbour = f.community("xinbu", "新埠社区")  # the same street as A
    street = cycles.create_cycle(
        w.admin, CycleInput(title="街道微实事", budget_fen=500_000_00, **_dates()),
        street=w.a.street, now=f.NOW,
    )  # fmt: skip
    found = voting.find_voting_cycle(street.id)
    _same_as_orm(found, street)
    assert sorted(found.community_ids) == sorted([w.a.id, neighbour.id])
    assert found.costs == {}
    assert voting.find_voting_cycle(999_999) is None


def test_a_cast_whose_roster_entry_is_gone_writes_nothing(election):
    w, c, ids = election
    residency = w.resident_a.residency
    db.session.expunge(residency)
    residency.roster_entry_id = 999_999
    with pytest.raises(ServiceError) as caught:
        voting._record(c, residency, [Choice(ids[0])], "web", utcnow())
    assert caught.value.code == "not_verified"
    assert row_count(Participation) == 0 and _ballots() == 0


def test_paper_ballots_need_two_people_and_share_the_registry(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    pid = str(projects[0].id)
    residency = w.resident_a.residency
    with pytest.raises(PermissionDenied):
        voting.enter_paper_ballot(w.committee_b, c, residency, [Choice(pid)], now=utcnow())
    entry = voting.enter_paper_ballot(w.committee_a, c, residency, [Choice(pid)], now=utcnow())
    assert entry.status == "pending" and len(entry.keyings) == 1
    # The typing is sealed: the database holds nothing of her choice in the clear.
    assert f'"c":["{pid}"'.encode() not in entry.keyings[0].sealed
    assert (
        _error(voting.enter_paper_ballot, w.committee_a, c, residency, [Choice(pid)], now=utcnow())
        == "paper_pending"
    )
    assert _error(voting.key_paper_ballot, w.committee_a, entry, [Choice(pid)], now=utcnow()) == (
        "paper_same_person"
    )
    with pytest.raises(PermissionDenied):
        voting.key_paper_ballot(w.committee_b, entry, [Choice(pid)], now=utcnow())
    assert voting.key_paper_ballot(w.admin, entry, [Choice(pid)], now=utcnow()) == "confirmed"
    assert entry.status == "confirmed" and entry.decided_by_id == w.admin.id
    assert [k.sealed for k in entry.keyings] == [None, None]  # nothing links her to the ballot
    assert db.session.scalar(select(Participation.receipt_commitment)) is None  # no receipt
    assert _mixed(c.id) == [([pid], None)]
    assert row_count(PublishedReceipt) == 0
    assert db.session.scalar(select(Participation.channel)) == "paper"
    # Voted on paper: the web refuses her.
    assert _error(voting.cast_ballot, w.resident_a, c, [Choice(pid)], now=utcnow()) == (
        "already_voted"
    )
    turnout = voting.turnout(c)
    assert turnout.total == 1
    assert turnout.by_channel == {"web": 0, "paper": 1, "import": 0}
    assert turnout.by_community[0][1] == 1
    assert turnout.by_grid == [("振兴社区", "第一网格", 1)]


def test_typings_that_differ_wait_until_a_third_agrees_with_one_of_them(ctx):
    from microprojects.models import AuditEntry

    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    a, b, d = (str(p.id) for p in projects)
    second = f.user("second_member")
    from microprojects.services import accounts

    accounts.add_committee_member(w.admin, second, w.a, title="委员", now=utcnow())
    residency = w.resident_a.residency
    entry = voting.enter_paper_ballot(
        w.committee_a, c, residency, [Choice(a), Choice(b)], now=utcnow()
    )
    # The second typist read the paper differently: the entry waits, and the audit says so.
    outcome = voting.key_paper_ballot(second, entry, [Choice(a), Choice(d)], now=utcnow())
    assert outcome == "mismatch" and entry.status == "mismatch"
    assert row_count(Participation) == 0 and _ballots() == 0
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-1] == "paper.mismatch"
    # The count refuses while it waits.
    from microprojects.services import counting

    assert counting.count_problem(c, c.publication_at) == "count_paper_pending"
    # The same order typed the other way round is the same ballot; a third person agreeing
    # with the first typing counts it.
    outcome = voting.key_paper_ballot(w.admin, entry, [Choice(b), Choice(a)], now=utcnow())
    assert outcome == "confirmed" and entry.status == "confirmed"
    assert [sorted(choices) for choices, _ in _mixed(c.id)] == [sorted([a, b])]
    assert row_count(Participation) == 1


def test_the_first_typist_may_settle_a_dispute_only_with_someone_else_agreeing(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    a, b, _ = (str(p.id) for p in projects)
    residency = w.resident_a.residency
    entry = voting.enter_paper_ballot(w.committee_a, c, residency, [Choice(a)], now=utcnow())
    assert voting.key_paper_ballot(w.admin, entry, [Choice(b)], now=utcnow()) == "mismatch"
    # The first typist looks again and agrees with the admin's reading: counted, by two people.
    assert voting.key_paper_ballot(w.committee_a, entry, [Choice(b)], now=utcnow()) == "confirmed"
    assert _mixed(c.id) == [([b], None)]


def test_a_dispute_can_be_discarded_with_a_reason_and_its_typings_go(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    a, b, _ = (str(p.id) for p in projects)
    entry = voting.enter_paper_ballot(
        w.committee_a, c, w.resident_a.residency, [Choice(a)], now=utcnow()
    )
    voting.key_paper_ballot(w.admin, entry, [Choice(b)], now=utcnow())
    assert _error(voting.discard_paper_ballot, w.admin, entry, reason=" ", now=utcnow()) == (
        "reason_required"
    )
    voting.discard_paper_ballot(w.admin, entry, reason="两个框都打了勾，作废", now=utcnow())
    assert entry.status == "discarded" and [k.sealed for k in entry.keyings] == [None, None]
    assert _error(voting.key_paper_ballot, w.admin, entry, [Choice(a)], now=utcnow()) == (
        "paper_decided"
    )
    # She may still vote.
    voting.cast_ballot(w.resident_a, c, [Choice(a)], now=utcnow())


def test_a_committee_of_one_names_a_second_typist_from_another_community(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    pid = str(projects[0].id)
    neighbour_place = f.community("xinbu", "新埠社区")  # the same street as A
    neighbour = f.user("neighbour_chair")
    from microprojects.services import accounts

    accounts.add_committee_member(w.admin, neighbour, neighbour_place, title="主任", now=utcnow())
    entry = voting.enter_paper_ballot(
        w.committee_a, c, w.resident_a.residency, [Choice(pid)], now=utcnow()
    )
    with pytest.raises(PermissionDenied):
        voting.key_paper_ballot(neighbour, entry, [Choice(pid)], now=utcnow())
    candidates = voting.paper_keyer_candidates(c)
    assert neighbour in candidates and w.admin in candidates
    assert w.committee_b not in candidates  # another street's committee
    assert _error(voting.name_paper_keyer, w.committee_a, c, w.committee_b, now=utcnow()) == (
        "paper_keyer_not_allowed"
    )
    with pytest.raises(PermissionDenied):
        voting.name_paper_keyer(w.committee_b, c, w.committee_b, now=utcnow())
    voting.name_paper_keyer(w.committee_a, c, neighbour, now=utcnow())
    assert voting.key_paper_ballot(neighbour, entry, [Choice(pid)], now=utcnow()) == "confirmed"
    # Named for this cycle only.
    other, _ = f.voting_cycle(w.a, w.committee_a)
    assert not voting.may_key_paper(neighbour, other, w.a.id)


def test_a_web_voter_cannot_also_vote_on_paper(ctx):
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    pid = str(projects[0].id)
    voting.cast_ballot(w.resident_a, c, [Choice(pid)], now=utcnow())
    code = _error(
        voting.enter_paper_ballot, w.committee_a, c, w.resident_a.residency, [Choice(pid)],
        now=utcnow(),
    )  # fmt: skip
    assert code == "already_voted"
    assert db.session.scalar(select(func.count()).select_from(Residency)) >= 1


def test_receipts_are_sixteen_characters_of_the_alphabet_each_one_drawn_uniformly():
    codes = [voting.new_receipt() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    for code in codes[:50]:
        assert len(code) == 19 and code.count("-") == 3
        assert voting.normalize_receipt(code.lower().replace("-", " ")) == code
    # Every position takes every character, about equally often: 3000 draws give each of the
    # 29 characters about 103 times at a position; a stuck or biased digit falls far outside.
    for position in [p for p in range(19) if p % 5 != 4]:
        seen = {}
        for code in codes:
            seen[code[position]] = seen.get(code[position], 0) + 1
        assert set(seen) == set(voting.RECEIPT_ALPHABET)
        assert max(seen.values()) < 170 and min(seen.values()) > 50


def test_the_mixer_waits_for_a_batch_and_takes_all_at_the_close(ctx):
    ctx.config["MIX_BATCH"] = 3
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    pid = str(projects[0].id)
    voters = [w.resident_a] + [
        f.verified_resident(f"mixer{i}", w.a, w.committee_a, f"混合{i}", f"6栋{i}单元101")
        for i in range(3)
    ]
    for voter in voters[:2]:
        voting.cast_ballot(voter, c, [Choice(pid)], now=utcnow())
    assert mixing.mix(c.id) == 0  # two of three: they wait
    assert (row_count(SealedBallot), row_count(Ballot)) == (2, 0)
    voting.cast_ballot(voters[2], c, [Choice(pid)], now=utcnow())  # the third mixes
    assert (row_count(SealedBallot), row_count(Ballot)) == (0, 3)
    voting.cast_ballot(voters[3], c, [Choice(pid)], now=utcnow())
    assert mixing.mix(c.id, final=True) == 1
    assert (row_count(SealedBallot), row_count(Ballot), row_count(PublishedReceipt)) == (0, 4, 4)


def test_a_ballot_that_does_not_open_stops_the_mix_and_nothing_is_lost(ctx):
    ctx.config["MIX_BATCH"] = 100
    w = f.world()
    c, projects = f.voting_cycle(w.a, w.committee_a)
    voting.cast_ballot(w.resident_a, c, [Choice(str(projects[0].id))], now=utcnow())
    right = ctx.config["BALLOT_KEY"]
    ctx.config["BALLOT_KEY"] = mixing.new_key()  # another server's key
    with pytest.raises(mixing.BallotKeyError):
        mixing.mix(c.id, final=True)
    assert (row_count(SealedBallot), row_count(Ballot)) == (1, 0)
    # The count refuses, saying why, and counts once the right key is back.
    from microprojects.services import counting

    closed = c.publication_at
    assert _error(counting.run_count, None, c, now=closed) == "count_unmixed"
    ctx.config["BALLOT_KEY"] = right
    assert counting.run_count(None, c, now=closed).num_ballots == 1
    assert row_count(SealedBallot) == 0


def test_two_mixers_at_once_open_each_ballot_once(app):
    """Real threads, real transactions: the mixers race for the same sealed rows."""
    with app.app_context():
        app.config["MIX_BATCH"] = 100
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a)
        for i in range(6):
            voter = f.verified_resident(f"racer{i}", w.a, w.committee_a, f"竞{i}", f"4栋{i}单元101")
            voting.cast_ballot(voter, c, [Choice(str(projects[i % 3].id))], now=utcnow())
        cycle_id = c.id
        db.session.remove()
    barrier = threading.Barrier(2)
    mixed: list[int] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                mixed.append(mixing.mix(cycle_id, final=True))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(mixed) == 6, mixed
    with app.app_context():
        assert (row_count(SealedBallot), row_count(Ballot), row_count(PublishedReceipt)) == (
            0,
            6,
            6,
        )
