"""The service menu through the pages: an organization writes and submits an offer; the
administrator's refusal without a reason comes back as typed (422) and one with a reason is
shown to the organization; the public menu and the offer's page; a resident proposes from it
and the proposal's page says where it came from."""

import factories as f
from webclient import login, post

from microprojects.domain.cycles import ProjectType
from microprojects.extensions import db
from microprojects.models import Community, ServiceOffer, User, utcnow
from microprojects.services import offers

OFFER = {
    "title": "长者上门理发", "description": "理发师每月上门。", "price": "30", "unit": "次",
    "project_type": "service", "category": "养老助老", "capacity": "2", "library": "city",
}  # fmt: skip


def test_an_offer_written_refused_with_a_reason_edited_and_proposed_from(app, world):
    org = app.test_client()
    login(org, "organization")
    response = post(org, "/offers/new", {**OFFER, "price": "0"})
    assert response.status_code == 422 and "长者上门理发" in response.get_data(as_text=True)
    response = post(org, "/offers/new", OFFER)
    assert response.status_code == 302
    with app.app_context():
        offer_id = db.session.query(ServiceOffer.id).scalar()
    assert post(org, f"/offers/{offer_id}/submit").status_code == 302
    admin = app.test_client()
    login(admin, "admin")
    queue = admin.get("/admin/offers").get_data(as_text=True)
    assert "长者上门理发" in queue and "待审核的服务项目" in queue
    decide = f"/admin/offers/{offer_id}/decide"
    refusal = {f"decide{offer_id}-decision": "refuse", f"decide{offer_id}-reason": ""}
    refused = post(admin, decide, refusal)
    assert refused.status_code == 422
    post(admin, decide, {**refusal, f"decide{offer_id}-reason": "请写明服务时长"})
    mine = org.get("/offers/mine").get_data(as_text=True)
    assert "请写明服务时长" in mine and "未通过" in mine
    assert "请写明服务时长" in org.get("/account/notifications").get_data(as_text=True)
    post(org, f"/offers/{offer_id}/edit", {**OFFER, "description": "每次 30 分钟。"})
    post(admin, f"/admin/offers/{offer_id}/decide", {f"decide{offer_id}-decision": "approve"})
    menu = org.get("/offers").get_data(as_text=True)
    assert "长者上门理发" in menu
    with app.app_context():
        cycle = f.cycle(db.session.get(Community, world.a_id),
                        db.session.get(User, world.ids["committee_a"]))  # fmt: skip
        place = f"{cycle.id}-{world.a_id}"
    resident = app.test_client()
    login(resident, "resident_a")
    page = resident.get(f"/offers/{offer_id}").get_data(as_text=True)
    assert "为您的社区点单" in page and "按服务菜单报价" in page
    bad = post(resident, f"/offers/{offer_id}/propose",
               {"place": place, "title": "我的标题", "description": "说明", "category": "养老助老",
                "quantity": "0"})  # fmt: skip
    assert bad.status_code == 422 and "我的标题" in bad.get_data(as_text=True)
    made = post(resident, f"/offers/{offer_id}/propose",
                {"place": place, "title": "长者上门理发", "description": "每月一次",
                 "category": "养老助老", "quantity": "12"})  # fmt: skip
    assert made.status_code == 302
    proposal = resident.get(made.headers["Location"]).get_data(as_text=True)
    assert "来自服务菜单：长者上门理发" in proposal and "× 12" in proposal
    assert "点单记录" in resident.get(f"/offers/{offer_id}").get_data(as_text=True)


def test_a_draft_is_its_organizations_and_a_street_offer_out_of_scope_says_so(app, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        member = db.session.get(User, world.ids["organization"])
        admin = db.session.get(User, world.ids["admin"])
        data = offers.OfferInput(
            title="四点半课堂", description="放学后看护", price_fen=6_000_00, unit="期",
            project_type=ProjectType.SERVICE, category="儿童青少年", capacity=2,
            street_id=a.street_id,
        )  # fmt: skip
        draft = offers.create_offer(member, data, now=utcnow()).id
        street = offers.create_offer(member, data, now=utcnow())
        offers.submit_offer(member, street, now=utcnow())
        offers.decide_offer(admin, street, approve=True, reason="", now=utcnow())
        street_id = street.id
    visitor = app.test_client()
    assert visitor.get(f"/offers/{draft}").status_code == 404
    resident_b = app.test_client()
    login(resident_b, "resident_b")
    page = resident_b.get(f"/offers/{street_id}").get_data(as_text=True)
    assert "只有该街道的社区可以点单" in page
