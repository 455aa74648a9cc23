"""Cycles: creating one (who may, with dates in order, audited) and changing its schedule."""

from datetime import timedelta

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import select

from microprojects.domain.cycles import ProjectType
from microprojects.domain.phases import DATED, Phase, phase_end
from microprojects.extensions import db
from microprojects.models import AuditEntry, Cycle, utcnow
from microprojects.services import cycles
from microprojects.services.cycles import CycleInput
from microprojects.services.errors import PermissionDenied, ServiceError

DAY = timedelta(days=1)


def _input(**overrides) -> CycleInput:
    start = utcnow() + DAY
    values = {
        "title": "2027 年微实事",
        "budget_fen": 300_000_00,
        "collecting_at": start,
        "screening_at": start + 10 * DAY,
        "voting_at": start + 20 * DAY,
        "publication_at": start + 30 * DAY,
        "implementation_at": start + 40 * DAY,
        "closed_at": start + 200 * DAY,
        **overrides,
    }
    return CycleInput(**values)


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id))
    )


def _error(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- creating a cycle ----------------------------------------------------------------------


def test_the_committee_creates_a_cycle_of_its_community_and_it_is_audited(ctx):
    w = f.world()
    data = _input(
        description="  全体居民参与  ",
        project_cap_fen=100_000_00,
        cap_goods_fen=50_000_00,
        categories=[" 环境整治 ", "", "养老助老"],
        min_age=16,
        allow_work=False,
        comment_report_threshold=0,
    )
    created = cycles.create_cycle(w.committee_a, data, community=w.a, now=f.NOW)
    db.session.expire_all()
    found = db.session.get(Cycle, created.id)
    assert found.community_id == w.a.id and found.street_id is None
    assert found.title == "2027 年微实事"
    assert found.description == "全体居民参与"
    assert found.categories == ["环境整治", "养老助老"]
    assert found.caps.cap_for(ProjectType.GOODS) == 50_000_00
    assert found.caps.cap_for(ProjectType.ENGINEERING) == 100_000_00
    assert found.min_age == 16 and found.allow_work is False and found.allow_study is True
    assert found.comment_report_threshold == 1  # at least one report hides
    assert found.created_by_id == w.committee_a.id
    assert found.community_ids == [w.a.id]
    assert found.phase(utcnow()) is Phase.UPCOMING
    entry = _audit("cycle.create")[-1]
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (
        w.committee_a.id,
        "cycle",
        str(found.id),
    )
    assert entry.community_id == w.a.id
    assert entry.after["title"] == "2027 年微实事"
    assert entry.after["budget_fen"] == 300_000_00
    assert entry.after["schedule"]["collecting"] == data.collecting_at.isoformat(sep=" ")


@pytest.mark.parametrize("who", ["committee_b", "resident_a", "unverified", "organization"])
def test_others_cannot_create_a_cycle_of_the_community(ctx, who):
    w = f.world()
    before = (row_count(Cycle), row_count(AuditEntry))
    with pytest.raises(PermissionDenied):
        cycles.create_cycle(getattr(w, who), _input(), community=w.a, now=f.NOW)
    assert (row_count(Cycle), row_count(AuditEntry)) == before


def test_the_administrator_may_create_a_community_cycle(ctx):
    w = f.world()
    created = cycles.create_cycle(w.admin, _input(), community=w.b, now=f.NOW)
    assert created.community_id == w.b.id


def test_a_street_cycle_needs_the_administrator(ctx):
    w = f.world()
    neighbour = f.community("xinbu", "新埠社区")  # the same street as A
    with pytest.raises(PermissionDenied):
        cycles.create_cycle(w.committee_a, _input(), street=w.a.street, now=f.NOW)
    created = cycles.create_cycle(w.admin, _input(), street=w.a.street, now=f.NOW)
    assert created.community_id is None and created.street_id == w.a.street_id
    assert sorted(created.community_ids) == sorted([w.a.id, neighbour.id])
    assert w.b.id not in created.community_ids
    assert created.scope_name == "和平南街道"
    assert _audit("cycle.create")[-1].community_id is None


def test_a_cycle_has_exactly_one_scope(ctx):
    w = f.world()
    assert _error(cycles.create_cycle, w.admin, _input(), now=f.NOW).code == "cycle_scope"
    assert (
        _error(
            cycles.create_cycle, w.admin, _input(), community=w.a, street=w.a.street, now=f.NOW
        ).code
        == "cycle_scope"
    )


@pytest.mark.parametrize(
    ("swap", "problem"),
    [
        (("collecting_at", "screening_at"), "screening_before_collecting"),
        (("voting_at", "publication_at"), "publication_before_voting"),
        (("implementation_at", "closed_at"), "closed_before_implementation"),
    ],
)
def test_dates_out_of_order_are_refused_and_nothing_is_written(ctx, swap, problem):
    w = f.world()
    good = _input()
    first, second = swap
    data = _input(**{first: getattr(good, second), second: getattr(good, first)})
    before = (row_count(Cycle), row_count(AuditEntry))
    error = _error(cycles.create_cycle, w.committee_a, data, community=w.a, now=f.NOW)
    assert error.code == "schedule_out_of_order"
    assert error.params["problem"] == problem
    assert (row_count(Cycle), row_count(AuditEntry)) == before


def test_phases_may_start_at_the_same_moment(ctx):
    w = f.world()
    start = utcnow() + DAY
    same = {f"{p.value}_at": start for p in Phase if p is not Phase.UPCOMING}
    created = cycles.create_cycle(w.committee_a, _input(**same), community=w.a, now=f.NOW)
    assert created.phase(start) is Phase.CLOSED


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"title": "   "}, "required"),
        ({"categories": ["", "  "]}, "categories_required"),
        ({"budget_fen": 0}, "budget_required"),
        ({"budget_fen": -100}, "budget_required"),
    ],
)
def test_incomplete_cycles_are_refused(ctx, overrides, code):
    w = f.world()
    before = row_count(Cycle)
    assert (
        _error(
            cycles.create_cycle, w.committee_a, _input(**overrides), community=w.a, now=f.NOW
        ).code
        == code
    )
    assert row_count(Cycle) == before


