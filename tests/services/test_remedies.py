"""Remedies of upheld objections: only the cycle's committee, only while the results are
provisional, only against an upheld objection of that cycle and for a project on the ballot; the
next count counts the same ballots with the corrections, keeps the earlier count, tells the
objectors, and its export re-counts to the published result."""

import threading
from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.pabulib import parse_pb_text, run_tally
from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import AuditEntry, Community, Count, Notification, Remedy, User, utcnow
from microprojects.services import counting, cycles, publication, remedies
from microprojects.services.errors import PermissionDenied, ServiceError


def _people(w):
    return (
        db.session.get(Community, w.a_id),
        db.session.get(User, w.ids["committee_a"]),
        db.session.get(User, w.ids["resident_a"]),
    )


def _code(call):
    with pytest.raises(ServiceError) as error:
        call()
    return error.value.code


def _upheld(committee, resident, cycle, proposal_id=None, reason="第三个项目的报价明显偏高"):
    objection = publication.file_objection(
        resident, cycle, reason=reason, proposal_id=proposal_id, now=utcnow()
    )
    publication.answer_objection(
        committee, objection, decision="upheld", answer="已核实，予以纠正", now=utcnow()
    )
    return objection


def _ballots(text: str) -> str:
    return text[text.index("VOTES") :]


def _funded(count: Count) -> set[int]:
    return {o.proposal_id for o in count.outcomes if o.funded}


def test_a_corrected_cost_is_counted_on_the_same_ballots_and_changes_the_result(ctx, world):
    a, committee, resident = _people(world)
    cycle, made, first = f.counted_cycle(a, committee)
    assert _funded(first) == {made[0].id, made[1].id}
    first_text = counting.export_pb(cycle, canonical=True)
    objection = _upheld(committee, resident, cycle, made[2].id)
    remedy = remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[2].id, kind="cost", cost_fen=5_000_00,
        reason="施工方报价单抄错一位，实为 5,000 元", now=utcnow(),
    )  # fmt: skip
    assert remedy.applied_count_id is None
    assert [r.id for r in counting.pending_remedies(cycle)] == [remedy.id]
    second = counting.run_count(committee, cycle, now=utcnow(), reason="采纳异议：报价有误")
    assert second.number == 2
    assert _funded(second) == {p.id for p in made}
    outcome = {o.proposal_id: o for o in second.outcomes}[made[2].id]
    assert outcome.cost_fen == 5_000_00 and made[2].cost_fen == 30_000_00
    assert second.params["corrections"] == [
        {"project": made[2].id, "kind": "cost", "cost_fen": 5_000_00}
    ]
    # The earlier count stays as it was, and both are listed.
    assert [c.number for c in counting.counts(cycle)] == [2, 1]
    assert _funded(db.session.get(Count, first.id)) == {made[0].id, made[1].id}
    assert db.session.get(Remedy, remedy.id).applied_count_id == second.id
    assert counting.pending_remedies(cycle) == []
    # The same ballots, counted with the corrected cost: the export says both, and anyone
    # re-counting it reaches the published result.
    text = counting.export_pb(cycle, canonical=True)
    assert second.ballots_digest != first.ballots_digest
    assert _ballots(text) == _ballots(first_text)
    assert run_tally(parse_pb_text(text)).to_dict() == second.result
    assert run_tally(parse_pb_text(counting.export_pb(cycle))).to_dict() == second.result
    # The objector hears of it, once; the audit says what the count applied.
    notices = db.session.scalars(select(Notification).filter_by(kind="recounted")).all()
    assert [(n.user_id, n.params["count"]) for n in notices] == [(resident.id, 2)]
    entry = db.session.scalar(
        select(AuditEntry).filter_by(action="cycle.counted").order_by(AuditEntry.id.desc())
    )
    assert entry.after["remedies"] == [remedy.id]
    assert db.session.scalar(select(AuditEntry).filter_by(action="remedy.add")).after == {
        "cycle": cycle.id, "objection": objection.id, "proposal": made[2].id, "kind": "cost",
        "cost_fen": 5_000_00, "reason": "施工方报价单抄错一位，实为 5,000 元",
    }  # fmt: skip


def test_a_withdrawn_project_leaves_the_result_and_its_votes_count_for_nothing(ctx, world):
    a, committee, resident = _people(world)
    # The second scores highest; withdrawn, the third (cheaper than what is left) gets in.
    cycle, made, first = f.counted_cycle(a, committee, votes=((1, 2), (1,), (1, 2), (0,)))
    assert _funded(first) == {made[1].id, made[0].id}
    objection = _upheld(committee, resident, cycle, made[1].id, "该项目已由街道另行立项")
    remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[1].id, kind="withdraw", cost_fen=None,
        reason="街道已另行立项，撤出本次结果", now=utcnow(),
    )  # fmt: skip
    second = counting.run_count(committee, cycle, now=utcnow(), reason="撤出重复立项的项目")
    assert _funded(second) == {made[2].id}
    withdrawn = {o.proposal_id: o for o in second.outcomes}[made[1].id]
    assert not withdrawn.funded and withdrawn.explanation["code"] == "withdrawn"
    assert second.params["withdrawn"] == [str(made[1].id)]
    election = parse_pb_text(counting.export_pb(cycle, canonical=True))
    assert [p.id for p in election.projects if p.withdrawn] == [str(made[1].id)]
    assert run_tally(election).to_dict() == second.result
    # Withdrawn, it is on the ballot no longer: a further remedy of it is refused.
    assert (
        _code(
            lambda: remedies.add_remedy(
                committee,
                cycle,
                objection,
                proposal_id=made[1].id,
                kind="cost",
                cost_fen=1_00,
                reason="再改",
                now=utcnow(),
            )
        )
        == "remedy_project_unknown"
    )


