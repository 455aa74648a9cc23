"""The guards on screening decisions (nobody decides on a proposal they are tied to; approving
and rejecting need the checklist answered and a public reason) and screening by resolution
(四议两公开): the chain of resolutions, the refusals that name the missing step, and the cycle's
setting, changeable until a proposal is decided."""

from __future__ import annotations

from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import func, select

from microprojects.domain.cycles import Feasibility
from microprojects.domain.deliberation import BodyKind
from microprojects.domain.lifecycle import ProposalState
from microprojects.domain.screening import ScreeningMode
from microprojects.extensions import db
from microprojects.models import AuditEntry, Cycle, Proposal, User, utcnow
from microprojects.services import accounts, cycles, proposals, screening
from microprojects.services.errors import ErrorCode, PermissionDenied, ServiceError


def _error(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


def _audits(action: str) -> int:
    return int(db.session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def _state(p: Proposal) -> ProposalState:
    db.session.expire_all()
    return db.session.get(Proposal, p.id).state


def _member(w, username: str = "member", name: str = "林委员") -> User:
    """A second committee member of A who also lives there (so may propose and support)."""
    person = f.verified_resident(username, w.a, w.committee_a, name, "3栋1单元301")
    accounts.add_committee_member(w.admin, person, w.a, title="委员", now=f.NOW)
    return person


def _proposal(author: User, cycle: Cycle, **overrides) -> Proposal:
    return proposals.create_proposal(
        author, cycle, f.proposal_input(**overrides), submit=True,
        now=cycle.collecting_at + timedelta(hours=1),
    )  # fmt: skip


# --- nobody decides on a proposal they are tied to ---------------------------------------------


def _every_decision(actor: User, p: Proposal, other: Proposal) -> dict[str, ServiceError]:
    now = utcnow()
    return {
        "assess": _error(
            proposals.assess,
            actor,
            p,
            answers={},
            feasibility=Feasibility.FEASIBLE,
            note="",
            now=now,
        ),
        "return": _error(proposals.return_for_revision, actor, p, message="请补充", now=now),
        "approve": _error(proposals.approve, actor, p, note="符合要求", now=now),
        "reject": _error(proposals.reject, actor, p, reason="不符合", now=now),
        "merge": _error(proposals.merge, actor, p, other, note="重复", now=now),
    }


@pytest.mark.parametrize("tie", ["author", "co_proposer", "supporter"])
def test_a_member_tied_to_a_proposal_decides_nothing_on_it(ctx, tie):
    w = f.world()
    member = _member(w)
    c = f.cycle(w.a, w.committee_a, phase="collecting")
    if tie == "author":
        p = _proposal(member, c)
    else:
        p = proposals.create_proposal(w.resident_a, c, f.proposal_input(), submit=False,
                                      now=utcnow())  # fmt: skip
        if tie == "co_proposer":
            proposals.add_co_proposer(w.resident_a, p, member, now=utcnow())
        proposals.submit_proposal(w.resident_a, p, now=utcnow())
        if tie == "supporter":
            proposals.support(member, p, now=utcnow())
    other = _proposal(w.resident_a, c, title="另一处石凳")
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))

    refused = _every_decision(member, p, other)

    code = ErrorCode(f"screening_conflict_{tie}")
    assert {k: e.code for k, e in refused.items()} == dict.fromkeys(refused, code)
    assert _state(p) is ProposalState.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert screening.conflict(member, p).value == tie
    # Another member decides.
    assert screening.conflict(w.committee_a, p) is None
    f.approved(w.committee_a, p)
    assert _state(p) is ProposalState.APPROVED


def test_nobody_merges_a_proposal_into_their_own(ctx):
    w = f.world()
    member = _member(w)
    c = f.cycle(w.a, w.committee_a)
    own = _proposal(member, c)
    duplicate = _proposal(w.resident_a, c)
    error = _error(proposals.merge, member, duplicate, own, note="重复", now=utcnow())
    assert error.code is ErrorCode.SCREENING_CONFLICT_AUTHOR
    assert _state(duplicate) is ProposalState.SUBMITTED
    proposals.merge(w.committee_a, duplicate, own, note="重复", now=utcnow())
    assert _state(duplicate) is ProposalState.MERGED


