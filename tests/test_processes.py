"""Two app processes sharing one Redis: the login rate limit holds across both, as it must
when gunicorn runs several workers. Real processes, a real Redis."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("Redis not configured: set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15")
    parsed = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2).close()
    except OSError as error:
        pytest.skip(f"Redis at {parsed.hostname}:{parsed.port} is not reachable: {error}")
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def login(self, login: str, password: str) -> int:
        page = self.opener.open(self.base + "/login").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token})
        try:
            return self.opener.open(self.base + "/login", data.encode()).status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def two_servers(tmp_path):
    redis_url = _redis_url()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "SECRET_KEY": "shared-secret-for-both-workers",
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_RATE_LIMIT": "5 per minute",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "create-admin", "wang",
         "--password", "correct-horse-9"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    servers, bases = [], []
    for _ in range(2):
        port = _free_port()
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
        _wait(bases[-1] + "/healthz")
    yield bases
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
    redis.Redis.from_url(redis_url).flushdb()


def test_login_limit_is_shared_between_processes(two_servers):
    first, second = (Browser(base) for base in two_servers)
    statuses = [first.login("wang", "wrong-pass") for _ in range(3)]
    statuses += [second.login("wang", "wrong-pass") for _ in range(2)]
    assert statuses == [200] * 5  # five wrong attempts, answered with the form again
    # The sixth, on either process, is refused, even with the right password.
    assert second.login("wang", "correct-horse-9") == 429
    assert first.login("wang", "correct-horse-9") == 429