def test_a_large_street_budget_is_stored(ctx):
    """A street's cycle can hold tens of millions of yuan (several communities' budgets)."""
    w = f.world()
    created = cycles.create_cycle(
        w.admin, _input(budget_fen=30_000_000_00), street=w.a.street, now=f.NOW
    )
    db.session.expire_all()
    assert db.session.get(Cycle, created.id).budget_fen == 30_000_000_00


# --- changing the schedule --------------------------------------------------------------


def test_close_the_current_phase_early_with_a_public_reason(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="collecting")
    old = c.schedule
    now = utcnow()
    cycles.change_phase(w.committee_a, c, phase=Phase.COLLECTING, reason="  提议已足够  ", now=now)
    db.session.expire_all()
    c = db.session.get(Cycle, c.id)
    assert c.phase(now) is Phase.SCREENING
    assert c.screening_at == now
    assert c.voting_at == old.voting and c.closed_at == old.closed
    entry = _audit("cycle.close_phase")[-1]
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (
        w.committee_a.id,
        "cycle",
        str(c.id),
    )
    assert entry.community_id == w.a.id
    assert entry.after["reason"] == "提议已足够"
    assert entry.after["phase"] == "collecting"
    assert entry.before["screening"] == old.screening.isoformat(sep=" ")
    assert entry.after["screening"] == now.isoformat(sep=" ")


def test_extend_the_current_phase_shifts_the_later_ones(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    old = c.schedule
    until = old.voting + 3 * DAY
    now = utcnow()
    cycles.change_phase(
        w.committee_a, c, phase=Phase.SCREENING, reason="居民要求更多讨论", until=until, now=now
    )
    db.session.expire_all()
    c = db.session.get(Cycle, c.id)
    assert c.phase(now) is Phase.SCREENING
    assert c.phase(old.voting + DAY) is Phase.SCREENING
    assert c.voting_at == until
    assert c.publication_at == old.publication + 3 * DAY
    assert c.closed_at == old.closed + 3 * DAY
    assert c.collecting_at == old.collecting and c.screening_at == old.screening
    entry = _audit("cycle.extend_phase")[-1]
    assert entry.after["reason"] == "居民要求更多讨论"
    assert entry.after["phase"] == "screening"
    assert entry.after["voting"] == until.isoformat(sep=" ")
    assert entry.before["voting"] == old.voting.isoformat(sep=" ")


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_reason_is_required(ctx, reason):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="collecting")
    old = c.schedule
    before = row_count(AuditEntry)
    error = _error(
        cycles.change_phase, w.committee_a, c, phase=Phase.COLLECTING, reason=reason, now=utcnow()
    )
    assert error.code == "reason_required"
    db.session.expire_all()
    assert db.session.get(Cycle, c.id).schedule == old
    assert row_count(AuditEntry) == before


