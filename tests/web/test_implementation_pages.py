"""Publication and implementation through the pages: objections and answers, the committee's
implementation record, a project's public story, ratings and problem reports."""

import io
import re

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import func, select
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import (
    Community,
    Implementation,
    Objection,
    ProblemReport,
    ProgressPhoto,
    Rating,
    Spending,
    User,
)


def _place_admin(world):
    return db.session.get(Community, world.a_id), db.session.get(User, world.ids["admin"])


def _errors(page: str) -> list[str]:
    return re.findall(r'class="flash flash-error"[^>]*>([^<]*)<', page)


def test_an_objection_is_filed_and_answered_in_public(app, client, world):
    with app.app_context():
        place, admin = _place_admin(world)
        cycle, made, _ = f.counted_cycle(place, admin)
        cycle_id, third, slug = cycle.id, made[2].id, place.slug
    page = app.test_client().get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    assert "公示中：可以提出异议" in page and "请登录后对结果提出异议。" in page
    login(client, "resident_a")
    form_page = client.get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    assert "提出异议</button>" in form_page
    filed = post(
        client, f"/cycles/{cycle_id}/objections", {"project": str(third), "reason": "报价偏高"}
    )
    assert filed.status_code == 302 and filed.headers["Location"].endswith("#objections")
    empty = post(client, f"/cycles/{cycle_id}/objections", {"project": "", "reason": ""})
    assert empty.status_code == 302 and row_count(Objection, app=app) == 1
    committee = app.test_client()
    login(committee, "committee_a")
    with app.app_context():
        objection_id = db.session.scalar(select(Objection.id))
    answered = post(
        committee,
        f"/c/{slug}/committee/objections/{objection_id}/answer",
        {"decision": "dismissed", "answer": "报价经第三方核实，维持原结果"},
    )
    assert answered.status_code == 302
    public = app.test_client().get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    assert "报价偏高" in public and "报价经第三方核实，维持原结果" in public
    assert "不予采纳" in public
    assert "王秀英" not in public and "resident_a" not in public  # the author is not shown
    # Another community's committee may not answer.
    other = app.test_client()
    login(other, "committee_b")
    refused = post(
        other,
        f"/c/{slug}/committee/objections/{objection_id}/answer",
        {"decision": "upheld", "answer": "x"},
    )
    assert refused.status_code == 403


def test_the_committee_keeps_the_record_and_the_public_sees_it(app, client, world):
    with app.app_context():
        place, admin = _place_admin(world)
        _, made, _ = f.final_cycle(place, admin)
        project_id, slug = made[0].id, place.slug
    login(client, "committee_a")
    base = f"/c/{slug}/committee/projects/{project_id}"
    assert "建立实施记录" in client.get(base).get_data(as_text=True)
    assert post(client, f"{base}/start").status_code == 302
    post(client, f"{base}/details", {"contractor": "美兰区市政工程队", "planned": "12,000"})
    post(client, f"{base}/spending", {"amount": "4000", "spent_on": "2026-01-10", "note": "首期款"})
    bad = post(client, f"{base}/spending", {"amount": "abc", "spent_on": "2026-01-10"})
    assert bad.status_code == 302
    post(client, f"{base}/milestones", {"title": "进场施工", "planned_on": "2026-01-05"})
    photo = (io.BytesIO(f.jpeg()), "before.jpg")
    updated = post(
        client,
        f"{base}/updates",
        {"body": "已进场", "status": "in_progress", "progress_pct": "30", "before": photo},
        content_type="multipart/form-data",
    )
    assert updated.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(Implementation))
        assert (record.contractor, record.planned_fen, record.status, record.progress_pct) == (
            "美兰区市政工程队", 12_000_00, "in_progress", 30,
        )  # fmt: skip
        assert db.session.scalar(select(func.sum(Spending.amount_fen))) == 4_000_00
        name = db.session.scalar(select(ProgressPhoto.filename))
    story = app.test_client().get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "实施中" in story and "美兰区市政工程队" in story
    assert "12,000 元" in story and "4,000 元" in story and "8,000 元" in story
    assert 'value="30"' in story and "进场施工" in story and "已进场" in story
    assert f"/media/{name}" in story
    served = app.test_client().get(f"/media/{name}")
    served.close()  # streamed from an open file
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.cache_control.public and served.cache_control.max_age == 86400
    # The wrong community's committee sees none of it.
    other = app.test_client()
    login(other, "committee_b")
    assert other.get(base).status_code == 403


def test_residents_rate_once_and_report_a_problem_with_a_photo(app, client, world):
    with app.app_context():
        place, admin = _place_admin(world)
        project, _ = f.implemented_project(place, admin)
        project_id, slug = project.id, place.slug
    anonymous = app.test_client().get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "请登录后评价项目。" in anonymous
    login(client, "resident_a")
    assert "评价</button>" in client.get(f"/proposals/{project_id}").get_data(as_text=True)
    post(client, f"/proposals/{project_id}/rate", {"stars": "4", "comment": "很亮"})
    again = post(client, f"/proposals/{project_id}/rate", {"stars": "1"}, follow_redirects=True)
    assert "您已经评价过这个项目" in again.get_data(as_text=True)
    assert row_count(Rating, app=app) == 1
    page = client.get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "您给了 4 颗星。" in page and "4.0" in page
    reported = post(
        client,
        f"/proposals/{project_id}/problems",
        {"body": "第三盏灯不亮", "photo": (io.BytesIO(f.jpeg()), "lamp.jpg")},
        content_type="multipart/form-data",
    )
    assert reported.status_code == 302
    fake = post(
        client,
        f"/proposals/{project_id}/problems",
        {"body": "假照片", "photo": (io.BytesIO(b"<svg></svg>"), "x.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert _errors(fake.get_data(as_text=True)) and row_count(ProblemReport, app=app) == 1
    with app.app_context():
        report_id = db.session.scalar(select(ProblemReport.id))
    committee = app.test_client()
    login(committee, "committee_a")
    post(committee, f"/c/{slug}/committee/problems/{report_id}/answer", {"answer": "已修复"})
    public = app.test_client().get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "第三盏灯不亮" in public and "已修复" in public


def test_following_a_project_from_its_page(app, client, world):
    with app.app_context():
        place, admin = _place_admin(world)
        project, _ = f.implemented_project(place, admin)
        project_id = project.id
    login(client, "resident_b")
    assert "关注进展" in client.get(f"/proposals/{project_id}").get_data(as_text=True)
    post(client, f"/proposals/{project_id}/follow")
    assert "取消关注" in client.get(f"/proposals/{project_id}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/c/{slug}/committee/cycles/{cycle}/implementation"])
def test_the_committee_lists_funded_projects(app, client, world, path):
    with app.app_context():
        place, admin = _place_admin(world)
        project, _ = f.implemented_project(place, admin)
        url = path.format(slug=place.slug, cycle=project.cycle_id)
        title = project.display_title
    login(client, "committee_a")
    page = client.get(url).get_data(as_text=True)
    assert title in page and "已完工" in page and "18,000 元" in page
