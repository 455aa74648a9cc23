"""The count: snapshots, re-counts, the canonical export and its digest, Pabulib import and export
round trips over the real elections."""

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import factories as f
import pytest
from sqlalchemy import func, select

from microprojects.domain.ballots import Choice
from microprojects.domain.pabulib import parse_pb_text, read_pb, run_tally
from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Ballot,
    Community,
    Count,
    CountOutcome,
    Cycle,
    Participation,
    Proposal,
    User,
    utcnow,
)
from microprojects.services import counting, cycles, publication, remedies, voting
from microprojects.services.errors import PermissionDenied, ServiceError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
FILES = sorted(SHARED.glob("*.pb")) if SHARED.is_dir() else []


def _people(w):
    a = db.session.get(Community, w.a_id)
    committee = db.session.get(User, w.ids["committee_a"])
    return a, committee


def test_a_count_is_stored_with_rule_digest_scores_and_explanations(ctx, world):
    a, committee = _people(world)
    cycle, made, count = f.counted_cycle(a, committee)
    assert count.number == 1 and count.rule == "greedy" and count.num_ballots == 3
    assert count.unit == "yuan" and count.budget_fen == 35_000_00
    outcomes = {o.proposal_id: o for o in count.outcomes}
    assert [outcomes[p.id].score for p in made] == [2, 1, 1]
    assert [outcomes[p.id].funded for p in made] == [True, True, False]
    assert count.cost_used_fen == 30_000_00
    assert outcomes[made[2].id].explanation == {
        "code": "did_not_fit",
        "cost": 30_000,
        "score": 1,
        "remaining": "5000",
    }
    # The tie between the second and third (1 vote each) went to the one submitted first.
    assert outcomes[made[1].id].rank == 2 and outcomes[made[2].id].rank == 3
    canonical = counting.export_pb(cycle, canonical=True)
    assert count.ballots_digest == hashlib.sha256(canonical.encode()).hexdigest()
    entry = db.session.scalar(select(AuditEntry).filter_by(action="cycle.counted"))
    assert entry.after["digest"] == count.ballots_digest
    assert entry.after["funded"] == [str(made[0].id), str(made[1].id)]
    # Turnout is kept with the count, as it was when voting closed.
    assert count.turnout["total"] == 3
    assert count.turnout["by_channel"] == {"web": 3, "paper": 0, "import": 0}


def test_the_exported_ballots_recount_to_the_stored_snapshot(ctx, world):
    a, committee = _people(world)
    cycle, _, count = f.counted_cycle(
        a, committee, votes=((0, 1), (1, 2), (2,), (0, 2), (1,)), tally_rule="equal-shares"
    )
    assert count.rule == "equal-shares"
    shuffled = counting.export_pb(cycle)
    recount = run_tally(parse_pb_text(shuffled)).to_dict()
    assert recount == count.result
    assert count.result["outcomes"][0]["explanation"]["code"].startswith("mes_")


def test_the_snapshot_is_never_recomputed(ctx, world):
    a, committee = _people(world)
    cycle, made, count = f.counted_cycle(a, committee)
    stored = dict(count.result)
    # A cost revised after the count changes neither the stored result nor its outcomes...
    made[2].revised_cost_fen = 1_00
    db.session.commit()
    db.session.expire_all()
    again = counting.latest_count(cycle)
    assert again.result == stored
    assert not {o.proposal_id: o for o in again.outcomes}[made[2].id].funded
    # ...and the export refuses to pass off different data as what was counted.
    with pytest.raises(ServiceError) as error:
        counting.export_pb(cycle)
    assert error.value.code == "export_ballots_changed"


def test_a_recount_needs_a_reason_and_keeps_the_earlier_snapshot(ctx, world):
    a, committee = _people(world)
    cycle, made, _ = f.counted_cycle(a, committee)
    with pytest.raises(ServiceError) as error:
        counting.run_count(committee, cycle, now=utcnow(), reason="  ")
    assert error.value.code == "recount_needs_reason"
    # The correction comes from an upheld objection's remedy, not from the proposal's row.
    resident = db.session.get(User, world.ids["resident_a"])
    objection = publication.file_objection(
        resident, cycle, reason="报价有误", proposal_id=made[2].id, now=utcnow()
    )
    publication.answer_objection(
        committee, objection, decision="upheld", answer="已核实", now=utcnow()
    )
    remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[2].id, kind="cost", cost_fen=5_000_00,
        reason="报价单实为 5,000 元", now=utcnow(),
    )  # fmt: skip
    second = counting.run_count(committee, cycle, now=utcnow(), reason="第三个项目的报价有误")
    assert second.number == 2 and second.reason == "第三个项目的报价有误"
    assert [c.number for c in counting.counts(cycle)] == [2, 1]
    funded = {o.proposal_id for o in second.outcomes if o.funded}
    assert funded == {p.id for p in made}
    assert db.session.scalar(select(func.count()).select_from(CountOutcome)) == 6


