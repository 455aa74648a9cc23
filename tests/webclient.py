"""Acting as a browser in tests: CSRF tokens, posting forms, logging in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str | None = None) -> str:
    """The session's form token, from ``path``; by default from the home page, which carries
    one for a logged-in user (the log-out form), else from the login form (a visitor's pages
    carry none)."""
    for where in [path] if path else ["/", "/login"]:
        page = client.get(where)
        match = CSRF_RE.search(page.get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token on {where} ({page.status_code})")


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST as a browser would: with the CSRF token of the session's forms."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=payload, **kwargs)


def login(client: FlaskClient, username: str, password: str = "correct-horse-9") -> Any:
    response = post(client, "/login", {"login": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


def shot(page: Any, name: str) -> None:
    """A full-page screenshot of a browser page, kept for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@contextmanager
def recorded_queries(app: Any) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block, for N+1 checks."""
    from microprojects.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def page_queries(app: Any, path: str) -> int:
    """How many SQL statements one anonymous GET of ``path`` runs (it must answer 200)."""
    with recorded_queries(app) as seen:
        response = app.test_client().get(path)
        assert response.status_code == 200, (path, response.status_code)
    return len(seen)


def observe(page: Any, problems: list[str]) -> Any:
    """Records in ``problems`` what goes wrong in ``page``: console errors, failed requests and
    error pages. Returns the page."""

    def on_console(message: Any) -> None:
        # A 4xx page (a form sent back with its errors, a refusal) is logged by Chromium as a
        # failed resource; it is an answer the test expects. 5xx is caught below.
        text = message.text
        if message.type == "error" and "status of 4" not in text:
            problems.append(f"console: {text}")

    page.on("console", on_console)

    def on_failed(request: Any) -> None:
        # A navigation aborts the requests the previous page still had in flight (its icon).
        if "ERR_ABORTED" not in (request.failure or ""):
            problems.append(f"failed: {request.url} {request.failure}")

    page.on("requestfailed", on_failed)
    page.on(
        "response",
        lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 500 else None,
    )
    return page


def log_in(page: Any, username: str, password: str = "correct-horse-9") -> None:
    """Log in through the login form in a real browser's ``page``."""
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)  # the resident's now, or next


def register(
    page: Any, username: str, display_name: str, password: str = "correct-horse-9"
) -> None:
    """Fill in and send the registration form open in a real browser's ``page``: a name, and a
    login name (``username``) to log in with."""
    page.get_by_label("姓名").fill(display_name)
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("确认密码").fill(password)
    page.get_by_role("button", name="创建账号").click()


# --- the accessibility audit (axe-core, from node_modules) -------------------------------------

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def need_axe() -> None:
    """Skip, saying how to install it, where the audit's script is missing."""
    import pytest

    if not AXE.exists():
        pytest.skip("axe-core not installed: run `npm install --no-save axe-core@4.14.1`")


def axe_problems(page: Any, label: str | None = None) -> list[str]:
    """The serious and critical violations axe-core finds on the page open in ``page``, each
    named with ``label`` (the page's address by default) and the first elements at fault. The
    page's context must bypass the CSP, whose script-src 'self' refuses the injected script."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{label or page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n["target"][0]) for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def audit_pages(
    browser: Any,
    base_url: str,
    visits: Any,
    *,
    phone: bool = False,
    shots: dict[str, str] | None = None,
) -> list[str]:
    """Audit each page of ``visits``, a sequence of (username or None, path or paths): every
    person in a browser context of their own, logged in first, on a phone-sized screen if
    ``phone``. ``shots`` maps a path to a screenshot's name, taken after its audit."""
    need_axe()
    problems: list[str] = []
    for who, paths in visits:
        context = browser.new_context(
            base_url=base_url,
            locale="zh-CN",
            bypass_csp=True,
            **({"viewport": PHONE} if phone else {}),
        )
        page = context.new_page()
        if who:
            log_in(page, who)
        for path in [paths] if isinstance(paths, str) else paths:
            page.goto(path)
            problems += axe_problems(page, path)
            if shots and path in shots:
                shot(page, shots[path])
        context.close()
    return problems


def end_phase(page: Any, slug: str, cycle_id: int, reason: str) -> None:
    """The committee member logged in on ``page`` ends the cycle's current phase now, with a
    public reason, through the cycle's page and its confirmation."""
    page.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
    page.get_by_label("立即结束本阶段").check()
    page.get_by_label("理由（公开）").fill(reason)
    page.get_by_role("button", name="继续").click()
    assert reason in page.locator("main").inner_text()  # the confirmation, which names it
    page.get_by_role("button", name="确定，立即结束本阶段").click()
    assert "本阶段已结束，理由将公开。" in page.locator(".flash-success").inner_text()
