"""Proposals through the services: proposing, the lifecycle with its audit rows and notices,
supports (once, even when racing), the committee's screening and entry on behalf."""

import itertools
import threading
from datetime import timedelta

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.cycles import DEFAULT_CHECKLIST, Feasibility, ProjectType
from microprojects.domain.lifecycle import ProposalAction, ProposalState
from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import (
    Assessment,
    AuditEntry,
    CoProposer,
    Notification,
    Proposal,
    Support,
    User,
    utcnow,
)
from microprojects.services import proposals
from microprojects.services.errors import PermissionDenied, ServiceError

HOUR = timedelta(hours=1)


# --- helpers -------------------------------------------------------------------------------


def _at(cycle, phase: str):
    """A moment inside ``phase`` of ``cycle`` (for what happened earlier in its life)."""
    return cycle.schedule.start_of(Phase(phase)) + HOUR


def _new(w, cycle, author=None, *, submit=True, **overrides) -> Proposal:
    return proposals.create_proposal(
        author or w.resident_a,
        cycle,
        f.proposal_input(**overrides),
        submit=submit,
        now=_at(cycle, "collecting"),
    )


def _neighbours(w, count: int, place=None, committee=None) -> list[User]:
    place = place or w.a
    return [
        f.verified_resident(
            f"{place.slug}{i}", place, committee or w.committee_a, f"居民{i}号", f"9栋{i}单元"
        )
        for i in range(count)
    ]


def _error(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


def _log(proposal: Proposal) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .filter_by(subject_type="proposal", subject_id=str(proposal.id))
            .order_by(AuditEntry.id)
        )
    )


def _notified(proposal: Proposal, kind: str) -> set[int]:
    return set(
        db.session.scalars(
            select(Notification.user_id).filter_by(proposal_id=proposal.id, kind=kind)
        )
    )


def _supporters(proposal: Proposal) -> list[int]:
    return sorted(db.session.scalars(select(Support.user_id).filter_by(proposal_id=proposal.id)))


