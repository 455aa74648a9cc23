"""Two app processes sharing the database and Redis, as two servers behind a load balancer run.
Real processes, a real database, a real Redis, HTTP from threads acting as browsers.

- Two gunicorn servers (``Server``: two workers each, as production runs it) on one PostgreSQL
  database and one Redis. A resident logged in on both (two devices) reviews a ballot on each
  and casts through both at the same moment: one participation and one ballot are stored, the
  winner's; the other device is sent back to the ballot page, which says they have already
  voted; the receipt checks as counted on either server. Repeated for several residents, one
  race at a time so that both casts really meet.
- The login rate limits hold across both processes, behind a proxy that forwards each client's
  address: five wrong passwords for one account, spread over the two processes and coming from
  five addresses, and the sixth is refused with 429 on each, even with the right password; five
  wrong passwords from one address, for five accounts, and that address is refused on each; a
  successful login is never counted. Once on two ``flask serve`` processes sharing a SQLite
  file, once on the two gunicorn servers on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import factories
import pytest
from flask import Flask
from sqlalchemy import select, text
from test_faults import (
    COUNTED,
    RECEIPT_RE,
    RECEIVED,
    ROOT,
    TOKEN_RE,
    VOTED,
    Browser,
    Election,
    Page,
    Server,
    counted,
    free_port,
    fresh_postgresql,
    migrate,
    prepare_election,
    server_env,
)

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.extensions import db

ALREADY_VOTED = "您已经在本轮次投过票"  # the message for a cast refused as a second ballot
RESIDENTS = 8


# --- the shared components ---------------------------------------------------------------------


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


@pytest.fixture
def shared_redis() -> Iterator[str]:
    """TEST_REDIS_URL, its database emptied before and after: no count left from elsewhere."""
    import redis

    url = _redis_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def shared_postgresql(tmp_path: Path) -> Iterator[str]:
    with fresh_postgresql("processes", tmp_path / "instance") as url:
        yield url


def shared_env(
    database_url: str, redis_url: str, tmp_path: Path, **overrides: str
) -> dict[str, str]:
    """``server_env`` (the same secret key everywhere), with the rate limits counted in Redis."""
    return {**server_env(database_url, tmp_path), "RATELIMIT_STORAGE_URI": redis_url, **overrides}


def _both(action: Any, servers: list[Server]) -> None:
    """``action(server)`` for each server at the same time (starting one takes seconds)."""
    with ThreadPoolExecutor(len(servers)) as pool:
        for done in [pool.submit(action, server) for server in servers]:
            done.result()


@contextmanager
def gunicorns(env: dict[str, str], tmp_path: Path) -> Iterator[list[Server]]:
    """Two independent gunicorn servers, each a master with its two workers. Without gunicorn's
    control socket: every master on the machine would take the same ~/.gunicorn/gunicorn.ctl
    from the one before, and remove it on leaving."""
    env = {**env, "GUNICORN_CMD_ARGS": "--no-control-socket"}
    servers = [Server(env, tmp_path / f"gunicorn-{i}.log") for i in range(2)]
    try:
        _both(Server.start, servers)
        yield servers
    finally:
        _both(Server.stop, servers)


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@contextmanager
def flask_serves(env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Two ``flask --app app serve`` processes (the development server); their base URLs."""
    processes: list[subprocess.Popen[bytes]] = []
    bases = []
    try:
        for i in range(2):
            port = free_port()
            command = [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port)]
            with (tmp_path / f"serve-{i}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                    )
                )
            bases.append(f"http://127.0.0.1:{port}")
            _wait(bases[-1] + "/healthz")
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def make_app(database_url: str, tmp_path: Path) -> Flask:
    """The app in the test process, on the servers' database, to prepare data and look at it."""
    return create_app(Settings(database_url, instance_path=str(tmp_path / "instance")))


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- 1. one resident, two devices, two servers, one ballot ---------------------------------------


