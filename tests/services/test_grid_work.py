"""Grid workers: assignments given and ended by the committee, the work list per grid,
proposals brought to the door, and paper ballots where the cycle allows them."""

from __future__ import annotations

import threading
from dataclasses import fields
from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.ballots import Choice
from microprojects.domain.people import RosterStanding
from microprojects.domain.permissions import Action, can
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Community,
    GridAssignment,
    Proposal,
    RosterEntry,
    User,
    utcnow,
)
from microprojects.services import cycles, grid_work, residency, voting
from microprojects.services.accounts import actor_for
from microprojects.services.errors import ErrorCode, PermissionDenied, ServiceError


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).filter_by(action=action)))


def _entry(name: str) -> RosterEntry:
    return db.session.scalars(select(RosterEntry).filter_by(full_name=name)).one()


@pytest.fixture
def setting(ctx):
    """World A's first grid with four households (one of them verified already, one whose only
    member moved away), a household in the second grid, and a grid worker of the first grid."""
    w = f.world()
    residency.import_roster(
        w.committee_a,
        w.a,
        f.roster_csv(
            "第一网格,5栋1单元101,张建国,,1950-03-01,居住",
            "第一网格,5栋1单元101,张丽,,1978-06-01,居住",
            "第一网格,5栋2单元202,陈阿婆,,1940-01-01,居住",
            "第一网格,5栋3单元303,黄伟,,1985-01-01,居住",
            "第二网格,6栋1单元101,吴强,,1970-01-01,居住",
        ),
        now=f.NOW,
    )
    moved = _entry("黄伟")
    moved.standing = RosterStanding.MOVED
    moved.standing_changed_at = f.NOW
    db.session.commit()
    worker = f.user("worker", display_name="王网格")
    grid_work.give_assignment(w.committee_a, w.a.grids[0], "worker", now=f.NOW)
    return w, worker


# --- assignments ------------------------------------------------------------------------------


def test_the_committee_gives_a_grid_and_it_is_audited(setting):
    w, worker = setting
    actor = actor_for(worker)
    assert actor.grid_ids == frozenset({w.a.grids[0].id})
    assert actor.grid_worker_of == frozenset({w.a.id})
    assert can(actor, Action.VIEW_GRID_WORK, w.a.id)
    assert not can(actor, Action.VIEW_COMMITTEE, w.a.id)
    assert actor.resident_of is None  # need not live there
    (entry,) = _audits("grid.assign")
    assert entry.actor_id == w.committee_a.id and entry.community_id == w.a.id
    assert entry.after == {"user_id": worker.id, "name": "王网格", "grid": "第一网格"}


def test_an_administrator_may_give_a_grid_too_by_phone_number(setting):
    w, _ = setting
    phoned = f.user("phoned", phone="13800138001")
    grid_work.give_assignment(w.admin, w.a.grids[1], "13800138001", now=f.NOW)
    assert actor_for(phoned).grid_ids == frozenset({w.a.grids[1].id})


@pytest.mark.parametrize("who", ["committee_b", "resident_a", "worker"])
def test_only_the_grids_committee_gives_it(setting, who):
    w, worker = setting
    f.user("someone")
    actor = worker if who == "worker" else getattr(w, who)
    with pytest.raises(PermissionDenied):
        grid_work.give_assignment(actor, w.a.grids[1], "someone", now=f.NOW)
    assert _audits("grid.assign") and len(_audits("grid.assign")) == 1


def test_an_unknown_account_and_a_second_live_assignment_are_refused(setting):
    w, _ = setting
    with pytest.raises(ServiceError) as unknown:
        grid_work.give_assignment(w.committee_a, w.a.grids[0], "nobody", now=f.NOW)
    assert unknown.value.code is ErrorCode.GRID_WORKER_UNKNOWN_ACCOUNT
    with pytest.raises(ServiceError) as twice:
        grid_work.give_assignment(w.committee_a, w.a.grids[0], "worker", now=f.NOW)
    assert twice.value.code is ErrorCode.GRID_WORKER_ALREADY
    assert db.session.scalar(select(func.count()).select_from(GridAssignment)) == 1