def _reload(proposal: Proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


# --- proposing -----------------------------------------------------------------------------


def test_the_state_is_the_enum_whether_loaded_assigned_or_queried(ctx):
    w = f.world()
    p = _new(w, f.cycle(w.a, w.committee_a), submit=False)
    assert _reload(p).state is ProposalState.DRAFT
    p.state, p.submitted_at = "submitted", utcnow()  # as a string, it reads back as the member
    assert p.state is ProposalState.SUBMITTED
    db.session.commit()
    stored = db.session.scalar(select(Proposal.state).where(Proposal.id == p.id))
    assert stored is ProposalState.SUBMITTED
    assert db.session.scalar(select(func.count()).where(Proposal.state == "submitted")) == 1
    assert db.session.scalar(select(func.count()).where(Proposal.state == "nonsense")) == 0
    with pytest.raises(ValueError):
        p.state = "nonsense"


def test_a_verified_resident_submits_a_proposal(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    now = utcnow()
    p = proposals.create_proposal(
        w.resident_a,
        c,
        f.proposal_input(title="  报刊亭旁放两张石凳 ", location=" 振兴路 ", latitude=20.0,
                         longitude=110.3, tag_small=True),
        submit=True,
        now=now,
    )  # fmt: skip
    p = _reload(p)
    assert p.state is ProposalState.SUBMITTED
    assert p.submitted_at == now and p.created_at == now
    assert (p.community_id, p.author_id, p.organization_id) == (w.a.id, w.resident_a.id, None)
    assert p.title == "报刊亭旁放两张石凳" and p.location == "振兴路"
    assert p.project_type is ProjectType.GOODS and p.cost_fen == 3_000_00
    assert p.tag_small and not p.tag_urgent
    [entry] = _log(p)
    assert (entry.action, entry.actor_id, entry.community_id) == (
        "proposal.submit",
        w.resident_a.id,
        w.a.id,
    )
    assert entry.after["state"] == "submitted"


def test_a_draft_is_kept_until_submitted(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = proposals.create_proposal(w.resident_a, c, f.proposal_input(), submit=False, now=utcnow())
    assert p.state is ProposalState.DRAFT and p.submitted_at is None
    assert [e.action for e in _log(p)] == ["proposal.draft"]
    now = utcnow()
    proposals.submit_proposal(w.resident_a, p, now=now)
    p = _reload(p)
    assert p.state is ProposalState.SUBMITTED and p.submitted_at == now
    assert [e.action for e in _log(p)] == ["proposal.draft", "proposal.submit"]


def test_an_organization_proposes_for_its_community(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = proposals.create_proposal(w.organization, c, f.proposal_input(), submit=True, now=utcnow())
    assert p.community_id == w.a.id
    assert p.organization_id == w.organization.organization_membership.organization_id
    assert proposals.is_author(w.organization, p)
    # The organization's proposals are not for another community's cycle.
    other = f.cycle(w.b, w.committee_b)
    error = _error(
        proposals.create_proposal, w.organization, other, f.proposal_input(), submit=True,
        now=utcnow(),
    )  # fmt: skip
    assert error.code == "cannot_propose_not_verified"


@pytest.mark.parametrize("phase", ["screening", "voting", "closed"])
def test_proposals_are_made_only_while_collecting(ctx, phase):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase=phase)
    before = row_count(Proposal)
    error = _error(
        proposals.create_proposal, w.resident_a, c, f.proposal_input(), submit=True, now=utcnow()
    )
    assert error.code == "not_collecting"
    assert row_count(Proposal) == before


@pytest.mark.parametrize(
    ("who", "overrides", "code"),
    [
        ("unverified", {}, "cannot_propose_not_verified"),
        ("committee_a", {}, "cannot_propose_not_verified"),
        ("resident_b", {}, "cannot_propose_other_community"),
        ("resident_a", {"min_age": 60}, "cannot_propose_too_young"),
    ],
)
def test_who_may_not_propose(ctx, who, overrides, code):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, **overrides)
    before = (row_count(Proposal), row_count(AuditEntry))
    error = _error(
        proposals.create_proposal, getattr(w, who), c, f.proposal_input(), submit=True,
        now=utcnow(),
    )  # fmt: skip
    assert error.code == code
    assert (row_count(Proposal), row_count(AuditEntry)) == before


@pytest.mark.parametrize(
    ("overrides", "code", "params"),
    [
        ({"category": "修路"}, "unknown_category", {}),
        ({"title": "  "}, "required", {"field": "title"}),
        ({"title": "长" * 81}, "too_long", {"field": "title"}),
        ({"estimated_cost_fen": 0}, "cost_required", {}),
        # goods are capped at 50,000 yuan in the factory's cycle
        ({"estimated_cost_fen": 50_000_01}, "over_cap", {"cap_fen": 50_000_00}),
        # engineering at 100,000 yuan, the overall cap too
        (
            {"project_type": ProjectType.ENGINEERING, "estimated_cost_fen": 100_000_01},
            "over_cap",
            {"cap_fen": 100_000_00},
        ),
        ({"latitude": 20.0}, "coordinates_incomplete", {}),
        ({"latitude": 91.0, "longitude": 110.0}, "coordinates_invalid", {}),
        ({"latitude": 20.0, "longitude": 181.0}, "coordinates_invalid", {}),
    ],
)
def test_invalid_proposals_are_refused(ctx, overrides, code, params):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    before = row_count(Proposal)
    error = _error(_new, w, c, **overrides)
    assert error.code == code
    assert error.params == params
    assert row_count(Proposal) == before


def test_costs_at_the_cap_are_accepted(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    assert _new(w, c, estimated_cost_fen=50_000_00).cost_fen == 50_000_00
    engineering = _new(w, c, project_type=ProjectType.ENGINEERING, estimated_cost_fen=100_000_00)
    assert engineering.cost_fen == 100_000_00


def test_a_large_cost_in_a_cycle_without_caps_is_stored(ctx):
    w = f.world()
    c = f.cycle(
        w.a, w.committee_a, project_cap_fen=None, cap_engineering_fen=None,
        cap_service_fen=None, cap_goods_fen=None,
    )  # fmt: skip
    p = _new(w, c, project_type=ProjectType.ENGINEERING, estimated_cost_fen=25_000_000_00)
    assert _reload(p).estimated_cost_fen == 25_000_000_00


def test_the_author_edits_a_draft_and_the_edit_is_audited(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c, submit=False)
    proposals.update_proposal(
        w.resident_a, p, f.proposal_input(title="石凳和遮阳棚", estimated_cost_fen=4_000_00),
        now=utcnow(),
    )  # fmt: skip
    p = _reload(p)
    assert p.title == "石凳和遮阳棚" and p.estimated_cost_fen == 4_000_00
    entry = _log(p)[-1]
    assert entry.action == "proposal.edit"
    assert entry.before["title"] == "报刊亭旁放两张石凳"
    assert entry.after["title"] == "石凳和遮阳棚"
    # Nobody else edits it.
    for other in (w.committee_a, w.resident_b):
        assert (
            _error(proposals.update_proposal, other, p, f.proposal_input(), now=utcnow()).code
            == "action_not_allowed"
        )
    # Submitted, it is still its author's to revise while proposals are collected; the
    # revision is in its public log.
    proposals.submit_proposal(w.resident_a, p, now=utcnow())
    proposals.update_proposal(
        w.resident_a, p, f.proposal_input(title="石凳、遮阳棚和垃圾桶"), now=utcnow()
    )
    entry = _log(_reload(p))[-1]
    assert entry.action == "proposal.edit"
    assert entry.before["state"] == "submitted" and entry.after["title"] == "石凳、遮阳棚和垃圾桶"
    # Once screening has started, it is not.
    screening = _at(c, "screening")
    assert (
        _error(proposals.update_proposal, w.resident_a, p, f.proposal_input(), now=screening).code
        == "action_not_allowed"
    )


# --- the lifecycle -------------------------------------------------------------------------


def test_submit_is_the_authors_and_only_while_collecting(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    draft = _new(w, c, submit=False)
    for who in (w.resident_a, w.committee_a, w.resident_b):
        error = _error(proposals.submit_proposal, who, draft, now=utcnow())
        assert error.code == "action_not_allowed"
        assert error.params["phase"] == "screening"
    assert _reload(draft).state is ProposalState.DRAFT
    open_cycle = f.cycle(w.a, w.committee_a)
    mine = _new(w, open_cycle, submit=False)
    for who in (w.committee_a, w.admin, w.resident_b):
        assert _error(proposals.submit_proposal, who, mine, now=utcnow()).code == (
            "action_not_allowed"
        )
    submitted = _new(w, open_cycle)
    assert _error(proposals.submit_proposal, w.resident_a, submitted, now=utcnow()).code == (
        "action_not_allowed"
    )


def test_return_needs_a_message_and_the_author_resubmits_during_screening(ctx):
    w = f.world()
    [fan] = _neighbours(w, 1)
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    proposals.support(fan, p, now=_at(c, "collecting"))
    for blank in ("", "  \n "):
        error = _error(proposals.return_for_revision, w.committee_a, p, message=blank,
                       now=utcnow())  # fmt: skip
        assert error.code == "reason_required"
    assert _reload(p).state is ProposalState.SUBMITTED
    # Not by the author, nor by another community's committee.
    for who in (w.resident_a, w.committee_b):
        error = _error(proposals.return_for_revision, who, p, message="x", now=utcnow())
        assert error.code == "action_not_allowed"
    proposals.return_for_revision(w.committee_a, p, message="  请补充具体位置 ", now=utcnow())
    p = _reload(p)
    assert p.state is ProposalState.RETURNED
    entry = _log(p)[-1]
    assert (entry.action, entry.actor_id) == ("proposal.return", w.committee_a.id)
    assert entry.after["note"] == "请补充具体位置"
    assert (entry.before["state"], entry.after["state"]) == ("submitted", "returned")
    assert _notified(p, "returned") == {w.resident_a.id, fan.id}
    notice = db.session.scalar(select(Notification).filter_by(user_id=w.resident_a.id))
    assert notice.params["note"] == "请补充具体位置"
    # The author fixes it during screening and sends it back.
    proposals.update_proposal(
        w.resident_a, p, f.proposal_input(location="振兴路 12 号报刊亭"), now=utcnow()
    )
    proposals.submit_proposal(w.resident_a, p, now=utcnow())
    p = _reload(p)
    assert p.state is ProposalState.SUBMITTED
    assert p.submitted_at == _at(c, "collecting")  # the first submission's date is kept
    assert [e.action for e in _log(p)] == [
        "proposal.submit",
        "proposal.return",
        "proposal.edit",
        "proposal.submit",
    ]


def test_approve_then_return_an_approved_proposal(ctx):
    w = f.world()
    fans = _neighbours(w, 2)
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    for fan in fans:
        proposals.support(fan, p, now=_at(c, "collecting"))
    now = utcnow()
    f.assessed(w.committee_a, p, now=now)
    proposals.approve(w.committee_a, p, note="  符合要求 ", now=now)
    p = _reload(p)
    assert p.state is ProposalState.APPROVED and p.decided_at == now
    entry = _log(p)[-1]
    assert (entry.action, entry.after["note"]) == ("proposal.approve", "符合要求")
    assert _notified(p, "approved") == {w.resident_a.id, *(u.id for u in fans)}
    assert w.committee_a.id not in _notified(p, "approved")
    # A second approval is not a transition.
    assert _error(proposals.approve, w.committee_a, p, note="x", now=utcnow()).code == (
        "action_not_allowed"
    )
    proposals.return_for_revision(w.committee_a, p, message="预算需要重新核算", now=utcnow())
    assert _reload(p).state is ProposalState.RETURNED
    # A returned proposal is not approved before it is submitted again.
    assert _error(proposals.approve, w.committee_a, p, note="x", now=utcnow()).code == (
        "action_not_allowed"
    )


@pytest.mark.parametrize("who", ["resident_a", "resident_b", "committee_b", "organization"])
def test_only_the_communitys_committee_screens(ctx, who):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    actor = getattr(w, who)
    assert _error(proposals.approve, actor, p, note="x", now=utcnow()).code == (
        "action_not_allowed"
    )
    assert _error(proposals.reject, actor, p, reason="x", now=utcnow()).code == (
        "action_not_allowed"
    )
    assert (
        _error(
            proposals.revise, actor, p, cost_fen=1_00, ballot_title=None, note="x", now=utcnow()
        ).code
        == "action_not_allowed"
    )
    assert _error(
        proposals.assess, actor, p, answers={}, feasibility=Feasibility.FEASIBLE, note="",
        now=utcnow(),
    ).code == "action_not_allowed"  # fmt: skip
    assert _reload(p).state is ProposalState.SUBMITTED
    assert [e.action for e in _log(p)] == ["proposal.submit"]


def test_the_administrator_may_screen_everywhere(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    f.approved(w.admin, p)
    assert _reload(p).state is ProposalState.APPROVED


@pytest.mark.parametrize("phase", ["voting", "publication", "closed"])
def test_no_screening_once_voting_started(ctx, phase):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase=phase)
    p = _new(w, c)
    q = _new(w, c)
    for call, kwargs in [
        (proposals.approve, {"note": "x"}),
        (proposals.reject, {"reason": "x"}),
        (proposals.return_for_revision, {"message": "x"}),
        (proposals.merge, {"into": q, "note": ""}),
        (proposals.revise, {"cost_fen": 1_00, "ballot_title": None, "note": "x"}),
        (proposals.assess, {"answers": {}, "feasibility": Feasibility.FEASIBLE, "note": ""}),
    ]:
        if call is proposals.merge:
            error = _error(call, w.committee_a, p, q, note="", now=utcnow())
        else:
            error = _error(call, w.committee_a, p, now=utcnow(), **kwargs)
        assert error.code == "action_not_allowed", call
        assert error.params["phase"] == phase
    assert _reload(p).state is ProposalState.SUBMITTED


def test_reject_needs_a_reason_that_is_kept_and_public(ctx):
    w = f.world()
    [fan] = _neighbours(w, 1)
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    proposals.support(fan, p, now=_at(c, "collecting"))
    f.assessed(w.committee_a, p)
    assert _error(proposals.reject, w.committee_a, p, reason=" ", now=utcnow()).code == (
        "reason_required"
    )
    assert _reload(p).rejection_reason == ""
    now = utcnow()
    proposals.reject(w.committee_a, p, reason=" 属于物业公司职责 ", now=now)
    p = _reload(p)
    assert p.state is ProposalState.REJECTED
    assert p.rejection_reason == "属于物业公司职责"
    assert p.decided_at == now
    entry = _log(p)[-1]
    assert (entry.action, entry.after["note"]) == ("proposal.reject", "属于物业公司职责")
    assert _notified(p, "rejected") == {w.resident_a.id, fan.id}
    # Final: nothing more happens to it.
    assert _error(proposals.withdraw_proposal, w.resident_a, p, now=utcnow()).code == (
        "action_not_allowed"
    )
    assert _error(proposals.approve, w.committee_a, p, note="x", now=utcnow()).code == (
        "action_not_allowed"
    )


def test_the_database_requires_a_reason_for_a_rejection(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c)
    p.state = ProposalState.REJECTED.value
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- merging ------------------------------------------------------------------------------


def test_merge_keeps_the_pointer_and_carries_supports_over_once(ctx):
    w = f.world()
    other_author, both, only_dup, only_target = _neighbours(w, 4)
    c = f.cycle(w.a, w.committee_a, phase="screening")
    target = _new(w, c, title="报刊亭旁放石凳")
    duplicate = _new(w, c, other_author, title="报刊亭要有座位")
    earlier = _at(c, "collecting")
    for person in (both, only_dup):
        proposals.support(person, duplicate, now=earlier)
    for person in (both, only_target):
        proposals.support(person, target, now=earlier)

    moved = proposals.merge(w.committee_a, duplicate, target, note=" 内容相同 ", now=utcnow())

    assert moved == 1  # only_dup's; both's support already counted on the target
    duplicate, target = _reload(duplicate), db.session.get(Proposal, target.id)
    assert duplicate.state is ProposalState.MERGED
    assert duplicate.merged_into_id == target.id and duplicate.decided_at is not None
    assert _supporters(target) == sorted([both.id, only_dup.id, only_target.id])
    assert _supporters(duplicate) == []
    assert proposals.support_counts([target.id, duplicate.id]) == {target.id: 3}
    assert [co.user_id for co in target.co_proposers] == [other_author.id]
    entry = _log(duplicate)[-1]
    assert entry.action == "proposal.merge"
    assert entry.after["merged_into"] == target.id
    assert entry.after["supports_moved"] == 1
    assert entry.after["note"] == "内容相同"
    # The duplicate's author and supporters hear of it, the committee member does not.
    assert _notified(duplicate, "merged") == {other_author.id, both.id, only_dup.id}
    # The merged author now follows the target as a co-proposer.
    assert other_author.id in proposals.followers(target)


def test_merging_twice_into_the_same_target_adds_the_co_proposer_once(ctx):
    w = f.world()
    other_author = _neighbours(w, 1)[0]
    c = f.cycle(w.a, w.committee_a, phase="screening")
    target = _new(w, c)
    first = _new(w, c, other_author)
    second = _new(w, c, other_author)
    proposals.merge(w.committee_a, first, target, note="内容重复", now=utcnow())
    proposals.merge(w.committee_a, second, target, note="内容重复", now=utcnow())
    assert row_count(CoProposer, proposal_id=target.id) == 1


def test_merging_a_proposal_of_the_targets_author_adds_no_co_proposer(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    target = _new(w, c)
    again = _new(w, c)
    proposals.merge(w.committee_a, again, target, note="内容重复", now=utcnow())
    assert row_count(CoProposer, proposal_id=target.id) == 0


def test_merge_does_not_make_the_target_author_a_supporter_of_their_own_proposal(ctx):
    w = f.world()
    other_author = _neighbours(w, 1)[0]
    c = f.cycle(w.a, w.committee_a, phase="screening")
    target = _new(w, c)
    duplicate = _new(w, c, other_author)
    proposals.support(w.resident_a, duplicate, now=_at(c, "collecting"))
    proposals.merge(w.committee_a, duplicate, target, note="内容重复", now=utcnow())
    assert w.resident_a.id not in _supporters(target)


def test_invalid_merges_are_refused(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    other_cycle = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    elsewhere = _new(w, other_cycle)
    draft = _new(w, c, submit=False)
    rejected = _new(w, c)
    f.rejected(w.committee_a, rejected, reason="重复")
    withdrawn = _new(w, c)
    proposals.withdraw_proposal(w.resident_a, withdrawn, now=utcnow())
    merged = _new(w, c)
    target = _new(w, c)
    proposals.merge(w.committee_a, merged, target, note="内容重复", now=utcnow())
    for into in (p, elsewhere, draft, rejected, withdrawn, merged):
        error = _error(proposals.merge, w.committee_a, p, into, note="", now=utcnow())
        assert error.code == "merge_target_invalid", into.id
    # A closed proposal is not merged anywhere either, and neither is an approved one.
    approved = _new(w, c)
    f.approved(w.committee_a, approved)
    for source in (rejected, merged, approved):
        error = _error(proposals.merge, w.committee_a, source, target, note="", now=utcnow())
        assert error.code == "action_not_allowed"
    # Into an approved proposal is fine.
    proposals.merge(w.committee_a, p, approved, note="内容重复", now=utcnow())
    assert _reload(p).merged_into_id == approved.id


def test_a_returned_proposal_can_be_merged(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p, target = _new(w, c), _new(w, c)
    proposals.return_for_revision(w.committee_a, p, message="与另一提议重复？", now=utcnow())
    proposals.merge(w.committee_a, p, target, note="内容重复", now=utcnow())
    assert _reload(p).state is ProposalState.MERGED


# --- withdrawing --------------------------------------------------------------------------


def test_the_author_withdraws_before_voting_and_supporters_hear_of_it(ctx):
    w = f.world()
    [fan] = _neighbours(w, 1)
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    proposals.support(fan, p, now=_at(c, "collecting"))
    for who in (w.committee_a, fan, w.admin):
        assert _error(proposals.withdraw_proposal, who, p, now=utcnow()).code == (
            "action_not_allowed"
        )
    proposals.withdraw_proposal(w.resident_a, p, now=utcnow())
    p = _reload(p)
    assert p.state is ProposalState.WITHDRAWN
    assert _log(p)[-1].action == "proposal.withdraw"
    assert _notified(p, "withdrawn") == {fan.id}


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "approved"])
def test_withdraw_from_each_open_state(ctx, state):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c, submit=state != "draft")
    if state == "returned":
        proposals.return_for_revision(w.committee_a, p, message="x", now=utcnow())
    if state == "approved":
        f.approved(w.committee_a, p)
    proposals.withdraw_proposal(w.resident_a, p, now=utcnow())
    assert _reload(p).state is ProposalState.WITHDRAWN


def test_no_withdrawal_once_voting_started(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="voting")
    p = _new(w, c)
    assert _error(proposals.withdraw_proposal, w.resident_a, p, now=utcnow()).code == (
        "action_not_allowed"
    )
    assert _reload(p).state is ProposalState.SUBMITTED


def test_an_organizations_proposal_is_withdrawn_by_its_account(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c, w.organization)
    proposals.withdraw_proposal(w.organization, p, now=utcnow())
    assert _reload(p).state is ProposalState.WITHDRAWN


# --- revising and assessing ---------------------------------------------------------------


def test_revise_cost_and_ballot_title_keeps_the_original(ctx):
    w = f.world()
    [fan] = _neighbours(w, 1)
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    proposals.support(fan, p, now=_at(c, "collecting"))
    assert _error(
        proposals.revise, w.committee_a, p, cost_fen=2_500_00, ballot_title=None, note="  ",
        now=utcnow(),
    ).code == "reason_required"  # fmt: skip
    proposals.revise(
        w.committee_a, p, cost_fen=2_500_00, ballot_title=" 报刊亭石凳 ",
        note="按市场询价核减", now=utcnow(),
    )  # fmt: skip
    p = _reload(p)
    assert p.estimated_cost_fen == 3_000_00  # the proposer's estimate is kept
    assert p.revised_cost_fen == 2_500_00 and p.cost_fen == 2_500_00
    assert p.cost_note == "按市场询价核减"
    assert p.title == "报刊亭旁放两张石凳"
    assert p.ballot_title == "报刊亭石凳" and p.display_title == "报刊亭石凳"
    entry = _log(p)[-1]
    assert entry.action == "proposal.revise"
    assert entry.before["revised_cost_fen"] is None
    assert entry.after["revised_cost_fen"] == 2_500_00
    assert entry.after["note"] == "按市场询价核减"
    assert _notified(p, "revised") == {w.resident_a.id, fan.id}
    # Only the title this time: the cost stays revised.
    proposals.revise(
        w.committee_a, p, cost_fen=None, ballot_title="石凳两张", note="更简短", now=utcnow()
    )
    p = _reload(p)
    assert (p.revised_cost_fen, p.ballot_title) == (2_500_00, "石凳两张")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"cost_fen": 50_000_01, "ballot_title": None}, "over_cap"),
        ({"cost_fen": 0, "ballot_title": None}, "cost_required"),
        ({"cost_fen": None, "ballot_title": "长" * 81}, "too_long"),
        ({"cost_fen": None, "ballot_title": None}, "nothing_changed"),
    ],
)
def test_invalid_revisions_are_refused(ctx, kwargs, code):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    before = len(_log(p))
    error = _error(proposals.revise, w.committee_a, p, note="说明", now=utcnow(), **kwargs)
    assert error.code == code
    p = _reload(p)
    assert (p.revised_cost_fen, p.ballot_title) == (None, None)
    assert len(_log(p)) == before


