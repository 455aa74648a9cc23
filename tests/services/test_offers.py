"""The service menu: an organization's members write, submit and withdraw offers; the
administrator vets each once (two decisions at once make one) and the members are told; a
verified resident or a committee member proposes from an approved offer in scope through the
proposal service, at the menu's price; a full offer, one not approved, one of another street,
and a time without a collecting cycle are refused."""

from pathlib import Path

import factories as f
import pytest
from flask import current_app
from helpers import at_once
from sqlalchemy import func, select

from microprojects.domain.cycles import ProjectType
from microprojects.domain.offers import OfferStatus
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Community,
    Notification,
    OfferPhoto,
    Organization,
    Proposal,
    ServiceOffer,
    User,
    utcnow,
)
from microprojects.services import accounts, offers
from microprojects.services.errors import PermissionDenied, ServiceError
from microprojects.services.proposals import ProposalInput


def _people(w):
    return (
        db.session.get(Community, w.a_id),
        db.session.get(User, w.ids["organization"]),
        db.session.get(User, w.ids["admin"]),
    )


def _code(call):
    with pytest.raises(ServiceError) as error:
        call()
    return error.value.code


def _input(**overrides):
    values = {
        "title": "长者上门理发",
        "description": "理发师上门为行动不便的长者理发。",
        "price_fen": 30_00,
        "unit": "次",
        "project_type": ProjectType.SERVICE,
        "category": "养老助老",
        "capacity": 2,
        **overrides,
    }
    return offers.OfferInput(**values)


def _approved(member, admin, **overrides):
    offer = offers.create_offer(member, _input(**overrides), now=utcnow())
    offers.submit_offer(member, offer, now=utcnow())
    offers.decide_offer(admin, offer, approve=True, reason="", now=utcnow())
    return offer


def _proposal(**overrides):
    values = {
        "title": "长者上门理发",
        "description": "每月一次",
        "category": "养老助老",
        "project_type": ProjectType.SERVICE,
        "estimated_cost_fen": 0,
        **overrides,
    }
    return ProposalInput(**values)


def test_a_member_writes_an_offer_with_a_photo_and_submits_it(ctx, world):
    _a, member, _admin = _people(world)
    offer = offers.create_offer(member, _input(title=" 长者上门理发\u202e "), photos=[f.jpeg()],
                                now=utcnow())  # fmt: skip
    assert offer.status is OfferStatus.DRAFT and offer.title == "长者上门理发"
    assert offer.scope == "city" and offer.street_id is None
    [photo] = offer.photos
    assert (Path(current_app.config["UPLOAD_FOLDER"]) / photo.filename).exists()
    offers.submit_offer(member, offer, now=utcnow())
    assert offer.status is OfferStatus.PENDING and offer.submitted_at is not None
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_type == "offer")
    )
    assert list(actions) == ["offer.create", "offer.submit"]


def test_only_an_organizations_members_write_and_change_its_offers(ctx, world):
    a, member, admin = _people(world)
    resident = db.session.get(User, world.ids["resident_a"])
    assert (
        _code(lambda: offers.create_offer(resident, _input(), now=utcnow())) == "offer_not_member"
    )
    offer = offers.create_offer(member, _input(), now=utcnow())
    other_org = accounts.create_organization(admin, name="彩虹社工", registration_no=None,
                                             community=a, now=utcnow())  # fmt: skip
    other = f.user("other_org")
    accounts.add_organization_member(admin, other_org, other, now=utcnow())
    for call in (
        lambda: offers.update_offer(other, offer, _input(title="改了"), now=utcnow()),
        lambda: offers.submit_offer(other, offer, now=utcnow()),
        lambda: offers.withdraw_offer(other, offer, now=utcnow()),
        lambda: offers.submit_offer(admin, offer, now=utcnow()),
    ):
        with pytest.raises(PermissionDenied):
            call()
    db.session.rollback()
    assert db.session.get(ServiceOffer, offer.id).title == "长者上门理发"
    assert db.session.get(ServiceOffer, offer.id).status is OfferStatus.DRAFT


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"price_fen": 0}, "offer_price_range"),
        ({"price_fen": -100}, "offer_price_range"),
        ({"price_fen": 10**15}, "offer_price_range"),
        ({"capacity": 0}, "offer_capacity_range"),
        ({"title": "\u200b\u202e"}, "offer_title_required"),
        ({"description": "  "}, "offer_description_required"),
        ({"unit": ""}, "offer_unit_required"),
        ({"title": "长" * 81}, "too_long"),
        ({"category": "别的"}, "offer_unknown_category"),
        ({"street_id": 999_999}, "offer_unknown_street"),
    ],
)
def test_a_bad_offer_is_refused(ctx, world, overrides, code):
    _a, member, _admin = _people(world)
    assert _code(lambda: offers.create_offer(member, _input(**overrides), now=utcnow())) == code
    assert db.session.scalar(select(func.count()).select_from(ServiceOffer)) == 0