def test_the_database_keeps_one_live_assignment_per_account_and_grid(setting):
    w, worker = setting
    db.session.add(GridAssignment(user_id=worker.id, grid_id=w.a.grids[0].id, given_at=f.NOW))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_double_tap_gives_the_grid_once(ctx):
    """Two requests at once, real transactions on SQLite and PostgreSQL: one assignment."""
    w = f.world()
    f.user("twice")
    committee_id, grid_id = w.committee_a.id, w.a.grids[1].id
    db.session.remove()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def give() -> None:
        from microprojects.models import Grid

        with ctx.app_context():
            actor = db.session.get(User, committee_id)
            grid = db.session.get(Grid, grid_id)
            barrier.wait()
            try:
                grid_work.give_assignment(actor, grid, "twice", now=f.NOW)
                results.append("ok")
            except ServiceError as error:
                results.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=give) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["grid_worker_already", "ok"]
    assert db.session.scalar(select(func.count()).select_from(GridAssignment)) == 1


def test_ending_takes_the_grid_away_and_is_audited(setting):
    w, worker = setting
    assignment = db.session.scalars(select(GridAssignment)).one()
    with pytest.raises(PermissionDenied):
        grid_work.end_assignment(w.committee_b, assignment, now=f.NOW)
    grid_work.end_assignment(w.committee_a, assignment, now=f.NOW + timedelta(days=1))
    db.session.expire_all()
    assert actor_for(db.session.get(User, worker.id)).grid_ids == frozenset()
    with pytest.raises(PermissionDenied):
        grid_work.work_grid(worker, w.a.grids[0].id)
    (entry,) = _audits("grid.unassign")
    assert entry.before == {"user_id": worker.id, "grid": "第一网格"}
    with pytest.raises(ServiceError) as again:
        grid_work.end_assignment(w.committee_a, assignment, now=f.NOW + timedelta(days=1))
    assert again.value.code is ErrorCode.GRID_ASSIGNMENT_ENDED
    # Given again later: a new live assignment beside the ended one.
    grid_work.give_assignment(w.committee_a, w.a.grids[0], "worker", now=f.NOW + timedelta(days=2))
    listed = grid_work.list_assignments(w.a.id)
    assert [a.user_id for a in listed.live] == [worker.id]
    assert [a.id for a in listed.past] == [assignment.id]
    assert grid_work.list_assignments(w.b.id).live == []


# --- the work list ----------------------------------------------------------------------------


def test_the_work_list_shows_the_grids_households_and_codes(setting):
    w, worker = setting
    grid = grid_work.work_grid(worker, w.a.grids[0].id)
    assert grid is not None
    work = grid_work.work_list(grid, w.a, now=utcnow())
    unverified = {h.address: h for h in work.unverified}
    # 1栋1单元101 has its verified resident; 5栋3单元303's only member moved away; 6栋 is
    # another grid's.
    assert set(unverified) == {"5栋1单元101", "5栋2单元202"}
    assert unverified["5栋1单元101"].names == ["张建国", "张丽"]
    assert not unverified["5栋1单元101"].has_code
    assert work.codes == [] and work.voting == []

    residency.issue_codes(w.committee_a, w.a, now=f.NOW)  # for both grids, the moved one too
    work = grid_work.work_list(grid, w.a, now=utcnow())
    assert all(h.has_code for h in work.unverified)
    assert [c.roster_entry.full_name for c in work.codes] == ["张建国", "张丽", "陈阿婆"]

    code = next(c for c in work.codes if c.roster_entry.full_name == "陈阿婆")
    residency.claim_code(f.user("chen"), w.a, code.code, now=f.NOW)
    work = grid_work.work_list(grid, w.a, now=utcnow())
    assert [h.address for h in work.unverified] == ["5栋1单元101"]
    assert "陈阿婆" not in [c.roster_entry.full_name for c in work.codes]


def test_another_grid_is_not_the_workers(setting):
    w, worker = setting
    with pytest.raises(PermissionDenied):
        grid_work.work_grid(worker, w.a.grids[1].id)
    with pytest.raises(PermissionDenied):
        grid_work.work_grid(w.committee_a, w.a.grids[0].id)  # the committee is no grid worker
    assert grid_work.work_grid(worker, 99999) is None
    assert [g.id for g in grid_work.my_grids(worker)] == [w.a.grids[0].id]


