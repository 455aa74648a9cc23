"""Small wishes: sent by the community's verified residents only, at most five open each, with
photos checked as proposals' are; answered once by that community's committee, each answer with
what it needs; a proposal made once from a taken wish, only in a cycle collecting now; the
resident told each time; the database holding each answer's fields."""

from datetime import timedelta
from pathlib import Path

import factories as f
import pytest
from flask import current_app
from helpers import at_once
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.cycles import ProjectType
from microprojects.domain.wishes import MAX_OPEN_PER_PERSON, WishStatus
from microprojects.extensions import db
from microprojects.models import AuditEntry, Community, Notification, Proposal, User, Wish, utcnow
from microprojects.services import wishes
from microprojects.services.errors import PermissionDenied, ServiceError
from microprojects.services.proposals import ProposalInput


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


def _input(**overrides):
    values = {
        "title": "楼道装扶手",
        "description": "",
        "category": "设施维修",
        "project_type": ProjectType.GOODS,
        "estimated_cost_fen": 2_000_00,
        **overrides,
    }
    return ProposalInput(**values)


def test_a_resident_sends_a_wish_with_a_photo_kept_cleaned(ctx, world):
    a, _committee, resident = _people(world)
    wish = wishes.send_wish(
        resident, a, text="  3栋楼道想装个扶手\u202e ", place="3栋", photo=f.jpeg(), now=utcnow()
    )
    assert wish.status is WishStatus.OPEN
    assert wish.text == "3栋楼道想装个扶手"
    assert wish.photo_mime == "image/jpeg"
    assert (Path(current_app.config["UPLOAD_FOLDER"]) / wish.photo_filename).exists()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "wish.send"))
    assert entry.subject_id == str(wish.id) and entry.after["photo"] is True


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a photo at all", "photo_not_an_image"),
        (b"GIF89a" + b"\x00" * 40, "photo_unsupported_format"),
    ],
)
def test_a_bad_upload_is_refused_as_a_proposal_photo_is_and_nothing_kept(ctx, world, data, code):
    a, _committee, resident = _people(world)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    before = set(folder.iterdir()) if folder.exists() else set()
    refused = _code(lambda: wishes.send_wish(resident, a, text="装扶手", photo=data, now=utcnow()))
    assert refused == code
    assert db.session.scalar(select(func.count()).select_from(Wish)) == 0
    assert (set(folder.iterdir()) if folder.exists() else set()) == before


def test_only_the_communitys_verified_residents_send_wishes(ctx, world):
    a, committee, _resident = _people(world)
    other = db.session.get(User, world.ids["resident_b"])
    unverified = db.session.get(User, world.ids["unverified"])
    assert _code(lambda: wishes.send_wish(other, a, text="x", now=utcnow())) == (
        "cannot_wish_other_community"
    )
    assert _code(lambda: wishes.send_wish(unverified, a, text="x", now=utcnow())) == (
        "cannot_wish_not_verified"
    )
    assert _code(lambda: wishes.send_wish(committee, a, text="x", now=utcnow())) == (
        "cannot_wish_not_verified"
    )


def test_empty_or_long_text_is_refused(ctx, world):
    a, _committee, resident = _people(world)
    assert _code(lambda: wishes.send_wish(resident, a, text=" \u200b ", now=utcnow())) == (
        "wish_text_required"
    )
    assert _code(lambda: wishes.send_wish(resident, a, text="长" * 501, now=utcnow())) == (
        "too_long"
    )


def test_at_most_five_open_wishes_a_person(ctx, world):
    a, committee, resident = _people(world)
    sent = [
        wishes.send_wish(resident, a, text=f"心愿{i}", now=utcnow())
        for i in range(MAX_OPEN_PER_PERSON)
    ]
    assert _code(lambda: wishes.send_wish(resident, a, text="再一个", now=utcnow())) == (
        "wish_too_many_open"
    )
    wishes.answer_wish(committee, sent[0], status="declined", answer="不在范围内", now=utcnow())
    wishes.send_wish(resident, a, text="再一个", now=utcnow())


