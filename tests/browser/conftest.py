"""Real-browser tests: Playwright driving the system Chromium against the app served on
127.0.0.1 in a background thread, on its own SQLite database built by the migrations.

Every test fails on a console error, a failed request or an error page (status >= 500).
Screenshots go to ``test-artifacts/screenshots/`` (ignored by git), see ``webclient.shot``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webclient import observe
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _need_chromium() -> None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's chromium and fonts-noto-cjk "
            "(apt-get install chromium fonts-noto-cjk) or set CHROMIUM"
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture(scope="session")
def live_app(sqlite_url: str, instance_dir: Path) -> Any:
    from microprojects import create_app
    from microprojects.config import TestConfig

    return create_app(TestConfig(sqlite_url, instance_path=str(instance_dir)))


def _closing(app: Any) -> Any:
    """The app with each response read whole and closed before it is sent. Werkzeug's server
    closes a response (an open static file) only after it has drained the socket; when the
    browser drops the connection first (a favicon request cut short by printing to PDF), the
    file is left to the garbage collector, and its ResourceWarning would fail whichever test
    runs then. The pages and their headers are the app's own, unchanged."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(live_app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, _closing(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture
def fresh_db(live_app: Any) -> Iterator[Any]:
    """Empty tables before the test; ``live_app`` for setting things up through services."""
    from factories import empty_tables

    from microprojects.extensions import limiter

    with live_app.app_context():
        empty_tables()
    limiter.reset()
    yield live_app
    with live_app.app_context():
        empty_tables()


@pytest.fixture
def watch(page: Any) -> Iterator[list[str]]:
    """Collects what went wrong in the page (and in any other page given to :func:`observe`
    with this list); the test fails if anything did."""
    problems: list[str] = []
    observe(page, problems)
    yield problems
    assert problems == []