def test_during_voting_the_not_yet_list_shrinks_and_says_nothing_of_ballots(setting):
    w, _ = setting
    cycle, projects = f.voting_cycle(w.a, w.committee_a)
    grid = w.a.grids[0]
    work = grid_work.work_list(grid, w.a, now=utcnow())
    (progress,) = work.voting
    assert progress.cycle.id == cycle.id and not progress.by_household
    waiting = [n for unit in progress.waiting for n in unit.names]
    # The first grid's people still on the roster (the proposer of the cycle lives there too),
    # not the one who moved away nor the second grid's.
    assert sorted(waiting) == sorted(["王秀英", "张建国", "张丽", "陈阿婆", f"提议人{cycle.id}"])
    assert (progress.taken_part, progress.total) == (0, 5)

    voting.cast_ballot(w.resident_a, cycle, [Choice(str(projects[0].id))], now=utcnow())
    work = grid_work.work_list(grid, w.a, now=utcnow())
    (progress,) = work.voting
    assert "王秀英" not in [n for unit in progress.waiting for n in unit.names]
    assert (progress.taken_part, progress.total) == (1, 5)
    # What a waiting unit holds: an address and names, nothing of a ballot.
    assert {field.name for field in fields(progress.waiting[0])} == {"address", "names"}


def test_a_cycle_voting_by_household_lists_households(setting):
    w, _ = setting
    cycle, projects = f.voting_cycle(w.a, w.committee_a)
    cycle.vote_unit = "household"
    db.session.commit()
    work = grid_work.work_list(w.a.grids[0], w.a, now=utcnow())
    (progress,) = work.voting
    assert progress.by_household
    households = {u.address: u.names for u in progress.waiting}
    assert households["5栋1单元101"] == ["张建国", "张丽"]
    assert "5栋3单元303" not in households
    assert (progress.taken_part, progress.total) == (0, 4)
    voting.cast_ballot(w.resident_a, cycle, [Choice(str(projects[0].id))], now=utcnow())
    (progress,) = grid_work.work_list(w.a.grids[0], w.a, now=utcnow()).voting
    assert "1栋1单元101" not in {u.address for u in progress.waiting}
    assert (progress.taken_part, progress.total) == (1, 4)


# --- proposals brought to the door -------------------------------------------------------------


def test_a_door_to_door_proposal_is_marked_and_audited(setting):
    w, worker = setting
    cycle = f.cycle(w.a, w.committee_a)
    proposal = grid_work.enter_door_proposal(
        worker,
        cycle,
        w.a.grids[0],
        f.proposal_input(),
        on_behalf_of="",
        roster_entry_id=_entry("陈阿婆").id,
        consent=True,
        now=utcnow(),
    )
    assert proposal.state == "submitted" and proposal.author_id is None
    assert proposal.entry_channel == "door" and proposal.consent_at is not None
    assert proposal.entered_by_id == worker.id and proposal.on_behalf_of == "陈阿婆"
    (entry,) = _audits("proposal.enter_at_door")
    assert entry.actor_id == worker.id
    assert entry.after["consent"] is True and entry.after["on_behalf_of"] == "陈阿婆"
    assert entry.after["roster_entry_id"] == _entry("陈阿婆").id


def test_the_office_path_is_marked_office(setting):
    w, _ = setting
    from microprojects.services import proposals

    cycle = f.cycle(w.a, w.committee_a)
    proposal = proposals.enter_on_behalf(
        w.committee_a, cycle, w.a, f.proposal_input(), on_behalf_of="林阿姨", now=utcnow()
    )
    assert proposal.entry_channel == "office" and proposal.consent_at is None


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("no_consent", ErrorCode.CONSENT_REQUIRED),
        ("screening", ErrorCode.NOT_COLLECTING),
        ("other_grid_person", ErrorCode.ENTRY_NOT_IN_GRID),
        ("moved_person", ErrorCode.ENTRY_NOT_IN_GRID),
        ("other_grid", ErrorCode.FORBIDDEN),
        ("committee", ErrorCode.FORBIDDEN),
    ],
)
def test_a_door_to_door_proposal_is_refused(setting, change, refusal):
    w, worker = setting
    cycle = f.cycle(
        w.a, w.committee_a, phase="screening" if change == "screening" else "collecting"
    )
    entry = {"other_grid_person": "吴强", "moved_person": "黄伟"}.get(change)
    with pytest.raises(ServiceError) as refused:
        grid_work.enter_door_proposal(
            w.committee_a if change == "committee" else worker,
            cycle,
            w.a.grids[1] if change == "other_grid" else w.a.grids[0],
            f.proposal_input(),
            on_behalf_of="张丽",
            roster_entry_id=_entry(entry).id if entry else None,
            consent=change != "no_consent",
            now=utcnow(),
        )
    assert refused.value.code is refusal
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_the_database_refuses_a_door_proposal_without_consent(setting):
    w, worker = setting
    proposal = grid_work.enter_door_proposal(
        worker, f.cycle(w.a, w.committee_a), w.a.grids[0], f.proposal_input(),
        on_behalf_of="张丽", roster_entry_id=None, consent=True, now=utcnow(),
    )  # fmt: skip
    proposal.consent_at = None
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- paper ballots at a station ---------------------------------------------------------------