def test_a_later_count_keeps_the_earlier_corrections(ctx, world):
    a, committee, resident = _people(world)
    cycle, made, _ = f.counted_cycle(a, committee)
    objection = _upheld(committee, resident, cycle, made[2].id)
    remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[2].id, kind="cost", cost_fen=5_000_00,
        reason="报价有误", now=utcnow(),
    )  # fmt: skip
    counting.run_count(committee, cycle, now=utcnow(), reason="第一次纠正")
    # The same project may be corrected again, once the first correction is counted.
    remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[2].id, kind="cost", cost_fen=6_000_00,
        reason="复核后为 6,000 元", now=utcnow(),
    )  # fmt: skip
    remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[0].id, kind="withdraw", cost_fen=None,
        reason="重复立项", now=utcnow(),
    )  # fmt: skip
    third = counting.run_count(committee, cycle, now=utcnow(), reason="第二次纠正")
    assert third.params["corrections"] == [
        {"project": made[0].id, "kind": "withdraw", "cost_fen": None},
        {"project": made[2].id, "kind": "cost", "cost_fen": 6_000_00},
    ]
    assert _funded(third) == {made[1].id, made[2].id}
    # A count with nothing new to correct keeps the corrections too.
    fourth = counting.run_count(committee, cycle, now=utcnow(), reason="复核")
    assert fourth.params["corrections"] == third.params["corrections"]
    assert fourth.result == third.result and fourth.ballots_digest == third.ballots_digest
    # The objector was told of each count that applied a remedy of theirs, not of the last.
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).filter_by(kind="recounted")
        )
        == 2
    )


def test_each_refusal_of_a_remedy(ctx, world):
    a, committee, resident = _people(world)
    cycle, made, _ = f.counted_cycle(a, committee)
    other_cycle, other_made, _ = f.counted_cycle(a, committee)
    upheld = _upheld(committee, resident, cycle, made[2].id)
    open_one = publication.file_objection(
        resident, cycle, reason="还没答复", proposal_id=None, now=utcnow()
    )
    dismissed = publication.file_objection(
        resident, cycle, reason="不同意", proposal_id=None, now=utcnow()
    )
    publication.answer_objection(
        committee, dismissed, decision="dismissed", answer="计票无误", now=utcnow()
    )
    elsewhere = _upheld(committee, resident, other_cycle, other_made[0].id)

    def add(objection=upheld, actor=committee, target=cycle, **kw):
        args = {"proposal_id": made[2].id, "kind": "cost", "cost_fen": 5_000_00, "reason": "改"}
        args.update(kw)
        return remedies.add_remedy(actor, target, objection, now=utcnow(), **args)

    assert _code(lambda: add(open_one)) == "remedy_objection_not_upheld"
    assert _code(lambda: add(dismissed)) == "remedy_objection_not_upheld"
    assert _code(lambda: add(elsewhere)) == "remedy_objection_other_cycle"
    for name in ("committee_b", "resident_a"):
        with pytest.raises(PermissionDenied):
            add(actor=db.session.get(User, world.ids[name]))
    for cost in (0, -1, None, remedies.MAX_COST_FEN + 1):
        assert _code(lambda cost=cost: add(cost_fen=cost)) == "remedy_cost_invalid"
    assert _code(lambda: add(kind="merge")) == "remedy_kind_unknown"
    assert _code(lambda: add(proposal_id=other_made[0].id)) == "remedy_project_unknown"
    assert _code(lambda: add(proposal_id=10**9)) == "remedy_project_unknown"
    assert _code(lambda: add(reason=" \n ")) == "reason_required"
    assert _code(lambda: add(reason="长" * 2001)) == "too_long"
    # A withdrawal carries no cost, whatever was typed.
    withdrawal = add(proposal_id=made[1].id, kind="withdraw", cost_fen=7)
    assert withdrawal.cost_fen is None
    add()
    assert _code(lambda: add(cost_fen=6_000_00)) == "remedy_duplicate"
    assert _code(lambda: add(kind="withdraw")) == "remedy_duplicate"
    assert db.session.scalar(select(func.count()).select_from(Remedy)) == 2
    # Once the publication period ends the result is final: nothing more is corrected.
    cycles.change_phase(committee, cycle, phase=Phase.PUBLICATION, reason="期满", now=utcnow())
    assert _code(lambda: add(proposal_id=made[0].id)) == "remedy_not_provisional"


