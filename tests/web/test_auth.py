import re
from typing import Any

import factories as f
import pytest
from flask import Flask
from sqlalchemy import func, select
from webclient import CSRF_RE, csrf_token, login, post

from microprojects.extensions import db
from microprojects.models import User


def test_register_logs_in_and_leads_to_verification(client, app):
    response = post(
        client,
        "/register",
        {
            "username": "wangxiuying",
            "display_name": "王秀英",
            "phone": "13907550001",
            "password": "correct-horse-9",
            "confirm": "correct-horse-9",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/verify")
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="wangxiuying"))
        assert user.display_name == "王秀英"
    assert client.get("/account").status_code == 200


def test_register_bad_input_shows_each_problem(client, app):
    response = post(
        client,
        "/register",
        {"username": "9x", "phone": "123", "password": "short", "confirm": "other"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "用户名" in page  # the form is shown again, in Chinese by default
    # No name, a bad login name, a bad number, a short password, passwords that differ.
    assert page.count('class="error"') == 5
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_register_taken_username(client, app):
    # A username is chosen, not personal: the form may say it is taken, and does.
    with app.app_context():
        f.user("wang")
    response = post(
        client,
        "/register",
        {
            "username": "WANG",
            "display_name": "王伟",
            "password": "correct-horse-9",
            "confirm": "correct-horse-9",
        },
    )
    assert response.status_code == 200
    assert "该用户名已被使用" in response.get_data(as_text=True)


# --- registration tells no one whether a phone number has an account -------------------------

TAKEN, FRESH = "13907550001", "13907550002"
REGISTERED = ("已被注册", "已注册", "已存在", "已被使用", "already", "registered")


def register_probe(app: Flask, phone: str, **fields: str) -> Any:
    """A registration with ``phone``, from a new browser, as someone finding out whether the
    number has an account would send it."""
    browser = app.test_client()
    data = {
        "username": "prober",
        "display_name": "王秀英",
        "phone": phone,
        "password": f.PASSWORD,
        "confirm": f.PASSWORD,
    } | fields
    return post(browser, "/register", data)


def readable(response: Any, phone: str) -> tuple[Any, ...]:
    """All an answer shows, less what differs on every request (the form token, the session
    cookie's signed value, the rate limit's remaining count and seconds) and the number sent back
    in its field."""
    body = CSRF_RE.sub("csrf", response.get_data(as_text=True)).replace(phone, "PHONE")
    varying = {"set-cookie", "content-length", "x-ratelimit-remaining", "x-ratelimit-reset"}
    # Retry-After counts down the rate limit's window in seconds: two answers a moment apart
    # may straddle a second. Whether it is there is what could tell the two apart.
    headers = sorted(
        (k, "…" if k.lower() == "retry-after" else v)
        for k, v in response.headers.items()
        if k.lower() not in varying
    )
    cookies = sorted(
        re.sub(r"=[^;]*;", "=…;", v, count=1) for v in response.headers.getlist("Set-Cookie")
    )
    return response.status_code, headers, cookies, body


@pytest.mark.parametrize(
    "mistake",
    [
        {"username": "wang"},  # a username that is taken
        {"username": "9x"},
        {"username": "王秀英"},  # a name in Chinese where a login name goes
        {"display_name": ""},
        {"password": "short", "confirm": "short"},
        {"confirm": "something-else-1"},
        {"email": "not-an-address"},
    ],
)
def test_a_taken_phone_answers_as_a_fresh_one_when_anything_else_is_wrong(app_with, mistake):
    app = app_with(REGISTER_RATE_LIMIT="1000 per minute")
    with app.app_context():
        f.user("wang", phone=TAKEN)
    taken, fresh = register_probe(app, TAKEN, **mistake), register_probe(app, FRESH, **mistake)
    assert taken.status_code == 200
    assert readable(taken, TAKEN) == readable(fresh, FRESH)


def test_a_taken_phone_is_refused_without_saying_it_is_registered(app_with):
    app = app_with(REGISTER_RATE_LIMIT="1000 per minute")
    with app.app_context():
        f.user("wang", phone=TAKEN)
    for written in (TAKEN, "139 0755 0001", "+86 139-0755-0001"):
        refused = register_probe(app, written)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 200
        # What to do instead, for the owner of the number: log in, or have the password reset.
        assert "如果您以前注册过，请用用户名或手机号登录" in page
        assert "社区居务协商会或管理员重置" in page
        assert not [word for word in REGISTERED if word in page], written
        # The phone field is not marked: the answer is about the whole form.
        assert 'aria-invalid="true"' not in page
    # What cannot be hidden: a fresh number makes the account (its owner can then log in
    # with it), a taken one does not. The rate limit per address bounds such probing.
    made = register_probe(app, FRESH)
    assert made.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2


def test_registering_is_limited_per_address(app_with):
    app = app_with(TRUSTED_PROXIES=1)
    assert app.config["REGISTER_RATE_LIMIT"] == "5 per minute"

    def register_from(address: str, n: int) -> int:
        browser = app.test_client()
        browser.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
        data = {"username": f"person{n:02d}", "display_name": "居民", "password": f.PASSWORD,
                "confirm": f.PASSWORD}  # fmt: skip
        response = post(browser, "/register", data)
        if response.status_code == 429:
            assert "注册次数过多" in response.get_data(as_text=True)
        return response.status_code

    # Every attempt counts, made or refused: each one could be a probe.
    statuses = [register_from("198.51.100.1", n) for n in range(3)]
    statuses += [register_from("198.51.100.1", 0) for _ in range(2)]  # username taken
    statuses.append(register_from("198.51.100.1", 3))
    assert statuses == [302] * 3 + [200] * 2 + [429]
    assert register_from("198.51.100.1", 4) == 429
    assert register_from("198.51.100.2", 4) == 302  # another address is not concerned
    browser = app.test_client()
    browser.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert browser.get("/register").status_code == 200  # the form itself stays reachable


def test_login_by_username_and_by_phone_then_logout(client, app):
    with app.app_context():
        f.user("wang", phone="13907550001")
    login(client, "wang")
    assert client.get("/account").status_code == 200
    post(client, "/logout")
    assert client.get("/account").status_code == 302
    login(client, "139 0755 0001")
    assert client.get("/account").status_code == 200


def test_login_with_wrong_password_says_so(client, app):
    with app.app_context():
        f.user("wang")
    response = post(client, "/login", {"login": "wang", "password": "not-the-password"})
    assert response.status_code == 200
    assert "不正确" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_post_without_csrf_token_is_refused(client, app):
    with app.app_context():
        f.user("wang")
    response = client.post("/login", data={"login": "wang", "password": f.PASSWORD})
    assert response.status_code == 400
    assert "重新提交" in response.get_data(as_text=True) or "刷新" in response.get_data(
        as_text=True
    )
    bad = client.post(
        "/login", data={"login": "wang", "password": f.PASSWORD, "csrf_token": "forged"}
    )
    assert bad.status_code == 400
    assert client.get("/account").status_code == 302


def test_login_attempts_are_rate_limited(client, app):
    with app.app_context():
        f.user("wang")
    token = csrf_token(client, "/login")
    limit = 5  # TestConfig: "5 per minute"
    for _ in range(limit):
        response = client.post(
            "/login", data={"login": "wang", "password": "wrong-pass", "csrf_token": token}
        )
        assert response.status_code == 200
    blocked = client.post(
        "/login", data={"login": "wang", "password": f.PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # even the right password did not log in
    assert client.get("/login").status_code == 200  # the page itself stays reachable


def test_every_rate_limited_view_is_marked_so_the_limiter_checks_it(app):
    # Requests to unmarked views skip the limiter (extensions._unlimited): a view given a limit
    # with ``limiter.limit`` itself, not ``rate_limit``, would have it silently ignored.
    limited = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "__wrapper-limiter-instance", None) is not None
    }
    marked = {e for e, view in app.view_functions.items() if getattr(view, "rate_limited", False)}
    assert (
        limited
        == marked
        == {
            "auth.login",
            "auth.register",
            "account.claim",
            "proposals.comment",
            "notices.send_code",
        }
    )


def test_next_only_redirects_within_the_site(client, app):
    with app.app_context():
        f.user("wang")
    token = csrf_token(client, "/login")
    ok = client.post(
        "/login?next=/communities",
        data={"login": "wang", "password": f.PASSWORD, "csrf_token": token},
    )
    assert ok.headers["Location"] == "/communities"
    post(client, "/logout")
    for evil in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        token = csrf_token(client, "/login")
        response = client.post(
            "/login",
            query_string={"next": evil},
            data={"login": "wang", "password": f.PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/", evil  # the resident's now
        post(client, "/logout")


def test_password_change_ends_other_sessions(app):
    with app.app_context():
        f.user("wang")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "wang")
    login(laptop, "wang")
    response = post(
        laptop,
        "/account/password",
        {"current": f.PASSWORD, "password": "another-pass-1", "confirm": "another-pass-1"},
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # this session goes on
    assert phone.get("/account").status_code == 302  # the other one is logged out


def test_admin_reset_forces_a_new_password(app, world):
    admin, person = app.test_client(), app.test_client()
    login(admin, "admin")
    page = post(admin, f"/admin/users/{world.ids['resident_a']}/reset-password")
    assert page.status_code == 200
    import re

    temporary = re.search(r'class="code big">([0-9a-f-]+)<', page.get_data(as_text=True)).group(1)
    response = post(person, "/login", {"login": "resident_a", "password": temporary})
    assert response.headers["Location"] == "/account/password"


def test_delete_account_from_the_page(client, app):
    with app.app_context():
        f.user("wang")
    login(client, "wang")
    refused = post(client, "/account/delete", {"password": "wrong-pass", "understood": "y"})
    assert refused.status_code == 200
    response = post(client, "/account/delete", {"password": f.PASSWORD, "understood": "y"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.deleted_at.is_not(None)))
        assert user.username.startswith("deleted-")


def test_register_with_an_email_for_notices(client, app):
    bad = post(
        client,
        "/register",
        {"username": "wang", "display_name": "王伟", "email": "not-an-address",
         "password": f.PASSWORD, "confirm": f.PASSWORD},
    )  # fmt: skip
    assert "请输入有效的电子邮箱地址" in bad.get_data(as_text=True)
    response = post(
        client,
        "/register",
        {"username": "wang", "display_name": "王伟", "email": "wang@example.cn",
         "password": f.PASSWORD, "confirm": f.PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email).filter_by(username="wang")) == "wang@example.cn"


# --- names: a Chinese name as it is written, a login by phone or a login name chosen ----------


def register_as(browser: Any, **fields: str) -> Any:
    data = {"display_name": "王秀英", "phone": "", "username": "", "password": f.PASSWORD,
            "confirm": f.PASSWORD} | fields  # fmt: skip
    return post(browser, "/register", data)


def test_a_resident_registers_with_a_chinese_name_and_logs_in_by_phone(client, app):
    response = register_as(client, phone="139 0755 0001")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        derived = user.username
        assert user.display_name == "王秀英"
        assert user.phone == "13907550001"
        assert not user.chose_login
    page = client.get("/account").get_data(as_text=True)
    assert "王秀英" in page
    assert derived not in page  # the login made for the account is nobody's name
    assert "您用手机号登录" in page
    post(client, "/logout")
    login(client, "13907550001")
    assert client.get("/account").status_code == 200
    # The name is a name, not a login.
    other = post(app.test_client(), "/login", {"login": "王秀英", "password": f.PASSWORD})
    assert other.status_code == 200
    assert "请用手机号或登录名登录" in other.get_data(as_text=True)


def test_two_residents_without_a_login_name_get_different_logins(client, app):
    assert register_as(client, phone="13907550001").status_code == 302
    second = app.test_client()
    assert register_as(second, display_name="王秀英", phone="13907550002").status_code == 302
    with app.app_context():
        names = list(db.session.scalars(select(User.username)))
        assert len(set(names)) == 2
        # Two people may share a name: the name is not what tells accounts apart.
        assert set(db.session.scalars(select(User.display_name))) == {"王秀英"}


def test_a_login_name_may_be_chosen_and_the_phone_left_out(client, app):
    response = register_as(client, username="wangxy2026")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.username, user.display_name, user.phone) == ("wangxy2026", "王秀英", None)
        assert user.chose_login
    assert "wangxy2026" in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        # Chinese typed as the login name: where it goes instead, and that it may stay empty.
        ({"username": "王秀英", "phone": "13907550001"}, "登录名只能用英文字母和数字"),
        ({"username": "wang秀英"}, "登录名只能用英文字母和数字"),
        ({"username": "9x"}, "用户名为 3"),
        # Neither a number nor a login name: nothing to log in with.
        ({}, "请填写手机号，或者自己设一个登录名"),
        ({"username": "   "}, "请填写手机号，或者自己设一个登录名"),
        ({"display_name": "", "phone": "13907550001"}, "请填写您的姓名"),
        ({"display_name": "\u200b", "phone": "13907550001"}, "此项为必填"),
    ],
)
def test_registration_says_what_to_write_where(client, app, fields, words):
    response = register_as(client, **fields)
    assert response.status_code == 200
    assert words in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_registering_twice_with_one_number_makes_one_account(client, app):
    assert register_as(client, phone="13907550001").status_code == 302
    again = register_as(app.test_client(), phone="13907550001")  # a second tap, a new browser
    assert again.status_code == 200
    assert "如果您以前注册过" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_staff_see_the_phone_not_a_made_up_login(client, app, world):
    """The administrator's list, an account's page and its password reset, and the committee's
    verification request show what the person logs in with: never the login made for them."""
    assert register_as(client, phone="13907550001").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "13907550001"))
        derived, user_id = user.username, user.id
        assert user.login_label == "13907550001"
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        from datetime import date

        from microprojects.domain.people import Basis
        from microprojects.models import Community
        from microprojects.services import residency

        request = residency.request_verification(
            db.session.get(User, user_id),
            db.session.get(Community, world.a_id),
            basis=Basis.LIVE,
            full_name="王秀英",
            phone=None,
            birth_date=date(1958, 3, 1),
            address="幸福巷 3 号",
            note="",
            now=f.NOW,
        )
        request_id = request.id
    committee = app.test_client()
    login(committee, "committee_a")
    for page in (
        admin.get("/admin/users?q=王秀英"),
        admin.get(f"/admin/users/{user_id}"),
        post(admin, f"/admin/users/{user_id}/reset-password"),
        committee.get(f"/c/{world.a_slug}/committee/verifications/{request_id}"),
    ):
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "13907550001" in text and derived not in text
