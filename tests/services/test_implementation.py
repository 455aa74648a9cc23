"""After the count: objections during publication, implementation records with spending and
milestones, progress updates that reach followers, ratings once per resident, problem reports."""

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
    Count,
    Notification,
    Objection,
    ProgressPhoto,
    Rating,
    Spending,
    User,
    utcnow,
)
from microprojects.services import counting, cycles, publication, remedies
from microprojects.services import implementation as impl
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


# --- objections ---------------------------------------------------------------------------


def test_residents_object_while_provisional_and_the_committee_answers(ctx, world):
    a, committee, resident = _people(world)
    cycle, made, count = f.counted_cycle(a, committee)
    assert publication.status_of(cycle, utcnow()).value == "provisional"
    objection = publication.file_objection(
        resident, cycle, reason="第三个项目的报价明显偏高", proposal_id=made[2].id, now=utcnow()
    )
    assert objection.count_id == count.id and objection.status == "open"
    outsider = db.session.get(User, world.ids["resident_b"])
    unverified = db.session.get(User, world.ids["unverified"])
    file = publication.file_objection
    assert (
        _code(lambda: file(outsider, cycle, reason="x", proposal_id=None, now=utcnow()))
        == "cannot_object_other_community"
    )
    assert (
        _code(lambda: file(unverified, cycle, reason="x", proposal_id=None, now=utcnow()))
        == "cannot_object_not_verified"
    )
    assert _code(lambda: file(resident, cycle, reason="  ", proposal_id=None, now=utcnow())) == (
        "reason_required"
    )
    with pytest.raises(PermissionDenied):
        publication.answer_objection(
            resident, objection, decision="dismissed", answer="x", now=utcnow()
        )
    publication.answer_objection(
        committee, objection, decision="upheld", answer="已核实，报价改为 5,000 元并重新计票",
        now=utcnow(),
    )  # fmt: skip
    assert objection.status == "upheld" and objection.answered_by_id == committee.id
    assert (
        _code(
            lambda: publication.answer_objection(
                committee, objection, decision="dismissed", answer="再答", now=utcnow()
            )
        )
        == "objection_answered"
    )
    notice = db.session.scalar(select(Notification).filter_by(kind="objection_answered"))
    assert notice.user_id == resident.id
    # The correction: the cost is corrected by a remedy and the count run again; both counts
    # are kept.
    remedies.add_remedy(
        committee, cycle, objection, proposal_id=made[2].id, kind="cost", cost_fen=5_000_00,
        reason="报价改为 5,000 元", now=utcnow(),
    )  # fmt: skip
    second = counting.run_count(committee, cycle, now=utcnow(), reason="采纳异议：报价有误")
    assert second.number == 2 and {o.funded for o in second.outcomes} == {True}
    assert db.session.scalar(select(func.count()).select_from(Count)) == 2
    # Once the publication period ends the result is final and objections close.
    cycles.change_phase(committee, cycle, phase=Phase.PUBLICATION, reason="期满", now=utcnow())
    assert publication.status_of(cycle, utcnow()).value == "final"
    assert _code(lambda: file(resident, cycle, reason="晚了", proposal_id=None, now=utcnow())) == (
        "objections_closed"
    )


def test_one_resident_has_at_most_three_open_objections(ctx, world):
    a, committee, resident = _people(world)
    cycle, _, _ = f.counted_cycle(a, committee)
    for n in range(3):
        publication.file_objection(
            resident, cycle, reason=f"异议{n}", proposal_id=None, now=utcnow()
        )
    code = _code(
        lambda: publication.file_objection(
            resident, cycle, reason="第四条", proposal_id=None, now=utcnow()
        )
    )
    assert code == "objections_too_many"
    assert db.session.scalar(select(func.count()).select_from(Objection)) == 3


# --- implementation -------------------------------------------------------------------------