def test_paper_ballots_only_where_the_cycle_allows_them(setting):
    w, worker = setting
    cycle, projects = f.voting_cycle(w.a, w.committee_a)
    assert not voting.may_key_paper(worker, cycle, w.a.id)
    chen = f.verified_resident("chenapo", w.a, w.committee_a, "陈秀兰", "7栋1单元101")
    with pytest.raises(PermissionDenied):
        voting.enter_paper_ballot(
            worker, cycle, chen.residency, [Choice(str(projects[0].id))], now=utcnow()
        )
    cycle.grid_workers_enter_paper = True
    db.session.commit()
    assert voting.may_key_paper(worker, cycle, w.a.id)
    assert not voting.may_key_paper(worker, cycle, w.b.id)
    assert not voting.may_key_paper(w.resident_a, cycle, w.a.id)
    entry = voting.enter_paper_ballot(
        worker, cycle, chen.residency, [Choice(str(projects[0].id))], now=utcnow()
    )
    assert entry.entered_by_id == worker.id
    # Ended: refused from then on.
    grid_work.end_assignment(
        w.committee_a, db.session.scalars(select(GridAssignment)).one(), now=utcnow()
    )
    db.session.expire_all()
    assert not voting.may_key_paper(db.session.get(User, worker.id), cycle, w.a.id)


def test_the_committee_allows_grid_workers_paper_ballots_in_the_voting_settings(setting):
    w, _ = setting
    cycle = f.cycle(w.a, w.committee_a)
    cycles.update_voting_settings(
        w.committee_a, cycle, ballot_kind="approval", ballot_min=1, ballot_max=None,
        ballot_min_share_pct=0, points_total=10, points_max=None, rank_k=3,
        vote_unit="person", allow_revision=False, public_turnout=True,
        grid_workers_enter_paper=True, now=utcnow(),
    )  # fmt: skip
    assert cycle.grid_workers_enter_paper
    (entry,) = _audits("cycle.voting_settings")
    assert entry.before["grid_workers_enter_paper"] is False
    assert entry.after["grid_workers_enter_paper"] is True
    assert db.session.get(Community, w.a.id) is not None


def test_the_committee_lets_grid_workers_help_while_voting_is_open(setting):
    w, worker = setting
    cycle, _ = f.voting_cycle(w.a, w.committee_a)
    assert not voting.may_key_paper(worker, cycle, w.a.id)
    with pytest.raises(PermissionDenied):  # another community's committee
        grid_work.allow_paper_entry(w.committee_b, cycle, True, now=utcnow())
    with pytest.raises(PermissionDenied):  # the grid worker cannot let themself in
        grid_work.allow_paper_entry(worker, cycle, True, now=utcnow())
    assert grid_work.allow_paper_entry(w.committee_a, cycle, True, now=utcnow()) is True
    assert grid_work.allow_paper_entry(w.committee_a, cycle, True, now=utcnow()) is False
    (entry,) = _audits("cycle.grid_workers_paper")  # a second tap writes nothing
    assert entry.after == {"grid_workers_enter_paper": True}
    assert voting.may_key_paper(worker, cycle, w.a.id)
    assert grid_work.allow_paper_entry(w.committee_a, cycle, False, now=utcnow()) is True
    assert not voting.may_key_paper(worker, cycle, w.a.id)
    # Once voting is over there is no paper ballot left to type.
    with pytest.raises(ServiceError) as closed:
        grid_work.allow_paper_entry(
            w.committee_a, cycle, True, now=cycle.publication_at + timedelta(hours=1)
        )
    assert closed.value.code == ErrorCode.VOTING_CLOSED
    assert len(_audits("cycle.grid_workers_paper")) == 2
