"""Acceptance (验收): the committee records inspections of a completed project, with documents
checked as uploads are; an accepted project is closed; paper survey answers join the online
stars."""

from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import func, select

from microprojects.extensions import db
from microprojects.models import (
    Acceptance,
    AcceptanceDocument,
    AuditEntry,
    Community,
    PaperSurvey,
    User,
    utcnow,
)
from microprojects.services import acceptance as acc
from microprojects.services import implementation as impl
from microprojects.services.errors import PermissionDenied, ServiceError
from microprojects.services.proposals import upload_dir


def _code(call):
    with pytest.raises(ServiceError) as error:
        call()
    return error.value.code


def _setup(world):
    a = db.session.get(Community, world.a_id)
    committee = db.session.get(User, world.ids["committee_a"])
    project, record = f.implemented_project(a, committee)
    return committee, project, record


PEOPLE = [
    acc.Inspector("李主任", "committee"),
    acc.Inspector("王秀英", "resident"),
    acc.Inspector("陈工", "supplier"),
]


def _record(actor, record, **kw):
    args = dict(
        round=acc.next_round(record), inspected_on=utcnow().date(), inspectors=PEOPLE,
        findings="灯具全部点亮，线路规整。", result="accepted", now=utcnow(),
    )  # fmt: skip
    args.update(kw)
    return acc.record_acceptance(actor, record, **args)


def test_an_accepted_inspection_closes_the_project_with_its_documents(ctx, world):
    committee, _project, record = _setup(world)
    committee_id = committee.id
    found = _record(
        committee, record,
        inspectors=[acc.Inspector("李主任", "committee", user_id=committee_id), *PEOPLE[1:]],
        documents=[acc.Document("C:\\fakepath\\验收单.pdf", f.pdf()),
                   acc.Document("现场.jpg", f.jpeg())],
    )  # fmt: skip
    assert found.result == "accepted" and found.round == 1
    assert [(i.name, i.role, i.user_id) for i in found.inspectors] == [
        ("李主任", "committee", committee_id), ("王秀英", "resident", None),
        ("陈工", "supplier", None),
    ]  # fmt: skip
    pdf_doc, photo = found.documents
    assert pdf_doc.title == "验收单.pdf" and pdf_doc.mime == "application/pdf"
    assert pdf_doc.filename.endswith(".pdf") and "验收" not in pdf_doc.filename
    assert (upload_dir() / pdf_doc.filename).read_bytes() == f.pdf()
    assert photo.mime == "image/jpeg" and photo.filename.endswith(".jpg")
    assert record.status == "accepted" and record.accepted_on == utcnow().date()
    log = db.session.scalar(select(AuditEntry).filter_by(action="acceptance.record"))
    assert log.after["result"] == "accepted" and log.after["documents"] == 2
    # Closed: no more spending, updates, milestones, nor another inspection.
    today = utcnow().date()
    closed = [
        lambda: impl.add_spending(
            committee, record, amount_fen=100, spent_on=today, note="", now=utcnow()
        ),
        lambda: impl.post_update(
            committee, record, body="又一条", status="accepted", progress_pct=100, now=utcnow()
        ),
        lambda: impl.add_milestone(committee, record, title="x", planned_on=None, now=utcnow()),
    ]
    assert [_code(call) for call in closed] == ["project_closed"] * 3
    assert _code(lambda: _record(committee, record)) == "project_closed"


def test_only_the_communitys_own_committee_records(ctx, world):
    _committee, _project, record = _setup(world)
    other = db.session.get(User, world.ids["committee_b"])
    resident = db.session.get(User, world.ids["resident_a"])
    for outsider in (other, resident):
        with pytest.raises(PermissionDenied):
            _record(outsider, record)
        with pytest.raises(PermissionDenied):
            acc.enter_survey(outsider, record, token="t", satisfied=1, basically=0,
                             dissatisfied=0, now=utcnow())  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(Acceptance)) == 0
    assert record.status == "completed"


def test_the_same_form_sent_twice_records_once(ctx, world):
    committee, _project, record = _setup(world)
    round_ = acc.next_round(record)
    _record(committee, record, round=round_, result="accepted_with_fixes", fixes="补装一盏灯",
            fixes_due=utcnow().date() + timedelta(days=10))  # fmt: skip
    assert _code(lambda: _record(committee, record, round=round_)) == "acceptance_recorded"
    assert db.session.scalar(select(func.count()).select_from(Acceptance)) == 1
    assert record.status == "completed"  # with fixes, a later inspection checks them


def test_not_accepted_sends_the_work_back_and_a_new_inspection_follows(ctx, world):
    committee, _project, record = _setup(world)
    first = _record(committee, record, result="not_accepted", redo="三号灯不亮，重新布线。")
    assert record.status == "in_progress" and record.completed_on is None
    # Not yet completed again: no inspection.
    assert _code(lambda: _record(committee, record)) == "acceptance_not_completed"
    impl.post_update(committee, record, body="已返工。", status="completed", progress_pct=100,
                     now=utcnow())  # fmt: skip
    second = _record(committee, record)
    assert (first.round, second.round) == (1, 2)
    story = acc.load(record)
    assert [a.round for a in story.history] == [2, 1] and story.current is second
    assert record.status == "accepted"