def test_the_committee_answers_once_and_the_resident_is_told(ctx, world):
    a, committee, resident = _people(world)
    wish = wishes.send_wish(resident, a, text="路灯坏了", now=utcnow())
    wishes.answer_wish(
        committee, wish, status="referred", answer="已转12345，工单号123",
        referred_to="12345 市民热线", now=utcnow(),
    )  # fmt: skip
    assert wish.status is WishStatus.REFERRED and wish.answered_by_id == committee.id
    assert _code(
        lambda: wishes.answer_wish(committee, wish, status="declined", answer="再答", now=utcnow())
    ) == ("wish_already_answered")
    told = db.session.scalars(select(Notification).filter_by(user_id=resident.id)).all()
    assert [(n.kind, n.params["status"]) for n in told] == [("wish_answered", "referred")]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "wish.answer")).after[
        "referred_to"
    ] == ("12345 市民热线")


def test_each_answer_needs_its_fields(ctx, world):
    a, committee, resident = _people(world)
    wish = wishes.send_wish(resident, a, text="路灯坏了", now=utcnow())
    call = wishes.answer_wish
    assert _code(lambda: call(committee, wish, status="referred", answer="已转", now=utcnow())) == (
        "wish_referred_to_required"
    )
    assert _code(
        lambda: call(
            committee, wish, status="referred", answer=" ", referred_to="物业", now=utcnow()
        )
    ) == ("wish_answer_text_required")
    assert _code(lambda: call(committee, wish, status="declined", answer="", now=utcnow())) == (
        "wish_answer_text_required"
    )
    assert _code(lambda: call(committee, wish, status="open", answer="x", now=utcnow())) == (
        "wish_answer_unknown"
    )
    assert _code(lambda: call(committee, wish, status="bogus", answer="x", now=utcnow())) == (
        "wish_answer_unknown"
    )
    # A where-to given with another answer is not kept.
    call(committee, wish, status="taken", answer="", referred_to="物业", now=utcnow())
    assert wish.referred_to == ""


def test_another_communitys_committee_and_residents_may_not_answer(ctx, world):
    a, _committee, resident = _people(world)
    wish = wishes.send_wish(resident, a, text="路灯坏了", now=utcnow())
    for name in ("committee_b", "resident_a", "resident_b"):
        other = db.session.get(User, world.ids[name])
        with pytest.raises(PermissionDenied):
            wishes.answer_wish(other, wish, status="declined", answer="no", now=utcnow())
    db.session.refresh(wish)
    assert wish.status is WishStatus.OPEN


def test_a_taken_wish_becomes_one_proposal_of_a_collecting_cycle(ctx, world):
    a, committee, resident = _people(world)
    wish = wishes.send_wish(resident, a, text="3栋楼道装扶手", place="3栋", now=utcnow())
    assert _code(
        lambda: wishes.propose_from_wish(
            committee, wish, f.cycle(a, committee), _input(), on_behalf_of="居民", now=utcnow()
        )
    ) == ("wish_not_taken")
    wishes.answer_wish(committee, wish, status="taken", answer="", now=utcnow())
    screening = f.cycle(a, committee, phase="screening")
    assert _code(
        lambda: wishes.propose_from_wish(
            committee, wish, screening, _input(), on_behalf_of="居民", now=utcnow()
        )
    ) == ("wish_no_collecting_cycle")
    other = db.session.get(Community, world.b_id)
    elsewhere = f.cycle(other, db.session.get(User, world.ids["committee_b"]))
    assert _code(
        lambda: wishes.propose_from_wish(
            committee, wish, elsewhere, _input(), on_behalf_of="居民", now=utcnow()
        )
    ) == ("wish_no_collecting_cycle")
    with pytest.raises(PermissionDenied):
        wishes.propose_from_wish(
            db.session.get(User, world.ids["committee_b"]), wish, elsewhere, _input(),
            on_behalf_of="居民", now=utcnow(),
        )  # fmt: skip
    collecting = f.cycle(a, committee)
    proposal = wishes.propose_from_wish(
        committee, wish, collecting, _input(description="ignored"), on_behalf_of="一位居民",
        now=utcnow(),
    )  # fmt: skip
    assert proposal.wish_id == wish.id and proposal.description == "3栋楼道装扶手"
    assert proposal.state == "submitted" and proposal.entered_by_id == committee.id
    assert wish.proposal.id == proposal.id
    assert _code(
        lambda: wishes.propose_from_wish(
            committee, wish, collecting, _input(), on_behalf_of="居民", now=utcnow()
        )
    ) == ("wish_already_proposed")
    kinds = db.session.scalars(
        select(Notification.kind).filter_by(user_id=resident.id).order_by(Notification.id)
    ).all()
    assert kinds == ["wish_answered", "wish_proposed"]
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_the_wall_and_the_committee_list(ctx, world):
    a, committee, resident = _people(world)
    first = wishes.send_wish(resident, a, text="一", now=utcnow() - timedelta(days=2))
    second = wishes.send_wish(resident, a, text="二", now=utcnow() - timedelta(days=1))
    third = wishes.send_wish(resident, a, text="三", now=utcnow())
    wishes.answer_wish(committee, third, status="declined", answer="不合适", now=utcnow())
    listing = wishes.committee_list(committee, a)
    assert [w.id for w in listing.open] == [first.id, second.id]  # the longest waiting first
    assert [w.id for w in listing.answered] == [third.id]
    assert listing.counts == {"open": 2, "taken": 0, "referred": 0, "declined": 1}
    assert [w.id for w in wishes.wall(a)] == [third.id, second.id, first.id]
    with pytest.raises(PermissionDenied):
        wishes.committee_list(db.session.get(User, world.ids["committee_b"]), a)