def test_a_remedy_needs_a_count_in_publication(ctx, world):
    a, committee, _ = _people(world)
    cycle, made = f.voting_cycle(a, committee)
    cycles.change_phase(committee, cycle, phase=Phase.VOTING, reason="结束", now=utcnow())
    later, _, _ = f.counted_cycle(a, committee)
    resident = _people(world)[2]
    objection = _upheld(committee, resident, later)
    # An uncounted cycle has no provisional results to correct.
    assert (
        _code(
            lambda: remedies.add_remedy(
                committee,
                cycle,
                objection,
                proposal_id=made[0].id,
                kind="withdraw",
                cost_fen=None,
                reason="x",
                now=utcnow(),
            )
        )
        == "remedy_objection_other_cycle"
    )
    objection.cycle_id = cycle.id  # as if it were this cycle's
    assert (
        _code(
            lambda: remedies.add_remedy(
                committee,
                cycle,
                objection,
                proposal_id=made[0].id,
                kind="withdraw",
                cost_fen=None,
                reason="x",
                now=utcnow(),
            )
        )
        == "remedy_not_provisional"
    )
    db.session.rollback()


def test_a_pending_remedy_can_be_cancelled_an_applied_one_cannot(ctx, world):
    a, committee, resident = _people(world)
    cycle, made, _ = f.counted_cycle(a, committee)
    objection = _upheld(committee, resident, cycle, made[2].id)

    def add():
        return remedies.add_remedy(
            committee, cycle, objection, proposal_id=made[2].id, kind="cost",
            cost_fen=5_000_00, reason="报价有误", now=utcnow(),
        )  # fmt: skip

    remedy = add()
    with pytest.raises(PermissionDenied):
        remedies.cancel_remedy(db.session.get(User, world.ids["committee_b"]), remedy, now=utcnow())
    remedies.cancel_remedy(committee, remedy, now=utcnow())
    assert counting.pending_remedies(cycle) == []
    assert (
        db.session.scalar(select(AuditEntry).filter_by(action="remedy.cancel")).before["cost_fen"]
        == 5_000_00
    )
    second = counting.run_count(committee, cycle, now=utcnow(), reason="复核")
    assert second.params["corrections"] == []
    applied = add()
    counting.run_count(committee, cycle, now=utcnow(), reason="纠正")
    db.session.refresh(applied)
    assert _code(lambda: remedies.cancel_remedy(committee, applied, now=utcnow())) == (
        "remedy_applied"
    )
    assert remedies.find_remedy(applied.id, world.b_id) is None
    assert remedies.find_remedy(applied.id, a.id) is applied


def test_the_database_holds_the_remedies_rules(ctx, world):
    a, committee, resident = _people(world)
    cycle, made, count = f.counted_cycle(a, committee)
    objection = _upheld(committee, resident, cycle)
    base = {
        "cycle_id": cycle.id, "objection_id": objection.id, "proposal_id": made[0].id,
        "reason": "x", "created_at": utcnow(),
    }  # fmt: skip
    for bad in (
        {"kind": "cost", "cost_fen": None},
        {"kind": "cost", "cost_fen": 0},
        {"kind": "withdraw", "cost_fen": 100},
        {"kind": "merge", "cost_fen": None},
        {"kind": "withdraw", "cost_fen": None, "reason": ""},
    ):
        db.session.add(Remedy(**{**base, **bad}))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    db.session.add(Remedy(**base, kind="withdraw"))
    db.session.flush()
    db.session.add(Remedy(**base, kind="cost", cost_fen=1_00))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Applied remedies of a project do not block the next one.
    db.session.add(Remedy(**base, kind="withdraw", applied_count_id=count.id))
    db.session.add(Remedy(**base, kind="cost", cost_fen=1_00, applied_count_id=count.id))
    db.session.add(Remedy(**base, kind="cost", cost_fen=2_00))
    db.session.flush()
    db.session.rollback()


def test_two_remedies_of_one_project_at_once_leave_one(app, world):
    with app.app_context():
        a, committee, resident = _people(world)
        cycle, made, _ = f.counted_cycle(a, committee)
        objection = _upheld(committee, resident, cycle, made[2].id)
        ids = (committee.id, cycle.id, objection.id, made[2].id)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(cost: int) -> None:
        with app.app_context():
            actor, c, o = (
                db.session.get(User, ids[0]),
                db.session.get(type(cycle), ids[1]),
                db.session.get(type(objection), ids[2]),
            )
            barrier.wait()
            try:
                remedies.add_remedy(
                    actor, c, o, proposal_id=ids[3], kind="cost", cost_fen=cost,
                    reason="报价有误", now=utcnow() + timedelta(seconds=1),
                )  # fmt: skip
                results.append("ok")
            except ServiceError as error:
                results.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in (5_000_00, 6_000_00)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "remedy_duplicate"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Remedy)) == 1
