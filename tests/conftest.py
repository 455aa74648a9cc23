"""Fixtures shared by the suite.

Database tests run once on SQLite and, when ``TEST_DATABASE_URL`` names a PostgreSQL database,
once more there. The schema is built by the real migrations, once per backend and session; each
test starts from empty tables. In CI (``CI=true``) a skipped test fails the run: CI must have
PostgreSQL, ../shared and everything else the suite can use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import empty_tables
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from microprojects import create_app
from microprojects.config import TestConfig, normalize_database_url

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {reason}"


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(TestConfig(url, instance_path=str(instance)))
    with app.app_context():
        upgrade()
        from microprojects.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory, instance_dir: Path) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    _migrate(url, instance_dir)
    return url


@pytest.fixture(scope="session")
def postgresql_url(instance_dir: Path) -> str:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip(
            "PostgreSQL not configured: set TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/microprojects_test"
        )
    url = make_url(normalize_database_url(raw))
    if not url.drivername.startswith("postgresql"):
        pytest.fail(f"TEST_DATABASE_URL must name a PostgreSQL database, not {url.drivername}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as error:  # the server is down or refuses us: say so plainly
        pytest.skip(f"PostgreSQL at {url.host}:{url.port} is not reachable: {error}")
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    rendered = url.render_as_string(hide_password=False)
    _migrate(rendered, instance_dir)
    return rendered


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def app(app_with: Callable[..., Flask]) -> Flask:
    """The app, with empty tables. No app context is held, so that every request made through
    a test client gets its own, as in production (``g``, the session and the login are not
    shared between requests); tests that call services directly use ``ctx``."""
    return app_with()


@pytest.fixture
def app_with(database_url: str, instance_dir: Path) -> Iterator[Callable[..., Flask]]:
    """``app_with(**settings)``: the app as ``app`` makes it, with these settings over
    TestConfig's; for settings read once, when the app is made (``TRUSTED_PROXIES``)."""
    from microprojects.extensions import db, limiter

    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        config = TestConfig(database_url, instance_path=str(instance_dir))
        for name, value in settings.items():
            setattr(config, name, value)
        application = create_app(config)
        with application.app_context():
            empty_tables()
        limiter.reset()
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            empty_tables()
            db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context for tests that call services and models directly."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def world(app: Flask) -> Any:
    """Two communities with their committees, residents and an admin (see factories.World);
    as plain values: log in by username, which is the attribute's name."""
    import factories

    with app.app_context():
        return factories.world().snapshot()