@pytest.mark.parametrize(
    ("current", "asked"),
    [
        ("collecting", Phase.SCREENING),
        ("screening", Phase.COLLECTING),
        ("voting", Phase.SCREENING),
        ("closed", Phase.CLOSED),
        ("implementation", Phase.UPCOMING),
    ],
)
def test_only_the_current_phase_can_be_changed(ctx, current, asked):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase=current)
    old = c.schedule
    error = _error(cycles.change_phase, w.committee_a, c, phase=asked, reason="x", now=utcnow())
    # A phase that has ended is said to have ended: a confirmation sent twice meets this.
    ended = asked in DATED and current in DATED and DATED.index(asked) < DATED.index(current)
    assert error.code == ("phase_already_ended" if ended else "not_current_phase")
    db.session.expire_all()
    assert db.session.get(Cycle, c.id).schedule == old


def test_an_upcoming_cycle_has_no_phase_to_change(ctx):
    w = f.world()
    c = cycles.create_cycle(w.committee_a, _input(), community=w.a, now=f.NOW)
    error = _error(
        cycles.change_phase, w.committee_a, c, phase=Phase.UPCOMING, reason="x", now=utcnow()
    )
    assert error.code == "not_current_phase"


def test_extending_into_the_past_is_refused(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="collecting")
    now = utcnow()
    for until in (now, now - DAY):
        error = _error(
            cycles.change_phase,
            w.committee_a,
            c,
            phase=Phase.COLLECTING,
            reason="x",
            until=until,
            now=now,
        )
        assert error.code == "extend_into_past"


@pytest.mark.parametrize("who", ["committee_b", "resident_a", "organization"])
def test_others_cannot_change_the_schedule(ctx, who):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="collecting")
    before = row_count(AuditEntry)
    with pytest.raises(PermissionDenied):
        cycles.change_phase(getattr(w, who), c, phase=Phase.COLLECTING, reason="x", now=utcnow())
    assert row_count(AuditEntry) == before


def test_the_administrator_may_change_the_schedule(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="voting")
    now = utcnow()
    cycles.change_phase(w.admin, c, phase=Phase.VOTING, reason="投票结束", now=now)
    assert c.phase(now) is Phase.PUBLICATION


# --- who takes part ----------------------------------------------------------------------


def test_participation(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    now = utcnow()
    assert cycles.participation_problem(w.resident_a, c, now) is None
    assert cycles.participation_problem(None, c, now) == "not_logged_in"
    assert cycles.participation_problem(w.unverified, c, now) == "not_verified"
    assert cycles.participation_problem(w.organization, c, now) == "not_verified"
    assert cycles.participation_problem(w.resident_b, c, now) == "other_community"
    # Residents in the world were born on 1980-01-01.
    old_enough = f.cycle(w.a, w.committee_a, min_age=120)
    assert cycles.participation_problem(w.resident_a, old_enough, now) == "too_young"


def test_two_confirmations_at_once_end_one_phase(app, world):
    """Two members confirm "end collecting now" at the same moment (or one confirmation
    arrives twice at once): the phase they named ends once, and the next is not ended too."""
    import threading

    from microprojects.models import Community, User

    with app.app_context():
        a = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycle_id = f.cycle(a, committee).id
        committee_id = committee.id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def end() -> None:
        with app.app_context():
            c = db.session.get(Cycle, cycle_id)
            actor = db.session.get(User, committee_id)
            end = phase_end(c.schedule, Phase.COLLECTING)  # as the confirmation showed it
            barrier.wait()
            try:
                cycles.change_phase(
                    actor, c, phase=Phase.COLLECTING, reason="提议已经足够", now=utcnow(),
                    expected_end=end,
                )  # fmt: skip
                outcomes.append("ended")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=end) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ended") == 1, outcomes
    assert set(outcomes) <= {"ended", "phase_already_ended", "schedule_changed"}
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).phase(utcnow()) is Phase.SCREENING
        assert row_count(AuditEntry, action="cycle.close_phase") == 1
