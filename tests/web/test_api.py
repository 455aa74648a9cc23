"""The public API (/api/v1): real figures from known data, every response checked against the
OpenAPI document the app serves, errors as JSON, CSV for Excel, nothing private anywhere, and a
number of queries that does not grow with the data."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import factories as f
import pytest
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select
from webclient import recorded_queries

from microprojects.domain.ballots import Choice
from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import (
    Community,
    Cycle,
    Household,
    HouseholdCode,
    Participation,
    Proposal,
    Residency,
    RosterEntry,
    User,
    utcnow,
)
from microprojects.services import counting, cycles, proposals, publication, residency, voting
from microprojects.services import implementation as impl

DOC = Path(__file__).resolve().parents[2] / "microprojects" / "web" / "openapi.json"
TITLES = ("报刊亭旁放两张石凳", "幸福巷安装路灯", "老年人智能手机课堂")


# --- checking against the description ---------------------------------------------------------


@pytest.fixture(scope="module")
def doc():
    return json.loads(DOC.read_text(encoding="utf-8"))


def _validator(doc, schema):
    # The schema's $refs point into the document: give it the document's components as root.
    return Draft202012Validator(
        {"components": doc["components"], **schema},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _schema(doc, path, status, media="application/json"):
    return doc["paths"][path]["get"]["responses"][str(status)]["content"][media]["schema"]


def api(client, doc, url, path, status=200):
    """GET ``url``, check its status and its body against the description of ``path``."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    _validator(doc, _schema(doc, path, status)).validate(body)
    return body