def test_a_project_is_implemented_with_spending_milestones_and_updates(ctx, world):
    a, committee, _ = _people(world)
    project, record = f.implemented_project(a, committee)
    assert record.contractor == "海口市美兰区某建筑公司"
    s = impl.summary(record)
    assert (s.planned, s.actual, s.left, s.over, s.used_pct) == (
        10_000_00, 18_000_00, -8_000_00, True, 180,
    )  # fmt: skip
    assert [m.title for m in record.milestones] == ["进场施工", "验收"]
    assert record.milestones[0].done_on is not None and record.milestones[1].done_on is None
    assert [u.status for u in record.updates] == ["completed", "in_progress"]
    assert {p.kind for p in db.session.scalars(select(ProgressPhoto))} == {"before", "after"}
    assert record.status == "completed" and record.completed_on == utcnow().date()
    assert impl.shown_progress(record) == 100
    # The proposer heard of both updates.
    notices = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == project.author_id)
    ).all()
    assert notices.count("progress") == 2
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"implementation.start", "implementation.spend", "implementation.update"} <= actions


def test_only_projects_funded_by_a_final_result_are_implemented(ctx, world):
    a, committee, _ = _people(world)
    cycle, made, _ = f.counted_cycle(a, committee)
    assert (
        _code(lambda: impl.start(committee, made[0], now=utcnow())) == "not_funded"
    )  # provisional
    cycles.change_phase(committee, cycle, phase=Phase.PUBLICATION, reason="期满", now=utcnow())
    assert _code(lambda: impl.start(committee, made[2], now=utcnow())) == "not_funded"  # lost
    record = impl.start(committee, made[0], now=utcnow())
    assert impl.start(committee, made[0], now=utcnow()).id == record.id  # once
    assert record.planned_fen == made[0].cost_fen
    with pytest.raises(PermissionDenied):
        impl.start(db.session.get(User, world.ids["committee_b"]), made[1], now=utcnow())


def test_status_moves_forward_one_step_and_acceptance_is_final(ctx, world):
    a, committee, _ = _people(world)
    _cycle, made, _ = f.final_cycle(a, committee)
    record = impl.start(committee, made[1], now=utcnow())

    def post(status, pct=50):
        return impl.post_update(
            committee, record, body="进展", status=status, progress_pct=pct, now=utcnow()
        )

    assert _code(lambda: post("completed")) == "status_move"
    assert post("in_progress", 130 - 30).progress_pct == 99  # not done until completed
    post("completed")
    post("in_progress", 80)  # a problem found at the check
    assert record.completed_on is None
    post("completed")
    post("accepted")
    assert record.accepted_on is not None
    assert _code(lambda: post("in_progress")) == "status_move"
    assert _code(lambda: post("finished")) == "status_unknown"


def test_a_spending_entry_taken_back_stays_in_the_log(ctx, world):
    a, committee, _ = _people(world)
    _, record = f.implemented_project(a, committee)
    entry = record.spending[-1]
    assert _code(lambda: impl.remove_spending(committee, entry, reason=" ", now=utcnow())) == (
        "reason_required"
    )
    impl.remove_spending(committee, entry, reason="重复录入", now=utcnow())
    assert impl.summary(record).actual == 12_000_00
    log = db.session.scalar(select(AuditEntry).filter_by(action="implementation.unspend"))
    assert log.before["amount_fen"] == 6_000_00 and log.after == {"reason": "重复录入"}
    assert _code(
        lambda: impl.add_spending(
            committee, record, amount_fen=0, spent_on=utcnow().date(), note="", now=utcnow()
        )
    ) == ("amount_not_positive")
    assert _code(
        lambda: impl.add_spending(
            committee,
            record,
            amount_fen=1,
            spent_on=utcnow().date() + timedelta(days=2),
            note="",
            now=utcnow(),
        )
    ) == ("date_in_future")
    assert db.session.scalar(select(func.count()).select_from(Spending)) == 1


