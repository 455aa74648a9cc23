"""The pages of notices: choosing channels and confirming a phone, the committee's
announcements and its 通知发送 page, as a browser sends them (CSRF on)."""

from __future__ import annotations

from datetime import timedelta

import factories as f
from helpers import row_count
from sqlalchemy import select
from webclient import login, post

from microprojects.domain.notices import Channel, MessageStatus
from microprojects.extensions import db
from microprojects.models import (
    Announcement,
    Community,
    NoticeSettings,
    Notification,
    OutgoingMessage,
    User,
    utcnow,
)
from microprojects.services import sms


def _last_code(phone: str) -> str:
    for message in reversed(sms.LOG_RECORD):
        if message.phone == phone and message.kind == "phone_code":
            return str(message.params["code"])
    raise AssertionError("no code")


def test_a_resident_confirms_a_phone_and_turns_sms_on(app, client, world):
    login(client, "resident_a")
    page = client.get("/account/notice-settings")
    assert page.status_code == 200
    assert "给我发验证码" in page.get_data(as_text=True)
    sent = post(client, "/account/notice-settings/phone", {"phone": "138-0013-8000"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#sms-code")
    page = client.get("/account/notice-settings").get_data(as_text=True)
    assert "6 位验证码已发到 13800138000" in page and "确认手机号" in page
    right = _last_code("13800138000")
    wrong = "000000" if right != "000000" else "111111"
    refused = post(client, "/account/notice-settings/confirm", {"code": wrong})
    assert refused.status_code == 400
    assert "验证码不对。请看一下短信再输入一次（还可以试 4 次）。" in refused.get_data(as_text=True)
    done = post(client, "/account/notice-settings/confirm", {"code": f" {right} "})
    assert done.status_code == 302
    with app.app_context():
        settings = db.session.get(NoticeSettings, world.ids["resident_a"])
        assert settings.sms_on and settings.sms_phone == "13800138000"
    page = client.get("/account/notice-settings").get_data(as_text=True)
    assert "已确认：13800138000。" in page
    # Turning SMS off is one box.
    post(client, "/account/notice-settings/channels", {"email_on": "y"})
    with app.app_context():
        assert db.session.get(NoticeSettings, world.ids["resident_a"]).sms_on is False


def test_sms_cannot_be_turned_on_by_a_replayed_form_before_confirmation(app, client, world):
    login(client, "resident_a")
    response = post(client, "/account/notice-settings/channels", {"sms_on": "y"})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请先用验证码确认手机号" in follow
    with app.app_context():
        settings = db.session.get(NoticeSettings, world.ids["resident_a"])
        assert settings is None or settings.sms_on is False


def test_the_code_form_is_rate_limited_per_client(app_with):
    app = app_with(PHONE_CODE_RATE_LIMIT="2 per minute")
    with app.app_context():
        f.world()
    client = app.test_client()
    login(client, "resident_a")
    answers = [
        post(client, "/account/notice-settings/phone", {"phone": f"1380013800{n}"}).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]


def test_a_number_asked_twice_in_a_minute_says_how_long_to_wait(client, world):
    login(client, "resident_a")
    post(client, "/account/notice-settings/phone", {"phone": "13800138000"})
    again = post(client, "/account/notice-settings/phone", {"phone": "13800138000"})
    assert again.status_code == 400
    assert "刚刚已向这个号码发过验证码。请等" in again.get_data(as_text=True)


def test_the_committee_announces_voting_once_and_sees_the_reach(app, client, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycle_id = f.voting_cycle(a, committee)[0].id
    login(client, "committee_a")
    url = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/announce"
    page = client.get(url).get_data(as_text=True)
    assert "投票已开始（附截止时间）" in page and "现在发送" in page
    first = post(client, url, {"kind": "voting_open"})
    assert first.status_code == 302
    assert "已通知" in client.get(first.headers["Location"]).get_data(as_text=True)
    second = post(client, url, {"kind": "voting_open"})
    follow = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "本轮已经发过这条通知了" in follow
    assert "现在发送" not in follow  # sent: its reach is shown instead
    with app.app_context():
        assert row_count(Announcement) == 1
        told = list(db.session.scalars(select(Notification.user_id).filter_by(kind="voting_open")))
        assert len(told) == len(set(told)) and world.ids["resident_a"] in told
    # The resident finds it among their notices.
    resident = app.test_client()
    login(resident, "resident_a")
    notices = resident.get("/account/notifications").get_data(as_text=True)
    assert "投票已开始。" in notices


def test_another_committee_cannot_announce(app, client, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycle_id = f.voting_cycle(a, committee)[0].id
    login(client, "committee_b")
    url = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/announce"
    assert post(client, url, {"kind": "voting_open"}).status_code == 403
    # Nor through its own community's address: the cycle is not its.
    url_b = f"/c/{world.b_slug}/committee/cycles/{cycle_id}/announce"
    assert post(client, url_b, {"kind": "voting_open"}).status_code == 404
    with app.app_context():
        assert row_count(Announcement) == 0


def _failed_message(app, user_id: int, community_id: int) -> int:
    with app.app_context():
        message = OutgoingMessage(
            user_id=user_id, community_id=community_id, channel=Channel.SMS,
            address="13800138000", kind="voting_open", params={"cycle": "2026"},
            status=MessageStatus.GIVEN_UP, attempts=5, last_error="HTTP 500: InternalError",
            next_attempt_at=None, created_at=utcnow() - timedelta(hours=12),
        )  # fmt: skip
        db.session.add(message)
        db.session.commit()
        return message.id


def test_the_committee_sees_its_failed_messages_and_sends_one_again(app, client, world):
    message_id = _failed_message(app, world.ids["resident_a"], world.a_id)
    login(client, "committee_a")
    page = client.get(f"/c/{world.a_slug}/committee/notices").get_data(as_text=True)
    assert "HTTP 500: InternalError" in page and "138****8000" in page
    assert "13800138000" not in page  # the number is not shown whole
    assert "多次重试后已放弃" in page
    done = post(client, f"/c/{world.a_slug}/committee/notices/{message_id}/retry")
    assert done.status_code == 302
    assert "已重发：消息发出去了。" in client.get(done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(OutgoingMessage, message_id).status is MessageStatus.SENT


def test_another_community_does_not_see_or_retry_them(app, client, world):
    message_id = _failed_message(app, world.ids["resident_a"], world.a_id)
    login(client, "committee_b")
    page = client.get(f"/c/{world.b_slug}/committee/notices").get_data(as_text=True)
    assert "HTTP 500" not in page and "没有发送失败的消息" in page
    refused = post(client, f"/c/{world.b_slug}/committee/notices/{message_id}/retry")
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(OutgoingMessage, message_id).status is MessageStatus.GIVEN_UP
    # The administrator sees everyone's.
    admin = app.test_client()
    login(admin, "admin")
    assert "HTTP 500: InternalError" in admin.get("/admin/notices").get_data(as_text=True)
