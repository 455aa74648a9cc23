"""Which requests read from the hot standby, when there is one (``DATABASE_READ_URL``).

Only GET and HEAD requests of the public pages that read and show, named one by one in
``STANDBY_PAGES``: lists and pages of cycles, proposals and results, the open data and its API,
the offers' menu. Never a login, a ballot, a review, an account or a committee page, nor a
form's answer: these read from the primary, as does everyone for ``JUST_ACTED_SECONDS`` after a
request of theirs that could change something (any other method than GET and HEAD), so that
they see what they just did though the standby lags behind. The moment is kept in the session
cookie, which the app signs. The session sends the reads of a marked request to the standby and
its writes to the primary (``microprojects.standby``).
"""

from __future__ import annotations

import time

from flask import Flask, request, session

from ..standby import read_from_standby

STANDBY_PAGES = frozenset(
    {
        "public.index",
        "public.communities",
        "public.community",
        "proposals.cycles",
        "proposals.cycle",
        "proposals.detail",
        "shortlist.page",
        "packages.public",
        "results.cycle_results",
        "results.counted_ballots",
        "results.results_table",
        "voting.public_turnout",
        "voting.published_ballots",
        "overview.index",
        "overview.open_data",
        "overview.download",
        "meetings.public",
        "offers.menu",
        "offers.detail",
        "api.index",
        "api.openapi",
        "api.cycles",
        "api.cycles_csv",
        "api.cycle",
        "api.cycle_results",
        "api.cycle_results_csv",
        "api.projects",
        "api.projects_csv",
        "api.project",
    }
)
JUST_ACTED_SECONDS = 60
ACTED_AT = "acted_at"  # in the session: when this browser last sent a form (Unix time)


def register(app: Flask) -> None:
    """Without a standby, nothing: every request reads from the one database."""
    if not app.config.get("DATABASE_READ_URL"):
        return

    @app.before_request
    def choose_database() -> None:
        if request.method not in ("GET", "HEAD"):
            session[ACTED_AT] = int(time.time())
        elif request.endpoint in STANDBY_PAGES and not just_acted():
            read_from_standby()


def just_acted() -> bool:
    acted_at = session.get(ACTED_AT)
    return isinstance(acted_at, int) and time.time() - acted_at < JUST_ACTED_SECONDS
