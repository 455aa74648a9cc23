"""What residents do to proposals through the pages: supporting and withdrawing, proposing
through the form (drafts, bad input, who may not propose) and the photos (cleaned,
cached, refused, at most four)."""

import io
import re

import factories as f
import pytest
from helpers import row_count
from PIL import Image
from proposal_pages import (
    _as,
    _cycle,
    _jpeg_with_exif,
    _neighbours,
    _page,
    _proposal_form,
    _propose,
    _state,
    _status,
    _upload,
    _uploads,
    confirmed,
)
from sqlalchemy import select
from webclient import csrf_token, post

from microprojects.domain.cycles import ProjectType
from microprojects.extensions import db
from microprojects.models import Proposal, ProposalPhoto, Support

# --- supporting and withdrawing through the page ------------------------------------------


def test_support_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    client = _as(app, neighbour)
    page = post(client, f"/proposals/{pid}/support", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "谢谢，您的附议已记录。" in page
    assert "<strong>1</strong> 人附议" in page
    assert f'action="/proposals/{pid}/unsupport"' in page
    page = post(client, f"/proposals/{pid}/support", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "您已附议过。" in page
    assert row_count(Support, app=app, proposal_id=pid) == 1
    page = post(client, f"/proposals/{pid}/unsupport", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "已取消附议。" in page and "<strong>0</strong> 人附议" in page
    # Another community's resident is told no.
    other = _as(app, "resident_b")
    page = post(other, f"/proposals/{pid}/support", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "目前不能对该提议进行此操作。" in page
    assert row_count(Support, app=app, proposal_id=pid) == 0


def test_the_author_withdraws_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    page = confirmed(author, f"/proposals/{pid}/withdraw", follow_redirects=True).get_data(
        as_text=True
    )
    assert "提议已撤回。" in page and '<span class="tag state-withdrawn">已撤回</span>' in page
    assert _state(app, pid) == "withdrawn"


def test_the_author_withdraws_a_draft_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    author = _as(app, "resident_a")
    assert f'action="/proposals/{pid}/withdraw"' in _page(author, f"/proposals/{pid}")
    response = confirmed(author, f"/proposals/{pid}/withdraw")
    assert response.status_code == 302
    assert _state(app, pid) == "withdrawn"


# --- proposing through the form ------------------------------------------------------------


def test_propose_and_submit_through_the_form(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    form = _page(client, f"/cycles/{cycle_id}/propose")
    assert "我要提议" in form and 'name="draft"' in form and 'name="submit"' in form
    response = post(client, f"/cycles/{cycle_id}/propose", _proposal_form())
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _page(client, f"/proposals/{pid}")
    assert "您的提议已提交。" in page
    assert "楼道装感应灯" in page and "8,000 元" in page and "三栋住户约 60 人" in page
    with app.app_context():
        p = db.session.get(Proposal, pid)
        assert (p.state, p.estimated_cost_fen, p.tag_urgent, p.tag_small) == (
            "submitted", 8_000_00, True, False,
        )  # fmt: skip
        assert p.project_type is ProjectType.GOODS and p.author_id == world.ids["resident_a"]


def test_save_as_draft_through_the_form_then_submit(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    data = _proposal_form(estimated_cost="１２，０００．５")
    del data["submit"]
    data["draft"] = "1"
    response = post(client, f"/cycles/{cycle_id}/propose", data)
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _page(client, f"/proposals/{pid}")
    assert "已保存为草稿。请添加照片后提交。" in page
    assert _state(app, pid) == "draft"
    with app.app_context():
        assert db.session.get(Proposal, pid).estimated_cost_fen == 1_200_050
    # Edit it, then submit it.
    edit = _page(client, f"/proposals/{pid}/edit")
    assert 'value="12,000.50"' in edit
    response = post(client, f"/proposals/{pid}/edit", _proposal_form(title="楼道感应灯（修改）"))
    assert response.status_code == 302
    post(client, f"/proposals/{pid}/submit", {})
    assert _state(app, pid) == "submitted"
    with app.app_context():
        assert db.session.get(Proposal, pid).title == "楼道感应灯（修改）"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"estimated_cost": "abc"}, "请输入以元为单位的金额，如 12000 或 12,000.50。"),
        ({"estimated_cost": "-5"}, "请输入以元为单位的金额，如 12000 或 12,000.50。"),
        ({"estimated_cost": "60000"}, "费用超过本轮次此类项目的上限 50,000 元。"),
        ({"estimated_cost": "0"}, "请填写大于零的预估费用。"),
        ({"title": ""}, 'class="error"'),
        ({"category": "修路"}, 'class="error"'),
        ({"latitude": "20.03"}, "请同时填写纬度和经度，或都不填。"),
    ],
)
def test_bad_input_in_the_form_is_explained_and_nothing_is_stored(app, world, overrides, message):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    response = post(client, f"/cycles/{cycle_id}/propose", _proposal_form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="楼道装感应灯"' in page or overrides.get("title") == ""  # input is kept
    assert row_count(Proposal, app=app) == 0


def test_an_absurd_cost_is_a_form_error(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    response = post(client, f"/cycles/{cycle_id}/propose", _proposal_form(estimated_cost="1e30"))
    assert response.status_code == 200
    assert "请输入以元为单位的金额" in response.get_data(as_text=True)


def test_who_cannot_propose_is_sent_back_with_the_reason(app, world):
    cycle_id = _cycle(app, world)
    screening = _cycle(app, world, phase="screening")
    cases = [
        ("unverified", cycle_id, "请先认证居民身份再提议。"),
        ("resident_b", cycle_id, "本轮次面向其他社区。"),
        ("resident_a", screening, "本轮次目前不在征集阶段。"),
    ]
    for who, cid, message in cases:
        client = _as(app, who)
        response = post(client, f"/cycles/{cid}/propose", _proposal_form())
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/cycles/{cid}")
        assert message in _page(client, f"/cycles/{cid}")
        assert "去提议" not in _page(client, f"/cycles/{cid}")
    assert row_count(Proposal, app=app) == 0
    assert "去提议" in _page(_as(app, "organization"), f"/cycles/{cycle_id}")


def test_too_young_for_the_cycle(app, world):
    cycle_id = _cycle(app, world, min_age=60)  # the residents were born in 1980
    client = _as(app, "resident_a")
    post(client, f"/cycles/{cycle_id}/propose", _proposal_form())
    assert "您未达到本轮次的最低年龄。" in _page(client, f"/cycles/{cycle_id}")
    assert row_count(Proposal, app=app) == 0


# --- photos --------------------------------------------------------------------------------


def test_a_real_photo_is_cleaned_and_served(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    page = _upload(client, pid, _jpeg_with_exif()).get_data(as_text=True)
    assert "照片已添加。" in page
    with app.app_context():
        photo = db.session.scalar(select(ProposalPhoto).filter_by(proposal_id=pid))
        name, mime = photo.filename, photo.mime
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)  # nothing of the uploader's name is kept
    assert f'src="/media/{name}"' in page
    assert "IMG_0001" not in page
    with client.get(f"/media/{name}") as served:
        assert served.status_code == 200
        assert served.headers["Content-Type"] == mime == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        data = served.get_data()
    assert b"SECRETCAM" not in data and b"SECRETDESC" not in data and b"Exif" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (640, 480)
    assert dict(image.getexif()) == {}
    # Once submitted, anyone sees it.
    post(client, f"/proposals/{pid}/submit", {})
    assert _status(app.test_client(), f"/media/{name}") == 200


def test_a_drafts_photo_is_kept_by_no_cache_and_a_public_one_by_every_cache(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    author = _as(app, "resident_a")
    _upload(author, pid, f.jpeg())
    with app.app_context():
        name = db.session.scalar(select(ProposalPhoto.filename).filter_by(proposal_id=pid))
    with author.get(f"/media/{name}") as served:
        assert served.status_code == 200
        assert served.headers["Cache-Control"] == "private, no-store"
        assert "Expires" not in served.headers
    # Still nobody else's, the committee's included, and never cached for them either.
    [neighbour] = _neighbours(app, world, 1)
    for client in (app.test_client(), _as(app, neighbour), _as(app, "committee_a")):
        with client.get(f"/media/{name}") as refused:
            assert refused.status_code == 404
            assert "public" not in refused.headers.get("Cache-Control", "")
    # Submitted, it is public: any cache may keep it for a day.
    post(author, f"/proposals/{pid}/submit", {})
    for client in (author, app.test_client()):
        with client.get(f"/media/{name}") as served:
            assert served.status_code == 200
            assert served.cache_control.public and served.cache_control.max_age == 86400
            assert not served.cache_control.private and not served.cache_control.no_store


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"This is my photo, honestly.\n" * 40, "photo.jpg", "该文件不是照片。"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 200, "photo.png", "照片文件已损坏。"),
        (b"GIF89a" + b"\x00" * 500, "photo.gif", "请使用 JPEG、PNG 或 WebP 格式的照片。"),
        (f.jpeg(40, 40), "tiny.jpg", "照片太小，看不清内容。"),
    ],
    ids=["text-named-jpg", "png-header-only", "gif", "too-small"],
)
def test_files_that_are_not_acceptable_photos_are_refused(app, world, data, name, message):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    before = _uploads(app)
    page = _upload(client, pid, data, name).get_data(as_text=True)
    assert message in page
    assert row_count(ProposalPhoto, app=app) == 0
    assert _uploads(app) == before


def test_a_photo_over_the_configured_size_is_refused(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    app.config["PHOTO_MAX_BYTES"] = 2000
    before = _uploads(app)
    big = f.jpeg(1200, 900, color="#123456")
    assert len(big) > 2000
    page = _upload(client, pid, big).get_data(as_text=True)
    assert "照片过大：最大" in page
    assert row_count(ProposalPhoto, app=app) == 0 and _uploads(app) == before


def test_a_request_over_the_site_limit_is_refused(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    before = _uploads(app)
    # The multipart body is built here as bytes: the test client would spool a body this large
    # to a temporary file that it never closes when the request is refused.
    boundary = "----microprojects-test"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf_token(client)}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="photo"; filename="huge.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff\xd8\xff"
        + b"\x00" * (9 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/proposals/{pid}/photos",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)
    assert row_count(ProposalPhoto, app=app) == 0 and _uploads(app) == before


def test_at_most_four_photos(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    for i in range(4):
        assert "照片已添加。" in _upload(client, pid, f.jpeg(color=f"#10{i}0{i}0")).get_data(
            as_text=True
        )
    page = _upload(client, pid, f.jpeg()).get_data(as_text=True)
    assert "每个提议最多 4 张照片。" in page
    assert row_count(ProposalPhoto, app=app, proposal_id=pid) == 4
    assert f'action="/proposals/{pid}/photos"' not in page  # the form is gone


def test_only_the_author_adds_photos_and_not_once_screening_started(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    draft = _propose(app, cycle_id, submit=False)
    submitted = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    assert _upload(_as(app, neighbour), submitted, f.jpeg()).status_code == 403
    page = _upload(_as(app, "resident_a"), submitted, f.jpeg()).get_data(as_text=True)
    assert "目前不能对该提议进行此操作。" in page
    assert _upload(_as(app, neighbour), draft, f.jpeg()).status_code == 404
    assert _upload(_as(app, "resident_b"), submitted, f.jpeg()).status_code == 403
    assert row_count(ProposalPhoto, app=app) == 0
