import io
import re

import factories as f
import segno
from proposal_pages import CONFIRM_TOKEN
from sqlalchemy import func, select
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import HouseholdCode, Residency, RosterEntry


def _upload(client, slug, data: bytes, name="roster.csv"):
    return post(
        client,
        f"/c/{slug}/committee/roster/import",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _roster_size(app, community_id):
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(RosterEntry).filter_by(community_id=community_id)
        )


def test_roster_upload_with_bad_rows_reports_each_and_imports_nothing(app, client, world):
    login(client, "committee_a")
    before = _roster_size(app, world.a_id)
    response = _upload(
        client,
        world.a_slug,
        f.roster_csv(
            "第一网格,3栋1单元301,林海燕,13907550002,1975-04-01,居住",
            "第一网格,3栋1单元302,黄国平,12345,1975-04-01,居住",
            "第五网格,3栋1单元303,吴芳,,,居住",
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未导入任何数据" in page
    assert "<td>3</td><td>“12345”不是 11 位中国大陆手机号。</td>" in page
    assert "<td>4</td><td>本社区没有“第五网格”。</td>" in page
    assert _roster_size(app, world.a_id) == before


def test_roster_upload_good_file_in_gb18030(app, client, world):
    login(client, "committee_a")
    before = _roster_size(app, world.a_id)
    data = "网格,地址,姓名\n第一网格,3栋1单元301,林海燕\n第二网格,3栋1单元302,林小梅\n"
    response = _upload(client, world.a_slug, data.encode("gb18030"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "新增 2 人" in page
    assert "林小梅" in page
    assert _roster_size(app, world.a_id) == before + 2


def test_upload_without_a_file_is_a_form_error(client, world):
    login(client, "committee_a")
    response = post(client, f"/c/{world.a_slug}/committee/roster/import", {})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_template_opens_in_excel_with_chinese(client, world):
    login(client, "committee_a")
    response = client.get(f"/c/{world.a_slug}/committee/roster/template.csv")
    assert response.data.startswith("\ufeff".encode())
    assert "网格,地址,姓名" in response.data.decode("utf-8-sig")


def test_codes_issue_print_and_claim_in_the_browser_flow(app, client, world):
    login(client, "committee_a")
    _upload(client, world.a_slug, f.roster_csv("第一网格,3栋1单元301,林海燕,,,居住"))
    response = post(client, f"/c/{world.a_slug}/committee/codes/issue", {"grid": "0"})
    assert response.status_code == 302
    sheet = client.get(f"/c/{world.a_slug}/committee/codes/sheet").get_data(as_text=True)
    assert "林海燕" in sheet
    assert "<svg" in sheet  # the QR code, drawn on the server
    printed = re.search(r'class="code big">([A-Z0-9-]{14})<', sheet).group(1)
    # The QR code encodes this person's claim link, code included.
    link = f"http://localhost/c/{world.a_slug}/claim?code={printed.replace('-', '')}"
    assert segno.make(link, error="m").svg_inline(scale=2, border=2) in sheet

    person = app.test_client()
    # The QR code leads here before the person has an account.
    landing = person.get(f"/c/{world.a_slug}/claim?code={printed}")
    assert "请先登录或注册" in landing.get_data(as_text=True)
    with app.app_context():
        f.user("linhaiyan")
    login(person, "linhaiyan")
    other = post(person, f"/c/{world.b_slug}/claim", {"code": printed})
    assert "属于其他社区" in other.get_data(as_text=True)
    unknown = post(person, f"/c/{world.a_slug}/claim", {"code": "ABCD-EFGH-JKMN"})
    assert "该入户码不存在" in unknown.get_data(as_text=True)
    malformed = post(person, f"/c/{world.a_slug}/claim", {"code": "hello"})
    assert "12 位字母和数字" in malformed.get_data(as_text=True)
    ok = post(person, f"/c/{world.a_slug}/claim", {"code": printed.lower()})
    assert ok.status_code == 302
    assert "您是振兴社区的认证居民" in person.get("/account").get_data(as_text=True)

    with app.app_context():
        f.user("someoneelse")
    thief = app.test_client()
    login(thief, "someoneelse")
    reused = post(thief, f"/c/{world.a_slug}/claim", {"code": printed})
    assert "该入户码已被使用" in reused.get_data(as_text=True)
    # The committee's sheet no longer lists a used code.
    sheet = client.get(f"/c/{world.a_slug}/committee/codes/sheet").get_data(as_text=True)
    assert printed not in sheet


def test_claims_are_rate_limited(app, world):
    with app.app_context():
        f.user("guesser")
    client = app.test_client()
    login(client, "guesser")
    statuses = [
        post(client, f"/c/{world.a_slug}/claim", {"code": "ABCD-EFGH-JKMN"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_verification_request_then_committee_decides(app, client, world):
    with app.app_context():
        f.user("lihaiyan")
    person = app.test_client()
    login(person, "lihaiyan")
    response = post(
        person,
        "/verify",
        {
            "community": str(world.a_id),
            "basis": "work",
            "full_name": "黎海燕",
            "phone": "",
            "birth_date": "",
            "address": "社区卫生服务站",
            "note": "<script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    assert "正等待居务协商会审核" in person.get("/account").get_data(as_text=True)

    login(client, "committee_a")
    queue = client.get(f"/c/{world.a_slug}/committee/verifications").get_data(as_text=True)
    assert "黎海燕" in queue
    with app.app_context():
        request_id = db.session.scalar(select(Residency.id).filter_by(full_name="黎海燕"))
    detail = client.get(f"/c/{world.a_slug}/committee/verifications/{request_id}")
    page = detail.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    # The other community's committee cannot decide it.
    other = app.test_client()
    login(other, "committee_b")
    denied = post(other, f"/c/{world.a_slug}/committee/verifications/{request_id}/approve", {})
    assert denied.status_code == 403
    empty_reason = post(
        client, f"/c/{world.a_slug}/committee/verifications/{request_id}/reject", {"reason": ""}
    )
    assert empty_reason.status_code == 400
    approved = post(
        client,
        f"/c/{world.a_slug}/committee/verifications/{request_id}/approve",
        {"note": "已核对工作证"},
    )
    assert approved.status_code == 302
    assert "您是振兴社区的认证居民" in person.get("/account").get_data(as_text=True)
    audit = client.get(f"/c/{world.a_slug}/committee/audit").get_data(as_text=True)
    assert "residency.approve" in audit
    assert "认证了居民" in audit
    assert "黎海燕" not in client.get(f"/c/{world.b_slug}/committee/audit").get_data(as_text=True)


def test_live_resident_cannot_be_approved_without_roster_entry(app, client, world):
    with app.app_context():
        f.user("fuming")
    person = app.test_client()
    login(person, "fuming")
    post(
        person,
        "/verify",
        {"community": str(world.a_id), "basis": "live", "full_name": "云晓东", "address": ""},
    )
    with app.app_context():
        request_id = db.session.scalar(select(Residency.id).filter_by(full_name="云晓东"))
    login(client, "committee_a")
    response = post(client, f"/c/{world.a_slug}/committee/verifications/{request_id}/approve", {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "必须与名册中的记录对应" in page
    with app.app_context():
        assert db.session.get(Residency, request_id).status == "pending"
        assert db.session.scalar(select(func.count()).select_from(HouseholdCode)) == 0


def test_a_refusal_by_a_service_is_the_403_page(app, world):
    """A committee member may look at the street's cycle, but only an administrator runs it:
    the service refuses, and the visitor gets the 403 page, not a message."""
    from datetime import timedelta

    from microprojects.models import Street, User, utcnow
    from microprojects.services.cycles import CycleInput, create_cycle

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        street = db.session.scalar(select(Street).filter_by(name="和平南街道"))
        start = utcnow() - timedelta(days=1)
        dates = {
            f"{n}_at": start + timedelta(days=10 * i)
            for i, n in enumerate(
                ["collecting", "screening", "voting", "publication", "implementation", "closed"]
            )
        }
        cycle = create_cycle(
            admin, CycleInput(title="街道统筹", budget_fen=1_000_000_00, **dates),
            street=street, now=utcnow(),
        )  # fmt: skip
        cycle_id = cycle.id
    client = app.test_client()
    login(client, "committee_a")
    url = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    assert client.get(url).status_code == 200
    refused = post(client, url, {"change": "end", "reason": "提前结束征集"})
    assert refused.status_code == 403
    assert "无权访问" in refused.get_data(as_text=True)
    admin_client = app.test_client()
    login(admin_client, "admin")
    asked = post(admin_client, url, {"change": "end", "reason": "提前结束征集"})
    assert asked.status_code == 200 and "confirm_token" in asked.get_data(as_text=True)
    token = CONFIRM_TOKEN.search(asked.get_data(as_text=True)).group(1)
    # The member cannot use the administrator's confirmation either.
    assert post(client, url, {"confirm_token": token}).status_code == 400
    assert post(admin_client, url, {"confirm_token": token}).status_code == 302


def test_the_dashboard_counts_shortlist_objections_and_wishes_until_they_are_answered(
    app, client, world
):
    from microprojects.models import Community, User, utcnow
    from microprojects.services import cycles, shortlist, wishes

    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        resident = db.session.get(User, world.ids["resident_a"])
        c, _approved, rejected = f.shortlist_cycle(place, committee)
        cycle_id, title = c.id, c.title
        shortlist.publish_shortlist(committee, cycles.find_cycle(cycle_id), now=utcnow())
        objection = shortlist.file_objection(
            resident, c, reason="篮板坏了", proposal_id=rejected.id, now=utcnow()
        )
        for text in ("路灯坏了", "楼道装扶手"):
            wishes.send_wish(resident, place, text=text, now=utcnow())
        objection_id = objection.id
    login(client, "committee_a")
    page = client.get(f"/c/{world.a_slug}/committee").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/shortlist#objections"><strong>1</strong>' in page
    assert "条候选项目公示异议待答复" in page and title in page
    assert f'href="/c/{world.a_slug}/committee/wishes"><strong>2</strong> 条微心愿待答复' in page
    # Another community's dashboard shows none of it.
    other = app.test_client()
    login(other, "committee_b")
    elsewhere = other.get(f"/c/{world.b_slug}/committee").get_data(as_text=True)
    assert "候选项目公示异议" not in elsewhere and "微心愿待答复" not in elsewhere
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        objection = shortlist.find_objection(objection_id, world.a_id)
        shortlist.answer_objection(
            committee, objection, decision="dismissed", answer="已核实，维持原决定", now=utcnow()
        )
    answered = client.get(f"/c/{world.a_slug}/committee").get_data(as_text=True)
    assert "候选项目公示异议待答复" not in answered
    assert "<strong>2</strong> 条微心愿待答复" in answered


def test_the_dashboard_lists_suppliers_updates_waiting_for_approval(app, client, world):
    from microprojects.models import Community, User, utcnow
    from microprojects.services import contracts

    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        member = db.session.get(User, world.ids["organization"])
        project, _record, contract = f.contracted_project(
            place, committee, organization=member.organization_membership.organization
        )
        for body in ("已安装6盏路灯。", "已安装全部路灯。"):
            contracts.post_supplier_update(member, contract, body=body, progress_pct=50,
                                           now=utcnow())  # fmt: skip
        project_id, title = project.id, project.display_title
    login(client, "committee_a")
    page = client.get(f"/c/{world.a_slug}/committee").get_data(as_text=True)
    link = f'href="/c/{world.a_slug}/committee/projects/{project_id}#supplier-updates">'
    assert link + "<strong>2</strong> 条承接方进展待审核" in page and title in page
    other = app.test_client()
    login(other, "committee_b")
    assert "承接方进展待审核" not in other.get(f"/c/{world.b_slug}/committee").get_data(
        as_text=True
    )
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        for waiting in contracts.pending_updates(_record_of(project_id)):
            contracts.approve_update(committee, waiting, now=utcnow())
    assert "承接方进展待审核" not in client.get(f"/c/{world.a_slug}/committee").get_data(
        as_text=True
    )


def _record_of(proposal_id):
    """The implementation record of the project ``proposal_id``."""
    from microprojects.models import Implementation

    return db.session.scalar(select(Implementation).filter_by(proposal_id=proposal_id))
