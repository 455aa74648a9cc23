"""Paper artefacts: the archive (台账) of a cycle read at once, with nothing secret in it; where
and when paper ballots are cast, set by those who run the cycle and audited; who may read each
paper in each phase."""

from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import func, select

from microprojects.domain.ballots import Choice
from microprojects.domain.implementation import ResultsStatus, Status
from microprojects.domain.phases import Phase
from microprojects.domain.printed import (
    Access,
    archive_access,
    completion_access,
    list_access,
    results_notice_access,
)
from microprojects.extensions import db
from microprojects.models import AuditEntry, Community, Cycle, User, utcnow
from microprojects.services import cycles, printed, proposals, publication, voting
from microprojects.services import implementation as impl
from microprojects.services.errors import PermissionDenied, ServiceError


def _people(w):
    return (
        db.session.get(Community, w.a_id),
        db.session.get(User, w.ids["committee_a"]),
        db.session.get(User, w.ids["resident_a"]),
    )


def _audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


# --- who may read what, by phase (pure) -------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "access"),
    [
        (Phase.UPCOMING, Access.COMMITTEE),
        (Phase.COLLECTING, Access.COMMITTEE),
        (Phase.SCREENING, Access.COMMITTEE),
        (Phase.VOTING, Access.PUBLIC),
        (Phase.PUBLICATION, Access.PUBLIC),
        (Phase.CLOSED, Access.PUBLIC),
    ],
)
def test_the_ballot_and_shortlist_are_public_once_the_list_is_settled(phase, access):
    assert list_access(phase) is access


def test_the_results_notice_needs_a_count_and_is_public_once_published():
    assert results_notice_access(ResultsStatus.NONE, counted=False) is Access.NONE
    assert results_notice_access(ResultsStatus.NONE, counted=True) is Access.COMMITTEE
    assert results_notice_access(ResultsStatus.PROVISIONAL, counted=True) is Access.PUBLIC
    assert results_notice_access(ResultsStatus.FINAL, counted=True) is Access.PUBLIC


def test_the_completion_notice_is_public_once_the_work_is_completed():
    assert completion_access(None) is Access.NONE
    assert completion_access(Status.NOT_STARTED) is Access.COMMITTEE
    assert completion_access(Status.IN_PROGRESS) is Access.COMMITTEE
    assert completion_access(Status.COMPLETED) is Access.PUBLIC
    assert completion_access(Status.ACCEPTED) is Access.PUBLIC


def test_the_archive_is_public_only_once_the_cycle_is_closed():
    assert [p for p in Phase if archive_access(p) is Access.PUBLIC] == [Phase.CLOSED]


def test_committee_previews_are_for_the_cycles_committees_and_the_administrator(ctx, world):
    a, committee, resident = _people(world)
    c = f.cycle(a, committee, phase="screening")
    others = [db.session.get(User, world.ids[n]) for n in ("committee_b", "unverified")]
    admin = db.session.get(User, world.ids["admin"])
    assert printed.may_read(committee, c, Access.COMMITTEE)
    assert printed.may_read(admin, c, Access.COMMITTEE)
    for outsider in (resident, *others, None):
        assert not printed.may_read(outsider, c, Access.COMMITTEE)
        assert printed.may_read(outsider, c, Access.PUBLIC)
    assert not printed.may_read(admin, c, Access.NONE)


# --- where and when to vote on paper ----------------------------------------------------------


def test_paper_where_is_set_audited_and_cleared(ctx, world):
    a, committee, _ = _people(world)
    c = f.cycle(a, committee, phase="screening")
    printed.set_paper_where(
        committee, c, "  社区服务中心一楼\u202e，每天 8:30–17:30 ", now=utcnow()
    )
    assert c.paper_where == "社区服务中心一楼，每天 8:30–17:30"  # trimmed, no override
    rows = db.session.scalars(select(AuditEntry).filter_by(action="cycle.paper_where")).all()
    assert len(rows) == 1
    assert rows[0].actor_id == committee.id and rows[0].subject_id == str(c.id)
    assert rows[0].before == {"paper_where": None}
    assert rows[0].after == {"paper_where": "社区服务中心一楼，每天 8:30–17:30"}
    # Sent again (a double tap): nothing changes, nothing more is recorded.
    printed.set_paper_where(committee, c, "社区服务中心一楼，每天 8:30–17:30", now=utcnow())
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(action="cycle.paper_where")
        )
        == 1
    )
    printed.set_paper_where(committee, c, "   ", now=utcnow())
    assert c.paper_where is None


def test_paper_where_is_refused_to_others_too_long_or_after_voting(ctx, world):
    a, committee, resident = _people(world)
    c = f.cycle(a, committee, phase="voting")
    closed = f.cycle(a, committee, phase="publication")
    before = _audit_rows()
    for outsider in (db.session.get(User, world.ids["committee_b"]), resident):
        with pytest.raises(PermissionDenied):
            printed.set_paper_where(outsider, c, "别处", now=utcnow())
    with pytest.raises(ServiceError) as error:
        printed.set_paper_where(committee, c, "长" * 301, now=utcnow())
    assert error.value.code == "paper_where_too_long" and error.value.params == {"max": 300}
    printed.set_paper_where(committee, c, "长" * 300, now=utcnow())  # the limit itself is fine
    with pytest.raises(ServiceError) as error:
        printed.set_paper_where(committee, closed, "太晚了", now=utcnow())
    assert error.value.code == "voting_closed"
    db.session.rollback()
    assert db.session.get(type(c), closed.id).paper_where is None
    assert _audit_rows() == before + 1


