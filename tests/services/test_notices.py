"""Notices that reach people: Aliyun's signature, the SMS adapter against a stand-in of the
provider, the outbox's retries and limits, phone confirmation, announcements and outcomes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import factories as f
import pytest
import sms_standin
from helpers import at_once, row_count
from sqlalchemy import select

from microprojects.domain import notices as domain
from microprojects.domain.notices import Channel, MessageStatus
from microprojects.extensions import db
from microprojects.models import (
    Announcement,
    AuditEntry,
    Community,
    Notification,
    OutgoingMessage,
    PhoneCode,
    Support,
    User,
    utcnow,
)
from microprojects.services import announcements, channels, counting, outbox, sms
from microprojects.services.errors import ServiceError
from microprojects.services.notifications import notify

# --- the signature, as Aliyun documents it ------------------------------------------------


def test_signature_equals_the_sms_documentation_example():
    """Aliyun's SMS "签名机制" page works through one SendSms request, step by step:
    https://help.aliyun.com/document_detail/101343.html (also
    https://help.aliyun.com/document_detail/56189.html). AccessKeyId ``testId``,
    AccessKeySecret ``testSecret``, the parameters below; its StringToSign and its signature
    ``zJDF+Lrzhj/ThnlvIToysFRq6t4=`` are copied from that page."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert domain.string_to_sign("GET", params) == (
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
        "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
        "%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8"
        "%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0"
        "%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A"
        "%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z"
        "%26Version%3D2017-05-25"
    )
    assert domain.rpc_signature("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    query = domain.signed_query("GET", params, "testSecret")
    assert query.startswith("Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&")


def test_signature_equals_the_rpc_documentation_example():
    """The worked example of Aliyun's RPC signature page (ECS DescribeRegions),
    https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism: AccessKeySecret
    ``testsecret``, signature ``OLeaidS1JvxuMvnyHOwuJ+uX5qY=``."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert domain.rpc_signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_percent_encoding_follows_aliyun_not_form_encoding():
    assert domain.percent_encode("a b*c~d") == "a%20b%2Ac~d"
    assert domain.percent_encode("/=&+") == "%2F%3D%26%2B"
    assert domain.percent_encode("派") == "%E6%B4%BE"


def test_template_params_fit_the_template():
    params = {"project": "幸福巷安装路灯", "cycle": "2026", "funded": True, "extra": "x"}
    assert domain.template_params("outcome", params, "zh") == {
        "project": "幸福巷安装路灯",
        "result": "入选",
        "cycle": "2026",
    }
    assert domain.template_params("outcome", {**params, "funded": False}, "en")["result"] == (
        "not funded"
    )
    long = domain.template_params("notice", {"title": "长" * 50}, "zh")["title"]
    assert len(long) == domain.VARIABLE_MAX and long.endswith("…")


# --- the stand-in and the app that sends through it ----------------------------------------


@pytest.fixture
def standin() -> Iterator[sms_standin.StandIn]:
    server = sms_standin.start()
    yield server
    server.close()


@pytest.fixture
def aliyun_app(app_with, standin):
    return app_with(**sms_standin.settings(standin))


def _code_sent_to(phone: str, standin: sms_standin.StandIn | None = None) -> str:
    if standin is not None:
        for params in reversed(standin.received):
            if params.get("PhoneNumbers") == phone and params.get("TemplateCode") == "SMS_100":
                return str(json.loads(params["TemplateParam"])["code"])
        raise AssertionError("no code sent")
    for message in reversed(sms.LOG_RECORD):
        if message.phone == phone and message.kind == "phone_code":
            return str(message.params["code"])
    raise AssertionError("no code sent")


def _message(**where: Any) -> OutgoingMessage:
    db.session.expire_all()
    found = db.session.scalars(select(OutgoingMessage).filter_by(**where)).all()
    assert len(found) == 1, found
    return found[0]


def test_the_adapter_sends_a_signed_request_and_records_the_bizid(aliyun_app, standin):
    with aliyun_app.app_context():
        w = f.world()
        channels.request_phone_code(w.resident_a, "13800138000", now=utcnow())
        message = _message(kind="phone_code")
        assert message.status is MessageStatus.SENT
        assert message.provider_id == "biz1"
        assert message.attempts == 1 and message.sent_at is not None
        assert message.params == {}  # the code is not kept once sent
    assert standin.bad_signatures == 0
    sent = standin.received[0]
    assert sent["Action"] == "SendSms" and sent["Version"] == "2017-05-25"
    assert sent["PhoneNumbers"] == "13800138000" and sent["SignName"] == "微实事"
    assert sent["TemplateCode"] == "SMS_100"
    assert json.loads(sent["TemplateParam"])["code"].isdigit()


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("error", "isv.BUSINESS_LIMIT_CONTROL"),
        ("http500", "HTTP 500: InternalError"),
        ("slow", "no answer within 0.5 s"),
    ],
)
def test_each_failure_of_the_provider_is_recorded_on_the_message(aliyun_app, standin, mode, error):
    standin.mode = mode
    with aliyun_app.app_context():
        w = f.world()
        before = utcnow()
        channels.request_phone_code(w.resident_a, "13800138000", now=before)
        message = _message(kind="phone_code")
        assert message.status is MessageStatus.FAILED
        assert error in message.last_error
        assert message.attempts == 1 and message.sent_at is None
        # Tried again after the first wait, not before.
        assert message.next_attempt_at == before + domain.backoff(1)
        assert message.params  # kept for the next try


def test_a_wrong_secret_is_refused_by_the_provider_and_recorded(app_with, standin):
    app = app_with(**sms_standin.settings(standin, ALIYUN_ACCESS_KEY_SECRET="wrong"))
    with app.app_context():
        w = f.world()
        channels.request_phone_code(w.resident_a, "13800138000", now=utcnow())
        message = _message(kind="phone_code")
        assert message.status is MessageStatus.FAILED
        assert "SignatureDoesNotMatch" in message.last_error
    assert standin.bad_signatures == 1


def _notice_by_sms(user: User, phone: str, now) -> int:
    """A notice to ``user`` by SMS, queued and tried once (after the commit, as every notice is);
    its id."""
    outbox.queue(
        user_id=user.id, channel=Channel.SMS, address=phone, kind="notice",
        params={"title": "幸福巷路灯"}, community_id=None, now=now,
    )  # fmt: skip
    db.session.commit()
    return _message(address=phone, kind="notice").id


def test_a_failed_sms_is_retried_by_the_command_after_its_wait_and_sent(aliyun_app, standin):
    standin.mode = "http500"
    runner = aliyun_app.test_cli_runner()
    with aliyun_app.app_context():
        w = f.world()
        an_hour_ago = utcnow() - timedelta(hours=1)
        message_id = _notice_by_sms(w.resident_a, "13800138000", an_hour_ago)
        assert _message(id=message_id).status is MessageStatus.FAILED
        # Not yet due: a message that failed a moment ago waits.
        _notice_by_sms(w.resident_b, "13900139000", utcnow())
        fresh = _message(address="13900139000")
        assert fresh.status is MessageStatus.FAILED
    standin.mode = "ok"
    result = runner.invoke(args=["notices", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    with aliyun_app.app_context():
        message = db.session.get(OutgoingMessage, message_id)
        assert message.status is MessageStatus.SENT and message.attempts == 2
        assert _message(address="13900139000").status is MessageStatus.FAILED


def test_a_message_is_given_up_after_the_last_try_and_shown_to_its_committee(aliyun_app, standin):
    standin.mode = "error"
    with aliyun_app.app_context():
        w = f.world()
        moment = utcnow()
        message_id = _notice_by_sms(w.resident_a, "13800138000", moment)
        db.session.get(OutgoingMessage, message_id).community_id = w.a.id
        db.session.commit()
        for _ in range(domain.MAX_ATTEMPTS - 1):
            moment += timedelta(hours=3)
            outbox.send_due(aliyun_app, now=moment)
        message = _message(id=message_id)
        assert message.status is MessageStatus.GIVEN_UP
        assert message.attempts == domain.MAX_ATTEMPTS and message.next_attempt_at is None
        # The timer leaves it alone from now on.
        assert outbox.send_due(aliyun_app, now=moment + timedelta(days=1)) == outbox.Tally()
        view = outbox.load_outbox(w.committee_a, w.a)
        assert [m.id for m in view.troubled] == [message_id]
        assert view.by_status == {"given_up": 1}
        assert outbox.load_outbox(w.committee_b, w.b).troubled == []
        with pytest.raises(ServiceError) as refused:
            outbox.load_outbox(w.committee_b, w.a)
        assert refused.value.code == "forbidden"
        with pytest.raises(ServiceError) as refused:
            outbox.retry_now(w.committee_b, message_id, w.b, now=moment)
        assert refused.value.code == "not_found"
        standin.mode = "ok"
        retried = outbox.retry_now(w.committee_a, message_id, w.a, now=moment)
        assert retried.status is MessageStatus.SENT
        assert row_count(AuditEntry, action="notice.retry") == 1


def test_a_given_up_message_retried_in_vain_is_given_up_again(aliyun_app, standin):
    standin.mode = "http500"
    with aliyun_app.app_context():
        w = f.world()
        moment = utcnow()
        message_id = _notice_by_sms(w.resident_a, "13800138000", moment)
        db.session.get(OutgoingMessage, message_id).community_id = w.a.id
        db.session.commit()
        for _ in range(domain.MAX_ATTEMPTS - 1):
            moment += timedelta(hours=3)
            outbox.send_due(aliyun_app, now=moment)
        again = outbox.retry_now(w.committee_a, message_id, w.a, now=moment)
        assert again.status is MessageStatus.GIVEN_UP
        assert again.attempts == domain.MAX_ATTEMPTS + 1


def test_a_code_that_could_not_go_out_in_time_is_given_up_and_not_resent(aliyun_app, standin):
    """A code the provider failed to take is tried again while it works; once its 10 minutes
    are over it is not sent late (it would no longer work), its words are dropped, and nobody
    can send it again: the resident asks for a new one."""
    standin.mode = "http500"
    with aliyun_app.app_context():
        w = f.world()
        moment = utcnow()
        channels.request_phone_code(w.resident_a, "13800138000", now=moment)
        first = _message(kind="phone_code")
        assert first.status is MessageStatus.FAILED and first.params
        standin.mode = "ok"
        assert outbox.send_due(aliyun_app, now=moment + domain.backoff(1)).sent == 1
        assert _message(id=first.id).status is MessageStatus.SENT

        standin.mode = "http500"
        later = moment + timedelta(minutes=20)
        channels.request_phone_code(w.resident_a, "13800138000", now=later)
        second = db.session.scalars(
            select(OutgoingMessage).filter_by(kind="phone_code").order_by(OutgoingMessage.id)
        ).all()[-1]
        assert second.status is MessageStatus.FAILED
        standin.mode = "ok"
        tally = outbox.send_due(aliyun_app, now=later + domain.CODE_VALID)
        assert tally == outbox.Tally(given_up=1)
        message = _message(id=second.id)
        assert message.status is MessageStatus.GIVEN_UP and message.attempts == 1
        assert message.params == {} and "expired" in message.last_error
        with pytest.raises(ServiceError) as refused:
            outbox.retry_now(w.committee_a, second.id, w.a, now=later + domain.CODE_VALID)
        assert refused.value.code == "phone_code_not_resent"
        assert _message(id=second.id).attempts == 1


def test_sms_over_the_minute_cap_wait_and_are_not_dropped(app_with):
    app = app_with(SMS_PER_MINUTE=2)
    with app.app_context():
        w = f.world()
        now = utcnow()
        for n, uid in enumerate(w_ids := [w.resident_a.id, w.resident_b.id, w.unverified.id]):
            user = db.session.get(User, uid)
            outbox.queue(
                user_id=user.id, channel=Channel.SMS, address=f"1380013800{n}",
                kind="notice", params={"title": "t"}, community_id=None, now=now,
            )  # fmt: skip
        db.session.commit()
        rows = db.session.scalars(
            select(OutgoingMessage).where(OutgoingMessage.user_id.in_(w_ids))
        ).all()
        db.session.expire_all()
        statuses = sorted(m.status.value for m in rows)
        assert statuses == ["queued", "sent", "sent"]
        waiting = next(m for m in rows if m.status is MessageStatus.QUEUED)
        assert waiting.attempts == 0 and waiting.next_attempt_at > now
        # A minute later the cap lets it go.
        assert outbox.send_due(app, now=now + timedelta(minutes=2)).sent == 1


def test_email_goes_to_those_with_an_address_unless_turned_off(ctx):
    w = f.world()
    w.resident_a.email = "wang@example.cn"
    w.resident_b.email = "fu@example.cn"
    db.session.commit()
    channels.set_channels(w.resident_b, email_on=False, sms_on=False, now=utcnow())
    notify([w.resident_a.id, w.resident_b.id], "reply", None, {}, now=utcnow())
    db.session.commit()
    sent = db.session.scalars(select(OutgoingMessage)).all()
    assert [(m.channel, m.address, m.status) for m in sent] == [
        (Channel.EMAIL, "wang@example.cn", MessageStatus.SENT)  # logged: no mail server
    ]


# --- opting in: the phone and its code ----------------------------------------------------


def test_no_sms_goes_to_a_number_before_it_is_confirmed(ctx):
    w = f.world()
    now = utcnow()
    channels.request_phone_code(w.resident_a, "138 0013 8000", now=now)
    notify([w.resident_a.id], "reply", None, {}, now=now)
    db.session.commit()
    assert row_count(OutgoingMessage, kind="reply") == 0
    with pytest.raises(ServiceError) as refused:
        channels.set_channels(w.resident_a, email_on=True, sms_on=True, now=now)
    assert refused.value.code == "phone_not_confirmed"
    channels.confirm_phone(w.resident_a, _code_sent_to("13800138000"), now=now)
    assert channels.settings_of(w.resident_a).sms_on is True
    notify([w.resident_a.id], "reply", None, {}, now=now)
    db.session.commit()
    assert _message(kind="reply").address == "13800138000"
    # A new number ends SMS until it is confirmed too.
    channels.request_phone_code(w.resident_a, "13900139000", now=now)
    assert channels.settings_of(w.resident_a).sms_on is False
    notify([w.resident_a.id], "revised", None, {}, now=now)
    db.session.commit()
    assert row_count(OutgoingMessage, kind="revised") == 0


def test_a_wrong_code_is_refused_and_counted(ctx):
    w = f.world()
    now = utcnow()
    channels.request_phone_code(w.resident_a, "13800138000", now=now)
    right = _code_sent_to("13800138000")
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ServiceError) as refused:
            channels.confirm_phone(w.resident_a, wrong, now=now)
        assert (refused.value.code, refused.value.params) == ("phone_code_wrong", {"left": left})
    with pytest.raises(ServiceError) as refused:
        channels.confirm_phone(w.resident_a, wrong, now=now)
    assert refused.value.code == "phone_code_tries_used"
    # Five wrong tries: even the right code no longer works.
    with pytest.raises(ServiceError) as refused:
        channels.confirm_phone(w.resident_a, right, now=now)
    assert refused.value.code == "phone_code_tries_used"
    assert channels.settings_of(w.resident_a).sms_confirmed_at is None


def test_an_expired_code_is_refused(ctx):
    w = f.world()
    now = utcnow()
    channels.request_phone_code(w.resident_a, "13800138000", now=now)
    code = _code_sent_to("13800138000")
    with pytest.raises(ServiceError) as refused:
        channels.confirm_phone(w.resident_a, code, now=now + timedelta(minutes=10, seconds=1))
    assert refused.value.code == "phone_code_expired"
    with pytest.raises(ServiceError) as refused:
        channels.confirm_phone(w.unverified, code, now=now)
    assert refused.value.code == "phone_code_none"  # another account has no code waiting


def test_a_number_gets_one_code_a_minute_and_ten_a_day_whoever_asks(ctx):
    w = f.world()
    now = utcnow()
    channels.request_phone_code(w.resident_a, "13800138000", now=now)
    with pytest.raises(ServiceError) as refused:
        channels.request_phone_code(w.resident_b, "13800138000", now=now + timedelta(seconds=30))
    assert refused.value.code == "phone_code_too_soon"
    assert refused.value.params["seconds"] == 31
    moment = now
    for _ in range(domain.CODES_PER_DAY - 1):
        moment += timedelta(minutes=2)
        channels.request_phone_code(w.resident_a, "13800138000", now=moment)
    with pytest.raises(ServiceError) as refused:
        channels.request_phone_code(w.resident_a, "13800138000", now=moment + timedelta(hours=1))
    assert refused.value.code == "phone_code_too_many"
    assert row_count(PhoneCode, phone="13800138000") == domain.CODES_PER_DAY
    # Another number is not held back; the next day this one is free again.
    channels.request_phone_code(w.resident_b, "13900139000", now=moment)
    channels.request_phone_code(w.resident_a, "13800138000", now=now + timedelta(days=1, hours=1))


def test_asking_at_once_sends_one_code_to_a_number(app, world):
    """Four requests at the same moment, from two accounts, for one number: one code is sent;
    the others are told to wait."""
    sms.LOG_RECORD.clear()
    askers = iter(["resident_a", "resident_b"] * 2)  # two taps from each account

    def ask() -> None:
        user = db.session.get(User, world.ids[next(askers)])
        channels.request_phone_code(user, "13800138000", now=utcnow())

    outcomes = at_once(app, lambda _i: ask(), 4)
    assert sorted(outcomes) == ["ok"] + ["phone_code_too_soon"] * 3, outcomes
    with app.app_context():
        assert row_count(PhoneCode, phone="13800138000") == 1
        assert row_count(OutgoingMessage, address="13800138000") == 1


def test_guesses_sent_at_once_get_five_tries_in_all(app, world):
    """Eight wrong guesses at the same moment: five are counted and told how many tries are
    left; the rest are refused without being compared; then even the right code is refused."""
    with app.app_context():
        resident = db.session.get(User, world.ids["resident_a"])
        channels.request_phone_code(resident, "13800138000", now=utcnow())
        right = _code_sent_to("13800138000")
    wrong = "000000" if right != "000000" else "111111"

    def guess() -> None:
        channels.confirm_phone(db.session.get(User, world.ids["resident_a"]), wrong, now=utcnow())

    outcomes = at_once(app, lambda _i: guess(), 8)
    assert sorted(outcomes) == ["phone_code_tries_used"] * 4 + ["phone_code_wrong"] * 4, outcomes
    with app.app_context():
        (code,) = db.session.scalars(select(PhoneCode)).all()
        assert code.attempts == domain.CODE_TRIES
        with pytest.raises(ServiceError) as refused:
            channels.confirm_phone(
                db.session.get(User, world.ids["resident_a"]), right, now=utcnow()
            )
        assert refused.value.code == "phone_code_tries_used"


def test_a_number_that_is_not_a_mobile_number_is_refused(ctx):
    w = f.world()
    with pytest.raises(ServiceError) as refused:
        channels.request_phone_code(w.resident_a, "12345", now=utcnow())
    assert refused.value.code == "phone_invalid"


# --- announcements ------------------------------------------------------------------------


def _confirm(user: User, phone: str, now) -> None:
    channels.request_phone_code(user, phone, now=now)
    channels.confirm_phone(user, _code_sent_to(phone), now=now)


def test_voting_open_goes_to_every_verified_resident_by_their_channels(ctx):
    w = f.world()
    now = utcnow()
    c, _made = f.voting_cycle(w.a, w.committee_a)
    _confirm(w.resident_a, "13800138000", now)
    w.resident_a.email = "wang@example.cn"
    db.session.commit()
    made = announcements.announce(w.committee_a, c, "voting_open", now=now)
    residents_of_a = row_count(Notification, kind="voting_open")
    assert residents_of_a >= 2  # resident_a and the proposals' author
    assert made.reached == {"app": residents_of_a, "sms": 1, "email": 1}
    told = db.session.scalars(select(Notification.user_id).filter_by(kind="voting_open")).all()
    assert w.resident_a.id in told
    assert w.resident_b.id not in told and w.unverified.id not in told
    assert _message(kind="voting_open", channel=Channel.SMS).params["cycle"] == c.title
    assert row_count(AuditEntry, action="notice.announce") == 1
    with pytest.raises(ServiceError) as refused:
        announcements.announce(w.committee_a, c, "voting_open", now=now)
    assert refused.value.code == "announcement_made"
    with pytest.raises(ServiceError) as refused:
        announcements.announce(w.committee_a, c, "results_published", now=now)
    assert refused.value.code == "announcement_not_now"
    with pytest.raises(ServiceError) as refused:
        announcements.announce(w.committee_b, c, "voting_open", now=now)
    assert refused.value.code == "forbidden"


def test_a_double_tap_announces_once(app, world):
    """Four taps of "send" at the same moment: one announcement, one notice each."""
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycle_id = f.voting_cycle(a, committee)[0].id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def tap() -> None:
        with app.app_context():
            from microprojects.models import Cycle

            c = db.session.get(Cycle, cycle_id)
            actor = db.session.get(User, world.ids["committee_a"])
            barrier.wait()
            try:
                announcements.announce(actor, c, "voting_open", now=utcnow())
                outcomes.append("sent")
            except ServiceError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["announcement_made"] * 3 + ["sent"], outcomes
    with app.app_context():
        assert row_count(Announcement) == 1
        told = db.session.scalars(select(Notification.user_id).filter_by(kind="voting_open"))
        told = list(told)
        assert len(told) == len(set(told)) >= 2


# --- outcomes -----------------------------------------------------------------------------


def test_proposers_and_supporters_hear_each_outcome_once(ctx):
    w = f.world()
    c, made, count = f.counted_cycle(w.a, w.committee_a)
    # Counted again (a correction): nobody hears twice.
    supporter = w.resident_a
    db.session.add(Support(proposal_id=made[0].id, user_id=supporter.id, created_at=utcnow()))
    db.session.commit()
    counting.run_count(w.committee_a, c, now=utcnow(), reason="更正一张纸质选票")
    outcomes = db.session.scalars(select(Notification).filter_by(kind="outcome")).all()
    author = made[0].author_id
    by_person: dict[tuple[int, int], int] = {}
    for n in outcomes:
        key = (n.user_id, n.proposal_id)
        by_person[key] = by_person.get(key, 0) + 1
    assert set(by_person.values()) == {1}
    assert {(author, p.id) for p in made} <= set(by_person)
    # The supporter who came after the first count hears of that project once, at the second.
    assert by_person[(supporter.id, made[0].id)] == 1
    funded = {n.proposal_id: n.params["funded"] for n in outcomes if n.user_id == author}
    assert funded == {made[0].id: True, made[1].id: True, made[2].id: False}
    assert count.cycle_id == c.id


def test_an_account_that_chose_english_gets_english_words(ctx):
    w = f.world()
    w.resident_a.locale = "en"
    db.session.commit()
    channels.request_phone_code(w.resident_a, "13800138000", now=utcnow())
    sent = sms.LOG_RECORD[-1]
    assert sent.locale == "en"
    assert sent.text.startswith("Your 微实事 code is ") and "10 minutes" in sent.text
    channels.request_phone_code(w.resident_b, "13900139000", now=utcnow())
    assert sms.LOG_RECORD[-1].text.startswith("您的微实事验证码是")


def test_a_deleted_account_leaves_no_number_behind(ctx):
    from microprojects.models import NoticeSettings
    from microprojects.services import accounts

    w = f.world()
    _confirm(w.resident_a, "13800138000", utcnow())
    notify([w.resident_a.id], "reply", None, {}, now=utcnow())
    db.session.commit()
    accounts.delete_account(w.resident_a, password=f.PASSWORD, now=utcnow())
    assert db.session.get(NoticeSettings, w.resident_a.id) is None
    assert row_count(PhoneCode) == 0
    assert row_count(OutgoingMessage, user_id=w.resident_a.id) == 0


def test_an_unreachable_mail_server_is_recorded_and_retried(app_with):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = app_with(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        w = f.world()
        w.resident_a.email = "wang@example.cn"
        db.session.commit()
        now = utcnow()
        notify([w.resident_a.id], "reply", None, {}, now=now)
        db.session.commit()
        message = _message(channel=Channel.EMAIL)
        assert message.status is MessageStatus.FAILED and message.attempts == 1
        assert message.last_error and message.next_attempt_at == now + domain.backoff(1)
        # The notice itself is in the account whatever the mail server does.
        assert row_count(Notification, user_id=w.resident_a.id, kind="reply") == 1


def test_a_notice_with_a_key_reaches_each_person_and_channel_once(ctx):
    w = f.world()
    now = utcnow()
    _confirm(w.resident_a, "13800138000", now)
    w.resident_a.email = "wang@example.cn"
    db.session.commit()
    first = notify([w.resident_a.id, w.resident_a.id], "voting_open", None, {}, now=now,
                   once_key="voting_open:7")  # fmt: skip
    db.session.commit()
    again = notify([w.resident_a.id], "voting_open", None, {}, now=now, once_key="voting_open:7")
    db.session.commit()
    assert first == {"app": 1, "email": 1, "sms": 1}
    assert again == {"app": 0, "email": 0, "sms": 0}
    assert row_count(Notification, kind="voting_open") == 1
    assert row_count(OutgoingMessage, kind="voting_open") == 2
    # Another cycle's announcement is another key.
    other = notify([w.resident_a.id], "voting_open", None, {}, now=now, once_key="voting_open:8")
    assert other["app"] == 1


def test_results_published_carries_the_link_once_counted(ctx):
    w = f.world()
    c, _made, _count = f.counted_cycle(w.a, w.committee_a)
    assert announcements.fitting_kinds(c, utcnow()) == [domain.AnnouncementKind.RESULTS_PUBLISHED]
    _confirm(w.resident_a, "13800138000", utcnow())
    link = f"https://wss.example.cn/cycles/{c.id}/results"
    made = announcements.announce(w.committee_a, c, "results_published", now=utcnow(), link=link)
    assert made.reached["sms"] == 1
    sent = sms.LOG_RECORD[-1]
    assert sent.kind == "results_published" and link in sent.text
    assert domain.template_params("results_published", dict(sent.params), "zh") == {
        "cycle": c.title,
        "link": link,
    }