def test_a_bad_photo_is_refused_as_a_proposal_photo_is_and_nothing_kept(ctx, world):
    _a, member, _admin = _people(world)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    before = set(folder.iterdir()) if folder.exists() else set()
    refused = _code(lambda: offers.create_offer(member, _input(), photos=[b"not a photo"],
                                                now=utcnow()))  # fmt: skip
    assert refused == "photo_not_an_image"
    assert db.session.scalar(select(func.count()).select_from(ServiceOffer)) == 0
    assert db.session.scalar(select(func.count()).select_from(OfferPhoto)) == 0
    assert (set(folder.iterdir()) if folder.exists() else set()) == before


def test_vetting_refuses_with_a_reason_then_an_edit_sends_it_back_and_it_is_approved(ctx, world):
    _a, member, admin = _people(world)
    offer = offers.create_offer(member, _input(), now=utcnow())
    offers.submit_offer(member, offer, now=utcnow())
    assert offers.review_queue(admin) == [offer]
    with pytest.raises(PermissionDenied):
        offers.decide_offer(member, offer, approve=True, reason="", now=utcnow())
    assert _code(lambda: offers.decide_offer(admin, offer, approve=False, reason=" ",
                                             now=utcnow())) == "reason_required"  # fmt: skip
    offers.decide_offer(admin, offer, approve=False, reason="请写明服务时长", now=utcnow())
    assert offer.status is OfferStatus.REFUSED and offer.refusal_reason == "请写明服务时长"
    notice = db.session.scalar(select(Notification).where(Notification.user_id == member.id))
    assert notice.kind == "offer_refused" and notice.params["reason"] == "请写明服务时长"
    assert _code(lambda: offers.decide_offer(admin, offer, approve=True, reason="",
                                             now=utcnow())) == "offer_already_decided"  # fmt: skip
    offers.update_offer(member, offer, _input(description="每次 30 分钟。"), now=utcnow())
    assert offer.status is OfferStatus.PENDING
    offers.decide_offer(admin, offer, approve=True, reason="", now=utcnow())
    assert offer.status is OfferStatus.APPROVED
    assert [i.offer.id for i in offers.menu()] == [offer.id]
    # An approved offer edited goes back for vetting and off the menu.
    offers.update_offer(member, offer, _input(price_fen=35_00), now=utcnow())
    assert offer.status is OfferStatus.PENDING and offers.menu() == []
    offers.withdraw_offer(member, offer, now=utcnow())
    assert offer.status is OfferStatus.WITHDRAWN and offers.review_queue(admin) == []


def test_the_database_holds_an_offers_fields(ctx, world):
    from sqlalchemy.exc import IntegrityError

    org = db.session.scalar(select(Organization))
    for values in ({"price_fen": 0}, {"capacity": 0}, {"status": "refused"},
                   {"scope": "street"}, {"status": "approved"}):  # fmt: skip
        row = {"organization_id": org.id, "title": "理发", "price_fen": 100, "unit": "次",
               "category": "养老助老", "capacity": 1, **values}  # fmt: skip
        db.session.add(ServiceOffer(**row))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_resident_proposes_from_an_approved_offer_at_the_menus_price(ctx, world):
    a, member, admin = _people(world)
    resident = db.session.get(User, world.ids["resident_a"])
    committee = db.session.get(User, world.ids["committee_a"])
    offer = _approved(member, admin)
    cycle = f.cycle(a, committee)
    assert offers.propose_problem(resident, offer, utcnow()) is None
    proposal = offers.propose_from_offer(resident, offer, cycle, a, _proposal(), quantity=12,
                                         now=utcnow())  # fmt: skip
    assert proposal.offer_id == offer.id and proposal.author_id == resident.id
    assert proposal.estimated_cost_fen == 12 * 30_00 and proposal.offer_quantity == 12
    assert proposal.state.value == "submitted"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.submit"))
    assert entry.after["offer_id"] == offer.id
    # An edit of the offer changes nothing of the proposal made from it.
    offers.update_offer(member, offer, _input(price_fen=99_00, title="新标题"), now=utcnow())
    db.session.refresh(proposal)
    assert proposal.estimated_cost_fen == 12 * 30_00 and proposal.offer_price_fen == 30_00
    assert proposal.title == "长者上门理发"
    # The committee enters one for the residents, through the office path.
    offers.decide_offer(admin, offer, approve=True, reason="", now=utcnow())
    entered = offers.propose_from_offer(committee, offer, cycle, a, _proposal(), quantity=1,
                                        on_behalf_of="3栋居民", now=utcnow())  # fmt: skip
    assert entered.entered_by_id == committee.id and entered.on_behalf_of == "3栋居民"
    assert [u.proposal.id for u in offers.uses(offer)] == [entered.id, proposal.id]


