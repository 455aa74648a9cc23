"""PostgreSQL streaming replication, with real clusters started here (``pgcluster``): a primary
and a hot standby made from it by ``pg_basebackup -R``, each on a port of its own.

- Public pages read from the standby, and this is proven, not assumed: with the standby's
  replay paused, a resident's comment is on the page they see (they have just acted: the
  primary) and not yet on a visitor's (the standby); once replay resumes, the visitor sees it.
  In a request routed to the standby, a write goes to the primary and what follows reads it.
- A standby that does not answer leaves the public pages to the primary.
- The results page's cache stays right: its key is read where the page is, so a page rendered
  from a standby behind the primary is never kept under the primary's newer version.
- The failover drill: gunicorn on the primary, synchronous replication on, a burst of casts
  from several browsers, the primary killed (SIGKILL to its postmaster) in the middle; the
  visitors' pages still served meanwhile, by the standby; the standby promoted, the app
  restarted with ``DATABASE_URL`` pointing at it, and every cast whose receipt was shown is
  there, sealed and then opened by the mixer and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import factories
import pgcluster
import pytest
from flask import Flask
from sqlalchemy import select
from test_faults import (
    Browser,
    Server,
    assert_acknowledged_are_counted,
    assert_everyone_counted_once,
    burst,
    migrate,
    prepare_election,
    server_env,
    vote_again,
)
from webclient import login, post

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.extensions import db
from microprojects.standby import read_from_standby

DATABASE = "microprojects"
COMMENT = "石凳最好有靠背"


def _migrated(instance: Path) -> Any:
    def prepare(primary: pgcluster.Cluster) -> None:
        primary.sql(f'CREATE DATABASE "{DATABASE}"')
        migrate(primary.url(DATABASE), instance)

    return prepare


def _app(pair: pgcluster.Pair, instance: Path) -> Flask:
    config = Settings(pair.primary.url(DATABASE), instance_path=str(instance))
    config.DATABASE_READ_URL = pair.standby.url(DATABASE)
    return create_app(config)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pgcluster.Pair]:
    """A migrated primary and its streaming standby, for the tests that only read."""
    instance = tmp_path_factory.mktemp("replication")
    with pgcluster.replicated(_migrated(instance)) as made:
        yield made


@pytest.fixture
def app(pair: pgcluster.Pair, tmp_path: Path) -> Iterator[Flask]:
    application = _app(pair, tmp_path / "instance")
    with application.app_context():
        factories.empty_tables()
    pair.wait_replayed()
    yield application
    pair.standby.sql("SELECT pg_wal_replay_resume()")
    with application.app_context():
        factories.empty_tables()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


class paused_replay:
    """The standby receives the primary's changes but does not apply them, inside the block."""

    def __init__(self, pair: pgcluster.Pair) -> None:
        self.pair = pair

    def __enter__(self) -> None:
        self.pair.standby.sql("SELECT pg_wal_replay_pause()")

    def __exit__(self, *exc: object) -> None:
        self.pair.standby.sql("SELECT pg_wal_replay_resume()")
        self.pair.wait_replayed()


def test_visitors_read_from_the_standby_and_who_acted_from_the_primary(
    pair: pgcluster.Pair, app: Flask
) -> None:
    from microprojects.models import Comment, Community, User, utcnow
    from microprojects.services import proposals

    with app.app_context():
        w = factories.world().snapshot()
        author = db.session.get(User, w.ids["resident_a"])
        committee = db.session.get(User, w.ids["committee_a"])
        cycle = factories.cycle(db.session.get(Community, w.a_id), committee)
        proposal = proposals.create_proposal(
            author, cycle, factories.proposal_input(), submit=True, now=utcnow()
        )
        page = f"/proposals/{proposal.id}"
        db.session.remove()
    pair.wait_replayed()
    visitor, resident = app.test_client(), app.test_client()
    login(resident, "resident_a")
    assert "报刊亭旁放两张石凳" in visitor.get(page).get_data(as_text=True)

    with paused_replay(pair):
        answer = post(resident, f"{page}/comments", {"body": COMMENT, "stance": "support"})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        # Written on the primary; the standby has it too, not yet applied.
        assert pair.primary.sql("SELECT count(*) FROM comments", DATABASE) == 1
        assert pair.standby.sql("SELECT count(*) FROM comments", DATABASE) == 0
        # The resident has just acted: their page comes from the primary.
        assert COMMENT in resident.get(page).get_data(as_text=True)
        # The visitor's from the standby, where the comment is not yet.
        shown = visitor.get(page)
        assert shown.status_code == 200 and "报刊亭旁放两张石凳" in shown.get_data(as_text=True)
        assert COMMENT not in shown.get_data(as_text=True)
        # In a request routed to the standby, a write goes to the primary, never failing with
        # "read-only transaction", and what the request reads after it comes from there too.
        with app.test_request_context(page):
            read_from_standby()
            assert db.session.scalar(select(Comment.body)) is None  # the standby's view
            db.session.add(
                Comment(
                    proposal_id=proposal.id,
                    author_id=w.ids["resident_a"],
                    body="第二条",
                    stance="neutral",
                    created_at=utcnow(),
                )
            )
            db.session.commit()
            assert db.session.scalar(select(Comment.body).where(Comment.body == "第二条"))
            db.session.remove()
        assert pair.primary.sql("SELECT count(*) FROM comments", DATABASE) == 2

    # Replayed: the visitor sees both comments now.
    body = visitor.get(page).get_data(as_text=True)
    assert COMMENT in body and "第二条" in body


