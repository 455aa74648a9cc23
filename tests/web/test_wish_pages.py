"""The small wishes' pages: a resident sends one from a phone-first form (refused input kept,
422; a bad upload refused as a proposal photo is); the wall never names the author nor shows
the photo; the photo reaches its author and the committee only; the committee answers and
makes a proposal, which links back to its wish."""

from __future__ import annotations

import io
import re

import factories as f
from sqlalchemy import select
from webclient import csrf_token, login

from microprojects.extensions import db
from microprojects.models import Community, Proposal, User, Wish, utcnow
from microprojects.services import wishes


def _send(client, slug, **data):
    payload = {"csrf_token": csrf_token(client), "text": "", "place": "", **data}
    return client.post(f"/c/{slug}/wishes", data=payload, content_type="multipart/form-data")


def test_a_resident_sends_a_wish_and_sees_it_in_my_wishes(app, world):
    client = app.test_client()
    login(client, "resident_a")
    page = client.get(f"/c/{world.a_slug}/wishes").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="text"' in page
    sent = _send(
        client, world.a_slug, text="3栋楼道想装扶手", place="3栋",
        photo=(io.BytesIO(f.jpeg()), "stairs.jpg"),
    )  # fmt: skip
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/wishes/mine")
    mine = client.get("/wishes/mine").get_data(as_text=True)
    assert "3栋楼道想装扶手" in mine
    with app.app_context():
        wish = db.session.scalar(select(Wish))
        assert wish.photo_filename is not None
        wish_id = wish.id
    photo = client.get(f"/wishes/{wish_id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "no-store" in photo.headers["Cache-Control"]
    photo.close()
    # Not through the public media route, nor to anyone else.
    assert client.get(f"/media/{wish.photo_filename}").status_code == 404
    other = app.test_client()
    login(other, "resident_b")
    assert other.get(f"/wishes/{wish_id}/photo").status_code == 403
    assert app.test_client().get(f"/wishes/{wish_id}/photo").status_code == 302  # to log in


def test_a_refused_wish_keeps_what_was_typed(app, world):
    client = app.test_client()
    login(client, "resident_a")
    refused = _send(
        client, world.a_slug, text="门口的台阶太高", place="东门",
        photo=(io.BytesIO(b"<svg onload=alert(1)></svg>"), "x.jpg"),
    )  # fmt: skip
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "门口的台阶太高" in body and 'value="东门"' in body
    with app.app_context():
        assert db.session.scalar(select(Wish)) is None
    empty = _send(client, world.a_slug, text="   ", place="东门")
    assert empty.status_code == 422 and 'value="东门"' in empty.get_data(as_text=True)


def test_the_wall_names_nobody_and_shows_no_photo(app, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        resident = db.session.get(User, world.ids["resident_a"])
        committee = db.session.get(User, world.ids["committee_a"])
        wish = wishes.send_wish(resident, a, text="路灯坏了", photo=f.jpeg(), now=utcnow())
        wishes.answer_wish(
            committee, wish, status="referred", answer="已转12345", referred_to="12345 市民热线",
            now=utcnow(),
        )  # fmt: skip
        wish_id, name = wish.id, resident.display_name
    visitor = app.test_client()
    for path in (f"/c/{world.a_slug}/wishes", f"/wishes/{wish_id}"):
        page = visitor.get(path).get_data(as_text=True)
        assert "路灯坏了" in page and "12345 市民热线" in page and "已转12345" in page
        assert name not in page and "/photo" not in page
    author = app.test_client()
    login(author, "resident_a")
    assert f"/wishes/{wish_id}/photo" in author.get(f"/wishes/{wish_id}").get_data(as_text=True)


def test_the_committee_answers_and_makes_a_proposal(app, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        resident = db.session.get(User, world.ids["resident_a"])
        committee = db.session.get(User, world.ids["committee_a"])
        open_wish = wishes.send_wish(resident, a, text="楼道装扶手", now=utcnow())
        cycle = f.cycle(a, committee)
        ids = open_wish.id, cycle.id
    wish_id, cycle_id = ids
    client = app.test_client()
    login(client, "committee_a")
    page = client.get(f"/c/{world.a_slug}/committee/wishes").get_data(as_text=True)
    assert f'name="answer{wish_id}-status"' in page
    token = csrf_token(client)
    refused = client.post(
        f"/c/{world.a_slug}/committee/wishes/{wish_id}/answer",
        data={"csrf_token": token, f"answer{wish_id}-status": "declined",
              f"answer{wish_id}-answer": ""},
    )  # fmt: skip
    assert refused.status_code == 422
    answered = client.post(
        f"/c/{world.a_slug}/committee/wishes/{wish_id}/answer",
        data={"csrf_token": token, f"answer{wish_id}-status": "taken"},
    )
    assert answered.status_code == 302
    page = client.get(f"/c/{world.a_slug}/committee/wishes").get_data(as_text=True)
    assert f'name="propose{wish_id}-title"' in page and 'value="楼道装扶手"' in page
    made = client.post(
        f"/c/{world.a_slug}/committee/wishes/{wish_id}/propose",
        data={
            "csrf_token": token, f"propose{wish_id}-cycle": str(cycle_id),
            f"propose{wish_id}-title": "楼道装扶手", f"propose{wish_id}-category": "设施维修",
            f"propose{wish_id}-project_type": "goods",
            f"propose{wish_id}-estimated_cost": "2,000",
            f"propose{wish_id}-on_behalf_of": "一位居民",
        },
    )  # fmt: skip
    assert made.status_code == 302
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.wish_id == wish_id))
        assert proposal is not None and proposal.description == "楼道装扶手"
        proposal_id = proposal.id
    detail = app.test_client().get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert f'href="/wishes/{wish_id}"' in detail
    wish_page = app.test_client().get(f"/wishes/{wish_id}").get_data(as_text=True)
    assert f'href="/proposals/{proposal_id}"' in wish_page
    resident = app.test_client()
    login(resident, "resident_a")
    notices = resident.get("/account/notifications").get_data(as_text=True)
    assert len(re.findall(f'href="/wishes/{wish_id}"', notices)) == 2


def test_no_collecting_cycle_says_so(app, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        resident = db.session.get(User, world.ids["resident_a"])
        committee = db.session.get(User, world.ids["committee_a"])
        wish = wishes.send_wish(resident, a, text="楼道装扶手", now=utcnow())
        wishes.answer_wish(committee, wish, status="taken", answer="", now=utcnow())
        wish_id = wish.id
    client = app.test_client()
    login(client, "committee_a")
    page = client.get(f"/c/{world.a_slug}/committee/wishes").get_data(as_text=True)
    assert "本社区现在没有正在征集提议的轮次" in page
    refused = client.post(
        f"/c/{world.a_slug}/committee/wishes/{wish_id}/propose",
        data={"csrf_token": csrf_token(client)},
    )
    assert refused.status_code == 422
    assert "本社区现在没有正在征集提议的轮次" in refused.get_data(as_text=True)
