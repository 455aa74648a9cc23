"""Delivery contracts: recorded by the committee of the project's community within the planned
budget, amended until fully paid; every later spending entry is a payment against it, never
beyond its amount (not even two at once); the supplier's updates wait for approval, and two
approvals at once publish once."""

from datetime import timedelta

import factories as f
import pytest
from helpers import at_once
from sqlalchemy import func, select

from microprojects.domain.contracts import UpdateReview
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Community,
    DeliveryContract,
    Notification,
    Organization,
    ProgressUpdate,
    Spending,
    User,
    utcnow,
)
from microprojects.services import accounts
from microprojects.services import contracts as svc
from microprojects.services import implementation as impl
from microprojects.services.errors import PermissionDenied, ServiceError


def _code(call):
    with pytest.raises(ServiceError) as error:
        call()
    return error.value.code


def _people(world):
    a = db.session.get(Community, world.a_id)
    committee = db.session.get(User, world.ids["committee_a"])
    org_user = db.session.get(User, world.ids["organization"])
    org = org_user.organization_membership.organization
    return a, committee, org_user, org


def _terms(**kw):
    today = utcnow().date()
    values = dict(
        organization_id=None, company_name="海口市美兰区某建筑公司", number="",
        amount_fen=5_000_00, signed_on=today, starts_on=today,
        ends_on=today + timedelta(days=30), deliverables="更换路灯",
    )  # fmt: skip
    values.update(kw)
    return svc.ContractTerms(**values)


def _open_record(a, committee):
    _, made, _ = f.final_cycle(a, committee)
    record = impl.start(committee, made[0], now=utcnow())
    impl.update_details(committee, record, contractor="旧的承建单位", planned_fen=10_000_00,
                        now=utcnow())  # fmt: skip
    return record


def _pay(actor, record, fen, note="进度款"):
    return impl.add_spending(
        actor, record, amount_fen=fen, spent_on=utcnow().date(), note=note, now=utcnow()
    )


def test_a_contract_names_its_supplier_on_the_record(ctx, world):
    a, committee, _, org = _people(world)
    record = _open_record(a, committee)
    terms = _terms(organization_id=org.id, company_name="")
    contract = svc.record_contract(committee, record, terms, now=utcnow())
    assert contract.supplier == org.name == record.contractor
    entry = db.session.scalar(select(AuditEntry).filter_by(action="contract.record"))
    assert entry.before == {"contractor": "旧的承建单位"}
    assert entry.after["amount_fen"] == 5_000_00


def test_the_amount_is_bounded_by_the_plan_with_the_figures(ctx, world):
    a, committee, _, _ = _people(world)
    record = _open_record(a, committee)
    for amount in (0, -100):
        assert _code(
            lambda amount=amount: svc.record_contract(
                committee, record, _terms(amount_fen=amount), now=utcnow()
            )
        ) == "contract_amount_not_positive"  # fmt: skip
    with pytest.raises(ServiceError) as error:
        svc.record_contract(committee, record, _terms(amount_fen=10_000_01), now=utcnow())
    assert error.value.code == "contract_above_plan"
    assert error.value.params == {"amount": "10,000.01", "planned": "10,000", "paid": "0"}
    assert svc.record_contract(committee, record, _terms(amount_fen=10_000_00), now=utcnow())


def test_terms_that_cannot_be(ctx, world):
    a, committee, _, org = _people(world)
    record = _open_record(a, committee)
    today = utcnow().date()
    refused = {
        "contract_ends_before_start": _terms(ends_on=today - timedelta(days=1)),
        "contract_supplier_one": _terms(organization_id=org.id),
        "required": _terms(deliverables=" \u200b "),
        "contract_organization_unknown": _terms(organization_id=99999, company_name=""),
    }
    for code, terms in refused.items():
        assert (
            _code(lambda t=terms: svc.record_contract(committee, record, t, now=utcnow())) == code
        )
    assert _code(
        lambda: svc.record_contract(committee, record, _terms(company_name=""), now=utcnow())
    ) == "contract_supplier_one"  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(DeliveryContract)) == 0


def test_one_contract_per_project_and_only_its_committee(ctx, world):
    a, committee, org_user, _ = _people(world)
    record = _open_record(a, committee)
    other = db.session.get(User, world.ids["committee_b"])
    with pytest.raises(PermissionDenied):
        svc.record_contract(other, record, _terms(), now=utcnow())
    with pytest.raises(PermissionDenied):
        svc.record_contract(org_user, record, _terms(), now=utcnow())
    svc.record_contract(committee, record, _terms(), now=utcnow())
    assert _code(lambda: svc.record_contract(committee, record, _terms(), now=utcnow())) == (
        "contract_exists"
    )


