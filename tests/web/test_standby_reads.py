"""Which requests read from the database of ``DATABASE_READ_URL``, shown with two SQLite files
that hold different things: the app's own (empty) and the "standby" (a community). A real
PostgreSQL standby, its lag and the failover are in tests/test_replication.py.

- A visitor's public pages read from the standby; every other page, and every page of someone
  who has just sent a form, from the primary.
- A standby that cannot be reached: its pages come from the primary, without an error.
- Without a read URL: one engine, and no mark in anyone's session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import factories
import pytest
from flask import Flask
from test_faults import migrate
from webclient import post

from microprojects.extensions import db, limiter
from microprojects.standby import STANDBY
from microprojects.web.reads import ACTED_AT, STANDBY_PAGES


@pytest.fixture(scope="module")
def standby_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second SQLite database holding a community the app's own does not."""
    from microprojects import create_app
    from microprojects.config import TestConfig

    folder = tmp_path_factory.mktemp("standby")
    url = f"sqlite:///{folder / 'standby.db'}"
    migrate(url, folder)
    app = create_app(TestConfig(url, instance_path=str(folder)))
    with app.app_context():
        factories.community("zhenxing", "振兴社区")
        db.session.remove()
        db.engine.dispose()
    yield url


@pytest.fixture
def sqlite_app_with(sqlite_url: str, instance_dir: Path) -> Iterator[Callable[..., Flask]]:
    """``app_with`` on the SQLite database alone: the standby here is a SQLite file."""
    from microprojects import create_app
    from microprojects.config import TestConfig

    made: list[Flask] = []

    def make(**settings: object) -> Flask:
        config = TestConfig(sqlite_url, instance_path=str(instance_dir))
        for name, value in settings.items():
            setattr(config, name, value)
        application = create_app(config)
        with application.app_context():
            factories.empty_tables()
        limiter.reset()
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def test_a_visitors_public_pages_read_from_the_standby(
    sqlite_app_with: Callable[..., Flask], standby_url: str
) -> None:
    app = sqlite_app_with(DATABASE_READ_URL=standby_url)
    visitor = app.test_client()
    page = visitor.get("/c/zhenxing")  # public.community: on the standby alone
    assert page.status_code == 200 and "振兴社区" in page.get_data(as_text=True)
    assert "振兴社区" in visitor.get("/communities").get_data(as_text=True)
    # Not a public page: the primary, where there is no such community.
    assert visitor.get("/c/zhenxing/wishes").status_code == 404

    # A form sent (even a refused login): the primary for a minute, the public pages included.
    answer = post(visitor, "/login", {"login": "nobody", "password": "wrong-password-1"})
    assert answer.status_code == 200
    with visitor.session_transaction() as session:
        assert isinstance(session[ACTED_AT], int)
    assert visitor.get("/c/zhenxing").status_code == 404
    # Another visitor is unaffected.
    assert app.test_client().get("/c/zhenxing").status_code == 200


def test_an_unreachable_standby_leaves_the_pages_to_the_primary(
    sqlite_app_with: Callable[..., Flask],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Alembic's logging configuration, run in this process by the migrations, turns off the
    # loggers that existed then; a server's process never runs it.
    monkeypatch.setattr(logging.getLogger("microprojects.standby"), "disabled", False)
    app = sqlite_app_with(DATABASE_READ_URL=f"sqlite:///{tmp_path / 'absent' / 'standby.db'}")
    with app.app_context():
        factories.community("bailong", "白龙社区")
        db.session.remove()
    visitor = app.test_client()
    for _ in range(2):  # the first finds it unreachable, the second does not try again
        page = visitor.get("/c/bailong")
        assert page.status_code == 200 and "白龙社区" in page.get_data(as_text=True)
    unreachable = [r for r in caplog.records if "standby unreachable" in r.getMessage()]
    assert len(unreachable) == 1


def test_without_a_read_url_one_database_and_no_mark(
    sqlite_app_with: Callable[..., Flask],
) -> None:
    app = sqlite_app_with()
    with app.app_context():
        assert list(db.engines) == [None]
    visitor = app.test_client()
    post(visitor, "/login", {"login": "nobody", "password": "wrong-password-1"})
    with visitor.session_transaction() as session:
        assert ACTED_AT not in session


def test_the_standby_pages_are_public_pages_that_only_read(
    sqlite_app_with: Callable[..., Flask], standby_url: str
) -> None:
    app = sqlite_app_with(DATABASE_READ_URL=standby_url)
    with app.app_context():
        assert STANDBY in db.engines
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.endpoint, set()).update(rule.methods or ())
    for endpoint in STANDBY_PAGES:
        assert endpoint in methods, endpoint
        assert methods[endpoint] <= {"GET", "HEAD", "OPTIONS"}, endpoint
    assert not STANDBY_PAGES & {"auth.login", "voting.ballot", "public.health", "account.index"}
