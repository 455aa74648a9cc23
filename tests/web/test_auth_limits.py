"""Whose address a request comes from, and the limits counted per address and per account.

Behind ``TRUSTED_PROXIES`` proxies the client's address is the one the last of them forwarded;
with none (the default) it is the connection's own, whatever a header claims. The test client
always connects from 127.0.0.1, as a local nginx does.
"""

from __future__ import annotations

from typing import Any

import factories as f
import pytest
from flask import Flask, request
from webclient import post

PROXY = {"REMOTE_ADDR": "127.0.0.1"}


def seen_by(app: Flask) -> Flask:
    """``app`` with a page that tells what the app sees of the request: address, scheme, host."""

    @app.get("/_seen")
    def seen() -> dict[str, Any]:
        return {"address": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


# Each proxy appends what it saw: the client (198.51.100.7) reached the first proxy over HTTPS,
# which passed the request on to the second (203.0.113.9) over HTTP.
FORWARDED = {
    "X-Forwarded-For": "198.51.100.7, 203.0.113.9",
    "X-Forwarded-Proto": "https, http",
    "X-Forwarded-Host": "evil.example",
}


def test_without_trusted_proxies_forwarded_headers_change_nothing(app):
    assert app.config["TRUSTED_PROXIES"] == 0
    seen = seen_by(app).test_client().get("/_seen", headers=FORWARDED, environ_base=PROXY)
    assert seen.json == {"address": "127.0.0.1", "scheme": "http", "host": "localhost"}


@pytest.mark.parametrize(
    ("hops", "address", "scheme"), [(1, "203.0.113.9", "http"), (2, "198.51.100.7", "https")]
)
def test_behind_trusted_proxies_the_forwarded_client_is_seen(app_with, hops, address, scheme):
    app = seen_by(app_with(TRUSTED_PROXIES=hops))
    seen = app.test_client().get("/_seen", headers=FORWARDED, environ_base=PROXY)
    # The proxy sets Host itself: a forwarded host, which a client could send through it, is
    # never believed (links and QR codes are made from the host).
    assert seen.json == {"address": address, "scheme": scheme, "host": "localhost"}


def test_behind_nginx_as_the_readme_sets_it_up(app_with):
    app = seen_by(app_with(TRUSTED_PROXIES=1))
    # nginx appends the address it saw to what the client sent, and sets the scheme and Host.
    headers = {
        "X-Forwarded-For": "10.0.0.1, 203.0.113.9",
        "X-Forwarded-Proto": "https",
        "Host": "wss.example.cn",
    }
    seen = app.test_client().get("/_seen", headers=headers, environ_base=PROXY)
    assert seen.json == {"address": "203.0.113.9", "scheme": "https", "host": "wss.example.cn"}


def test_trusted_proxies_is_read_from_the_environment(monkeypatch, tmp_path):
    from microprojects.config import Config

    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert Config(str(tmp_path)).TRUSTED_PROXIES == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    assert Config(str(tmp_path)).TRUSTED_PROXIES == 1
    monkeypatch.setenv("TRUSTED_PROXIES", "-1")
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        Config(str(tmp_path))


# --- logging in: failures counted per address and per account ---------------------------------

LIMITED = "登录失败次数过多"  # the start of the refusal's message


def through(app: Flask, address: str) -> Any:
    """A new browser whose requests come through the proxy on behalf of ``address``."""
    browser = app.test_client()
    browser.environ_base.update(PROXY, HTTP_X_FORWARDED_FOR=address)
    return browser


def attempt(browser: Any, login: str, password: str) -> int:
    """The status of one login through the form: 302 in, 200 refused, 429 limited."""
    response = post(browser, "/login", {"login": login, "password": password})
    if response.status_code == 429:
        assert LIMITED in response.get_data(as_text=True)
    return response.status_code


def people(app: Flask, names: list[str], **phones: str) -> None:
    with app.app_context():
        for name in names:
            f.user(name, phone=phones.get(name))


@pytest.mark.parametrize("addresses", ["distinct", "shared"])
def test_residents_logging_in_through_one_proxy_are_never_limited(app_with, addresses):
    app = app_with(TRUSTED_PROXIES=1)
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute"  # per address; 12 is well past it
    names = [f"resident{i:02d}" for i in range(12)]
    people(app, names)
    statuses = []
    for i, name in enumerate(names):
        browser = through(app, f"203.0.113.{i + 1}" if addresses == "distinct" else "203.0.113.1")
        statuses.append(attempt(browser, name, f.PASSWORD))
        assert browser.get("/account").status_code == 200
    assert statuses == [302] * 12


def test_wrong_passwords_for_one_account_are_limited_from_any_address(app_with):
    app = app_with(TRUSTED_PROXIES=1)
    assert app.config["LOGIN_ACCOUNT_RATE_LIMIT"] == "5 per minute"
    people(app, ["wang", "lina"], wang="13907550001")
    # However the name is written, it is the same account; each guess from a new address.
    spellings = ["wang", "WANG", " Wang "]
    statuses = [
        attempt(through(app, f"198.51.100.{i + 1}"), spellings[i % 3], "wrong-pass-1")
        for i in range(11)
    ]
    assert statuses == [200] * 5 + [429] * 6
    # Now the right password is refused too: a guess must not be told apart by its answer.
    assert attempt(through(app, "198.51.100.99"), "wang", f.PASSWORD) == 429
    # The phone number, written in any of its ways, is counted as one login name too.
    phone = ["13907550001", "139 0755 0001", "+86 139-0755-0001"]
    statuses = [
        attempt(through(app, f"192.0.2.{i + 1}"), phone[i % 3], "wrong-pass-1") for i in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    # Another account, from the same addresses, logs in.
    assert attempt(through(app, "198.51.100.1"), "lina", f.PASSWORD) == 302


def test_wrong_passwords_from_one_address_are_limited_across_accounts(app_with):
    app = app_with(TRUSTED_PROXIES=1)
    people(app, [f"resident{i:02d}" for i in range(11)] + ["lina"])
    spraying = through(app, "198.51.100.1")
    statuses = [attempt(spraying, f"resident{i:02d}", "123456789a") for i in range(11)]
    assert statuses == [200] * 5 + [429] * 6
    # Known or not, a name costs the same.
    assert attempt(spraying, "nobody-here", "123456789a") == 429
    # Someone else behind the same proxy logs in, as do the accounts tried, from elsewhere.
    assert attempt(through(app, "198.51.100.2"), "lina", f.PASSWORD) == 302
    assert attempt(through(app, "198.51.100.3"), "resident00", f.PASSWORD) == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_no_count(app):
    people(app, [f"resident{i:02d}" for i in range(6)])
    statuses = [
        attempt(through(app, f"198.51.100.{i + 1}"), f"resident{i:02d}", "123456789a")
        for i in range(6)
    ]
    assert statuses == [200] * 5 + [429]  # all counted for 127.0.0.1, the connection's own


def test_a_successful_login_is_not_counted(app):
    people(app, ["wang"])
    browser = app.test_client()
    assert [attempt(browser, "wang", "wrong-pass-1") for _ in range(4)] == [200] * 4
    for _ in range(3):
        assert attempt(browser, "wang", f.PASSWORD) == 302
        post(browser, "/logout")
    assert attempt(browser, "wang", "wrong-pass-1") == 200  # the fifth failure
    assert attempt(browser, "wang", f.PASSWORD) == 429