def test_what_each_result_needs(ctx, world):
    committee, _project, record = _setup(world)
    assert _code(lambda: _record(committee, record, result="passed")) == (
        "acceptance_result_unknown"
    )
    assert _code(lambda: _record(committee, record, result="accepted_with_fixes",
                                 fixes="补灯")) == "acceptance_fixes_required"  # fmt: skip
    assert _code(lambda: _record(committee, record, result="not_accepted", redo=" ")) == (
        "acceptance_redo_required"
    )
    assert _code(lambda: _record(committee, record, findings="  ")) == "required"
    assert _code(
        lambda: _record(committee, record, inspectors=[acc.Inspector(" ", "resident")])
    ) == ("acceptance_no_inspectors")
    assert _code(
        lambda: _record(committee, record, inspectors=[acc.Inspector("某人", "boss")])
    ) == ("acceptance_role_unknown")
    stranger = db.session.get(User, world.ids["committee_b"]).id
    linked = [acc.Inspector("某人", "committee", user_id=stranger)]
    assert _code(lambda: _record(committee, record, inspectors=linked)) == (
        "acceptance_inspector_account"
    )
    tomorrow = utcnow().date() + timedelta(days=1)
    assert _code(lambda: _record(committee, record, inspected_on=tomorrow)) == "date_in_future"
    assert record.status == "completed"
    assert db.session.scalar(select(func.count()).select_from(Acceptance)) == 0


def test_bad_documents_are_refused_and_nothing_is_left_behind(ctx, world):
    committee, _project, record = _setup(world)
    before = set(upload_dir().iterdir())
    html = b"<html><script>alert(1)</script></html>"
    assert _code(lambda: _record(committee, record, documents=[
        acc.Document("ok.pdf", f.pdf()), acc.Document("x.pdf", html)])) == (
        "document_not_pdf_or_image"
    )  # fmt: skip
    gif = b"GIF89a" + b"\x00" * 40
    assert _code(lambda: _record(committee, record, documents=[acc.Document("a.gif", gif)])) == (
        "photo_unsupported_format"
    )
    big = b"%PDF-1.4\n" + b"0" * acc.PDF_MAX_BYTES
    assert _code(lambda: _record(committee, record, documents=[acc.Document("b.pdf", big)])) == (
        "document_too_large"
    )
    many = [acc.Document(f"{i}.pdf", f.pdf()) for i in range(acc.MAX_DOCUMENTS + 1)]
    assert _code(lambda: _record(committee, record, documents=many)) == (
        "acceptance_too_many_documents"
    )
    assert set(upload_dir().iterdir()) == before  # the good PDF of the refused one is gone
    assert db.session.scalar(select(func.count()).select_from(AcceptanceDocument)) == 0
    assert record.status == "completed"


def test_only_a_completed_project_is_inspected(ctx, world):
    a = db.session.get(Community, world.a_id)
    committee = db.session.get(User, world.ids["committee_a"])
    _c, made, _ = f.final_cycle(a, committee)
    record = impl.start(committee, made[1], now=utcnow())
    assert _code(lambda: _record(committee, record)) == "acceptance_not_completed"
    assert _code(lambda: acc.enter_survey(committee, record, token="t", satisfied=3,
                                          basically=0, dissatisfied=0, now=utcnow())) == (
        "acceptance_not_completed"
    )  # fmt: skip


def test_paper_answers_join_the_online_stars_and_count_once(ctx, world):
    committee, project, record = _setup(world)
    resident = db.session.get(User, world.ids["resident_a"])
    impl.rate(resident, project, stars=2, comment="", now=utcnow())
    first = acc.enter_survey(committee, record, token="form-1", satisfied=30, basically=8,
                             dissatisfied=1, note="第一批", now=utcnow())  # fmt: skip
    again = acc.enter_survey(committee, record, token="form-1", satisfied=30, basically=8,
                             dissatisfied=1, note="第一批", now=utcnow())  # fmt: skip
    assert again.id == first.id
    _record(committee, record)
    acc.enter_survey(committee, record, token="form-2", satisfied=1, basically=0,
                     dissatisfied=0, now=utcnow())  # after acceptance too  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(PaperSurvey)) == 2
    found = acc.satisfaction_of(record)
    assert (found.online_number, found.online_mean, found.paper_number) == (1, 2.0, 40)
    assert found.rate == round(39 * 100 / 41, 1)
    assert first.entered_by_id == committee.id
    log = db.session.scalars(select(AuditEntry).filter_by(action="acceptance.survey")).all()
    assert len(log) == 2
    survey = acc.enter_survey
    assert _code(lambda: survey(committee, record, token="z", satisfied=0, basically=0,
                                dissatisfied=0, now=utcnow())) == "survey_no_answers"  # fmt: skip
    assert _code(lambda: survey(committee, record, token="z", satisfied=-1, basically=5,
                                dissatisfied=0, now=utcnow())) == "survey_count_range"  # fmt: skip


def test_the_database_keeps_one_outright_acceptance_and_named_fixes(ctx, world):
    from sqlalchemy.exc import IntegrityError

    committee, _project, record = _setup(world)
    _record(committee, record)
    db.session.add(Acceptance(implementation_id=record.id, round=2, inspected_on=date.today(),
                              findings="x", result="accepted"))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Acceptance(implementation_id=record.id, round=3, inspected_on=date.today(),
                              findings="x", result="accepted_with_fixes", fixes=""))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
