"""Acceptance (验收) through the pages: the committee records an inspection with a PDF and a
photo and types in paper survey answers; a refused form comes back as typed (422); the public
page shows the result, the inspectors and the satisfaction; documents download, never inline."""

import io
import re

import factories as f
from helpers import row_count
from sqlalchemy import select
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import (
    Acceptance,
    AcceptanceDocument,
    Community,
    PaperSurvey,
    User,
)
from microprojects.services import acceptance as acc


def _project(app, world):
    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        project, record = f.implemented_project(place, committee)
        return place.slug, project.id, acc.next_round(record)


def _form(round_, **kw):
    data = {
        "round": str(round_), "inspected_on": "2026-01-20",
        "inspectors-0-name": "李主任", "inspectors-0-role": "committee", "inspectors-0-account": "",
        "inspectors-1-name": "王秀英", "inspectors-1-role": "resident", "inspectors-1-account": "",
        "inspectors-2-name": "陈工", "inspectors-2-role": "supplier", "inspectors-2-account": "",
        "inspectors-3-name": "", "inspectors-3-role": "resident", "inspectors-3-account": "",
        "findings": "十二盏灯全部点亮，线路规整。", "result": "accepted",
        "fixes": "", "fixes_due": "", "redo": "",
    }  # fmt: skip
    data.update(kw)
    return data


def test_the_committee_records_the_acceptance_and_residents_see_it(app, client, world):
    slug, project_id, round_ = _project(app, world)
    login(client, "committee_a")
    base = f"/c/{slug}/committee/projects/{project_id}"
    page = client.get(base).get_data(as_text=True)
    assert 'action="' + base + '/acceptance"' in page and f'value="{round_}"' in page
    take_back = re.compile(rf'action="/c/{slug}/committee/spending/\d+/remove"')
    mark_done = re.compile(rf'action="/c/{slug}/committee/milestones/\d+/done"')
    assert take_back.search(page) and mark_done.search(page)  # while the work is open
    bad = post(
        client, f"{base}/acceptance",
        _form(round_, documents=[(io.BytesIO(b"<html><script>x</script>"), "form.pdf")]),
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad.status_code == 422
    assert "文件只能是 PDF，或者 JPEG、PNG、WebP 格式的照片。" in bad.get_data(as_text=True)
    kept = bad.get_data(as_text=True)
    assert "十二盏灯全部点亮，线路规整。" in kept and 'value="王秀英"' in kept
    assert row_count(Acceptance, app=app) == 0
    done = post(
        client, f"{base}/acceptance",
        _form(round_, documents=[(io.BytesIO(f.pdf()), "验收单.pdf"),
                                 (io.BytesIO(f.jpeg()), "现场.jpg")]),
        content_type="multipart/form-data",
    )  # fmt: skip
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    again = post(client, f"{base}/acceptance", _form(round_), content_type="multipart/form-data")
    assert again.status_code == 302 and row_count(Acceptance, app=app) == 1
    token = "batch-1"
    for _ in range(2):  # sent twice, counted once
        sent = post(client, f"{base}/survey", {"token": token, "satisfied": "30",
                                               "basically": "8", "dissatisfied": "2"})  # fmt: skip
        assert sent.status_code == 302
    assert row_count(PaperSurvey, app=app) == 1
    refused = post(client, f"{base}/survey", {"token": "b2", "satisfied": "-3",
                                              "basically": "0", "dissatisfied": "0"})  # fmt: skip
    assert refused.status_code == 422 and 'value="-3"' in refused.get_data(as_text=True)
    with app.app_context():
        pdf_name, photo_name = db.session.scalars(
            select(AcceptanceDocument.filename).order_by(AcceptanceDocument.id)
        ).all()
    public = app.test_client().get(f"/proposals/{project_id}").get_data(as_text=True)
    assert "李主任" in public and "王秀英" in public and "陈工" in public
    assert "十二盏灯全部点亮" in public and "2026-01-20" in public
    assert f"/acceptance/documents/{pdf_name}" in public and "验收单.pdf" in public
    assert "95.0%" in public  # 38 of 40 paper answers
    assert "验收合格" in public and "已验收" in public and "居民代表" in public
    assert "获资助 · 已验收" in public and "获资助 · 已完工" not in public  # the page's tag
    assert "纸质问卷 40 份（满意 30, 基本满意 8, 不满意 2）" in public.replace(" (", "（").replace(
        ")", "）"
    )
    served = app.test_client().get(f"/acceptance/documents/{pdf_name}")
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.get_data() == f.pdf()
    served.close()
    image = app.test_client().get(f"/acceptance/documents/{photo_name}")
    assert image.mimetype == "image/jpeg" and image.headers["Content-Disposition"].startswith(
        "attachment"
    )
    image.close()
    assert app.test_client().get("/acceptance/documents/nothing.pdf").status_code == 404
    printed = app.test_client().get(f"/proposals/{project_id}/print/completion")
    text = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "95.0%" in text and "李主任" in text
    # Closed: no form to take back a payment or mark a milestone done is offered, and the
    # spending form refuses.
    closed_page = client.get(base).get_data(as_text=True)
    assert not take_back.search(closed_page) and not mark_done.search(closed_page)
    assert "项目已结项" in closed_page
    closed = post(client, f"{base}/spending", {"amount": "10", "spent_on": "2026-01-21"})
    assert closed.status_code == 302


def test_another_communitys_committee_cannot_record(app, client, world):
    slug, project_id, round_ = _project(app, world)
    login(client, "committee_b")
    refused = post(client, f"/c/{slug}/committee/projects/{project_id}/acceptance", _form(round_),
                   content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 403
    answers = {"token": "x", "satisfied": "1", "basically": "0", "dissatisfied": "0"}
    refused = post(client, f"/c/{slug}/committee/projects/{project_id}/survey", answers)
    assert refused.status_code == 403
    assert row_count(Acceptance, app=app) == 0 and row_count(PaperSurvey, app=app) == 0