def test_the_count_waits_for_voting_to_close_and_for_paper_ballots(ctx, world):
    a, committee = _people(world)
    cycle, made = f.voting_cycle(a, committee)
    with pytest.raises(ServiceError) as error:
        counting.run_count(committee, cycle, now=utcnow())
    assert error.value.code == "count_voting_open"
    voter = f.verified_resident("paper_voter", a, committee, "陈阿婆", "8栋1单元101")
    voting.enter_paper_ballot(
        committee, cycle, voter.residency, [Choice(str(made[0].id))], now=utcnow()
    )
    cycles.change_phase(committee, cycle, phase=Phase.VOTING, reason="结束", now=utcnow())
    with pytest.raises(ServiceError) as error:
        counting.run_count(committee, cycle, now=utcnow())
    assert error.value.code == "count_paper_pending"
    assert db.session.scalar(select(func.count()).select_from(Count)) == 0


def test_only_the_cycles_committee_counts(ctx, world):
    a, committee = _people(world)
    cycle, _ = f.voting_cycle(a, committee)
    cycles.change_phase(committee, cycle, phase=Phase.VOTING, reason="结束", now=utcnow())
    for name in ("committee_b", "resident_a"):
        with pytest.raises(PermissionDenied):
            counting.run_count(db.session.get(User, world.ids[name]), cycle, now=utcnow())
    assert counting.run_count(db.session.get(User, world.ids["admin"]), cycle, now=utcnow())


def test_two_committee_members_counting_at_once_store_one_count(app, world):
    with app.app_context():
        a, committee = _people(world)
        cycle, _ = f.voting_cycle(a, committee)
        cycles.change_phase(committee, cycle, phase=Phase.VOTING, reason="结束", now=utcnow())
        cycle_id, committee_id = cycle.id, committee.id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def count() -> None:
        with app.app_context():
            c = db.session.get(Cycle, cycle_id)
            actor = db.session.get(User, committee_id)
            barrier.wait()
            try:
                counting.run_count(actor, c, now=utcnow())
                outcomes.append("counted")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Count)) == 1
    assert outcomes.count("counted") == 1
    assert set(outcomes) <= {"counted", "count_taken_meanwhile", "recount_needs_reason"}


def test_ties_follow_the_declared_order(ctx, world):
    a, committee = _people(world)
    # Every project 1 vote: the tie-break alone orders them.
    _, made, count = f.counted_cycle(a, committee, votes=((0, 1, 2),), tie_break="cheaper")
    ranks = {o.proposal_id: o.rank for o in count.outcomes}
    assert [ranks[p.id] for p in made] == [1, 2, 3]
    assert count.params["tie_break"] == "cheaper"


def test_import_refuses_what_the_app_cannot_hold_and_writes_nothing(ctx, world):
    a, _ = _people(world)
    scoring = parse_pb_text(
        "META\nkey;value\ndescription;x\ncountry;x\nunit;x\ninstance;1\nnum_projects;1\n"
        "num_votes;1\nbudget;10\nvote_type;scoring\nrule;greedy\ndate_begin;2024\n"
        "date_end;2024\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote;points\n1;1;3\n"
    )
    with pytest.raises(ServiceError) as error:
        counting.import_election(scoring, community=a, now=utcnow())
    assert error.value.code == "import_vote_type_unsupported"
    odd_budget = parse_pb_text(
        "META\nkey;value\ndescription;x\ncountry;x\nunit;x\ninstance;1\nnum_projects;1\n"
        "num_votes;1\nbudget;10.005\nvote_type;approval\nrule;greedy\ndate_begin;2024\n"
        "date_end;2024\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n1;1\n"
    )
    with pytest.raises(ServiceError) as error:
        counting.import_election(odd_budget, community=a, now=utcnow())
    assert error.value.code == "import_money_fraction"
    odd_cost = parse_pb_text(
        "META\nkey;value\ndescription;x\ncountry;x\nunit;x\ninstance;1\nnum_projects;1\n"
        "num_votes;1\nbudget;10\nvote_type;approval\nrule;greedy\ndate_begin;2024\n"
        "date_end;2024\nPROJECTS\nproject_id;cost\n1;5.125\nVOTES\nvoter_id;vote\n1;1\n"
    )
    with pytest.raises(ServiceError) as error:
        counting.import_election(odd_cost, community=a, now=utcnow())
    assert error.value.code == "import_money_fraction"
    # Poznań's reserve spends beyond the budget: a cycle cannot, so the file is refused.
    poznan = parse_pb_text(
        "META\nkey;value\ndescription;x\ncountry;x\nunit;Poznań\ninstance;1\nnum_projects;1\n"
        "num_votes;1\nbudget;10\nvote_type;approval\nrule;greedy-custom\ndate_begin;2024\n"
        "date_end;2024\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n1;1\n"
    )
    with pytest.raises(ServiceError) as error:
        counting.import_election(poznan, community=a, now=utcnow())
    assert error.value.code == "import_rule_files_only"
    assert error.value.params == {"rule": "greedy-custom"}
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0