def test_payments_go_against_the_contract_up_to_its_amount(ctx, world):
    a, committee, _, _ = _people(world)
    record = _open_record(a, committee)
    before = _pay(committee, record, 1_000_00, "设计费")  # before the contract: not a payment
    contract = svc.record_contract(committee, record, _terms(amount_fen=5_000_00), now=utcnow())
    first = _pay(committee, record, 3_000_00)
    assert before.contract_id is None and first.contract_id == contract.id
    with pytest.raises(ServiceError) as error:
        _pay(committee, record, 2_000_01)
    assert error.value.code == "contract_overpaid"
    assert error.value.params == {
        "amount": "2,000.01", "contract": "5,000", "paid": "3,000", "remaining": "2,000",
    }  # fmt: skip
    _pay(committee, record, 2_000_00)
    money = svc.summary(contract)
    assert (money.paid, money.remaining, money.fully_paid) == (5_000_00, 0, True)


def test_amended_until_fully_paid_never_below_what_is_paid(ctx, world):
    a, committee, _, _ = _people(world)
    record = _open_record(a, committee)
    contract = svc.record_contract(committee, record, _terms(amount_fen=5_000_00), now=utcnow())
    _pay(committee, record, 3_000_00)
    with pytest.raises(ServiceError) as error:
        svc.amend_contract(committee, contract, _terms(amount_fen=2_000_00), now=utcnow())
    assert error.value.code == "contract_below_paid"
    assert error.value.params["paid"] == "3,000"
    assert _code(
        lambda: svc.amend_contract(committee, contract, _terms(amount_fen=5_000_00), now=utcnow())
    ) == "nothing_changed"  # fmt: skip
    svc.amend_contract(committee, contract, _terms(amount_fen=4_000_00, number="ZX-7"),
                       now=utcnow())  # fmt: skip
    entry = db.session.scalar(select(AuditEntry).filter_by(action="contract.amend"))
    assert entry.before["amount_fen"] == 5_000_00 and entry.after["amount_fen"] == 4_000_00
    assert entry.after["number"] == "ZX-7"
    _pay(committee, record, 1_000_00)
    assert _code(
        lambda: svc.amend_contract(committee, contract, _terms(amount_fen=6_000_00), now=utcnow())
    ) == "contract_fully_paid"  # fmt: skip
    other = db.session.get(User, world.ids["committee_b"])
    with pytest.raises(PermissionDenied):
        svc.amend_contract(other, contract, _terms(amount_fen=4_500_00), now=utcnow())


def test_a_supplier_update_waits_then_is_published_and_told(ctx, world):
    a, committee, org_user, org = _people(world)
    project, record, contract = f.contracted_project(a, committee, organization=org)
    resident = db.session.get(User, world.ids["resident_a"])
    impl.follow(resident, project, now=utcnow())
    told_before = db.session.scalar(select(func.count()).select_from(Notification))
    posted = svc.post_supplier_update(
        org_user, contract, body="已安装6盏路灯。", progress_pct=50,
        photos=[("during", f.jpeg())], now=utcnow(),
    )  # fmt: skip
    assert posted.review_status == UpdateReview.PENDING and len(posted.photos) == 1
    db.session.expire_all()
    assert posted.id not in [u.id for u in impl.load_record(project).updates]
    assert db.session.scalar(select(func.count()).select_from(Notification)) == told_before
    assert [u.id for u in svc.pending_updates(record)] == [posted.id]
    svc.approve_update(committee, posted, now=utcnow())
    db.session.expire_all()
    record = impl.load_record(project)
    assert posted.id in [u.id for u in record.updates]
    assert (record.status, record.progress_pct) == ("in_progress", 50)
    assert posted.reviewed_by_id == committee.id
    assert db.session.scalar(select(func.count()).select_from(Notification)) > told_before
    approved = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "supplier_update_approved")
    ).all()
    assert approved == [org_user.id]  # the organization is told its report is public
    assert _code(lambda: svc.approve_update(committee, posted, now=utcnow())) == (
        "contract_update_not_pending"
    )


def test_a_returned_update_keeps_its_reason_for_the_supplier(ctx, world):
    a, committee, org_user, org = _people(world)
    _, record, contract = f.contracted_project(a, committee, organization=org)
    posted = svc.post_supplier_update(org_user, contract, body="完工了", progress_pct=100,
                                      now=utcnow())  # fmt: skip
    assert _code(lambda: svc.return_update(committee, posted, reason=" ", now=utcnow())) == (
        "reason_required"
    )
    svc.return_update(committee, posted, reason="请附上现场照片", now=utcnow())
    mine = svc.supplier_contracts(org_user)
    assert [v.contract.id for v in mine] == [contract.id]
    assert mine[0].updates[0].return_reason == "请附上现场照片"
    assert mine[0].updates[0].review_status == UpdateReview.RETURNED
    assert record.progress_pct == 10  # a returned report moves nothing
    # The organization's members are told, with the reason; nobody else is.
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "supplier_update_returned")
    ).all()
    assert [(n.user_id, n.params["reason"]) for n in told] == [(org_user.id, "请附上现场照片")]