def test_revising_a_returned_proposal_is_refused(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    proposals.return_for_revision(w.committee_a, p, message="x", now=utcnow())
    error = _error(
        proposals.revise, w.committee_a, p, cost_fen=1_00, ballot_title=None, note="x",
        now=utcnow(),
    )  # fmt: skip
    assert error.code == "action_not_allowed"


def test_assess_stores_the_checklist_answers(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    p = _new(w, c)
    first, second = DEFAULT_CHECKLIST[0], DEFAULT_CHECKLIST[2]
    record = proposals.assess(
        w.committee_a, p, answers={first: True, second: False},
        feasibility=Feasibility.NEEDS_CHANGES, note="  需与物业确认 ", now=utcnow(),
    )  # fmt: skip
    db.session.expire_all()
    stored = db.session.get(Assessment, record.id)
    assert stored.answers == {item: item == first for item in DEFAULT_CHECKLIST}
    assert stored.feasibility == "needs_changes"
    assert stored.note == "需与物业确认"
    assert stored.author_id == w.committee_a.id
    entry = _log(p)[-1]
    assert entry.action == "proposal.assess"
    assert entry.after["feasibility"] == "needs_changes"
    assert entry.after["answers"][first] is True
    assert _reload(p).state is ProposalState.SUBMITTED  # an assessment decides nothing
    error = _error(
        proposals.assess, w.committee_a, p, answers={"不在清单上的问题": True},
        feasibility=Feasibility.FEASIBLE, note="", now=utcnow(),
    )  # fmt: skip
    assert error.code == "unknown_checklist_item"
    assert row_count(Assessment, proposal_id=p.id) == 1


# --- entered on behalf of a resident ------------------------------------------------------


@pytest.mark.parametrize("phase", ["collecting", "screening"])
def test_the_committee_enters_a_proposal_for_a_resident(ctx, phase):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase=phase)
    p = proposals.enter_on_behalf(
        w.committee_a, c, w.a, f.proposal_input(), on_behalf_of="  陈阿婆 ", now=utcnow()
    )
    p = _reload(p)
    assert p.state is ProposalState.SUBMITTED and p.submitted_at is not None
    assert p.author_id is None
    assert p.entered_by_id == w.committee_a.id
    assert p.on_behalf_of == "陈阿婆"
    assert p.community_id == w.a.id
    [entry] = _log(p)
    assert entry.action == "proposal.enter_on_behalf"
    assert entry.actor_id == w.committee_a.id
    assert entry.after["on_behalf_of"] == "陈阿婆"
    # Nobody is its author: no one but the committee acts on it.
    assert ProposalAction.WITHDRAW not in proposals.actions_for(w.committee_a, p, utcnow())


def test_entry_on_behalf_is_refused_to_others_and_checked(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    for who in ("resident_a", "committee_b", "organization"):
        with pytest.raises(PermissionDenied):
            proposals.enter_on_behalf(
                getattr(w, who), c, w.a, f.proposal_input(), on_behalf_of="陈阿婆", now=utcnow()
            )
    assert _error(
        proposals.enter_on_behalf, w.admin, c, w.b, f.proposal_input(), on_behalf_of="陈阿婆",
        now=utcnow(),
    ).code == "wrong_community"  # fmt: skip
    assert _error(
        proposals.enter_on_behalf, w.committee_a, c, w.a, f.proposal_input(), on_behalf_of=" ",
        now=utcnow(),
    ).code == "required"  # fmt: skip
    assert _error(
        proposals.enter_on_behalf, w.committee_a, c, w.a,
        f.proposal_input(estimated_cost_fen=60_000_00), on_behalf_of="陈阿婆", now=utcnow(),
    ).code == "over_cap"  # fmt: skip
    voting = f.cycle(w.a, w.committee_a, phase="voting")
    assert _error(
        proposals.enter_on_behalf, w.committee_a, voting, w.a, f.proposal_input(),
        on_behalf_of="陈阿婆", now=utcnow(),
    ).code == "not_collecting"  # fmt: skip
    assert row_count(Proposal) == 0


# --- the audit trail of a whole life ------------------------------------------------------


def test_every_state_change_writes_an_audit_row(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c, submit=False)
    steps = [
        lambda: proposals.submit_proposal(w.resident_a, p, now=utcnow()),
        lambda: proposals.return_for_revision(w.committee_a, p, message="补充", now=utcnow()),
        lambda: proposals.submit_proposal(w.resident_a, p, now=utcnow()),
        lambda: f.assessed(w.committee_a, p),
        lambda: proposals.approve(w.committee_a, p, note="符合要求", now=utcnow()),
        lambda: proposals.return_for_revision(w.committee_a, p, message="再议", now=utcnow()),
        lambda: proposals.withdraw_proposal(w.resident_a, p, now=utcnow()),
    ]
    states = []
    for step in steps:
        before = len(_log(p))
        step()
        entries = _log(p)
        assert len(entries) == before + 1
        assert entries[-1].subject_type == "proposal"
        assert entries[-1].community_id == w.a.id
        if entries[-1].action == "proposal.assess":  # a record the approval needs, no state
            continue
        assert entries[-1].after["state"] == _reload(p).state
        states.append(entries[-1].after["state"])
    assert states == ["submitted", "returned", "submitted", "approved", "returned", "withdrawn"]
    assert [e.action for e in _log(p)] == [
        "proposal.draft",
        "proposal.submit",
        "proposal.return",
        "proposal.submit",
        "proposal.assess",
        "proposal.approve",
        "proposal.return",
        "proposal.withdraw",
    ]
    # Each change's "before" is the previous change's "after".
    entries = [e for e in _log(p) if e.action != "proposal.assess"]
    for previous, entry in itertools.pairwise(entries):
        if entry.before is not None:
            assert entry.before["state"] == previous.after["state"]


# --- supports -----------------------------------------------------------------------------


def test_support_counts_once_and_can_be_taken_back(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c)
    [fan] = _neighbours(w, 1)
    assert proposals.support(fan, p, now=utcnow()) is True
    assert proposals.support(fan, p, now=utcnow()) is False
    assert _supporters(p) == [fan.id]
    assert proposals.viewer_for(fan, p, utcnow()).has_supported
    assert proposals.withdraw_support(fan, p, now=utcnow()) is True
    assert proposals.withdraw_support(fan, p, now=utcnow()) is False
    assert _supporters(p) == []
    assert proposals.support(fan, p, now=utcnow()) is True
    assert proposals.support_counts([p.id]) == {p.id: 1}
    assert proposals.support_counts([]) == {}


def test_the_database_refuses_a_second_support(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c)
    db.session.add(Support(proposal_id=p.id, user_id=w.committee_a.id))
    db.session.add(Support(proposal_id=p.id, user_id=w.committee_a.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("phase", ["voting", "publication", "closed"])
def test_no_support_once_voting_started(ctx, phase):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase=phase)
    p = _new(w, c)
    [fan] = _neighbours(w, 1)
    assert _error(proposals.support, fan, p, now=utcnow()).code == "action_not_allowed"
    assert _error(proposals.withdraw_support, fan, p, now=utcnow()).code == "action_not_allowed"
    assert _supporters(p) == []


def test_support_is_refused_in_states_and_to_people_that_may_not(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a, phase="screening")
    [fan] = _neighbours(w, 1)
    draft = _new(w, c, submit=False)
    returned = _new(w, c)
    proposals.return_for_revision(w.committee_a, returned, message="x", now=utcnow())
    rejected = _new(w, c)
    f.rejected(w.committee_a, rejected, reason="x")
    for p in (draft, returned, rejected):
        assert _error(proposals.support, fan, p, now=utcnow()).code == "action_not_allowed"
    p = _new(w, c)
    for who in (w.resident_a, w.resident_b, w.unverified, w.organization, w.committee_a):
        assert _error(proposals.support, who, p, now=utcnow()).code == "action_not_allowed"
    assert _supporters(p) == []
    approved = _new(w, c)
    f.approved(w.committee_a, approved)
    assert proposals.support(fan, approved, now=utcnow()) is True


def test_eight_simultaneous_supports_by_one_person_store_one(ctx):
    """Real concurrent transactions, on SQLite and PostgreSQL: the unique constraint decides."""
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c)
    [fan] = _neighbours(w, 1)
    proposal_id, fan_id = p.id, fan.id
    db.session.remove()
    results: list[object] = []
    barrier = threading.Barrier(8)

    def support() -> None:
        with ctx.app_context():
            person = db.session.get(User, fan_id)
            proposal = db.session.get(Proposal, proposal_id)
            proposals.actions_for(person, proposal, utcnow())  # load what the check needs
            barrier.wait()
            try:
                results.append(proposals.support(person, proposal, now=utcnow()))
            except Exception as error:  # reported below, not swallowed
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=support) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(repr, results)) == sorted(["True"] + ["False"] * 7), results
    assert row_count(Support, proposal_id=proposal_id) == 1
    assert row_count(Support, proposal_id=proposal_id, user_id=fan_id) == 1