def test_the_results_page_cache_keeps_no_page_under_a_newer_version(
    pair: pgcluster.Pair, app: Flask
) -> None:
    from microprojects.models import Community, User

    with app.app_context():
        w = factories.world().snapshot()
        committee = db.session.get(User, w.ids["committee_a"])
        cycle, _, _ = factories.counted_cycle(db.session.get(Community, w.a_id), committee)
        page, cycle_id = f"/cycles/{cycle.id}/results", cycle.id
        db.session.remove()
    pair.wait_replayed()
    visitor = app.test_client()
    assert "2026 年振兴社区微实事" in visitor.get(page).get_data(as_text=True)

    with paused_replay(pair):
        pair.primary.sql(f"UPDATE cycles SET title = '改过的标题' WHERE id = {cycle_id}", DATABASE)
        body = visitor.get(page).get_data(as_text=True)
        assert "2026 年振兴社区微实事" in body and "改过的标题" not in body

    # A key read on the primary would have filed the old page under the new title.
    body = visitor.get(page).get_data(as_text=True)
    assert "改过的标题" in body


def test_a_stopped_standby_leaves_the_public_pages_to_the_primary(
    pair: pgcluster.Pair, app: Flask
) -> None:
    with app.app_context():
        factories.community("bailong", "白龙社区")
        db.session.remove()
    pair.standby.stop()
    try:
        for _ in range(2):  # the second while the standby rests: not tried again
            page = app.test_client().get("/c/bailong")
            assert page.status_code == 200 and "白龙社区" in page.get_data(as_text=True)
    finally:
        pair.standby.start()
        pair.wait_streaming()


# --- the failover drill ------------------------------------------------------------------------

VOTERS = 16


def test_failover_drill_loses_no_cast_whose_receipt_was_shown(tmp_path: Path) -> None:
    with pgcluster.replicated(_migrated(tmp_path / "instance")) as drill:
        drill.synchronous()
        primary_url, standby_url = drill.primary.url(DATABASE), drill.standby.url(DATABASE)
        before = create_app(Settings(primary_url, instance_path=str(tmp_path / "instance")))
        election = prepare_election(before, VOTERS)
        with before.app_context():
            db.engine.dispose()
        env = {**server_env(primary_url, tmp_path), "DATABASE_READ_URL": standby_url}
        server = Server(env, tmp_path / "gunicorn.log").start()
        try:
            browsers = {name: Browser(server.base) for name in election.residencies}
            for name, browser in browsers.items():
                browser.login(name)
            attempts = burst(browsers, election, fault_after=VOTERS // 4, fault=drill.primary.kill)
            assert drill.primary.pid() is None
            lost = [a for a in attempts.values() if not a.receipt]
            assert lost, "the burst was over before the kill: nothing was in flight"
            for attempt in lost:  # the database's error page, or no answer at all
                assert attempt.status in (None, 503), (attempt, server.log_tail())

            # Meanwhile a visitor's public pages are still served, from the standby.
            page = Browser(server.base).get(f"/cycles/{election.cycle_id}")
            assert page.status == 200, (page.status, server.log_tail())
            assert server.status("/healthz") == 503  # which reads the primary

            # The standby promoted, the app pointed at it and restarted: no standby any more.
            drill.standby.promote()
            assert drill.standby.sql("SELECT pg_is_in_recovery()") is False
            server.stop()
            server.env = {**server_env(standby_url, tmp_path), "DATABASE_READ_URL": ""}
            server.start()
            after = create_app(Settings(standby_url, instance_path=str(tmp_path / "instance")))
            assert_acknowledged_are_counted(after, election, attempts)
            new = vote_again(server, browsers, election)
            print(  # shown with -s or on failure: what the failover did this time
                f"{VOTERS - len(lost)} acknowledged before the kill, {len(lost)} lost, of which "
                f"{len(lost) - len(new)} had reached the standby without their answer"
            )
            held = [a.receipt for a in attempts.values() if a.receipt]
            assert_everyone_counted_once(after, server, election, held + new)
        finally:
            server.stop()