def test_an_import_interrupted_half_way_leaves_nothing(ctx, world, monkeypatch):
    a, _ = _people(world)
    monkeypatch.setattr(counting, "BATCH", 2)
    rows = "".join(f"{n};{1 + n % 2}\n" for n in range(1, 8))
    election = parse_pb_text(
        "META\nkey;value\ndescription;x\ncountry;x\nunit;x\ninstance;1\nnum_projects;2\n"
        "num_votes;7\nbudget;10\nvote_type;approval\nrule;greedy\ndate_begin;2024\n"
        f"date_end;2024\nPROJECTS\nproject_id;cost\n1;5\n2;6\nVOTES\nvoter_id;vote\n{rows}"
    )
    seen: list[int] = []

    def interrupt(done: int) -> None:
        seen.append(done)
        if done >= 4:
            raise KeyboardInterrupt  # the person at the terminal pressed Ctrl-C

    with pytest.raises(KeyboardInterrupt):
        counting.import_election(election, community=a, now=utcnow(), progress=interrupt)
    assert seen == [2, 4]
    for model in (Cycle, Proposal, Ballot, Participation):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def _need_shared():
    if not FILES:
        pytest.skip("../shared/pabulib not found: the real Pabulib elections are not available")


@pytest.mark.parametrize("name", [p.name for p in FILES] or ["(none)"])
def test_real_elections_round_trip_through_the_app(ctx, name):
    """import -> count -> export -> import -> count: the recorded winners every time."""
    _need_shared()
    place = f.community("pabulib", "导入测试社区")
    election = read_pb(SHARED / name)
    cycle = counting.import_election(election, community=place, now=utcnow())
    assert cycle.phase(utcnow()) in counting.COUNTED_PHASES
    count = counting.run_count(None, cycle, now=utcnow())
    original_id = {
        str(p.id): p.description.removeprefix("Pabulib project_id ")
        for p in db.session.scalars(select(Proposal).filter_by(cycle_id=cycle.id))
    }
    funded = {original_id[pid] for pid in count.result["selected"]}
    assert funded == election.recorded_selection()
    assert count.num_ballots == election.num_voters
    participations = db.session.scalar(
        select(func.count()).select_from(Participation).filter_by(cycle_id=cycle.id)
    )
    assert participations == election.num_voters

    exported = counting.export_pb(cycle)
    again = parse_pb_text(exported)
    assert run_tally(again).to_dict() == count.result
    second = counting.import_election(again, community=place, now=utcnow() + timedelta(seconds=1))
    recount = counting.run_count(None, second, now=utcnow())
    assert [(o.position, o.score, o.rank, o.funded) for o in recount.outcomes] == [
        (o.position, o.score, o.rank, o.funded) for o in count.outcomes
    ]


def test_a_confirmed_count_is_made_once(ctx, world):
    """The count the committee confirmed carries its number: sent twice, the second finds it
    made and counts nothing; a correction confirmed twice corrects once."""
    a, committee = _people(world)
    cycle, _made, first = f.counted_cycle(a, committee)
    assert first.number == 1
    with pytest.raises(ServiceError) as error:
        counting.run_count(committee, cycle, now=utcnow(), expected_number=1)
    assert error.value.code == "count_already_made"
    second = counting.run_count(
        committee, cycle, now=utcnow(), reason="补录纸质选票", expected_number=2
    )
    assert second.number == 2
    with pytest.raises(ServiceError) as error:
        counting.run_count(committee, cycle, now=utcnow(), reason="补录纸质选票", expected_number=2)
    assert error.value.code == "count_already_made"
    assert [c.number for c in counting.counts(cycle)] == [2, 1]
    assert counting.next_count_number(counting.latest_count(cycle)) == 3