# --- who sees a draft, who follows ---------------------------------------------------------


def test_a_draft_is_seen_by_its_author_only(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    draft = _new(w, c, submit=False)
    assert proposals.can_view(w.resident_a, draft)
    for who in (None, w.resident_b, w.unverified, w.committee_b):
        assert not proposals.can_view(who, draft)
    p = _new(w, c)
    assert proposals.can_view(None, p)


def test_followers_are_author_co_proposers_and_supporters(ctx):
    w = f.world()
    fan, partner = _neighbours(w, 2)
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c, submit=False)
    proposals.add_co_proposer(w.resident_a, p, partner, now=utcnow())
    proposals.submit_proposal(w.resident_a, p, now=utcnow())
    proposals.support(fan, p, now=utcnow())
    assert proposals.followers(p) == sorted([w.resident_a.id, partner.id, fan.id])
    assert proposals.followers(p, exclude=fan) == sorted([w.resident_a.id, partner.id])
    f.approved(w.committee_a, p)
    assert _notified(p, "approved") == {w.resident_a.id, partner.id, fan.id}


def test_co_proposers_must_be_eligible_and_are_added_once(ctx):
    w = f.world()
    [partner] = _neighbours(w, 1)
    c = f.cycle(w.a, w.committee_a)
    p = _new(w, c, submit=False)
    assert _error(proposals.add_co_proposer, w.resident_a, p, w.resident_b, now=utcnow()).code == (
        "co_proposer_not_eligible"
    )
    assert _error(proposals.add_co_proposer, w.resident_a, p, w.resident_a, now=utcnow()).code == (
        "already_co_proposer"
    )
    proposals.add_co_proposer(w.resident_a, p, partner, now=utcnow())
    assert _error(proposals.add_co_proposer, w.resident_a, p, partner, now=utcnow()).code == (
        "already_co_proposer"
    )
    assert row_count(CoProposer, proposal_id=p.id) == 1


def test_the_committee_does_not_see_a_residents_unsent_draft(ctx):
    w = f.world()
    c = f.cycle(w.a, w.committee_a)
    draft = _new(w, c, submit=False)
    assert not proposals.can_view(w.committee_a, draft)
