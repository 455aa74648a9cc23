"""The shortlist's 公示 before voting: publication once and in time, the frozen screening,
objections of eligible residents in the window, public answers until voting, reopening, and
voting that waits for it."""

import threading
from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import func, select

from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Community,
    Notification,
    ShortlistPublication,
    User,
    utcnow,
)
from microprojects.services import cycles, proposals, shortlist, voting
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


def test_publish_once_freezes_the_screening(ctx, world):
    a, committee, _resident = _people(world)
    c, approved, rejected = f.shortlist_cycle(a, committee)
    published = shortlist.publish_shortlist(committee, c, now=utcnow())
    assert published.ends_at - published.published_at == timedelta(days=5)
    assert _code(lambda: shortlist.publish_shortlist(committee, c, now=utcnow())) == (
        "shortlist_already_published"
    )
    assert (
        _code(
            lambda: proposals.return_for_revision(committee, approved, message="再议", now=utcnow())
        )
        == "shortlist_frozen"
    )
    assert _code(
        lambda: proposals.revise(
            committee, approved, cost_fen=1_000_00, ballot_title=None, note="改价", now=utcnow()
        )
    ) == ("shortlist_frozen")
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "cycle.shortlist_publish")
    )
    assert entry.after["approved"] == [approved.id] and entry.after["rejected"] == [rejected.id]


def test_publish_refusals(ctx, world):
    a, committee, _resident = _people(world)
    c, _approved, _rejected = f.shortlist_cycle(a, committee, days=10)
    with pytest.raises(ServiceError) as error:
        shortlist.publish_shortlist(committee, c, now=utcnow())
    assert error.value.code == "shortlist_too_late"
    assert error.value.params["latest"] == c.voting_at - timedelta(days=10)
    other = db.session.get(User, world.ids["committee_b"])
    with pytest.raises(PermissionDenied):
        shortlist.publish_shortlist(other, c, now=utcnow())
    c2, _x, _y = f.shortlist_cycle(a, committee)
    author = db.session.get(User, world.ids["resident_a"])
    for title in ("一", "二"):
        p = proposals.enter_on_behalf(
            committee, c2, a, f.proposal_input(title=title), on_behalf_of="李阿姨", now=utcnow()
        )
    with pytest.raises(ServiceError) as error:
        shortlist.publish_shortlist(committee, c2, now=utcnow())
    assert error.value.code == "shortlist_undecided" and error.value.params["count"] == 2
    assert p and author
    zero = f.cycle(a, committee, phase="screening")
    assert _code(lambda: shortlist.publish_shortlist(committee, zero, now=utcnow())) == (
        "shortlist_not_required"
    )
    assert shortlist.voting_gate_problem(zero.id, zero.shortlist_days, utcnow()) is None
    assert db.session.scalar(select(func.count()).select_from(ShortlistPublication)) == 0


def test_objection_upheld_reopens_and_the_committee_decides_again(ctx, world):
    a, committee, resident = _people(world)
    c, approved, rejected = f.shortlist_cycle(a, committee)
    shortlist.publish_shortlist(committee, c, now=utcnow())
    objection = shortlist.file_objection(
        resident, c, reason="篮板已经坏了，这是公共区域", proposal_id=rejected.id, now=utcnow()
    )
    outsider = db.session.get(User, world.ids["resident_b"])
    assert (
        _code(
            lambda: shortlist.file_objection(
                outsider, c, reason="x", proposal_id=None, now=utcnow()
            )
        )
        == "cannot_object_other_community"
    )
    unverified = db.session.get(User, world.ids["unverified"])
    assert (
        _code(
            lambda: shortlist.file_objection(
                unverified, c, reason="x", proposal_id=None, now=utcnow()
            )
        )
        == "cannot_object_not_verified"
    )
    later = utcnow() + timedelta(days=6)
    assert (
        _code(
            lambda: shortlist.file_objection(resident, c, reason="x", proposal_id=None, now=later)
        )
        == "shortlist_objections_closed"
    )
    other = db.session.get(User, world.ids["committee_b"])
    with pytest.raises(PermissionDenied):
        shortlist.answer_objection(other, objection, decision="upheld", answer="好", now=utcnow())
    assert _code(
        lambda: shortlist.answer_objection(
            committee, objection, decision="dismissed", answer="不", reopen=True, now=utcnow()
        )
    ) == ("shortlist_reopen_invalid")
    shortlist.answer_objection(
        committee,
        objection,
        decision="upheld",
        answer="经核实属于公共区域，重新审核",
        reopen=True,
        now=utcnow(),
    )
    db.session.refresh(rejected)
    assert rejected.state == "submitted" and objection.reopened_at is not None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "proposal.reopen")
        )
        == 1
    )
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "reopened"))
    )
    assert rejected.author_id in told
    assert (
        _code(
            lambda: shortlist.answer_objection(
                committee, objection, decision="dismissed", answer="再答", now=utcnow()
            )
        )
        == "objection_answered"
    )
    # The reopened proposal is screened again; the others stay frozen.
    proposals.approve(committee, rejected, note="场地属于本社区，列入投票", now=utcnow())
    assert rejected.state == "approved"
    assert _code(
        lambda: proposals.return_for_revision(committee, approved, message="再议", now=utcnow())
    ) == ("shortlist_frozen")
    assert (
        resident.id
        in set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == "shortlist_objection_answered"
                )
            )
        )
        or resident.id in told
    )