# --- the archive (台账) -------------------------------------------------------------------------


def test_the_archive_holds_the_whole_cycle_and_nothing_secret(ctx, world):
    a, committee, resident = _people(world)
    project, _ = f.implemented_project(a, committee)
    c = project.cycle
    impl.report_problem(resident, project, body="石凳有裂缝", photo=None, now=utcnow())
    # A later proposal rejected, to see its public reason kept.
    count = printed.results_count(c)
    assert count is not None
    before = _audit_rows()

    archive = printed.cycle_archive(c)

    # One read: nothing written, nothing left to flush.
    assert _audit_rows() == before
    assert not db.session.new and not db.session.dirty
    assert [r.proposal.id for r in archive.proposals] == sorted(
        o.proposal_id for o in count.outcomes
    )
    first = archive.proposals[0]
    assert [e.action for e in first.decisions] == [
        "proposal.submit",
        "proposal.assess",
        "proposal.approve",
    ]
    assert archive.meetings == []
    assert [k.number for k in archive.counts] == [1]
    assert archive.counts[0].ballots_digest == count.ballots_digest
    assert archive.turnout is not None and archive.turnout.total == 3
    assert archive.turnout.by_channel["web"] == 3
    assert [p.outcome.proposal_id for p in archive.projects] == [
        o.proposal_id for o in sorted(count.outcomes, key=lambda o: o.rank) if o.funded
    ]
    assert (archive.planned_total, archive.spent_total) == (10_000_00, 18_000_00)
    trail = {e.action for e in archive.trail}
    assert {"cycle.create", "cycle.close_phase", "cycle.counted", "proposal.approve"} <= trail
    assert {"implementation.spend", "implementation.update"} <= trail
    # Residents' own actions and anything of the ballots stay out of the trail.
    assert not trail & {"proposal.submit", "problem.report", "objection.file"}
    assert not any(a.startswith("paper.") for a in trail)
    assert {e.actor_id for e in archive.trail} == {committee.id}
    # The notes printed are the public ones only.
    assert all(set(n) <= {"note", "reason", "paper_where"} for n in archive.notes.values())


def test_the_archive_leaves_out_drafts_paper_ballots_and_voters(ctx, world):
    a, committee, resident = _people(world)
    admin = db.session.get(User, world.ids["admin"])
    c, made = f.voting_cycle(a, committee)
    voter = f.verified_resident("paper_voter", a, admin, "陈阿婆", "8栋1单元101")
    voting.enter_paper_ballot(
        committee, c, voter.residency, [Choice(str(made[0].id))], now=utcnow()
    )
    other = f.cycle(a, committee)  # collecting: a draft there belongs to no archive but its own
    proposals.create_proposal(resident, other, f.proposal_input(title="草稿"), submit=False,
                              now=utcnow())  # fmt: skip
    draft_cycle = printed.cycle_archive(other)
    assert draft_cycle.proposals == [] and draft_cycle.counts == []
    archive = printed.cycle_archive(c)
    assert not any(e.action.startswith("paper.") for e in archive.trail)
    assert archive.turnout is None  # not counted yet: no turnout printed
    text = repr(archive.notes) + " ".join(r.proposal.title for r in archive.proposals)
    assert "陈阿婆" not in text


def test_an_objection_answered_is_in_the_trail_without_its_author(ctx, world):
    a, committee, resident = _people(world)
    c, made, _ = f.counted_cycle(a, committee)
    objection = publication.file_objection(
        resident, c, reason="报价偏高", proposal_id=made[2].id, now=utcnow()
    )
    publication.answer_objection(
        committee, objection, decision="dismissed", answer="报价经核实无误", now=utcnow()
    )
    archive = printed.cycle_archive(c)
    answered = [e for e in archive.trail if e.action == "objection.answer"]
    assert len(answered) == 1 and answered[0].actor_id == committee.id
    assert [o.answer for o in archive.objections] == ["报价经核实无误"]
    assert resident.id not in {e.actor_id for e in archive.trail}


def test_a_closed_cycle_is_archived_with_its_phase_changes(ctx, world):
    a, committee, _ = _people(world)
    c, _, _ = f.final_cycle(a, committee)
    cycles.change_phase(committee, c, phase=Phase.IMPLEMENTATION, reason="项目均已完工",
                        now=utcnow())  # fmt: skip
    now = utcnow() + timedelta(seconds=1)
    assert printed.cycle_archive_access(c, now) is Access.PUBLIC
    reasons = [
        printed.cycle_archive(c).notes[e.id].get("reason")
        for e in printed.cycle_archive(c).trail
        if e.action == "cycle.close_phase"
    ]
    assert reasons == ["投票结束", "公示期满", "项目均已完工"]


def test_two_saves_at_once_record_one_change(app, world):
    """The same text sent twice at the same moment (a double tap, two tabs): it is saved once,
    with one audit row, on either database."""
    import threading

    with app.app_context():
        a = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycle_id = f.cycle(a, committee, phase="screening").id
        committee_id = committee.id
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def save() -> None:
        with app.app_context():
            c = db.session.get(Cycle, cycle_id)
            actor = db.session.get(User, committee_id)
            barrier.wait()
            try:
                printed.set_paper_where(actor, c, "社区服务中心一楼", now=utcnow())
            except BaseException as error:
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).paper_where == "社区服务中心一楼"
        rows = db.session.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(action="cycle.paper_where")
        )
        assert rows == 1
