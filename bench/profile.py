"""``python -m bench.profile``: where a page's time goes, in this process, without a server.

The pages the bench measures, on a small copy of its data (SQLite, in a temporary folder): each
asked 60 times by a visitor or by a logged-in resident through Flask's test client, with the
median CPU time of one request and the SQL statements it ran. ``--profile NAME`` (repeatable)
then prints pyinstrument's call tree of 100 requests of that page. The figures are for comparing
pages and changes with each other on one machine; the bench's own (``python -m bench``) are the
ones the goals are about.

    .venv/bin/python -m bench.profile
    .venv/bin/python -m bench.profile --profile "proposal (resident)"
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Flask-WTF checks the referrer of a form sent over HTTPS; the test client's requests carry one.
HEADERS = {"Referer": "https://localhost/"}
ROUNDS = 60
PAGES = (
    "A: /healthz",
    "smallest page: /login",
    "results",
    "proposal list",
    "proposal",
    "proposal list (resident)",
    "proposal (resident)",
    "ballot page (resident)",
    "review (resident)",
)


@contextmanager
def _statements(engine: Any) -> Iterator[list[str]]:
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--profile", action="append", default=[], help="print this page's call tree"
    )
    parser.add_argument("--queries", action="store_true", help="print each page's SQL statements")
    args = parser.parse_args(argv)
    unknown = [name for name in args.profile if name not in PAGES]
    if unknown:
        parser.error(f"no page named {unknown[0]!r}; the pages: {', '.join(PAGES)}")

    from microprojects import create_app
    from microprojects.extensions import db

    from .load import BALLOT_KEY
    from .seed import PASSWORD, migrate, seed, setup_app

    with tempfile.TemporaryDirectory(prefix="microprojects-profile-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'profile.db'}"
        builder = setup_app(url)
        migrate(builder)
        seeded = seed(builder, voters=8, ballots=3000, workdir=Path(tmp), cast_rounds=1)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "profile-" + "x" * 24,
                "BALLOT_KEY": BALLOT_KEY,
                "RATELIMIT_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        visitor, resident = app.test_client(), app.test_client()
        login = resident.get("/login").get_data(as_text=True)
        token = CSRF_RE.search(login)
        assert token, "no form token on the login page"
        answer = resident.post(
            "/login",
            data={"login": seeded.voters[0], "password": PASSWORD, "csrf_token": token.group(1)},
            headers=HEADERS,
        )
        assert answer.status_code == 302, f"login: {answer.status_code}"
        vote = f"/cycles/{seeded.vote_cycle}/vote"
        ballot = CSRF_RE.search(resident.get(vote).get_data(as_text=True))
        assert ballot, "no form token on the ballot page"
        review = {"csrf_token": ballot.group(1), "p": [str(seeded.vote_projects[0])]}
        results, cycle = seeded.results_cycle, f"/cycles/{seeded.results_cycle}"
        proposal = f"/proposals/{seeded.funded_proposal}"
        pages: dict[str, tuple[Any, str, str, dict[str, Any] | None]] = {
            "A: /healthz": (visitor, "GET", "/healthz", None),
            "smallest page: /login": (visitor, "GET", "/login", None),
            "results": (visitor, "GET", f"/cycles/{results}/results", None),
            "proposal list": (visitor, "GET", cycle, None),
            "proposal": (visitor, "GET", proposal, None),
            "proposal list (resident)": (resident, "GET", cycle, None),
            "proposal (resident)": (resident, "GET", proposal, None),
            "ballot page (resident)": (resident, "GET", vote, None),
            "review (resident)": (resident, "POST", f"{vote}/review", review),
        }
        assert tuple(pages) == PAGES
        with app.app_context():
            engine = db.engine
        print(f"{'page':<28} {'CPU ms':>8} {'/ A':>6} {'queries':>8} {'bytes':>8}")
        base = None
        for name, (client, method, path, data) in pages.items():
            times = []
            for _ in range(ROUNDS):
                started = time.process_time()
                response = client.open(path, method=method, data=data, headers=HEADERS)
                times.append(time.process_time() - started)
                assert response.status_code == 200, f"{name}: {response.status_code}"
            with _statements(engine) as seen:
                client.open(path, method=method, data=data, headers=HEADERS)
            if args.queries:
                for statement in seen:
                    print("    " + " ".join(statement.split())[:160])
            median = statistics.median(times[10:]) * 1000
            base = base or median
            print(
                f"{name:<28} {median:>8.2f} {median / base:>6.1f} {len(seen):>8} "
                f"{len(response.data):>8}"
            )
        for name in args.profile:
            from pyinstrument import Profiler

            client, method, path, data = pages[name]
            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(100):
                client.open(path, method=method, data=data, headers=HEADERS)
            profiler.stop()
            print(f"\n{name}: 100 requests")
            print(profiler.output_text(unicode=True, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