def test_an_organizations_member_does_not_decide_on_its_proposal(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _proposal(w.organization, c)
    accounts.add_committee_member(w.admin, w.organization, w.a, title="委员", now=f.NOW)
    error = _error(proposals.approve, w.organization, p, note="符合要求", now=utcnow())
    assert error.code is ErrorCode.SCREENING_CONFLICT_AUTHOR


# --- the checklist and the public reason ------------------------------------------------------


def test_approval_needs_the_assessment_and_a_public_reason(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _proposal(w.resident_a, c)
    assert _error(proposals.approve, w.committee_a, p, note="符合要求", now=utcnow()).code is (
        ErrorCode.ASSESSMENT_REQUIRED
    )
    f.assessed(w.committee_a, p)
    for blank in ("", "   ", "\n"):
        error = _error(proposals.approve, w.committee_a, p, note=blank, now=utcnow())
        assert error.code is ErrorCode.APPROVAL_NOTE_REQUIRED
    assert _state(p) is ProposalState.SUBMITTED
    assert _audits("proposal.approve") == 0
    proposals.approve(w.committee_a, p, note=" 经评估可行 ", now=utcnow())
    assert _state(p) is ProposalState.APPROVED
    entry = db.session.scalar(select(AuditEntry).filter_by(action="proposal.approve"))
    assert entry.after["note"] == "经评估可行"  # public: the decision log shows it
    # A double submit finds it approved.
    again = _error(proposals.approve, w.committee_a, p, note="经评估可行", now=utcnow())
    assert again.code is ErrorCode.ACTION_NOT_ALLOWED
    assert _audits("proposal.approve") == 1


def test_rejection_needs_the_assessment_and_a_public_reason(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _proposal(w.resident_a, c)
    assert _error(proposals.reject, w.committee_a, p, reason="属于物业职责", now=utcnow()).code is (
        ErrorCode.ASSESSMENT_REQUIRED
    )
    f.assessed(w.committee_a, p)
    assert _error(proposals.reject, w.committee_a, p, reason=" ", now=utcnow()).code is (
        ErrorCode.REASON_REQUIRED
    )
    proposals.reject(w.committee_a, p, reason="属于物业职责", now=utcnow())
    assert _state(p) is ProposalState.REJECTED


def test_another_communitys_committee_is_refused_before_any_guard(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _proposal(w.resident_a, c)
    f.assessed(w.committee_a, p)
    for call, kwargs in (
        (proposals.approve, {"note": "符合要求"}),
        (proposals.reject, {"reason": "不符合"}),
    ):
        assert _error(call, w.committee_b, p, now=utcnow(), **kwargs).code is (
            ErrorCode.ACTION_NOT_ALLOWED
        )
    assert _state(p) is ProposalState.SUBMITTED


# --- screening by resolution (四议两公开) -------------------------------------------------------


def _resolution_cycle(w) -> Cycle:
    return f.cycle(w.a, w.committee_a, phase="screening", screening_mode="resolution")


def test_approval_waits_for_each_step_in_order(ctx):
    w = f.world()
    c = _resolution_cycle(w)
    assert c.screening_mode is ScreeningMode.RESOLUTION
    p = _proposal(w.resident_a, c)
    f.assessed(w.committee_a, p)
    start = utcnow() - timedelta(days=5)

    def refused() -> ErrorCode:
        return _error(proposals.approve, w.committee_a, p, note="三会通过", now=utcnow()).code

    assert refused() is ErrorCode.RESOLUTION_MISSING_CONSULT
    # The party members meeting first does not count: 审议 comes after 商议.
    f.resolution(w.committee_a, p, BodyKind.PARTY_MEMBERS, held_at=start)
    assert refused() is ErrorCode.RESOLUTION_MISSING_CONSULT
    f.resolution(w.committee_a, p, BodyKind.COMMITTEES, held_at=start + timedelta(days=1))
    assert refused() is ErrorCode.RESOLUTION_MISSING_REVIEW
    # A council's resolution is no step.
    f.resolution(w.committee_a, p, BodyKind.COUNCIL, held_at=start + timedelta(days=2))
    assert refused() is ErrorCode.RESOLUTION_MISSING_REVIEW
    f.resolution(w.committee_a, p, BodyKind.PARTY_MEMBERS, held_at=start + timedelta(days=2))
    assert refused() is ErrorCode.RESOLUTION_MISSING_RESOLVE
    f.resolution(w.committee_a, p, BodyKind.REPRESENTATIVES, held_at=start + timedelta(days=3))
    assert _state(p) is ProposalState.SUBMITTED
    proposals.approve(w.committee_a, p, note="三会依次通过", now=utcnow())
    assert _state(p) is ProposalState.APPROVED
    steps = screening.read_panel(w.committee_a, p).steps
    assert [s.done.body.kind for s in steps if s.done] == [
        BodyKind.COMMITTEES, BodyKind.PARTY_MEMBERS, BodyKind.REPRESENTATIVES,
    ]  # fmt: skip


def test_even_a_complete_chain_needs_the_assessment_and_the_reason(ctx):
    w = f.world()
    c = _resolution_cycle(w)
    p = _proposal(w.resident_a, c)
    start = utcnow() - timedelta(days=5)
    for day, kind in enumerate(
        (BodyKind.COMMITTEES, BodyKind.PARTY_MEMBERS, BodyKind.REPRESENTATIVES)
    ):
        f.resolution(w.committee_a, p, kind, held_at=start + timedelta(days=day))
    assert _error(proposals.approve, w.committee_a, p, note="通过", now=utcnow()).code is (
        ErrorCode.ASSESSMENT_REQUIRED
    )
    f.assessed(w.committee_a, p)
    assert _error(proposals.approve, w.committee_a, p, note="", now=utcnow()).code is (
        ErrorCode.APPROVAL_NOTE_REQUIRED
    )


def test_a_failed_resolution_lets_the_committee_reject(ctx):
    w = f.world()
    c = _resolution_cycle(w)
    p = _proposal(w.resident_a, c)
    f.assessed(w.committee_a, p)
    error = _error(proposals.reject, w.committee_a, p, reason="不可行", now=utcnow())
    assert error.code is ErrorCode.REJECTION_NEEDS_FAILED_RESOLUTION
    f.resolution(w.committee_a, p, BodyKind.COMMITTEES, passed=True,
                 held_at=utcnow() - timedelta(days=2))  # fmt: skip
    f.resolution(w.committee_a, p, BodyKind.PARTY_MEMBERS, passed=False,
                 held_at=utcnow() - timedelta(days=1))  # fmt: skip
    panel = screening.read_panel(w.committee_a, p)
    assert panel.rejectable and panel.missing is not None
    assert panel.steps[1].failed is not None and panel.steps[1].done is None
    assert _error(proposals.approve, w.committee_a, p, note="x", now=utcnow()).code is (
        ErrorCode.RESOLUTION_MISSING_REVIEW
    )
    # Still with its reason.
    assert _error(proposals.reject, w.committee_a, p, reason="", now=utcnow()).code is (
        ErrorCode.REASON_REQUIRED
    )
    proposals.reject(w.committee_a, p, reason="党员大会未通过", now=utcnow())
    assert _state(p) is ProposalState.REJECTED


def test_another_communitys_bodies_make_no_step(ctx):
    w = f.world()
    c = _resolution_cycle(w)
    p = _proposal(w.resident_a, c)
    f.assessed(w.committee_a, p)
    found = screening.resolution_chain(p)
    assert found.chain.missing is not None and found.resolutions == {}


# --- the cycle's setting ----------------------------------------------------------------------


def test_the_mode_is_set_at_creation_and_checked(ctx):
    w = f.world()
    assert f.cycle(w.a, w.committee_a).screening_mode is ScreeningMode.COMMITTEE
    with pytest.raises(ServiceError) as unknown:
        f.cycle(w.a, w.committee_a, screening_mode="vote")
    assert unknown.value.code is ErrorCode.SCREENING_MODE_UNKNOWN


def test_the_mode_changes_until_a_proposal_is_decided_and_is_audited(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _proposal(w.resident_a, c)
    cycles.set_screening_mode(w.committee_a, c, "resolution", now=utcnow())
    assert db.session.get(Cycle, c.id).screening_mode is ScreeningMode.RESOLUTION
    entry = db.session.scalar(select(AuditEntry).filter_by(action="cycle.screening_mode"))
    assert (entry.before, entry.after) == (
        {"screening_mode": "committee"}, {"screening_mode": "resolution"},
    )  # fmt: skip
    assert _error(cycles.set_screening_mode, w.committee_a, c, "resolution", now=utcnow()).code is (
        ErrorCode.NOTHING_CHANGED
    )
    assert _error(cycles.set_screening_mode, w.committee_a, c, "both", now=utcnow()).code is (
        ErrorCode.SCREENING_MODE_UNKNOWN
    )
    for outsider in (w.committee_b, w.resident_a):
        with pytest.raises(PermissionDenied):
            cycles.set_screening_mode(outsider, c, "committee", now=utcnow())
    cycles.set_screening_mode(w.committee_a, c, "committee", now=utcnow())
    f.approved(w.committee_a, p)
    # Once a proposal is decided, and even after it went back to revision, the rule stays.
    proposals.return_for_revision(w.committee_a, p, message="再核实", now=utcnow())
    locked = _error(cycles.set_screening_mode, w.committee_a, c, "resolution", now=utcnow())
    assert locked.code is ErrorCode.SCREENING_MODE_LOCKED
    assert db.session.get(Cycle, c.id).screening_mode is ScreeningMode.COMMITTEE
    assert _audits("cycle.screening_mode") == 2


def test_a_rejection_locks_the_mode_too(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    f.rejected(w.committee_a, _proposal(w.resident_a, c), reason="重复")
    other = f.cycle(w.a, w.committee_a, phase="screening")
    assert cycles.screening_decided(c) and not cycles.screening_decided(other)
    locked = _error(cycles.set_screening_mode, w.committee_a, c, "resolution", now=utcnow())
    assert locked.code is ErrorCode.SCREENING_MODE_LOCKED
    cycles.set_screening_mode(w.committee_a, other, "resolution", now=utcnow())


def test_a_decision_and_a_change_of_mode_at_once_never_both_happen(ctx):
    """Real concurrent transactions, on SQLite and PostgreSQL: an approval and a switch to
    screening by resolution race; one waits for the other's commit, and no proposal ends up
    approved by the committee alone in a cycle screened by resolution."""
    import threading

    for _ in range(3):
        w = f.world()
        c = f.cycle(w.a, w.committee_a, phase="screening")
        p = _proposal(w.resident_a, c)
        f.assessed(w.committee_a, p)
        cycle_id, proposal_id, member_id = c.id, p.id, w.committee_a.id
        db.session.remove()
        results: dict[str, object] = {}
        barrier = threading.Barrier(2)

        def approve() -> None:
            with ctx.app_context():
                member = db.session.get(User, member_id)
                proposal = db.session.get(Proposal, proposal_id)
                proposals.actions_for(member, proposal, utcnow())
                barrier.wait()
                try:
                    proposals.approve(member, proposal, note="符合要求", now=utcnow())
                    results["approve"] = "done"
                except ServiceError as error:
                    results["approve"] = error.code
                finally:
                    db.session.remove()

        def switch() -> None:
            with ctx.app_context():
                member = db.session.get(User, member_id)
                cycle = db.session.get(Cycle, cycle_id)
                barrier.wait()
                try:
                    cycles.set_screening_mode(member, cycle, "resolution", now=utcnow())
                    results["switch"] = "done"
                except ServiceError as error:
                    results["switch"] = error.code
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=approve), threading.Thread(target=switch)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results in (
            {"approve": "done", "switch": ErrorCode.SCREENING_MODE_LOCKED},
            {"approve": ErrorCode.RESOLUTION_MISSING_CONSULT, "switch": "done"},
        ), results
        f.empty_tables()
