"""Delivery contracts through the pages: the committee records the contract (a refused one comes
back as typed, 422), pays against it (an overpayment refused with the figures); the public page
shows the amount, what is paid and what remains; the organization posts an update with a photo
from its own page, which the public page shows only once the committee approves it."""

import io
from datetime import timedelta

import factories as f
from helpers import row_count
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import (
    Community,
    DeliveryContract,
    ProgressUpdate,
    Spending,
    User,
    utcnow,
)
from microprojects.services import implementation as impl


def _funded(app, world):
    """A funded project in progress, planned at 10,000 yuan, without a contract."""
    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        _, made, _ = f.final_cycle(place, committee)
        record = impl.start(committee, made[0], now=utcnow())
        impl.post_update(committee, record, body="已进场施工。", status="in_progress",
                         progress_pct=10, now=utcnow())  # fmt: skip
        org = db.session.get(User, world.ids["organization"]).organization_membership
        return place.slug, made[0].id, record.planned_fen, org.organization_id


def _contract_form(org_id, **kw):
    today = utcnow().date()
    data = {
        "organization": str(org_id), "company_name": "", "number": "ZX-2026-07",
        "amount": "8000", "signed_on": today.isoformat(),
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=60)).isoformat(),
        "deliverables": "更换12盏太阳能路灯，含基座与一年维保。",
    }  # fmt: skip
    data.update(kw)
    return data


