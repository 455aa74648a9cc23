"""Faults as a voter would meet them, with real components: gunicorn serving ``wsgi:app`` with
two workers, a real database, HTTP from threads acting as browsers.

- The server is killed (SIGKILL, master and workers) in the middle of a burst of casts and
  started again: every cast the voter saw acknowledged is counted, nothing is half-written, the
  server needs no repair, and whoever lost their cast votes again and is counted once.
- The database goes away under a running server (a TCP forwarder to PostgreSQL is pulled out):
  a clear 503 page meanwhile, nothing half-written, and service again when it returns, without
  a restart.

The helpers (``Server``, ``Browser``, ``fresh_postgresql``) are also used by test_backup.py.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import factories
import pytest
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select, text

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.config import normalize_database_url
from microprojects.extensions import db

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "faults-secret-shared-by-the-workers"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
RECEIPT_RE = re.compile(r'data-copy="([A-Z0-9-]{19})"')
VOTED = "感谢您的投票"  # the ballot page of someone who has voted
COUNTED = "选票已计入"  # the public receipt check, for a counted ballot
RECEIVED = "选票已收到"  # the public receipt check, for a ballot still sealed
BALLOT_KEY = "dGVzdC1iYWxsb3Qta2V5LW5ldmVyLWluLXByb2R1Y3Q="  # as TestConfig: both sides open
UNAVAILABLE = "暂时无法使用"  # the 503 page's title


# --- real components ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(Settings(url, instance_path=str(instance)))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def postgresql_base_url() -> Any:
    """TEST_DATABASE_URL as a URL, or a skip that says why (as conftest's ``postgresql_url``)."""
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip(
            "PostgreSQL not configured: set TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/microprojects_test"
        )
    url = make_url(normalize_database_url(raw))
    if not url.drivername.startswith("postgresql"):
        pytest.fail(f"TEST_DATABASE_URL must name a PostgreSQL database, not {url.drivername}")
    return url


def _empty_schema(url: Any) -> None:
    """No table left in the database at ``url``, and nobody else connected to it (such as the
    sessions of a server killed earlier)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@contextmanager
def fresh_postgresql(purpose: str, instance: Path, *, migrated: bool = True) -> Iterator[str]:
    """A PostgreSQL database of our own, on TEST_DATABASE_URL's server and named after its
    database (``microprojects_test`` gives ``microprojects_test_<purpose>``, so two suites on one
    server, each with its own TEST_DATABASE_URL, never share one), created if missing, migrated
    from an empty schema (unless ``migrated`` is false: then empty), and emptied afterwards.
    Emptied, not dropped: DROP DATABASE waits for a checkpoint, seconds on a busy server."""
    base = postgresql_base_url()
    name = f"{base.database}_{purpose}"
    url = base.set(database=name)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # the server is down or refuses us: say so plainly
        pytest.skip(f"PostgreSQL at {url.host}:{url.port} is not reachable: {error}")
    finally:
        admin.dispose()
    _empty_schema(url)
    rendered = url.render_as_string(hide_password=False)
    try:
        if migrated:
            migrate(rendered, instance)
        yield rendered
    finally:
        _empty_schema(url)


def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a development deployment on ``database_url``: a shared secret (the
    workers and the restarted server must read each other's cookies) and rate limits that let
    a whole building vote from one address."""
    return {
        **os.environ,
        "MICROPROJECTS_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "BALLOT_KEY": BALLOT_KEY,
        # Mixes all through a burst, so that a fault can strike one.
        "MIX_BATCH": "3",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "CLAIM_RATE_LIMIT": "10000 per minute",
        "COMMENT_RATE_LIMIT": "10000 per minute",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Server:
    """``gunicorn --workers 2 --bind 127.0.0.1:PORT wsgi:app`` as production runs it, in a
    process group of its own so that it can be killed whole."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.env = env
        self.log = log
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "2",
                 "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log_tail()}")
            if len(self.workers()) == 2 and self.status("/healthz") == 200:
                return self
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer /healthz:\n{self.log_tail()}")

    def status(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            error.close()
            return error.code
        except (OSError, http.client.HTTPException):
            return None

    def workers(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def kill(self) -> list[int]:
        """SIGKILL to the master and its workers at once, as a crash or the OOM killer would;
        returns the processes that were killed."""
        assert self.process is not None
        victims = [self.process.pid, *self.workers()]
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in victims) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.process = None
        return victims

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):  # gunicorn's quick shutdown: the test is over
            os.killpg(self.process.pid, signal.SIGQUIT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Page:
    status: int
    body: str
    location: str


class Browser:
    """One person's browser: their cookies, forms with their CSRF token, no automatic redirect
    (the test looks at each answer: the receipt in the cast's own answer is the proof)."""

    def __init__(self, base: str, forwarded_for: str | None = None) -> None:
        """``forwarded_for``: the client's address, as a proxy in front would forward it."""
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        if forwarded_for:
            self.opener.addheaders.append(("X-Forwarded-For", forwarded_for))

    def get(self, path: str) -> Page:
        return self._open(path, None)

    def post(self, path: str, form: dict[str, Any], csrf_from: str) -> Page:
        match = CSRF_RE.search(csrf_from)
        assert match, "no CSRF token on the page"
        data = urllib.parse.urlencode({**form, "csrf_token": match.group(1)}, doseq=True)
        return self._open(path, data.encode())

    def _open(self, path: str, data: bytes | None) -> Page:
        """The server's answer; a connection that fails raises OSError or HTTPException."""
        try:
            with self.opener.open(self.base + path, data, timeout=20) as response:
                return Page(response.status, response.read().decode(), "")
        except urllib.error.HTTPError as error:
            with error:
                body = error.read().decode(errors="replace")
                return Page(error.code, body, error.headers.get("Location", ""))

    def post_plain(self, path: str, form: dict[str, Any]) -> Page:
        """A form that carries no CSRF token (the public receipt check)."""
        return self._open(path, urllib.parse.urlencode(form).encode())

    def login(self, username: str) -> None:
        form = self.get("/login")
        answer = self.post("/login", {"login": username, "password": factories.PASSWORD}, form.body)
        assert answer.status == 302, (username, answer.status, answer.body[:300])

    def session(self) -> dict[str, Any]:
        """The signed session cookie the server gave this browser, read with the shared key."""
        from flask.sessions import SecureCookieSessionInterface

        probe = Flask("probe")
        probe.secret_key = SECRET_KEY
        serializer = SecureCookieSessionInterface().get_signing_serializer(probe)
        assert serializer is not None
        value = next(c.value for c in self.jar if c.name == "session")
        return dict(serializer.loads(value))


# --- an election and its voters ----------------------------------------------------------------


@dataclass
class Election:
    cycle_id: int
    project_ids: list[str]
    residencies: dict[str, int]  # username -> residency id


def prepare_election(app: Flask, voters: int) -> Election:
    """A community's cycle open for voting with three projects, and ``voters`` verified
    residents, made through the services as the committee's pages would."""
    with app.app_context():
        w = factories.world()
        cycle, projects = factories.voting_cycle(w.a, w.committee_a)
        residencies = {}
        for i in range(voters):
            person = factories.verified_resident(
                f"voter{i:02d}", w.a, w.committee_a, f"投票人{i}", f"5栋{i + 1:03d}室"
            )
            residencies[person.username] = person.residency.id
        result = Election(cycle.id, [str(p.id) for p in projects], residencies)
        db.session.remove()
        return result


@dataclass
class Attempt:
    """What one resident's browser saw of one attempt to vote."""

    username: str
    receipt: str | None = None  # the cast answered with the receipt: this code is theirs
    shown: str | None = None  # the receipt page, when it arrived before the fault
    step: str = ""  # where it stopped otherwise
    status: int | None = None  # the answer there (None: the connection failed)
    body: str = field(default="", repr=False)


def cast(
    browser: Browser,
    election: Election,
    attempt: Attempt,
    choice: list[str],
    acknowledged: Any = None,
) -> Attempt:
    """The whole web path: the ballot page, the review, the cast, the receipt.
    ``acknowledged()`` is called as soon as the cast has answered with the receipt."""
    cycle = election.cycle_id
    try:
        attempt.step = "ballot"
        page = browser.get(f"/cycles/{cycle}/vote")
        if page.status != 200 or "/vote/review" not in page.body:
            attempt.status, attempt.body = page.status, page.body
            return attempt
        attempt.step = "review"
        page = browser.post(f"/cycles/{cycle}/vote/review", {"p": choice}, page.body)
        token = TOKEN_RE.search(page.body)
        if page.status != 200 or token is None:
            attempt.status, attempt.body = page.status, page.body
            return attempt
        attempt.step = "cast"
        page = browser.post(f"/cycles/{cycle}/vote/cast", {"token": token.group(1)}, page.body)
        attempt.status, attempt.body = page.status, page.body
        shown = RECEIPT_RE.search(page.body)
        if page.status != 200 or shown is None:
            return attempt
        # The cast answers with the receipt page itself; the session keeps nothing of the vote.
        attempt.receipt = attempt.shown = shown.group(1)
        assert attempt.receipt not in repr(browser.session())
        if acknowledged is not None:
            acknowledged()
        attempt.step = "done"
    except (OSError, http.client.HTTPException):
        attempt.status = None
    return attempt


def burst(
    browsers: dict[str, Browser], election: Election, *, fault_after: int, fault: Any
) -> dict[str, Attempt]:
    """Every browser casts at once; the voter whose cast is the ``fault_after``-th to be
    acknowledged brings the fault at that moment, while the others' requests are in flight."""
    attempts = {name: Attempt(name) for name in browsers}
    lock = threading.Lock()
    acks = 0
    start = threading.Barrier(len(browsers) + 1)

    def acknowledged() -> None:
        nonlocal acks
        with lock:
            acks += 1
            if acks == fault_after:
                fault()

    def run(i: int, name: str) -> None:
        start.wait()
        choice = [election.project_ids[i % 3], election.project_ids[(i + 1) % 3]][: 1 + i % 2]
        cast(browsers[name], election, attempts[name], choice, acknowledged)

    threads = [
        threading.Thread(target=run, args=(i, name)) for i, name in enumerate(sorted(browsers))
    ]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a voter's browser hung after the fault"
    return attempts


# --- the state of the database, read directly --------------------------------------------------


def counted(
    app: Flask, election: Election, *, mix: bool = True
) -> tuple[int, int, dict[int, int], set[str]]:
    """(participations, ballots, participations per residency, published receipt digests) of
    the cycle, after the mixer's last run as at the close of voting (unless ``mix`` is false:
    then the ballots are sealed and mixed ones, and the digests those mixed so far)."""
    from microprojects.models import Ballot, Participation, PublishedReceipt, SealedBallot
    from microprojects.services import mixing

    with app.app_context():
        db.engine.dispose()  # connections made before the fault are not to be trusted
        cycle = election.cycle_id
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(text("PRAGMA integrity_check")) == "ok"
        sealed = db.session.scalar(
            select(func.count()).select_from(SealedBallot).filter_by(cycle_id=cycle)
        )
        if mix:
            mixing.mix(cycle, final=True)
            assert mixing.unmixed(cycle) == 0
            sealed = 0
        rows = db.session.execute(
            select(Participation.residency_id, func.count())
            .where(Participation.cycle_id == cycle)
            .group_by(Participation.residency_id)
        ).all()
        per_resident = {int(r): int(n) for r, n in rows}
        mixed = db.session.scalar(
            select(func.count()).select_from(Ballot).filter_by(cycle_id=cycle)
        )
        digests = set(db.session.scalars(select(PublishedReceipt.digest).filter_by(cycle_id=cycle)))
        participations = sum(per_resident.values())
        db.session.remove()
        db.engine.dispose()
        return participations, int(mixed) + int(sealed or 0), per_resident, digests


def assert_acknowledged_are_counted(
    app: Flask, election: Election, attempts: dict[str, Attempt]
) -> None:
    from microprojects.services.voting import receipt_digest

    # As the fault left it: every participation has its ballot, sealed or mixed.
    participations, ballots, _, _ = counted(app, election, mix=False)
    assert participations == ballots, "a participation without its ballot, or the reverse"
    # Then mixed, as at the close: every acknowledged ballot opens, and its receipt is listed.
    participations, ballots, per_resident, digests = counted(app, election)
    assert participations == ballots, "a ballot lost or made by the mixer"
    for attempt in attempts.values():
        if attempt.receipt:
            assert receipt_digest(attempt.receipt) in digests, attempt
            assert per_resident.get(election.residencies[attempt.username]) == 1, attempt
            if attempt.shown:
                assert attempt.shown == attempt.receipt


def vote_again(server: Server, browsers: dict[str, Browser], election: Election) -> list[str]:
    """Each resident opens the ballot page again: whoever has not been counted votes, and
    then everyone is told they have voted. Returns the receipts of the new casts."""
    receipts = []
    for i, (name, browser) in enumerate(sorted(browsers.items())):
        page = browser.get(f"/cycles/{election.cycle_id}/vote")
        assert page.status == 200, (name, page.status, page.body[:300])
        if VOTED in page.body:
            continue
        attempt = cast(browser, election, Attempt(name), [election.project_ids[i % 3]])
        assert attempt.receipt and attempt.shown == attempt.receipt, attempt
        receipts.append(attempt.receipt)
        again = browser.get(f"/cycles/{election.cycle_id}/vote")
        assert again.status == 200 and VOTED in again.body, name
    return receipts


def assert_everyone_counted_once(
    app: Flask, server: Server, election: Election, receipts: list[str]
) -> None:
    participations, ballots, per_resident, _ = counted(app, election)
    assert participations == ballots == len(election.residencies)
    assert per_resident == {r: 1 for r in election.residencies.values()}
    checker = Browser(server.base)
    for receipt in receipts:  # as anyone can check on the cycle's page
        page = checker.post_plain(f"/cycles/{election.cycle_id}/check", {"code": receipt})
        assert page.status == 200 and COUNTED in page.body, receipt


# --- 1. the server killed in the middle of a burst of casts ------------------------------------

VOTERS = 24


@pytest.fixture(params=["sqlite", "postgresql"])
def fault_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
        migrate(url, tmp_path / "instance")
        yield url
    else:
        with fresh_postgresql("faults", tmp_path / "instance") as url:
            yield url


@pytest.fixture
def faults_app(fault_database: str, tmp_path: Path) -> Iterator[Flask]:
    """The app in the test process, on the same database, to prepare data and look at it."""
    app = create_app(Settings(fault_database, instance_path=str(tmp_path / "instance")))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sigkill_in_a_burst_of_casts_loses_nothing_acknowledged(
    faults_app: Flask, fault_database: str, tmp_path: Path
) -> None:
    election = prepare_election(faults_app, VOTERS)
    server = Server(server_env(fault_database, tmp_path), tmp_path / "gunicorn.log").start()
    try:
        browsers = {name: Browser(server.base) for name in election.residencies}
        for name, browser in browsers.items():
            browser.login(name)
        killed: list[int] = []
        attempts = burst(
            browsers,
            election,
            fault_after=VOTERS // 4,
            fault=lambda: killed.extend(server.kill()),
        )
        assert len(killed) == 3 and not any(_alive(pid) for pid in killed), killed
        lost = [a for a in attempts.values() if not a.receipt]
        answered = [a for a in lost if a.status is not None]
        assert not answered, f"an answer other than the receipt: {answered}"
        assert lost, "the burst was over before the kill: nothing was in flight"
        assert len(lost) < VOTERS

        # Started again on the same database, with no repair: the same port, the same cookies.
        server.start()
        assert server.status("/healthz") == 200
        assert_acknowledged_are_counted(faults_app, election, attempts)
        new = vote_again(server, browsers, election)
        assert len(new) <= len(lost)
        print(  # shown with -s or on failure: what the kill did this time
            f"{VOTERS - len(lost)} acknowledged before the kill, {len(lost)} lost, of which "
            f"{len(lost) - len(new)} had been written without their answer"
        )
        held = [a.receipt for a in attempts.values() if a.receipt]
        assert_everyone_counted_once(faults_app, server, election, held + new)
    finally:
        server.stop()


# --- 2. the database gone under a running server -----------------------------------------------


class TcpProxy:
    """A TCP forwarder to the database server. ``stop()`` is the database going away: nothing
    listens on the port any more and every open connection is cut; ``start()`` brings it back
    on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._acceptor: threading.Thread | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, args=(listener, self._stopping))
        self._acceptor.start()

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        with listener:
            while not stopping.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)
                with self._lock:
                    self._pairs.append((client, upstream))
                    for a, b in ((client, upstream), (upstream, client)):
                        pump = threading.Thread(target=self._pump, args=(a, b))
                        self._threads.append(pump)
                        pump.start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join()
        with self._lock:
            pairs, self._pairs = self._pairs, []
            threads, self._threads = self._threads, []
        for pair in pairs:
            for end in pair:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join()
        for pair in pairs:
            for end in pair:
                end.close()


@pytest.fixture
def outage_database(tmp_path: Path) -> Iterator[str]:
    with fresh_postgresql("faults", tmp_path / "instance") as url:
        yield url


def test_database_outage_503_then_recovery_without_restart(
    outage_database: str, tmp_path: Path
) -> None:
    app = create_app(Settings(outage_database, instance_path=str(tmp_path / "instance")))
    election = prepare_election(app, 16)
    direct = make_url(outage_database)
    proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
    proxy.start()
    via_proxy = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    server = Server(server_env(via_proxy, tmp_path), tmp_path / "gunicorn.log")
    try:
        server.start()
        pids = [server.process.pid, *server.workers()]
        browsers = {name: Browser(server.base) for name in election.residencies}
        for name, browser in browsers.items():
            browser.login(name)
        attempts = burst(browsers, election, fault_after=4, fault=proxy.stop)

        # Every voter got an answer: their receipt, or the page saying the service is down.
        unavailable = [a for a in attempts.values() if not a.receipt]
        assert unavailable, "the burst was over before the outage"
        for attempt in unavailable:
            answer = (attempt, server.log_tail())
            assert attempt.status == 503 and UNAVAILABLE in attempt.body, answer
        # While it lasts: the 503 page for everyone, and /healthz says so to the load balancer.
        assert server.status("/healthz") == 503
        home = Browser(server.base).get("/")
        assert home.status == 503 and UNAVAILABLE in home.body
        retry = browsers[unavailable[0].username].get(f"/cycles/{election.cycle_id}/vote")
        assert retry.status == 503 and UNAVAILABLE in retry.body
        # Nothing half-written, every acknowledged cast counted; who was turned away before
        # casting has no participation.
        assert_acknowledged_are_counted(app, election, attempts)
        _, _, per_resident, _ = counted(app, election)
        for attempt in unavailable:
            if attempt.step in ("ballot", "review"):
                assert election.residencies[attempt.username] not in per_resident

        # The database is back: the same processes serve again once their pool reconnects.
        proxy.start()
        deadline = time.monotonic() + 15
        while server.status("/healthz") != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.status("/healthz") == 200
        assert sorted([server.process.pid, *server.workers()]) == sorted(pids), "restarted"
        new = vote_again(server, browsers, election)
        print(  # shown with -s or on failure: what the outage did this time
            f"{len(attempts) - len(unavailable)} acknowledged before the outage, "
            f"{len(unavailable)} turned away with 503, of which "
            f"{len(unavailable) - len(new)} had been written all the same"
        )
        held = [a.receipt for a in attempts.values() if a.receipt]
        assert_everyone_counted_once(app, server, election, held + new)
    finally:
        server.stop()
        proxy.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
