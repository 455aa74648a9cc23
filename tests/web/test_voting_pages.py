"""Voting through the pages, as a resident and as the committee's office."""

import re

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import select
from webclient import csrf_token, login, post

from microprojects.extensions import db
from microprojects.models import Ballot, Participation, SealedBallot


@pytest.fixture
def election(app, world):
    with app.app_context():
        from microprojects.models import Community, User

        admin = db.session.get(User, world.ids["admin"])
        place = db.session.get(Community, world.a_id)
        c, projects = f.voting_cycle(place, admin)
        return c.id, [str(p.id) for p in projects]


def _ballots(app) -> int:
    """Ballots stored, sealed or mixed."""
    return row_count(Ballot, app=app) + row_count(SealedBallot, app=app)


def _receipt(page: str) -> str:
    return re.search(r'data-copy="([A-Z0-9-]{19})"', page).group(1)


def _check(client, cycle_id: int, code: str) -> str:
    return post(client, f"/cycles/{cycle_id}/check", {"code": code}).get_data(as_text=True)


def test_choose_review_cast_and_check(app, client, world, election):
    cycle_id, ids = election
    login(client, "resident_a")
    page = client.get(f"/cycles/{cycle_id}/vote").get_data(as_text=True)
    assert "报刊亭旁放两张石凳" in page and 'name="p"' in page
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[0], ids[2]]})
    assert review.status_code == 200
    text = review.get_data(as_text=True)
    assert "投出选票" in text and "老年人智能手机课堂" in text
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    cast = post(client, f"/cycles/{cycle_id}/vote/cast", {"token": token})
    # The receipt and the choices, in the cast's own answer, kept by no cache.
    assert cast.status_code == 200 and cast.headers["Cache-Control"] == "no-store"
    shown = cast.get_data(as_text=True)
    receipt = _receipt(shown)
    assert "报刊亭旁放两张石凳" in shown and "老年人智能手机课堂" in shown
    # Shown once only: the receipt page does not have it, nor the session.
    later = client.get(f"/cycles/{cycle_id}/receipt").get_data(as_text=True)
    assert receipt not in later and "报刊亭旁放两张石凳" not in later
    with client.session_transaction() as stored:
        assert receipt not in repr(dict(stored)) and ids[0] not in repr(stored.get("ballot_drafts"))
    # Anyone can check it, by POST: received (sealed, then counted), never what it chose.
    checked = _check(app.test_client(), cycle_id, receipt)
    assert "已收到" in checked and "老年人智能手机课堂" not in checked
    with app.app_context():
        from microprojects.services import mixing

        mixing.mix(cycle_id, final=True)
    checked = _check(app.test_client(), cycle_id, receipt)
    assert "已计入" in checked and "老年人智能手机课堂" not in checked
    # A receipt in the query string is ignored: no code belongs in a URL.
    by_get = app.test_client().get(f"/cycles/{cycle_id}/check", query_string={"code": receipt})
    assert "已计入" not in by_get.get_data(as_text=True)
    # The same form again (a double click) adds nothing and says the vote is in.
    again = post(client, f"/cycles/{cycle_id}/vote/cast", {"token": token})
    assert again.status_code == 302
    assert _ballots(app) == 1
    # A second ballot is refused with a clear message, and no cast is offered.
    assert "感谢您的投票" in client.get(f"/cycles/{cycle_id}/vote").get_data(as_text=True)
    second = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[1]]})
    assert second.status_code == 422
    text = second.get_data(as_text=True)
    # Told as final: no "not yet", and no invitation to change the choices.
    assert "您不能投出这张选票" in text and "每人只能投一次" in text
    assert "还不能投出" not in text and "修改选择" not in text
    assert 'name="token"' not in text
    assert _ballots(app) == 1 and row_count(Participation, app=app) == 1


def test_a_ballot_reviewed_on_two_devices_is_cast_once(app, world, election):
    cycle_id, ids = election
    phone, computer = app.test_client(), app.test_client()
    tokens = []
    for device, choice in ((phone, ids[0]), (computer, ids[1])):
        login(device, "resident_a")
        review = post(device, f"/cycles/{cycle_id}/vote/review", {"p": [choice]})
        tokens.append(re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)))
    cast = post(phone, f"/cycles/{cycle_id}/vote/cast", {"token": tokens[0].group(1)})
    assert cast.status_code == 200 and _receipt(cast.get_data(as_text=True))
    refused = post(computer, f"/cycles/{cycle_id}/vote/cast", {"token": tokens[1].group(1)})
    assert "每人只能投一次" in computer.get(refused.headers["Location"]).get_data(as_text=True)
    assert _ballots(app) == 1 and row_count(Participation, app=app) == 1