def test_the_photo_is_its_authors_and_the_committees(ctx, world):
    a, committee, resident = _people(world)
    wish = wishes.send_wish(resident, a, text="装扶手", photo=f.jpeg(), now=utcnow())
    assert wishes.may_see_photo(resident, wish) and wishes.may_see_photo(committee, wish)
    for name in ("resident_b", "committee_b", "unverified"):
        assert not wishes.may_see_photo(db.session.get(User, world.ids[name]), wish)
    assert not wishes.may_see_photo(None, wish)


@pytest.mark.parametrize(
    "values",
    [
        {"status": "referred", "answer": "已转"},  # where to
        {"status": "declined", "answer": ""},  # why
        {"status": "open", "answer": "答了"},  # an open wish has no answer
        {"status": "taken", "answer": ""},  # who answered, when
    ],
)
def test_the_database_holds_each_answers_fields(ctx, world, values):
    a, _committee, resident = _people(world)
    answered_at = None if values["status"] in ("open", "taken") else utcnow()
    db.session.add(
        Wish(
            community_id=a.id,
            author_id=resident.id,
            text="x",
            created_at=utcnow(),
            answered_at=answered_at,
            **values,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_two_answers_at_once_make_one(app, world):
    with app.app_context():
        a, committee, resident = _people(world)
        wish_id = wishes.send_wish(resident, a, text="路灯坏了", now=utcnow()).id
        committee_id = committee.id

    def answer(i: int) -> None:
        wishes.answer_wish(
            db.session.get(User, committee_id), wishes.find_wish(wish_id),
            status="declined", answer=f"答复{i}", now=utcnow(),
        )  # fmt: skip

    assert at_once(app, answer) == ["ok", "wish_already_answered"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "wish.answer")
            )
            == 1
        )


def test_two_proposals_from_one_wish_at_once_make_one(app, world):
    with app.app_context():
        a, committee, resident = _people(world)
        wish = wishes.send_wish(resident, a, text="楼道装扶手", now=utcnow())
        wishes.answer_wish(committee, wish, status="taken", answer="", now=utcnow())
        wish_id, cycle_id, committee_id = wish.id, f.cycle(a, committee).id, committee.id

    def propose(i: int) -> None:
        from microprojects.services.cycles import find_cycle

        wishes.propose_from_wish(
            db.session.get(User, committee_id), wishes.find_wish(wish_id), find_cycle(cycle_id),
            _input(), on_behalf_of="一位居民", now=utcnow(),
        )  # fmt: skip

    assert at_once(app, propose) == ["ok", "wish_already_proposed"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_a_sixth_wish_sent_twice_at_once_is_kept_once(app, world):
    with app.app_context():
        a, _committee, resident = _people(world)
        for i in range(MAX_OPEN_PER_PERSON - 1):
            wishes.send_wish(resident, a, text=f"心愿{i}", now=utcnow())
        community_id, resident_id = a.id, resident.id

    def send(i: int) -> None:
        wishes.send_wish(
            db.session.get(User, resident_id), db.session.get(Community, community_id),
            text=f"最后一个{i}", now=utcnow(),
        )  # fmt: skip

    assert at_once(app, send) == ["ok", "wish_too_many_open"]
