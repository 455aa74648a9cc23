"""Sessions: a login starts a new one, a logout ends it, in the browser and on the server.

The session is a signed cookie; what one account put in it (ballot drafts, receipts, the
tokens of reviewed ballots, the form secret) must never be read by the next account to log in
on the same browser, and a cookie copied before a logout must not log anyone in after it.
"""

from __future__ import annotations

from typing import Any

import factories as f
from flask import Flask
from flask.testing import FlaskClient
from webclient import login, post

# Keys an account's session may hold: what the voting pages keep, and anything else.
LEFT_BY_A = {
    "receipts": {"1": "1234-5678-9012-3456"},
    "ballot_drafts": {"1": ["7", "8"]},
    "ballot_tokens": {"1": "secret-token"},
    "receipt_once": "1234-5678-9012-3456",
    "paper_receipt": "9999-8888-7777-6666",
    "lang": "en",
    "anything": "of A's",
}
# What logging in writes: the account, the freshness and origin of the login, the form secret,
# and the messages to show next.
LOGIN_KEYS = {"_user_id", "_fresh", "_id", "csrf_token", "_flashes"}


def two_people(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {name: f.user(name).id for name in ("alice", "bob")}


def session_of(client: FlaskClient) -> dict[str, Any]:
    with client.session_transaction() as session:
        return dict(session)


def leave_traces(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session.update(LEFT_BY_A)


def assert_only(client: FlaskClient, user_id: int) -> None:
    """The browser's session is ``user_id``'s and holds nothing of anyone before."""
    session = session_of(client)
    assert session["_user_id"].startswith(f"{user_id}:")
    assert set(session) <= LOGIN_KEYS, set(session) - LOGIN_KEYS
    assert "My account" not in client.get("/account").get_data(as_text=True)  # lang is gone


def test_a_cookie_copied_before_logout_is_refused_after_it(app):
    two_people(app)
    browser = app.test_client()
    post(browser, "/login", {"login": "alice", "password": f.PASSWORD, "remember": "y"})
    copied = {name: browser.get_cookie(name).value for name in ("session", "remember_token")}
    assert post(browser, "/logout").status_code == 302
    assert browser.get("/account").status_code == 302
    # Someone who copied the cookies (from the browser, or off the wire) replays them.
    for names in (("session", "remember_token"), ("session",), ("remember_token",)):
        thief = app.test_client()
        for name in names:
            thief.set_cookie(name, copied[name])
        answer = thief.get("/account")
        assert answer.status_code == 302, names
        assert answer.headers["Location"].startswith("/login"), names


def test_a_logout_ends_the_accounts_other_sessions_too(app):
    two_people(app)
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "alice")
    login(laptop, "alice")
    post(laptop, "/logout")
    assert phone.get("/account").status_code == 302
    login(phone, "alice")  # logging in again works, of course
    assert phone.get("/account").status_code == 200


def test_a_logout_empties_the_session(app):
    two_people(app)
    browser = app.test_client()
    login(browser, "alice")
    leave_traces(browser)
    post(browser, "/logout")
    assert set(session_of(browser)) <= {"_flashes"}  # "You have logged out."


def test_the_next_account_after_a_logout_finds_nothing_of_the_first(app):
    ids = two_people(app)
    shared = app.test_client()
    login(shared, "alice")
    leave_traces(shared)
    post(shared, "/logout")
    login(shared, "bob")
    assert_only(shared, ids["bob"])


def test_logging_in_over_another_account_keeps_nothing_of_it(app):
    ids = two_people(app)
    shared = app.test_client()
    post(shared, "/login", {"login": "alice", "password": f.PASSWORD, "remember": "y"})
    leave_traces(shared)
    # Bob logs in on the same browser without Alice logging out first.
    answer = post(shared, "/login", {"login": "bob", "password": f.PASSWORD})
    assert answer.status_code == 302
    assert_only(shared, ids["bob"])
    assert "bob" in shared.get("/account").get_data(as_text=True)
    # Nor does Alice's "keep me logged in" outlive Bob's session: close the browser, reopen.
    shared.delete_cookie("session")
    assert shared.get_cookie("remember_token") is None
    assert shared.get("/account").status_code == 302


def test_a_session_ended_elsewhere_leaves_nothing_to_the_next_login(app):
    ids = two_people(app)
    shared, own = app.test_client(), app.test_client()
    login(shared, "alice")
    leave_traces(shared)
    login(own, "alice")
    post(own, "/logout")  # Alice logs out on her own phone: the shared browser is out too
    assert shared.get("/account").status_code == 302
    assert "receipts" in session_of(shared)  # still in that browser's cookie, but not for long
    login(shared, "bob")
    assert_only(shared, ids["bob"])


def test_a_wrong_password_over_a_login_leaves_the_account_logged_in(app):
    ids = two_people(app)
    browser = app.test_client()
    login(browser, "alice")
    refused = post(browser, "/login", {"login": "bob", "password": "wrong-pass-1"})
    assert refused.status_code == 200
    assert session_of(browser)["_user_id"].startswith(f"{ids['alice']}:")


def test_the_language_a_visitor_chose_stays_when_they_log_in(app):
    two_people(app)
    visitor = app.test_client()
    post(visitor, "/lang", {"lang": "en"})
    login(visitor, "alice")
    assert "My account" in visitor.get("/account").get_data(as_text=True)


def test_deleting_the_account_empties_the_session(app):
    two_people(app)
    browser = app.test_client()
    login(browser, "alice")
    leave_traces(browser)
    post(browser, "/account/delete", {"password": f.PASSWORD, "understood": "y"})
    assert set(session_of(browser)) <= {"_flashes"}


def test_the_logout_form_is_a_post_with_a_token(app):
    two_people(app)
    browser = app.test_client()
    login(browser, "alice")
    assert browser.get("/logout").status_code == 405
    assert browser.post("/logout").status_code in (302, 400)
    assert browser.get("/account").status_code == 200  # no token: still logged in