def test_an_invalid_ballot_is_explained_and_not_cast(app, client, world, election):
    cycle_id, ids = election
    with app.app_context():
        from microprojects.models import Cycle

        c = db.session.get(Cycle, cycle_id)
        c.ballot_max = 1
        db.session.commit()
    login(client, "resident_a")
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": ids})
    assert review.status_code == 422
    text = review.get_data(as_text=True)
    assert "最多选择 1 个项目" in text and "这张选票还不能投出" in text and "修改选择" in text
    assert "投出选票" not in text and "您不能投出这张选票" not in text
    assert _ballots(app) == 0


def test_a_review_that_offers_no_cast_ends_the_form_reviewed_before_it(
    app, client, world, election
):
    cycle_id, ids = election
    with app.app_context():
        from microprojects.models import Cycle

        db.session.get(Cycle, cycle_id).ballot_max = 1
        db.session.commit()
    login(client, "resident_a")
    good = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[0]]})
    token = re.search(r'name="token" value="([^"]+)"', good.get_data(as_text=True)).group(1)
    # In another tab the resident reviews a ballot that breaks the rule: the draft is now that
    # one, so the first tab's form must not cast it, and no new token is kept for a form that
    # was not offered.
    assert post(client, f"/cycles/{cycle_id}/vote/review", {"p": ids}).status_code == 422
    with client.session_transaction() as stored:
        assert str(cycle_id) not in stored.get("ballot_tokens", {})
    refused = post(client, f"/cycles/{cycle_id}/vote/cast", {"token": token})
    assert refused.headers["Location"].endswith(f"/cycles/{cycle_id}/vote")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "该选票表单已使用过，请重新确认您的选择。" in page
    assert _ballots(app) == 0 and row_count(Participation, app=app) == 0


def test_refusals_seen_by_the_voter(app, world, election):
    cycle_id, ids = election
    for username, expected in [("unverified", "只有认证居民可以投票"), ("resident_b", "其他社区")]:
        client = app.test_client()
        login(client, username)
        assert expected in client.get(f"/cycles/{cycle_id}/vote").get_data(as_text=True)
        # The review says so too, and offers no cast.
        review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[0]]})
        text = review.get_data(as_text=True)
        assert review.status_code == 422 and expected in text and "您不能投出这张选票" in text
        assert 'name="token"' not in text and f'href="/cycles/{cycle_id}/vote"' in text
    anonymous = app.test_client().get(f"/cycles/{cycle_id}/vote")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_voting_outside_the_dates_is_refused(app, client, world):
    with app.app_context():
        from microprojects.models import Community, User

        c = f.cycle(db.session.get(Community, world.a_id), db.session.get(User, world.ids["admin"]))
        cycle_id = c.id
    login(client, "resident_a")
    assert "目前不在投票时间" in client.get(f"/cycles/{cycle_id}/vote").get_data(as_text=True)


def test_revision_through_the_pages(app, client, world, election):
    cycle_id, ids = election
    with app.app_context():
        from microprojects.models import Cycle

        db.session.get(Cycle, cycle_id).allow_revision = True
        db.session.commit()
    login(client, "resident_a")
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[0]]})
    token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
    first = _receipt(
        post(client, f"/cycles/{cycle_id}/vote/cast", {"token": token}).get_data(as_text=True)
    )
    page = client.get(f"/cycles/{cycle_id}/vote?revise=1").get_data(as_text=True)
    assert 'name="revise" value="1"' in page
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[1]], "revise": "1"})
    text = review.get_data(as_text=True)
    assert first not in text  # the receipt is kept nowhere: the voter types it
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    cast = post(
        client, f"/cycles/{cycle_id}/vote/cast", {"token": token, "revise": "1", "receipt": first}
    )
    second = _receipt(cast.get_data(as_text=True))
    assert second != first and "幸福巷安装路灯" in cast.get_data(as_text=True)
    with app.app_context():
        from microprojects.services import mixing

        mixing.mix(cycle_id, final=True)
    checker = app.test_client()
    assert "没有哪张选票" in _check(checker, cycle_id, first)
    assert "已计入" in _check(checker, cycle_id, second)
    assert row_count(Ballot, app=app) == 1 and row_count(SealedBallot, app=app) == 0