def test_refusals_when_proposing(ctx, world):
    a, member, admin = _people(world)
    resident = db.session.get(User, world.ids["resident_a"])
    resident_b = db.session.get(User, world.ids["resident_b"])
    committee = db.session.get(User, world.ids["committee_a"])
    b = db.session.get(Community, world.b_id)
    street_offer = _approved(member, admin, street_id=a.street_id)
    # No collecting cycle yet: said so.
    assert offers.propose_problem(resident, street_offer, utcnow()) == "offer_no_collecting_cycle"
    cycle = f.cycle(a, committee)
    cycle_b = f.cycle(b, db.session.get(User, world.ids["committee_b"]))
    # Another street's community may not propose from this street's offer.
    assert offers.propose_problem(resident_b, street_offer, utcnow()) == "offer_out_of_scope"
    assert _code(lambda: offers.propose_from_offer(resident_b, street_offer, cycle_b, b,
                 _proposal(), quantity=1, now=utcnow())) == "offer_out_of_scope"  # fmt: skip
    # Not for a community one does not belong to.
    assert _code(lambda: offers.propose_from_offer(resident_b, _approved(member, admin), cycle, a,
                 _proposal(), quantity=1, now=utcnow())) == "offer_cannot_propose"  # fmt: skip
    assert _code(lambda: offers.propose_from_offer(resident, street_offer, cycle, a,
                 _proposal(), quantity=0, now=utcnow())) == "offer_quantity_range"  # fmt: skip
    pending = offers.create_offer(member, _input(), now=utcnow())
    assert _code(lambda: offers.propose_from_offer(resident, pending, cycle, a, _proposal(),
                 quantity=1, now=utcnow())) == "offer_not_approved"  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_an_offer_is_full_while_its_funded_projects_are_not_accepted(ctx, world):
    a, member, admin = _people(world)
    resident = db.session.get(User, world.ids["resident_a"])
    committee = db.session.get(User, world.ids["committee_a"])
    offer = _approved(member, admin, capacity=1)
    _, made, _ = f.final_cycle(a, admin)
    funded = made[0]
    funded.offer_id = offer.id  # as if it had been proposed from the offer
    db.session.commit()
    assert offers.in_hand(offer) == 1
    record = offers.delivery_record(offer.organization_id)
    assert (record.funded, record.accepted) == (1, 0)
    cycle = f.cycle(a, committee)
    assert offers.propose_problem(resident, offer, utcnow()) == "offer_full"
    assert _code(lambda: offers.propose_from_offer(resident, offer, cycle, a, _proposal(),
                 quantity=1, now=utcnow())) == "offer_full"  # fmt: skip
    assert [u.funded for u in offers.uses(offer)] == [True]
    # Accepted: delivered, and the offer has room again.
    from microprojects.services import implementation

    record_ = implementation.start(admin, funded, now=utcnow())
    record_.status, record_.accepted_on = "accepted", utcnow().date()
    db.session.commit()
    assert offers.in_hand(offer) == 0
    assert offers.delivery_record(offer.organization_id).accepted == 1
    assert offers.propose_problem(resident, offer, utcnow()) is None
    # Its satisfaction: online ratings and the paper survey's answers together.
    assert offers.delivery_record(offer.organization_id).satisfaction_pct is None
    from microprojects.services import acceptance

    implementation.rate(resident, funded, stars=2, comment="", now=utcnow())
    acceptance.enter_survey(admin, record_, token="s1", satisfied=6, basically=2, dissatisfied=1,
                            now=utcnow())  # fmt: skip
    shown = offers.delivery_record(offer.organization_id)
    assert (shown.ratings, shown.average_stars, shown.paper_answers) == (1, 2.0, 9)
    assert shown.satisfaction_pct == 80.0  # 8 of 10 answers


def test_two_decisions_at_once_make_one(app, world):
    with app.app_context():
        _a, member, admin = _people(world)
        offer = offers.create_offer(member, _input(), now=utcnow())
        offers.submit_offer(member, offer, now=utcnow())
        offer_id, admin_id = offer.id, admin.id

    def decide(i: int) -> None:
        offers.decide_offer(
            db.session.get(User, admin_id), offers.find_offer(offer_id), approve=i == 0,
            reason="" if i == 0 else "价格偏高", now=utcnow(),
        )  # fmt: skip

    assert at_once(app, decide) == ["offer_already_decided", "ok"]
    with app.app_context():
        decided = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.in_(["offer.approve", "offer.refuse"]))
        )
        assert decided == 1
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