def test_nobody_else_posts_or_reviews(ctx, world):
    a, committee, org_user, org = _people(world)
    _, _, contract = f.contracted_project(a, committee, organization=org)
    admin = db.session.get(User, world.ids["admin"])
    other_org = accounts.create_organization(
        admin, name="海甸社工站", registration_no=None, community=a, now=utcnow()
    )
    stranger = f.user("stranger")
    accounts.add_organization_member(admin, other_org, stranger, now=utcnow())
    for someone in (stranger, committee, db.session.get(User, world.ids["resident_a"])):
        with pytest.raises(PermissionDenied):
            svc.post_supplier_update(someone, contract, body="x", progress_pct=5, now=utcnow())
    assert svc.find_own_contract(stranger, contract.id) is None
    assert svc.supplier_contracts(stranger) == []
    posted = svc.post_supplier_update(org_user, contract, body="进场", progress_pct=5,
                                      now=utcnow())  # fmt: skip
    for someone in (db.session.get(User, world.ids["committee_b"]), org_user, stranger):
        with pytest.raises(PermissionDenied):
            svc.approve_update(someone, posted, now=utcnow())
        with pytest.raises(PermissionDenied):
            svc.return_update(someone, posted, reason="不行", now=utcnow())
    assert posted.review_status == UpdateReview.PENDING


def test_a_bad_photo_is_refused_and_nothing_kept(ctx, world):
    a, committee, org_user, org = _people(world)
    _, _, contract = f.contracted_project(a, committee, organization=org)
    code = _code(
        lambda: svc.post_supplier_update(
            org_user, contract, body="进场", progress_pct=5,
            photos=[("during", b"<?php echo 1; ?>")], now=utcnow(),
        )
    )  # fmt: skip
    assert code == "photo_not_an_image"
    assert db.session.scalar(
        select(func.count()).select_from(ProgressUpdate).filter_by(review_status="pending")
    ) == 0  # fmt: skip


def test_a_closed_project_takes_no_contract_and_no_update(ctx, world):
    a, committee, org_user, org = _people(world)
    _, record, contract = f.contracted_project(a, committee, organization=org)
    record.status = "accepted"
    db.session.commit()
    assert _code(
        lambda: svc.post_supplier_update(org_user, contract, body="x", progress_pct=5,
                                         now=utcnow())
    ) == "project_closed"  # fmt: skip
    assert _code(
        lambda: svc.amend_contract(committee, contract, _terms(amount_fen=4_000_00), now=utcnow())
    ) == "project_closed"  # fmt: skip


# --- at once ----------------------------------------------------------------------------------


def test_two_payments_at_once_cannot_together_exceed_the_contract(app, world):
    with app.app_context():
        a, committee, _, _ = _people(world)
        _, record, contract = f.contracted_project(a, committee, amount_fen=5_000_00)
        record_id, committee_id, contract_id = record.id, committee.id, contract.id

    def pay(i: int) -> None:
        from microprojects.models import Implementation

        _pay(db.session.get(User, committee_id), db.session.get(Implementation, record_id),
             3_000_00, f"第{i}笔")  # fmt: skip

    assert at_once(app, pay) == ["contract_overpaid", "ok"]
    with app.app_context():
        paid = db.session.scalar(
            select(func.sum(Spending.amount_fen)).where(Spending.contract_id == contract_id)
        )
        assert paid == 3_000_00


def test_two_approvals_at_once_publish_once(app, world):
    with app.app_context():
        a, committee, org_user, org = _people(world)
        _, _, contract = f.contracted_project(a, committee, organization=org)
        posted = svc.post_supplier_update(org_user, contract, body="进场", progress_pct=30,
                                          now=utcnow())  # fmt: skip
        update_id, committee_id = posted.id, committee.id
        admin_id = world.ids["admin"]

    def approve(i: int) -> None:
        who = db.session.get(User, committee_id if i == 0 else admin_id)
        svc.approve_update(who, db.session.get(ProgressUpdate, update_id), now=utcnow())

    assert at_once(app, approve) == ["contract_update_not_pending", "ok"]
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.action == "contract.update_approved")
        ) == 1  # fmt: skip


def test_organization_is_kept_when_named(ctx, world):
    # The supplier named as an organization is a foreign key: the organization stays.
    a, committee, _, org = _people(world)
    _, _, contract = f.contracted_project(a, committee, organization=org)
    assert db.session.get(Organization, contract.organization_id).name == org.name