def test_another_voters_receipt_cannot_replace_their_ballot(app, world, election):
    """A receipt seen over a shoulder or left behind is of no use to anyone else."""
    cycle_id, ids = election
    with app.app_context():
        from microprojects.models import Community, Cycle, User

        db.session.get(Cycle, cycle_id).allow_revision = True
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        f.verified_resident("voter_b", place, committee, "符小红", "3栋2单元201")
        db.session.commit()
    receipts = {}
    for name, choice in (("resident_a", ids[0]), ("voter_b", ids[1])):
        device = app.test_client()
        login(device, name)
        review = post(device, f"/cycles/{cycle_id}/vote/review", {"p": [choice]})
        token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
        cast = post(device, f"/cycles/{cycle_id}/vote/cast", {"token": token})
        receipts[name] = (device, _receipt(cast.get_data(as_text=True)))
    device, _mine = receipts["resident_a"]
    review = post(device, f"/cycles/{cycle_id}/vote/review", {"p": [ids[2]], "revise": "1"})
    token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
    stolen = receipts["voter_b"][1]
    refused = post(
        device, f"/cycles/{cycle_id}/vote/cast", {"token": token, "revise": "1", "receipt": stolen}
    )
    assert refused.status_code == 302
    assert "不是您在本轮投票中那张选票的回执码" in device.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        from microprojects.services import mixing

        mixing.mix(cycle_id, final=True)
        chosen = sorted(tuple(b.choices) for b in db.session.scalars(select(Ballot)))
    assert chosen == sorted([(ids[0],), (ids[1],)])


def test_paper_ballot_entered_by_one_confirmed_by_another(app, world, election):
    cycle_id, ids = election
    first, second = app.test_client(), app.test_client()
    login(first, "committee_a")
    login(second, "admin")
    found = first.get(
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}/paper", query_string={"q": "王秀英"}
    ).get_data(as_text=True)
    assert "王秀英" in found and "录入这张纸质选票" in found
    with app.app_context():
        from microprojects.models import User

        residency_id = db.session.get(User, world.ids["resident_a"]).residency.id
    entered = post(
        first,
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}/paper/{residency_id}",
        {"p": [ids[1]], "identity_check": "id_card"},
    )
    assert entered.status_code == 302
    listing = first.get(f"/c/{world.a_slug}/committee/cycles/{cycle_id}/paper").get_data(
        as_text=True
    )
    assert "等待第二次录入" in listing and "需由另一个人第二次录入" in listing
    # The second member opens the entry: an empty ballot, nothing of the first typing.
    entry_id = int(
        re.search(
            r"/committee/paper/(\d+)/key",
            second.get(f"/c/{world.a_slug}/committee/cycles/{cycle_id}/paper").get_data(
                as_text=True
            ),
        ).group(1)
    )
    key_path = f"/c/{world.a_slug}/committee/paper/{entry_id}/key"
    form = second.get(key_path).get_data(as_text=True)
    assert "王秀英" in form and "checked" not in form
    # The first member cannot be the second typist.
    refused = post(first, key_path, {"p": [ids[1]]})
    assert "需由另一个人再录入一次" in first.get(refused.headers["Location"]).get_data(as_text=True)
    # A different reading waits for a third look; an agreeing one counts it.
    differ = post(second, key_path, {"p": [ids[0]]})
    assert "两次录入不一致" in second.get(differ.headers["Location"]).get_data(as_text=True)
    assert _ballots(app) == 0
    confirmed = post(first, key_path, {"p": [ids[1]]})  # the first typist looks again
    page = first.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "两次录入一致：纸质选票已计入" not in page  # the first typist alone agrees with no one
    # The second member looks at the paper again: their new typing replaces theirs, and agrees.
    assert "您之前录入过这张选票" in second.get(key_path).get_data(as_text=True)
    done = post(second, key_path, {"p": [ids[1]]})
    page = second.get(done.headers["Location"]).get_data(as_text=True)
    assert "两次录入一致：纸质选票已计入" in page
    # Nobody at the office sees a receipt.
    assert re.search(r'class="code big">|receipt-code|data-copy', page) is None
    assert _ballots(app) == 1
    # She voted on paper: the web tells her so.
    resident = app.test_client()
    login(resident, "resident_a")
    assert "感谢" in resident.get(f"/cycles/{cycle_id}/vote").get_data(as_text=True)
    turnout = first.get(f"/c/{world.a_slug}/committee/cycles/{cycle_id}/turnout").get_data(
        as_text=True
    )
    assert "纸质" in turnout


def test_public_turnout_can_be_hidden(app, world, election):
    cycle_id, _ids = election
    client = app.test_client()
    assert client.get(f"/cycles/{cycle_id}/turnout").status_code == 200
    with app.app_context():
        from microprojects.models import Cycle

        db.session.get(Cycle, cycle_id).public_turnout = False
        db.session.commit()
    assert client.get(f"/cycles/{cycle_id}/turnout").status_code == 404


