"""Pages kept for visitors: a public page as anonymous visitors see it, rendered once and served
again from this process's memory while nothing it shows has changed.

A page is kept under a key that holds everything it shows: the view's version of its data (the
content version every public write raises, or the results' own), the language, the device's
elder mode and the address with its query. It is kept only when the answer is the same for every
visitor: a GET by nobody logged in, with no message waiting to be shown, a page that carries no
form token and a session that was not changed. An entry may also end at a moment (when the
cycle's phase changes, at the latest a minute after it was made), so that what depends on the
time alone (a phase, a deadline) is never stale by more than that.

Parts of pages (:func:`part`) are kept the same way for everyone, logged in or not: what is the
viewer's own is made around them.

The store is per process, the most recently used :data:`MAX_PAGES` kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from .device import elder_device

MAX_PAGES: Final = 512
LONGEST: Final = timedelta(minutes=1)

Key = tuple[object, ...]


def _store() -> OrderedDict[Key, tuple[str, datetime | None]]:
    store: OrderedDict[Key, tuple[str, datetime | None]] = current_app.extensions.setdefault(
        "kept_pages", OrderedDict()
    )
    return store


def for_visitor() -> bool:
    """Whether this request may be answered with a kept page, and its answer kept."""
    return (
        request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def key_of(*version: object, elder: bool | None = None) -> Key:
    """The key of this request's page: the view's ``version`` of what it shows, the language,
    the elder mode (a visitor's: the device's) and the address."""
    shown = elder_device() if elder is None else elder
    return (*version, str(get_locale()), shown, request.full_path)


def serve(
    key: Key | None, render: Callable[[], tuple[str, datetime | None]], *, now: datetime
) -> str:
    """The page kept under ``key`` if there is one and it has not expired at ``now``; else the
    page ``render`` makes, with the moment it expires (None: never by the time alone), kept
    under ``key`` (None: not kept) if it is the same for every visitor."""
    store = _store()
    if key is not None:
        found = store.get(key)
        if found is not None:
            page, expires = found
            if expires is None or now < expires:
                store.move_to_end(key)
                return page
            del store[key]
    page, expires = render()
    if key is not None and "csrf_token" not in page and not session.modified:
        store[key] = (page, expires)
        while len(store) > MAX_PAGES:
            store.popitem(last=False)
    return page


def part(
    key: Key | None, render: Callable[[], str], *, now: datetime, until: datetime | None
) -> Markup:
    """A part of a page that is the same for every viewer (logged in or not) who asks the same
    address in the same language and elder mode: kept under ``key`` (None: not kept) until
    ``until``, as long as it holds no form token. The rest of the page, what is the viewer's
    own, is made for each request around it."""
    store = _store()
    if key is not None:
        found = store.get(key)
        if found is not None and (found[1] is None or now < found[1]):
            store.move_to_end(key)
            return Markup(found[0])  # noqa: S704 (a kept rendering: escaped by Jinja)
    made = render()
    if key is not None and "csrf_token" not in made:
        store[key] = (made, until)
        while len(store) > MAX_PAGES:
            store.popitem(last=False)
    return Markup(made)  # noqa: S704 (a rendered template: escaped by Jinja)


def within_a_minute(now: datetime, change: datetime | None) -> datetime:
    """When a page made at ``now`` expires: at the next ``change`` of what it shows by the
    time alone, at the latest a minute later."""
    latest = now + LONGEST
    return latest if change is None else min(change, latest)