def test_voting_waits_for_the_shortlist_and_answers_close_when_it_opens(ctx, world):
    a, committee, resident = _people(world)
    c, _approved, _rejected = f.shortlist_cycle(a, committee)
    cycles.change_phase(committee, c, phase=Phase.SCREENING, reason="提前投票", now=utcnow())
    assert c.phase(utcnow()) is Phase.VOTING
    assert voting.voting_problem(resident, c, utcnow()) == "shortlist_pending"
    with pytest.raises(ServiceError) as error:
        voting.cast_ballot(resident, c, [], now=utcnow())
    assert error.value.code == "shortlist_pending"


def test_an_unanswered_objection_holds_voting_and_cannot_be_answered_after_it_opens(ctx, world):
    a, committee, resident = _people(world)
    c, _approved, _rejected = f.shortlist_cycle(a, committee)
    moment = utcnow()
    shortlist.publish_shortlist(committee, c, now=moment)
    objection = shortlist.file_objection(resident, c, reason="不公平", proposal_id=None, now=moment)
    after_window = moment + timedelta(days=5, minutes=1)
    assert shortlist.voting_gate_problem(c.id, 5, after_window) == "shortlist_pending"
    at_voting = c.voting_at + timedelta(minutes=1)
    assert _code(
        lambda: shortlist.answer_objection(
            committee, objection, decision="dismissed", answer="名单不变", now=at_voting
        )
    ) == ("shortlist_answers_closed")
    shortlist.answer_objection(
        committee, objection, decision="dismissed", answer="名单符合规定", now=after_window
    )
    assert shortlist.voting_gate_problem(c.id, 5, after_window) is None


def test_two_publications_at_once_make_one(app, world):
    with app.app_context():
        a, committee, _r = _people(world)
        c, _x, _y = f.shortlist_cycle(a, committee)
        cycle_id, committee_id = c.id, committee.id
    codes: list[str] = []
    barrier = threading.Barrier(2)

    def publish() -> None:
        with app.app_context():
            cycle = cycles.find_cycle(cycle_id)
            actor = db.session.get(User, committee_id)
            barrier.wait()
            try:
                shortlist.publish_shortlist(actor, cycle, now=utcnow())
                codes.append("ok")
            except ServiceError as error:
                codes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["ok", "shortlist_already_published"]


def test_the_days_change_before_voting_until_the_list_is_published(ctx, world):
    a, committee, _resident = _people(world)
    c = f.cycle(a, committee, phase="screening")
    assert c.shortlist_days == 0
    shortlist.set_shortlist_days(committee, c, 3, now=utcnow())
    assert c.shortlist_days == 3
    assert _code(lambda: shortlist.set_shortlist_days(committee, c, 31, now=utcnow())) == (
        "shortlist_days_invalid"
    )
    assert _code(lambda: shortlist.set_shortlist_days(committee, c, 3, now=utcnow())) == (
        "nothing_changed"
    )
    other = db.session.get(User, world.ids["committee_b"])
    with pytest.raises(PermissionDenied):
        shortlist.set_shortlist_days(other, c, 4, now=utcnow())
    shortlist.publish_shortlist(committee, c, now=utcnow())
    assert _code(lambda: shortlist.set_shortlist_days(committee, c, 2, now=utcnow())) == (
        "shortlist_days_closed"
    )
    voting_now, _ = f.voting_cycle(a, committee)
    assert _code(lambda: shortlist.set_shortlist_days(committee, voting_now, 2, now=utcnow())) == (
        "shortlist_days_closed"
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cycle.shortlist_days"))
    assert entry.before == {"shortlist_days": 0} and entry.after == {"shortlist_days": 3}