def test_ballots_are_published_only_after_voting(app, client, world, election):
    cycle_id, ids = election
    login(client, "resident_a")
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[0]]})
    token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
    cast = post(client, f"/cycles/{cycle_id}/vote/cast", {"token": token})
    receipt = _receipt(cast.get_data(as_text=True))
    during = app.test_client().get(f"/cycles/{cycle_id}/ballots.json").get_json()
    assert during["published"] is False and during["ballots"] == []
    with app.app_context():
        from datetime import timedelta

        from microprojects.models import Cycle, utcnow

        c = db.session.get(Cycle, cycle_id)
        c.publication_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    # Closed, but a ballot still sealed: nothing yet, and it says how many wait.
    waiting = app.test_client().get(f"/cycles/{cycle_id}/ballots.json").get_json()
    assert waiting["published"] is False and waiting["sealed_waiting"] == 1
    with app.app_context():
        from microprojects.services import mixing

        mixing.mix(cycle_id, final=True)
    after = app.test_client().get(f"/cycles/{cycle_id}/ballots.json").get_json()
    import hashlib

    assert after["published"] is True
    # Two lists, nothing to tie a receipt to choices.
    assert after["ballots"] == [{"choices": [ids[0]], "points": None}]
    assert after["receipt_sha256"] == [hashlib.sha256(receipt.encode()).hexdigest()]


def test_a_cast_is_three_statements_on_postgresql_and_five_on_sqlite(app, client, world, election):
    """What a cast costs the database, kept small by design (voting day's load is casts): the
    user, the cycle with its ballot's costs and titles, then the participation and the sealed
    ballot, which PostgreSQL writes in one statement that also says how many ballots wait for
    the mixer (SQLite counts them apart). The receipt page that answers reads nothing more."""
    from sqlalchemy import event

    cycle_id, ids = election
    login(client, "resident_a")
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [ids[0]]})
    token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
    form = {"token": token, "csrf_token": csrf_token(client)}
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()[:3]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        cast = client.post(f"/cycles/{cycle_id}/vote/cast", data=form)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert cast.status_code == 200 and _receipt(cast.get_data(as_text=True))
    assert "报刊亭旁放两张石凳" in cast.get_data(as_text=True)
    if dialect == "postgresql":
        expected = ["SELECT users.id, users.username,", "SELECT cycles.id, cycles.community_id,",
                    "WITH participation AS"]  # fmt: skip
    else:
        expected = ["SELECT users.id, users.username,", "SELECT cycles.id, cycles.community_id,",
                    "INSERT INTO participations", "INSERT INTO sealed_ballots",
                    "SELECT count(*) AS"]  # fmt: skip
    assert statements == expected
    assert row_count(SealedBallot, app=app) == 1 and row_count(Participation, app=app) == 1


def test_a_second_typist_from_another_community_works_only_where_named(app, world, election):
    cycle_id, ids = election
    with app.app_context():
        from microprojects.models import Community, Cycle, User, utcnow
        from microprojects.services import accounts

        a = db.session.get(Community, world.a_id)
        neighbour_place = f.community("xinbu", "新埠社区")  # the same street as A
        neighbour = f.user("neighbour_chair")
        admin = db.session.get(User, world.ids["admin"])
        accounts.add_committee_member(admin, neighbour, neighbour_place, title="主任", now=f.NOW)
        resident = db.session.get(User, world.ids["resident_a"]).residency
        from microprojects.domain.ballots import Choice
        from microprojects.services import voting

        entry = voting.enter_paper_ballot(
            db.session.get(User, world.ids["committee_a"]),
            db.session.get(Cycle, cycle_id), resident, [Choice(ids[0])], now=utcnow(),
        )  # fmt: skip
        entry_id, neighbour_id, place_slug = entry.id, neighbour.id, a.slug
    paper_page = f"/c/{place_slug}/committee/cycles/{cycle_id}/paper"
    key_path = f"/c/{place_slug}/committee/paper/{entry_id}/key"
    outsider = app.test_client()
    login(outsider, "neighbour_chair")
    assert outsider.get(paper_page).status_code == 403
    assert outsider.get(key_path).status_code == 403
    # The committee names them on the paper page.
    chair = app.test_client()
    login(chair, "committee_a")
    page = chair.get(paper_page).get_data(as_text=True)
    assert "居务协商会以外的第二录入人" in page and f'value="{neighbour_id}"' in page
    naming = f"/c/{place_slug}/committee/cycles/{cycle_id}/paper-keyer"
    post(chair, naming, {"keyer": neighbour_id})
    assert outsider.get(paper_page).status_code == 200
    done = post(outsider, key_path, {"p": [ids[0]]})
    assert "两次录入一致" in outsider.get(done.headers["Location"]).get_data(as_text=True)
    # They may type paper ballots, not change who may.
    assert "居务协商会以外的第二录入人" not in outsider.get(paper_page).get_data(as_text=True)
    refused = post(
        outsider, f"/c/{place_slug}/committee/cycles/{cycle_id}/paper-keyer", {"keyer": ""}
    )
    assert refused.status_code == 403
    assert _ballots(app) == 1