def csv_rows(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


# --- data -------------------------------------------------------------------------------------


def _people(world):
    return (
        db.session.get(Community, world.a_id),
        db.session.get(User, world.ids["committee_a"]),
        db.session.get(User, world.ids["admin"]),
    )


def _street_cycle(admin, place):
    from microprojects.services.cycles import CycleInput, create_cycle

    start = utcnow() - timedelta(days=1)
    dates = {
        f"{name}_at": start + timedelta(days=10) * i
        for i, name in enumerate(
            ("collecting", "screening", "voting", "publication", "implementation", "closed")
        )
    }
    data = CycleInput(title="和平南街道统筹项目", budget_fen=1_000_000_00, **dates)
    return create_cycle(admin, data, street=place.street, now=utcnow())


@pytest.fixture
def counted(app, world):
    """A counted cycle of A (greedy, three projects: 10,000, 20,000 and 30,000 yuan of a 35,000
    budget, scoring 2, 1 and 1) and a voting cycle of B. Returns ids."""
    with app.app_context():
        a, committee, _ = _people(world)
        c, made, _ = f.counted_cycle(a, committee)
        b = db.session.get(Community, world.b_id)
        other, _ = f.voting_cycle(b, db.session.get(User, world.ids["committee_b"]))
        return {"cycle": c.id, "projects": [p.id for p in made], "other": other.id}


# --- the description itself -------------------------------------------------------------------


def _objects(schema, where="#"):
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            yield where, schema
        for key, value in schema.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for n, value in enumerate(schema):
            yield from _objects(value, f"{where}/{n}")


def test_any_site_may_read_it_and_every_page_links_to_its_description(client):
    response = client.get("/api/v1/cycles")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    # Every page's footer leads people to the open-data page, which leads programs on.
    assert '<a href="/open-data">开放数据</a>' in client.get("/").get_data(as_text=True)
    page = client.get("/open-data").get_data(as_text=True)
    assert 'href="/api/v1/openapi.json"' in page and 'href="/api/v1/"' in page


@pytest.mark.parametrize("root", ["/api/v1", "/api/v1/"])
def test_the_root_of_the_api_lists_its_addresses(app, client, doc, root):
    response = client.get(root)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    _validator(doc, _schema(doc, "/", 200)).validate(body)
    assert body["openapi"] == "/api/v1/openapi.json" and body["documentation"] == "/open-data"
    assert body["licence"]["name"] == "CC BY 4.0"
    routes = {
        re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.index"
    }
    assert {e["path"] for e in body["endpoints"]} == routes
    for endpoint in body["endpoints"]:
        if "{" not in endpoint["path"]:
            assert client.get(endpoint["path"]).status_code == 200, endpoint


def test_the_open_data_page_is_readable_and_self_contained(client):
    response = client.get("/open-data")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<h1>开放数据</h1>" in text
    for words in ("有哪些数据", "下载", "供程序使用：数据接口（API）", "许可协议", "CC BY 4.0"):
        assert words in text, words
    # Each address with an example request and a short example response.
    assert text.count("请求示例") == text.count("返回示例") >= 5
    for path in ("/api/v1/cycles", "/api/v1/cycles/{id}/results", "/api/v1/projects/{id}"):
        assert f"<code>{path}" in text
    for example in re.findall(r"<pre><code>(GET [^<]*)</code></pre>", text):
        answer = client.get(html.unescape(example.removeprefix("GET ")))
        # A real address of the API: its answer is JSON (an id this city lacks is its 404).
        assert answer.is_json and answer.status_code in (200, 400, 404), example
    assert len(text) < 20_000
    # Served whole by the app: no outside script, style, font or image; within the CSP.
    for asset in re.findall(r'(?:src|href)="([^"]+)"', text):
        assert asset.startswith(("/", "#", "https://creativecommons.org/")), asset
    assert "<script>" not in text and "style=" not in text
    assert 'href="/overview.csv" download' in text
    english = client.get("/open-data", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Open data</h1>" in english and "Example request" in english


def test_the_served_description_is_valid_openapi_and_describes_every_route(app, client, doc):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    served = response.get_json()
    assert served == doc and served["openapi"] == "3.1.0"
    validate_openapi(served)
    routes = {
        re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == set(served["paths"])
    objects = list(_objects(served["components"]))
    assert len(objects) > 30
    loose = [where for where, schema in objects if schema.get("additionalProperties") is not False]
    assert loose == []


def test_the_schemas_catch_an_unexpected_or_missing_field(client, doc, counted):
    body = api(client, doc, f"/api/v1/cycles/{counted['cycle']}", "/cycles/{cycle_id}")
    schema = _schema(doc, "/cycles/{cycle_id}", 200)
    with pytest.raises(ValidationError):
        _validator(doc, schema).validate({**body, "created_by_id": 1})
    with pytest.raises(ValidationError):
        _validator(doc, schema).validate({**body, "links": {**body["links"], "author": "x"}})
    del body["budget_fen"]
    with pytest.raises(ValidationError):
        _validator(doc, schema).validate(body)


# --- cycles -----------------------------------------------------------------------------------


def test_cycles_with_their_place_phase_and_budget(app, client, doc, world, counted):
    with app.app_context():
        a, _, admin = _people(world)
        street_wide = _street_cycle(admin, a).id
        voting_at = db.session.get(Cycle, counted["cycle"]).voting_at
    listed = api(client, doc, "/api/v1/cycles", "/cycles")["cycles"]
    assert [c["id"] for c in listed] == [street_wide, counted["other"], counted["cycle"]]
    mine = listed[2]
    assert mine["scope"] == "community" and mine["scope_name"] == "振兴社区"
    assert mine["community"] == {"id": world.a_id, "slug": "zhenxing", "name": "振兴社区"}
    assert mine["street"]["name"] == "和平南街道"
    assert mine["district"]["name"] == "美兰区" and mine["district"]["city"] == "海口市"
    assert (mine["phase"], mine["results_status"]) == ("publication", "provisional")
    assert mine["budget_fen"] == 35_000_00 and mine["currency"] == "CNY"
    assert mine["caps"]["project_fen"] == 100_000_00
    assert mine["ballot"]["kind"] == "approval" and mine["count_rule"]["rule"] == "greedy"
    assert mine["schedule"]["voting_at"] == voting_at.replace(microsecond=0).isoformat() + "Z"
    assert mine["links"]["results"] == f"/api/v1/cycles/{counted['cycle']}/results"
    assert (listed[1]["phase"], listed[1]["results_status"]) == ("voting", "none")
    assert listed[0]["scope"] == "street" and listed[0]["community"] is None
    assert listed[0]["scope_name"] == "和平南街道"
    one = api(client, doc, f"/api/v1/cycles/{counted['cycle']}", "/cycles/{cycle_id}")
    assert one == mine


def test_cycles_filtered_by_place_and_year(app, client, doc, world, counted):
    with app.app_context():
        a, _, admin = _people(world)
        street_wide = _street_cycle(admin, a).id
        opens_at = db.session.get(Cycle, counted["cycle"]).collecting_at
    year = (opens_at + timedelta(hours=8)).year  # Asia/Shanghai

    def ids(query):
        return [c["id"] for c in api(client, doc, f"/api/v1/cycles?{query}", "/cycles")["cycles"]]

    assert ids("community=zhenxing") == [street_wide, counted["cycle"]]
    assert ids("community=bailong") == [counted["other"]]
    assert ids("street=白龙街道") == [counted["other"]]
    assert ids("street=和平南街道") == [street_wide, counted["cycle"]]
    assert ids("district=美兰区") == [street_wide, counted["other"], counted["cycle"]]
    assert ids("district=美兰区&street=白龙街道") == [counted["other"]]
    assert counted["cycle"] in ids(f"year={year}")
    assert counted["cycle"] not in ids(f"year={year + 1}") + ids(f"year={year - 1}")
    assert ids("year=2001") == []


def test_a_cycle_is_listed_under_the_year_it_opens_as_on_the_overview(app, client, doc, world):
    with app.app_context():
        a, committee, _ = _people(world)
        opens = datetime(2025, 12, 19, 16, 0)  # 20 December 2025 in Haikou; votes in 2026
        late = f.cycle(
            a, committee, title="跨年的一期", collecting_at=opens,
            screening_at=opens + timedelta(days=10), voting_at=opens + timedelta(days=20),
            publication_at=opens + timedelta(days=30),
            implementation_at=opens + timedelta(days=40), closed_at=opens + timedelta(days=50),
        ).id  # fmt: skip

    def ids(query):
        return [c["id"] for c in api(client, doc, f"/api/v1/cycles?{query}", "/cycles")["cycles"]]

    assert ids("year=2025") == [late] and ids("year=2026") == []
    overview = client.get("/overview.csv?year=2025").get_data().decode("utf-8-sig")
    assert "跨年的一期" in overview and ",2025," in overview


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/cycles?year=twenty", "year"),
        ("/api/v1/cycles?year=-2026", "year"),
        ("/api/v1/cycles?year=1800", "year"),
        ("/api/v1/cycles?year=", "year"),
        ("/api/v1/cycles?community=nowhere", "community"),
        ("/api/v1/cycles?district=无此区", "district"),
        ("/api/v1/cycles?street=无此街道", "street"),
        ("/api/v1/cycles?street=%20", "street"),
        ("/api/v1/cycles.csv?year=２０２６", "year"),  # full-width digits are not a year
        ("/api/v1/projects?cycle=abc", "cycle"),
        ("/api/v1/projects?cycle=999999", "cycle"),
        ("/api/v1/projects.csv?cycle=1.5", "cycle"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(client, doc, url, parameter):
    path = url.split("?")[0].removeprefix("/api/v1")
    body = api(client, doc, url, path, status=400)
    assert body["error"] == "bad_parameter" and body["parameter"] == parameter
    assert parameter in body["message"]


def test_an_unknown_id_is_a_json_404(app, client, doc, world):
    with app.app_context():
        author = db.session.get(User, world.ids["resident_a"])
        a = db.session.get(Community, world.a_id)
        c = f.cycle(a, db.session.get(User, world.ids["committee_a"]))
        draft = proposals.create_proposal(author, c, f.proposal_input(), submit=False, now=utcnow())
        draft_id, cycle_id = draft.id, c.id
    for url, path in [
        ("/api/v1/cycles/999999", "/cycles/{cycle_id}"),
        ("/api/v1/cycles/999999/results", "/cycles/{cycle_id}/results"),
        ("/api/v1/cycles/999999/results.csv", "/cycles/{cycle_id}/results.csv"),
        ("/api/v1/projects/999999", "/projects/{proposal_id}"),
        (f"/api/v1/projects/{draft_id}", "/projects/{proposal_id}"),  # a draft is private
    ]:
        body = api(client, doc, url, path, status=404)
        assert body["error"] == "not_found" and body["parameter"] is None
    assert api(client, doc, f"/api/v1/projects?cycle={cycle_id}", "/projects") == {"projects": []}


# --- results ----------------------------------------------------------------------------------


def test_the_results_of_a_count_with_every_explanation(client, doc, counted):
    cycle_id, (first, second, third) = counted["cycle"], counted["projects"]
    body = api(client, doc, f"/api/v1/cycles/{cycle_id}/results", "/cycles/{cycle_id}/results")
    assert body["status"] == "provisional" and body["earlier_counts"] == []
    count = body["count"]
    assert (count["number"], count["rule"], count["unit"]) == (1, "greedy", "yuan")
    assert count["num_ballots"] == 3
    assert (count["budget_fen"], count["cost_used_fen"], count["budget_left_fen"]) == (
        35_000_00,
        30_000_00,
        5_000_00,
    )
    assert count["selected"] == [first, second]
    assert count["params"]["order"] == [first, second, third]
    assert count["params"]["tie_break"] == "submitted" and count["params"]["withdrawn"] == []
    lines = [(p["proposal_id"], p["rank"], p["score"], p["funded"]) for p in count["projects"]]
    assert lines == [(first, 1, 2, True), (second, 2, 1, True), (third, 3, 1, False)]
    assert [p["title"] for p in count["projects"]] == list(TITLES)
    assert [p["cost_fen"] for p in count["projects"]] == [10_000_00, 20_000_00, 30_000_00]
    assert count["projects"][2]["explanation"] == {
        "code": "did_not_fit",
        "cost": 30_000,
        "score": 1,
        "remaining": "5000",
    }
    assert count["projects"][0]["explanation"]["code"] == "funded"
    # The digest is the counted ballots' file's.
    pb = client.get(body["links"]["counted_ballots"])
    assert hashlib.sha256(pb.get_data()).hexdigest() == count["ballots_digest"]
    turnout = body["turnout"]
    assert turnout["total"] == 3
    assert turnout["by_channel"] == {"web": 3, "paper": 0, "import": 0}
    # resident_a, the proposer and the three voters are verified in 振兴社区.
    assert turnout["eligible"] == 5
    assert turnout["by_community"] == [{"community": "振兴社区", "voted": 3, "eligible": 5}]
    assert sum(d["voted"] for d in turnout["by_day"]) == 3


def test_a_correction_objections_and_their_answers(app, client, doc, world, counted):
    cycle_id, (_, _, third) = counted["cycle"], counted["projects"]
    with app.app_context():
        _, committee, _ = _people(world)
        resident = db.session.get(User, world.ids["resident_a"])
        cycle = db.session.get(Cycle, cycle_id)
        objection = publication.file_objection(
            resident, cycle, reason="第三个项目的报价偏高", proposal_id=third, now=utcnow()
        )
        publication.file_objection(resident, cycle, reason="请公布纸质票", proposal_id=None,
                                   now=utcnow() + timedelta(seconds=1))  # fmt: skip
        publication.answer_objection(
            committee, objection, decision="upheld", answer="已核实，重新计票", now=utcnow()
        )
        counting.run_count(committee, cycle, now=utcnow(), reason="核实后重新计票")
    body = api(client, doc, f"/api/v1/cycles/{cycle_id}/results", "/cycles/{cycle_id}/results")
    assert body["count"]["number"] == 2 and body["count"]["reason"] == "核实后重新计票"
    assert [(c["number"], c["reason"]) for c in body["earlier_counts"]] == [(1, "")]
    objections = body["objections"]
    assert [
        (o["reason"], o["status"], o["proposal_id"], o["count_number"]) for o in objections
    ] == [
        ("请公布纸质票", "open", None, 1),
        ("第三个项目的报价偏高", "upheld", third, 1),
    ]
    assert objections[1]["answer"] == "已核实，重新计票" and objections[1]["answered_at"]
    assert objections[0]["answer"] == "" and objections[0]["answered_at"] is None
    assert body["remedies"] == []


def test_the_remedies_of_upheld_objections_applied_and_waiting(app, client, doc, world, counted):
    from microprojects.services import remedies

    cycle_id, (first, _, third) = counted["cycle"], counted["projects"]
    with app.app_context():
        _, committee, _ = _people(world)
        resident = db.session.get(User, world.ids["resident_a"])
        cycle = db.session.get(Cycle, cycle_id)
        upheld = []
        for proposal_id, reason in ((third, "报价偏高"), (first, "重复立项")):
            objection = publication.file_objection(
                resident, cycle, reason=reason, proposal_id=proposal_id, now=utcnow()
            )
            publication.answer_objection(
                committee, objection, decision="upheld", answer="属实", now=utcnow()
            )
            upheld.append(objection)
        remedies.add_remedy(
            committee, cycle, upheld[0], proposal_id=third, kind="cost", cost_fen=5_000_00,
            reason="报价有误，按复核价计", now=utcnow(),
        )  # fmt: skip
        counting.run_count(committee, cycle, now=utcnow(), reason="按纠正重新计票")
        remedies.add_remedy(
            committee, cycle, upheld[1], proposal_id=first, kind="withdraw", cost_fen=None,
            reason="与上一轮项目重复", now=utcnow(),
        )  # fmt: skip
        objection_ids = [o.id for o in upheld]
    body = api(client, doc, f"/api/v1/cycles/{cycle_id}/results", "/cycles/{cycle_id}/results")
    assert [
        (r["objection_id"], r["proposal_id"], r["kind"], r["cost_fen"], r["reason"],
         r["applied_in_count"])
        for r in body["remedies"]
    ] == [
        (objection_ids[1], first, "withdraw", None, "与上一轮项目重复", None),
        (objection_ids[0], third, "cost", 5_000_00, "报价有误，按复核价计", 2),
    ]  # fmt: skip


def test_turnout_is_shown_while_voting_only_where_the_cycle_publishes_it(app, client, doc, counted):
    url = f"/api/v1/cycles/{counted['other']}/results"
    body = api(client, doc, url, "/cycles/{cycle_id}/results")
    assert body["status"] == "none" and body["count"] is None
    assert body["links"]["counted_ballots"] is None
    assert body["turnout"]["total"] == 0
    assert body["turnout"]["eligible"] == 2  # resident_b and the proposer
    with app.app_context():
        db.session.get(Cycle, counted["other"]).public_turnout = False
        db.session.get(Cycle, counted["cycle"]).public_turnout = False
        db.session.commit()
    assert api(client, doc, url, "/cycles/{cycle_id}/results")["turnout"] is None
    # Once voting has ended the figures are public whatever the setting.
    ended = f"/api/v1/cycles/{counted['cycle']}/results"
    assert api(client, doc, ended, "/cycles/{cycle_id}/results")["turnout"]["total"] == 3


# --- projects ---------------------------------------------------------------------------------


def test_a_project_with_its_count_line_implementation_spending_and_ratings(app, client, doc, world):
    with app.app_context():
        a, committee, _ = _people(world)
        project, _ = f.implemented_project(a, committee)
        project_id, cycle_id = project.id, project.cycle_id
        resident = db.session.get(User, world.ids["resident_a"])
        impl.rate(resident, project, stars=4, comment="", now=utcnow())
        other = f.verified_resident("rater", a, committee, "评分人", "6栋1单元101")
        impl.rate(other, project, stars=5, comment="", now=utcnow())
    today = utcnow().date()
    body = api(client, doc, f"/api/v1/projects/{project_id}", "/projects/{proposal_id}")
    assert (body["id"], body["cycle_id"], body["state"]) == (project_id, cycle_id, "approved")
    assert body["title"] == "报刊亭旁放两张石凳" and body["cost_fen"] == 10_000_00
    assert body["community"]["slug"] == "zhenxing" and body["project_type"] == "goods"
    assert body["result"] == {
        "count_number": 1,
        "status": "final",
        "rank": 1,
        "score": 2,
        "cost_fen": 10_000_00,
        "funded": True,
        "explanation": body["result"]["explanation"],
    }
    assert body["result"]["explanation"]["code"] == "funded"
    record = body["implementation"]
    assert (record["status"], record["progress_pct"]) == ("completed", 100)
    assert record["contractor"] == "海口市美兰区某建筑公司"
    assert (record["planned_fen"], record["actual_fen"], record["left_fen"]) == (
        10_000_00,
        18_000_00,
        -8_000_00,
    )
    assert record["over_budget"] is True and record["used_pct"] == 180
    assert record["completed_on"] == today.isoformat() and record["accepted_on"] is None
    assert record["spending"] == [
        {"amount_fen": 12_000_00, "spent_on": (today - timedelta(days=3)).isoformat(),
         "note": "材料费"},
        {"amount_fen": 6_000_00, "spent_on": today.isoformat(), "note": "人工费"},
    ]  # fmt: skip
    assert record["milestones"] == [
        {"title": "进场施工", "planned_on": "2026-01-05",
         "done_on": (today - timedelta(days=2)).isoformat()},
        {"title": "验收", "planned_on": None, "done_on": None},
    ]  # fmt: skip
    updates = record["updates"]
    assert [(u["body"], u["status"], u["progress_pct"]) for u in updates] == [
        ("已完工，等待验收。", "completed", 100),
        ("已进场施工。", "in_progress", 40),
    ]
    assert [[p["kind"] for p in u["photos"]] for u in updates] == [["after"], ["before"]]
    photo = client.get(updates[0]["photos"][0]["url"])
    photo.close()
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert record["ratings"] == {
        "number": 2,
        "mean": 4.5,
        "counts": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1},
    }
    listed = api(client, doc, f"/api/v1/projects?cycle={cycle_id}", "/projects")["projects"]
    assert listed[0] == body
    assert [(p["result"]["funded"], p["implementation"] is None) for p in listed] == [
        (True, False),
        (True, True),
        (False, True),
    ]


def test_projects_of_a_cycle_with_supports_and_photos_but_no_draft(app, client, doc, world):
    with app.app_context():
        a, committee, _ = _people(world)
        c = f.cycle(a, committee)
        author = f.verified_resident("proposer", a, committee, "提案人", "5栋1单元101")
        shown = proposals.create_proposal(
            author, c, f.proposal_input(title="幸福巷安装路灯", latitude=20.03, longitude=110.35),
            submit=False, now=utcnow(),
        )  # fmt: skip
        proposals.add_photo(author, shown, f.jpeg(), now=utcnow())
        proposals.submit_proposal(author, shown, now=utcnow())
        proposals.support(db.session.get(User, world.ids["resident_a"]), shown, now=utcnow())
        proposals.create_proposal(author, c, f.proposal_input(title="草稿"), submit=False,
                                  now=utcnow())  # fmt: skip
        ids = (c.id, shown.id)
    body = api(client, doc, f"/api/v1/projects?cycle={ids[0]}", "/projects")
    assert [p["id"] for p in body["projects"]] == [ids[1]]
    project = body["projects"][0]
    assert (project["state"], project["title"], project["supports"]) == (
        "submitted",
        "幸福巷安装路灯",
        1,
    )
    assert (project["latitude"], project["longitude"]) == (20.03, 110.35)
    assert project["result"] is None and project["implementation"] is None
    assert project["entered_at_office"] is False and project["submitted_at"].endswith("Z")
    (photo,) = project["photos"]
    served = client.get(photo["url"])
    served.close()
    assert served.status_code == 200 and (photo["width"], photo["height"]) == (640, 480)
    everything = api(client, doc, "/api/v1/projects", "/projects")["projects"]
    assert [p["id"] for p in everything] == [ids[1]]
    assert "草稿" not in json.dumps(everything, ensure_ascii=False)


# --- CSV --------------------------------------------------------------------------------------


def test_csv_exports_open_in_excel_with_the_chinese_intact(app, client, world, counted):
    cycle_id, (first, second, third) = counted["cycle"], counted["projects"]
    rows = csv_rows(client, "/api/v1/cycles.csv?community=zhenxing")
    assert [(r["id"], r["title"], r["community"], r["results_status"]) for r in rows] == [
        (str(cycle_id), "2026 年振兴社区微实事", "振兴社区", "provisional")
    ]
    assert rows[0]["budget_fen"] == "3500000" and rows[0]["street"] == "和平南街道"
    results = client.get(f"/api/v1/cycles/{cycle_id}/results.csv")
    assert f'filename="cycle-{cycle_id}-results.csv"' in results.headers["Content-Disposition"]
    rows = csv_rows(client, f"/api/v1/cycles/{cycle_id}/results.csv")
    assert [
        (r["rank"], r["proposal_id"], r["title"], r["score"], r["funded"], r["explanation"])
        for r in rows
    ] == [
        ("1", str(first), TITLES[0], "2", "true", "funded"),
        ("2", str(second), TITLES[1], "1", "true", "funded"),
        ("3", str(third), TITLES[2], "1", "false", "did_not_fit"),
    ]
    assert {r["status"] for r in rows} == {"provisional"}
    assert csv_rows(client, f"/api/v1/cycles/{counted['other']}/results.csv") == []
    rows = csv_rows(client, f"/api/v1/projects.csv?cycle={cycle_id}")
    assert [(r["id"], r["title"], r["cost_fen"], r["rank"], r["funded"]) for r in rows] == [
        (str(first), TITLES[0], "1000000", "1", "true"),
        (str(second), TITLES[1], "2000000", "2", "true"),
        (str(third), TITLES[2], "3000000", "3", "false"),
    ]
    assert {r["community"] for r in rows} == {"振兴社区"}


def test_a_csv_cell_never_starts_a_formula(app, client, world):
    with app.app_context():
        a, committee, _ = _people(world)
        c = f.cycle(a, committee)
        author = db.session.get(User, world.ids["resident_a"])
        evil = '=HYPERLINK("http://x","点我")'
        proposals.create_proposal(author, c, f.proposal_input(title=evil, location="-1楼"),
                                  submit=True, now=utcnow())  # fmt: skip
        cycle_id = c.id
    (row,) = csv_rows(client, f"/api/v1/projects.csv?cycle={cycle_id}")
    assert row["title"] == "'" + evil and row["location"] == "'-1楼"


# --- privacy ----------------------------------------------------------------------------------

PRIVATE_KEYS = re.compile(
    r"author|user|display|phone|mail|voter_?key|voter_?id|full_name|residen|roster|household"
    r"|participation|ballot_?id|receipt"
    r"|created_by|answered_by|entered_by|on_behalf|password|session",
    re.IGNORECASE,
)


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_no_private_value_is_reachable(app, client, world):
    with app.app_context():
        a, committee, admin = _people(world)
        committee.display_name, committee.phone = "张主任本名", "13800138001"
        committee.email = "zhang.zhuren@example.cn"
        resident = db.session.get(User, world.ids["resident_a"])
        resident.display_name, resident.phone = "王阿姨昵称", "13900139002"
        db.session.commit()
        f.proposal_with_comment(world)  # a photo, a comment, a returned proposal
        project, _ = f.implemented_project(a, committee)
        impl.rate(resident, project, stars=3, comment="", now=utcnow())
        final = project.cycle
        counted_cycle, made, _ = f.counted_cycle(a, committee)
        publication.file_objection(resident, counted_cycle, reason="请复核", proposal_id=made[0].id,
                                   now=utcnow())  # fmt: skip
        voting_now, on_ballot = f.voting_cycle(a, admin)
        paper_voter = f.verified_resident("paper_voter", a, admin, "陈阿婆", "8栋1单元808")
        paper_voter.residency.phone = "13700137003"
        voting.enter_paper_ballot(admin, voting_now, paper_voter.residency,
                                  [Choice(str(on_ballot[0].id))], now=utcnow())  # fmt: skip
        street_wide = _street_cycle(admin, a)
        draft = proposals.create_proposal(resident, voting_now, f.proposal_input(
            title="只给自己看的草稿"), submit=False, now=voting_now.collecting_at)  # fmt: skip
        unclaimed = f.roster_csv("第一网格,4栋1单元404,林未认领,13600136004,1970-01-01,居住")
        residency.import_roster(committee, a, unclaimed, now=utcnow())
        residency.issue_codes(committee, a, now=utcnow())
        private = {draft.title}
        for u in db.session.scalars(select(User)):
            private |= {u.username, u.display_name, u.phone, u.email}
        for r in db.session.scalars(select(Residency)):
            private |= {r.full_name, r.phone, r.address}
        for e in db.session.scalars(select(RosterEntry)):
            private |= {e.full_name, e.phone}
        private |= set(db.session.scalars(select(Household.address)))
        private |= set(db.session.scalars(select(HouseholdCode.code)))
        private |= set(db.session.scalars(select(Participation.voter_key)))
        private = {p for p in private if p and len(p) >= 2}
        assert {
            "张主任本名",
            "13800138001",
            "王秀英",
            "陈阿婆",
            "13700137003",
            "林未认领",
        } <= private
        assert any(k.startswith("entry:") for k in private)
        assert db.session.scalar(select(HouseholdCode.code)) in private
        cycle_ids = [final.id, counted_cycle.id, voting_now.id, street_wide.id]
        project_ids = list(db.session.scalars(select(Proposal.id)))
    # Every address that serves data (the OpenAPI document is a file of the repository, the same
    # whatever the data, and names its fields in words a login name may be).
    urls = ["/api/v1/cycles", "/api/v1/cycles.csv", "/api/v1/projects", "/api/v1/projects.csv"]
    for cid in cycle_ids:
        urls += [f"/api/v1/cycles/{cid}", f"/api/v1/cycles/{cid}/results",
                 f"/api/v1/cycles/{cid}/results.csv", f"/api/v1/projects?cycle={cid}",
                 f"/api/v1/projects.csv?cycle={cid}"]  # fmt: skip
    urls += [f"/api/v1/projects/{pid}" for pid in project_ids]
    seen = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        if response.mimetype == "application/json":
            body = response.get_json()
            text = json.dumps(body, ensure_ascii=False)  # Chinese as itself, not \\u escapes
            assert [k for k in _keys(body) if PRIVATE_KEYS.search(k)] == [], url
        else:
            text = response.get_data().decode("utf-8-sig")
            header = text.splitlines()[0]
            assert not PRIVATE_KEYS.search(header), url
        seen.append(text)
        leaked = sorted(p for p in private if p in text)
        assert leaked == [], f"{url} shows {leaked}"
    everything = "\n".join(seen)
    # The scan looked at real data: public values are there.
    assert "报刊亭旁放两张石凳" in everything and "请复核" in everything
    assert "海口市美兰区某建筑公司" in everything


# --- queries ----------------------------------------------------------------------------------


def _big_counted_cycle(place, committee, projects, voters):
    c, made = f.voting_cycle(place, committee, *[f"项目{n}" for n in range(projects)],
                             budget_fen=10_000_000_00, cap_goods_fen=100_000_00)  # fmt: skip
    for n in range(voters):
        voter = f.verified_resident(f"big{c.id}x{n}", place, committee, f"选民{n}",
                                    f"3栋{c.id}单元{n + 1:03d}")  # fmt: skip
        chosen = [Choice(str(made[i].id)) for i in range(n % projects + 1)]
        voting.cast_ballot(voter, c, chosen, now=c.voting_at + timedelta(hours=1))
    cycles.change_phase(committee, c, phase=Phase.VOTING, reason="投票结束", now=utcnow())
    counting.run_count(committee, c, now=utcnow())
    return c


def test_queries_do_not_grow_with_projects_or_ballots(app, client, world):
    with app.app_context():
        a, committee, _ = _people(world)
        small = _big_counted_cycle(a, committee, projects=2, voters=2).id
        large = _big_counted_cycle(a, committee, projects=7, voters=12).id
    for template in (
        "/api/v1/cycles/{}/results",
        "/api/v1/cycles/{}/results.csv",
        "/api/v1/projects?cycle={}",
        "/api/v1/projects.csv?cycle={}",
        "/api/v1/cycles/{}",
    ):
        numbers = []
        for cycle_id in (small, large):
            with recorded_queries(app) as seen:
                assert client.get(template.format(cycle_id)).status_code == 200
            numbers.append(len(seen))
        assert numbers[0] == numbers[1], f"{template}: {numbers}"
        assert numbers[0] <= 16, f"{template}: {numbers}"
    with recorded_queries(app) as seen:
        client.get("/api/v1/projects")
    assert len(seen) <= 12


def test_equal_shares_results_carry_its_figures(app, client, doc, world):
    with app.app_context():
        a, committee, _ = _people(world)
        c, made, _ = f.counted_cycle(a, committee, tally_rule="equal-shares-comparison")
        cycle_id, ids = c.id, [p.id for p in made]
    body = api(client, doc, f"/api/v1/cycles/{cycle_id}/results", "/cycles/{cycle_id}/results")
    count = body["count"]
    assert count["rule"] == "equal-shares-comparison" and count["selected"] == ids[:2]
    # Each voter starts with 35,000 / 3 yuan; Add1 raises it to 89,999 / 3, the most at which
    # the funded projects stay within the budget (one yuan more buys the third: over budget).
    assert count["mes"]["initial_budget_per_voter"] == "35000/3"
    assert count["mes"]["budget_per_voter"] == "89999/3"
    assert count["comparison"]["chosen"] == "mes"
    assert count["comparison"]["mes_selected"] == count["comparison"]["greedy_selected"] == ids[:2]
    first, second, third = (p["explanation"] for p in count["projects"])
    assert first["code"] == "mes_bought" and first["payments"] == [{"amount": "5000", "voters": 2}]
    assert (second["code"], second["mes_round"], second["supporters_money"]) == (
        "mes_bought",
        2,
        "74999/3",
    )
    assert third == {
        "code": "mes_not_affordable",
        "cost": 30_000,
        "supporters": 1,
        "supporters_money": "89999/3",
    }


def test_a_projects_delivery_its_offer_contract_package_and_acceptance(app, client, doc, world):
    """The open data follows a project to the end: the service-menu offer it came from, its
    contract and what was paid against it, its package, the latest acceptance and the survey.
    Who inspected is given by role only: a resident representative's name is not published."""
    from microprojects.domain.cycles import ProjectType
    from microprojects.services import acceptance, offers, packages

    with app.app_context():
        a, committee, admin = _people(world)
        member = db.session.get(User, world.ids["organization"])
        resident = db.session.get(User, world.ids["resident_a"])
        resident.display_name = "验收代表本名"
        org = member.organization_membership.organization
        project, record, _contract = f.contracted_project(a, committee, organization=org)
        impl.add_spending(committee, record, amount_fen=3_000_00, spent_on=utcnow().date(),
                          note="首付款", now=utcnow())  # fmt: skip
        package = packages.create_package(
            committee, project.cycle, name="照明工程包", kind="engineering", method="inquiry",
            now=utcnow(),
        )  # fmt: skip
        packages.add_project(committee, package, record.id, now=utcnow())
        packages.set_supplier(committee, package, organization_id=org.id, supplier_name="",
                              amount_fen=9_000_00, now=utcnow())  # fmt: skip
        impl.post_update(committee, record, body="完工", status="completed", progress_pct=100,
                         now=utcnow())  # fmt: skip
        acceptance.record_acceptance(
            committee, record, round=1, inspected_on=utcnow().date(),
            inspectors=[acceptance.Inspector("李主任", "committee"),
                        acceptance.Inspector(resident.display_name, "resident")],
            findings="灯具全部点亮", result="accepted", fixes="", fixes_due=None,
            documents=[acceptance.Document("验收单.pdf", f.pdf())], now=utcnow(),
        )  # fmt: skip
        acceptance.enter_survey(committee, record, token="t1", satisfied=8, basically=1,
                                dissatisfied=1, now=utcnow())  # fmt: skip
        # A proposal of a collecting cycle, made from an approved offer of the menu.
        offer = offers.create_offer(member, offers.OfferInput(
            title="长者上门理发", description="上门理发", price_fen=30_00, unit="次",
            project_type=ProjectType.SERVICE, category="养老助老", capacity=3,
        ), now=utcnow())  # fmt: skip
        offers.submit_offer(member, offer, now=utcnow())
        offers.decide_offer(admin, offer, approve=True, reason="", now=utcnow())
        collecting = f.cycle(a, committee)
        ordered = offers.propose_from_offer(
            resident, offer, collecting, a,
            f.proposal_input(title="长者上门理发", category="养老助老",
                             project_type=ProjectType.SERVICE),
            quantity=12, now=utcnow(),
        )  # fmt: skip
        project_id, ordered_id, offer_id = project.id, ordered.id, offer.id
        org_name, org_id = org.name, org.id
    body = api(client, doc, f"/api/v1/projects/{project_id}", "/projects/{proposal_id}")
    delivery = body["implementation"]
    assert delivery["contract"] == {
        "supplier": org_name, "organization_id": org_id, "number": "ZX-2026-07",
        "amount_fen": 8_000_00, "paid_fen": 3_000_00,
        "signed_on": delivery["contract"]["signed_on"],
        "starts_on": delivery["contract"]["starts_on"], "ends_on": delivery["contract"]["ends_on"],
        "deliverables": "更换12盏太阳能路灯，含基座与一年维保。",
    }  # fmt: skip
    assert (
        delivery["package"]["name"] == "照明工程包" and delivery["package"]["kind"] == "engineering"
    )
    assert delivery["package"]["supplier"] == org_name
    assert delivery["package"]["awarded_fen"] == 9_000_00
    checked = delivery["acceptance"]
    assert checked["latest"]["result"] == "accepted"
    assert checked["latest"]["inspector_roles"] == ["committee", "resident"]
    assert [d["title"] for d in checked["latest"]["documents"]] == ["验收单.pdf"]
    served = client.get(checked["latest"]["documents"][0]["url"])
    assert served.status_code == 200 and served.get_data() == f.pdf()
    served.close()
    assert checked["paper_survey"] == {"satisfied": 8, "basically": 1, "dissatisfied": 1}
    assert checked["satisfaction_pct"] == 90.0
    assert body["offer"] is None
    text = json.dumps(body, ensure_ascii=False)
    assert "验收代表本名" not in text and "李主任" not in text
    ordered_body = api(client, doc, f"/api/v1/projects/{ordered_id}", "/projects/{proposal_id}")
    assert ordered_body["offer"] == {
        "id": offer_id, "title": "长者上门理发", "organization": org_name, "price_fen": 30_00,
        "unit": "次", "quantity": 12, "links": {"page": f"/offers/{offer_id}"},
    }  # fmt: skip
    assert ordered_body["cost_fen"] == 360_00
    assert ordered_body["implementation"] is None