def test_the_contract_from_record_to_an_approved_update(app, client, world):
    slug, project_id, planned, org_id = _funded(app, world)
    assert planned >= 8_000_00
    login(client, "committee_a")
    base = f"/c/{slug}/committee/projects/{project_id}"
    page = client.get(base).get_data(as_text=True)
    assert f'action="{base}/contract"' in page and "登记合同" in page
    too_much = post(client, f"{base}/contract",
                    _contract_form(org_id, amount=str(planned // 100 + 1)))  # fmt: skip
    assert too_much.status_code == 422
    text = too_much.get_data(as_text=True)
    assert "超过了项目计划预算" in text and "更换12盏太阳能路灯" in text
    backwards = post(client, f"{base}/contract",
                     _contract_form(org_id, ends_on="2020-01-01"))  # fmt: skip
    assert backwards.status_code == 422
    assert "合同的完工日期不能早于开工日期。" in backwards.get_data(as_text=True)
    assert row_count(DeliveryContract, app=app) == 0
    done = post(client, f"{base}/contract", _contract_form(org_id))
    assert done.status_code == 302
    assert row_count(DeliveryContract, app=app) == 1
    paid = post(
        client,
        f"{base}/spending",
        {"amount": "5000", "spent_on": utcnow().date().isoformat(), "note": "首付款"},
    )
    assert paid.status_code == 302
    over = post(client, f"{base}/spending",
                {"amount": "3000.01", "spent_on": utcnow().date().isoformat(), "note": "尾款"},
                follow_redirects=True)  # fmt: skip
    assert (
        "本次付款 3,000.01 元超出合同允许的范围：合同金额 8,000 元，已付 5,000 元，尚余 3,000 元。"
        in (over.get_data(as_text=True))
    )
    assert row_count(Spending, app=app) == 1
    public = client.get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "项目合同" in public and "阳光助老服务中心" in public
    assert "8,000" in public and "5,000" in public and "3,000" in public

    login(client, "organization")
    mine = client.get("/organization/contracts").get_data(as_text=True)
    assert "我们的合同" in mine and "首付款" in mine
    with app.app_context():
        contract_id = db.session.query(DeliveryContract.id).scalar()
    bad = post(client, f"/organization/contracts/{contract_id}/updates",
               {"body": "路灯已安装一半。", "progress_pct": "50",
                "during": (io.BytesIO(b"GIF89a<script>"), "x.jpg")},
               content_type="multipart/form-data")  # fmt: skip
    assert bad.status_code == 422 and "路灯已安装一半。" in bad.get_data(as_text=True)
    sent = post(client, f"/organization/contracts/{contract_id}/updates",
                {"body": "路灯已安装一半。", "progress_pct": "50",
                 "during": (io.BytesIO(f.jpeg()), "work.jpg")},
                content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 302
    assert "等待居务协商会审核" in client.get("/organization/contracts").get_data(as_text=True)
    assert "路灯已安装一半。" not in client.get(f"/proposals/{project_id}").get_data(as_text=True)

    login(client, "committee_a")
    page = client.get(base).get_data(as_text=True)
    assert "待审核的承接方进展" in page and "路灯已安装一半。" in page
    with app.app_context():
        update_id = db.session.query(ProgressUpdate.id).filter_by(review_status="pending").scalar()
    approved = post(client, f"/c/{slug}/committee/progress/{update_id}/approve")
    assert approved.status_code == 302
    public = client.get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "路灯已安装一半。" in public and "50%" in public
    # The completion notice (a preview for the committee until the work is completed).
    notice = client.get(f"/proposals/{project_id}/print/completion").get_data(as_text=True)
    assert "阳光助老服务中心" in notice and "合同金额" in notice and "合同编号 ZX-2026-07" in notice


def test_a_returned_update_shows_its_reason_to_the_organization(app, client, world):
    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        org_user = db.session.get(User, world.ids["organization"])
        org = org_user.organization_membership.organization
        _, _, contract = f.contracted_project(place, committee, organization=org)
        from microprojects.services import contracts

        posted = contracts.post_supplier_update(org_user, contract, body="完工", progress_pct=100,
                                                now=utcnow())  # fmt: skip
        slug, update_id = place.slug, posted.id
    login(client, "committee_a")
    empty = post(client, f"/c/{slug}/committee/progress/{update_id}/return", {"reason": ""})
    assert empty.status_code == 302
    assert row_count(ProgressUpdate, app=app, review_status="returned") == 0
    post(client, f"/c/{slug}/committee/progress/{update_id}/return", {"reason": "请附现场照片"})
    assert row_count(ProgressUpdate, app=app, review_status="returned") == 1
    login(client, "organization")
    page = client.get("/organization/contracts").get_data(as_text=True)
    assert "请附现场照片" in page and "已退回" in page


def test_someone_without_an_organization_has_no_contracts_page(app, client, world):
    login(client, "resident_a")
    assert client.get("/organization/contracts").status_code == 403


def test_another_organization_changes_nothing_of_a_contract(app, client, world):
    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        admin = db.session.get(User, world.ids["admin"])
        org = db.session.get(User, world.ids["organization"]).organization_membership
        _, _, contract = f.contracted_project(place, committee, organization=org.organization)
        from microprojects.services import accounts

        other = accounts.create_organization(
            admin, name="海甸社工站", registration_no=None, community=place, now=utcnow()
        )
        accounts.add_organization_member(admin, other, f.user("stranger"), now=utcnow())
        contract_id = contract.id
    login(client, "stranger")
    page = client.get("/organization/contracts").get_data(as_text=True)
    assert "ZX-2026-07" not in page
    before = row_count(ProgressUpdate, app=app)
    refused = post(client, f"/organization/contracts/{contract_id}/updates",
                   {"body": "冒名报告", "progress_pct": "90"})  # fmt: skip
    assert refused.status_code == 403 and row_count(ProgressUpdate, app=app) == before


def test_a_waiting_updates_photo_is_its_committees_and_organizations_only(app, world):
    """Until the committee approves a supplier's update, its photo is not public either: a
    visitor, a resident, another community's committee and another organization who have its
    address get 404; the committee and the organization see it, kept by no cache. Once
    approved, it is public like any progress photo."""
    from sqlalchemy import select

    from microprojects.models import ProgressPhoto
    from microprojects.services import accounts, contracts

    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        member = db.session.get(User, world.ids["organization"])
        admin = db.session.get(User, world.ids["admin"])
        _, _, contract = f.contracted_project(
            place, committee, organization=member.organization_membership.organization
        )
        posted = contracts.post_supplier_update(
            member, contract, body="已安装6盏路灯。", progress_pct=50,
            photos=[("during", f.jpeg())], now=utcnow(),
        )  # fmt: skip
        other_org = accounts.create_organization(
            admin, name="海甸社工站", registration_no=None, community=place, now=utcnow()
        )
        accounts.add_organization_member(admin, other_org, f.user("other_org"), now=utcnow())
        name = db.session.scalar(
            select(ProgressPhoto.filename).where(ProgressPhoto.update_id == posted.id)
        )
        update_id = posted.id
    url = f"/media/{name}"
    for who in (None, "resident_a", "committee_b", "other_org"):
        visitor = app.test_client()
        if who:
            login(visitor, who)
        assert visitor.get(url).status_code == 404, who
    for who in ("committee_a", "organization"):
        allowed = app.test_client()
        login(allowed, who)
        shown = allowed.get(url)
        assert shown.status_code == 200 and shown.mimetype == "image/jpeg", who
        assert "no-store" in shown.headers["Cache-Control"]
        shown.close()
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        contracts.approve_update(committee, db.session.get(ProgressUpdate, update_id), now=utcnow())
    public = app.test_client().get(url)
    assert public.status_code == 200 and "no-store" not in public.headers.get("Cache-Control", "")
    public.close()
