"""Whose address a request comes from, and the limits counted per address and per account.

Behind ``TRUSTED_PROXIES`` proxies the client's address is the one the last of them forwarded;
with none (the default) it is the connection's own, whatever a header claims. The test client
always connects from 127.0.0.1, as a local nginx does.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request

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