def review(device: Browser, election: Election, choice: list[str]) -> Page:
    """The ballot page, then its review with ``choice``: the page with the form that casts."""
    ballot = device.get(f"/cycles/{election.cycle_id}/vote")
    assert ballot.status == 200 and "/vote/review" in ballot.body, ballot.status
    page = device.post(f"/cycles/{election.cycle_id}/vote/review", {"p": choice}, ballot.body)
    assert page.status == 200 and TOKEN_RE.search(page.body), (page.status, page.body[:300])
    return page


def cast_together(devices: list[Browser], election: Election, forms: list[Page]) -> list[Any]:
    """Every device submits its reviewed form at the same moment; the answers (a ``Page``, or the
    exception a failed connection raised), in the order of ``devices``."""
    answers: list[Any] = [None] * len(devices)
    start = threading.Barrier(len(devices))

    def run(i: int) -> None:
        token = TOKEN_RE.search(forms[i].body)
        assert token is not None
        path = f"/cycles/{election.cycle_id}/vote/cast"
        start.wait()
        try:
            answers[i] = devices[i].post(path, {"token": token.group(1)}, forms[i].body)
        except Exception as error:  # shown by the assertions below
            answers[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a cast hung"
    return answers


def constraint_races(app: Flask) -> int:
    """Participations whose INSERT was rolled back: the losers that got past the check before
    writing and were stopped by the unique constraint (each took a value of the sequence)."""
    with app.app_context():
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence('participations', 'id')"))
        last, called = db.session.execute(
            text(f"SELECT last_value, is_called FROM {sequence}")
        ).one()
        rows = db.session.scalar(text("SELECT count(*) FROM participations"))
        db.session.remove()
        return int(last if called else 0) - int(rows)


def test_one_resident_casting_through_both_servers_at_once_stores_one_ballot(
    shared_postgresql: str, shared_redis: str, tmp_path: Path
) -> None:
    from microprojects.domain import secrecy
    from microprojects.models import Ballot
    from microprojects.services.voting import receipt_digest

    app = make_app(shared_postgresql, tmp_path)
    election = prepare_election(app, RESIDENTS)
    cycle = election.cycle_id
    winners: dict[str, tuple[str, list[str]]] = {}  # username -> (receipt, choice)
    won_on = [0, 0]
    try:
        with gunicorns(shared_env(shared_postgresql, shared_redis, tmp_path), tmp_path) as servers:
            for i, name in enumerate(sorted(election.residencies)):
                devices = [Browser(server.base) for server in servers]  # a phone and a laptop
                choices = [[election.project_ids[(i + k) % 3]] for k in range(2)]
                for device in devices:
                    device.login(name)
                forms = [review(d, election, c) for d, c in zip(devices, choices, strict=True)]
                answers = cast_together(devices, election, forms)

                logs = "\n".join(server.log_tail() for server in servers)
                assert all(isinstance(a, Page) for a in answers), (name, answers, logs)
                # The winner's answer is the receipt page; the loser is sent back (302).
                assert sorted(a.status for a in answers) == [200, 302], (name, answers, logs)
                w = [a.status for a in answers].index(200)
                won_on[w] += 1
                winner, loser = devices[w], devices[1 - w]

                # The winner has their receipt, shown once in the cast's answer, and the
                # session keeps nothing of it.
                shown = RECEIPT_RE.search(answers[w].body)
                assert shown, name
                receipt = shown.group(1)
                assert receipt not in repr(winner.session()), name
                winners[name] = (receipt, choices[w])

                # The loser is sent back to the ballot page, which says they have voted, and
                # holds no receipt: the ballot counted is the other device's.
                assert answers[1 - w].location.endswith(f"/cycles/{cycle}/vote"), answers
                page = loser.get(f"/cycles/{cycle}/vote")
                assert page.status == 200, (name, page.status, page.body[:300])
                assert ALREADY_VOTED in page.body and VOTED in page.body, name
                assert receipt not in repr(loser.session()), name

            # Anyone can check each receipt on either server.
            for server in servers:
                checker = Browser(server.base)
                for receipt, _ in winners.values():
                    page = checker.post_plain(f"/cycles/{cycle}/check", {"code": receipt})
                    found = COUNTED in page.body or RECEIVED in page.body  # mixed or still sealed
                    assert page.status == 200 and found, (server.base, receipt)
            for server in servers:
                assert "Traceback" not in server.log.read_text(errors="replace"), server.log_tail()

        # One participation and one ballot per resident, each the winner's ballot.
        participations, ballots, per_resident, digests = counted(app, election)
        assert participations == ballots == RESIDENTS
        assert per_resident == {r: 1 for r in election.residencies.values()}
        assert digests == {receipt_digest(receipt) for receipt, _ in winners.values()}
        with app.app_context():
            for receipt, choice in winners.values():
                stored = db.session.scalar(
                    select(Ballot.choices).filter_by(revision_tag=secrecy.revision_tag(receipt))
                )
                assert stored == choice, receipt
            db.session.remove()
        print(  # shown with -s or on failure: how the races went this time
            f"won on the first server {won_on[0]} times, on the second {won_on[1]}; "
            f"{constraint_races(app)} of {RESIDENTS} losers were stopped by the unique "
            "constraint, the others by the check before writing"
        )
    finally:
        dispose(app)


# --- 2. the login rate limit, shared through Redis -----------------------------------------------


def add_person(database_url: str, tmp_path: Path, username: str) -> None:
    """An account with ``factories.PASSWORD``, made through the services."""
    app = make_app(database_url, tmp_path)
    with app.app_context():
        factories.user(username)
    dispose(app)


@pytest.fixture(params=["flask-serve-sqlite", "gunicorn-postgresql"])
def two_processes(
    request: pytest.FixtureRequest, shared_redis: str, tmp_path: Path
) -> Iterator[list[str]]:
    """The base URLs of two app processes on one database and one Redis, behind one proxy,
    with login limits of 5 failures per minute per address and per account, and accounts
    ``wang`` and ``lina``."""
    if request.param == "flask-serve-sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        migrate(url, tmp_path / "instance")
    else:
        url = request.getfixturevalue("shared_postgresql")
    for name in ("wang", "lina"):
        add_person(url, tmp_path, name)
    env = shared_env(
        url,
        shared_redis,
        tmp_path,
        TRUSTED_PROXIES="1",
        LOGIN_RATE_LIMIT="5 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="5 per minute",
    )
    if request.param == "flask-serve-sqlite":
        with flask_serves(env, tmp_path) as bases:
            yield bases
    else:
        with gunicorns(env, tmp_path) as servers:
            yield [server.base for server in servers]


def login_status(base: str, address: str, username: str, password: str) -> int:
    """The status of a login from a new browser at ``address``: 302 in, 200 refused, 429."""
    browser = Browser(base, forwarded_for=address)
    form = browser.get("/login")
    assert form.status == 200, form.status  # only POST /login is limited
    return browser.post("/login", {"login": username, "password": password}, form.body).status


def test_login_limits_are_shared_between_processes(two_processes: list[str]) -> None:
    first, second = two_processes
    right = factories.PASSWORD
    # Logging in is never counted: six logins from one address, on both processes.
    for base in (first, second, first, second, first, second):
        assert login_status(base, "203.0.113.1", "lina", right) == 302
    # Five wrong passwords for one account, from five addresses, on both processes ...
    statuses = [login_status(first, f"198.51.100.{i}", "wang", "wrong-pass") for i in range(3)]
    statuses += [login_status(second, f"198.51.100.{i}", "wang", "wrong-pass") for i in (3, 4)]
    assert statuses == [200] * 5  # answered with the form again
    # ... and the sixth, from yet another address, on either process, even the right password.
    assert login_status(second, "198.51.100.5", "wang", right) == 429
    assert login_status(first, "198.51.100.6", "wang", right) == 429
    # Five wrong passwords from one address, each for another name, on both processes ...
    statuses = [login_status(first, "192.0.2.1", f"guess{i}", "wrong-pass") for i in range(3)]
    statuses += [login_status(second, "192.0.2.1", f"guess{i}", "wrong-pass") for i in (3, 4)]
    assert statuses == [200] * 5
    # ... and that address is refused on either, for any account; the others are not.
    assert login_status(second, "192.0.2.1", "lina", right) == 429
    assert login_status(first, "192.0.2.1", "lina", right) == 429
    assert login_status(first, "192.0.2.2", "lina", right) == 302