# --- residents ------------------------------------------------------------------------------


def test_residents_of_the_community_rate_a_completed_project_once(ctx, world):
    a, committee, resident = _people(world)
    project, _ = f.implemented_project(a, committee)
    impl.rate(resident, project, stars=4, comment="路灯很亮", now=utcnow())
    assert _code(lambda: impl.rate(resident, project, stars=5, comment="", now=utcnow())) == (
        "already_rated"
    )
    outsider = db.session.get(User, world.ids["resident_b"])
    assert _code(lambda: impl.rate(outsider, project, stars=1, comment="", now=utcnow())) == (
        "cannot_rate_other_community"
    )
    voter = db.session.scalar(select(User).where(User.username.like("voter%")))
    assert _code(lambda: impl.rate(voter, project, stars=6, comment="", now=utcnow())) == (
        "stars_range"
    )
    impl.rate(voter, project, stars=5, comment="", now=utcnow())
    summary = impl.ratings(project)
    assert (summary.number, summary.mean, summary.counts[4], summary.counts[5]) == (2, 4.5, 1, 1)


def test_a_resident_rating_from_many_tabs_at_once_counts_once(app, world):
    with app.app_context():
        a, committee, resident = _people(world)
        project, _ = f.implemented_project(a, committee)
        project_id, resident_id = project.id, resident.id
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def rate(stars: int) -> None:
        from microprojects.models import Proposal

        with app.app_context():
            user = db.session.get(User, resident_id)
            proposal = db.session.get(Proposal, project_id)
            barrier.wait()
            try:
                impl.rate(user, proposal, stars=stars, comment="", now=utcnow())
                outcomes.append("rated")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=rate, args=(1 + n % 5,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("rated") == 1 and set(outcomes) <= {"rated", "already_rated"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 1


def test_rating_waits_for_completion(ctx, world):
    a, committee, resident = _people(world)
    _, made, _ = f.final_cycle(a, committee)
    impl.start(committee, made[1], now=utcnow())
    assert _code(lambda: impl.rate(resident, made[1], stars=3, comment="", now=utcnow())) == (
        "rating_not_open"
    )


def test_a_problem_is_reported_with_a_photo_and_answered_publicly(ctx, world):
    a, committee, resident = _people(world)
    project, _ = f.implemented_project(a, committee)
    report = impl.report_problem(
        resident, project, body="第三盏路灯不亮", photo=f.jpeg(), now=utcnow()
    )
    assert report.photo_filename and report.photo_mime == "image/jpeg"
    assert (impl.upload_dir() / report.photo_filename).is_file()
    assert _code(
        lambda: impl.report_problem(resident, project, body="x", photo=b"not a photo",
                                    now=utcnow())
    ).startswith("photo_")  # fmt: skip
    impl.answer_problem(committee, report, answer="已通知施工方本周更换灯泡", now=utcnow())
    assert report.answered_at is not None
    notice = db.session.scalar(select(Notification).filter_by(kind="problem_answered"))
    assert notice.user_id == resident.id
    with pytest.raises(PermissionDenied):
        impl.answer_problem(resident, report, answer="自己答", now=utcnow())


def test_following_a_project_brings_its_news(ctx, world):
    a, committee, _ = _people(world)
    _, made, _ = f.final_cycle(a, committee)
    follower = db.session.get(User, world.ids["resident_b"])  # anyone may follow
    assert impl.follow(follower, made[1], now=utcnow()) is True
    assert impl.follow(follower, made[1], now=utcnow()) is False
    record = impl.start(committee, made[1], now=utcnow())
    impl.post_update(committee, record, body="开工", status="in_progress", progress_pct=10,
                     now=utcnow())  # fmt: skip
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == follower.id)
    ).all()
    assert kinds == ["progress"]
    impl.unfollow(follower, made[1])
    assert not impl.is_following(follower, made[1])
