"""What every view needs: the current actor, permission decorators, safe redirects, and the
helpers templates use."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_babel import format_datetime, get_locale
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..domain.codes import format_code
from ..domain.permissions import Action, Actor, can
from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..messages import (
    AUDIT_ACTIONS,
    BASIS_LABELS,
    BASIS_SHORT,
    METHOD_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    service_message,
)
from ..models import Community, Street, utcnow
from ..services.accounts import actor_for
from ..services.errors import ServiceError

F = TypeVar("F", bound=Callable[..., Any])


def now() -> datetime:
    return utcnow()


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor = actor_for(current_user if current_user.is_authenticated else None)
    actor: Actor = g.actor
    return actor


def community_choices() -> list[SelectChoice]:
    """Every community, for a select box, grouped by street in name order."""
    rows = db.session.scalars(select(Community).join(Street).order_by(Street.name, Community.name))
    return [SelectChoice(c.id, f"{c.street.name} · {c.name}") for c in rows]  # type: ignore[arg-type]


def community_or_404(slug: str) -> Community:
    community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None:
        abort(404)
    return community


def _deny() -> Any:
    if not current_user.is_authenticated:
        from ..extensions import login_manager

        return login_manager.unauthorized()
    abort(403)


def committee_required(action: Action) -> Callable[[F], F]:
    """For routes with a ``<slug>``: the view gets ``community``; others get 403 (or the login
    page when anonymous)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(slug: str, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _deny()
            community = community_or_404(slug)
            if not can(current_actor(), action, community.id):
                return _deny()
            return view(community=community, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def permission_required(action: Action) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            if not can(current_actor(), action):
                return _deny()
            return view(**kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_next(default_endpoint: str, **values: Any) -> Any:
    target = request.form.get("next") or request.args.get("next")
    if is_safe_next(target):
        return redirect(target)  # type: ignore[arg-type]
    return redirect(url_for(default_endpoint, **values))


def flash_error(error: ServiceError) -> None:
    flash(service_message(error.code, error.params), "error")


def local_time(value: datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def json_text(value: Any) -> str:
    """A record's before/after as readable JSON (Chinese kept as is; Jinja escapes it)."""
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _locale_code() -> str:
    """Our name of the page's language (Babel spells zh_CN as zh_Hans_CN)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def register(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["code"] = format_code
    app.jinja_env.filters["json_text"] = json_text
    # Labels are globals, so that imported macros see them too.
    app.jinja_env.globals.update(
        role_labels=ROLE_LABELS,
        basis_labels=BASIS_LABELS,
        basis_short=BASIS_SHORT,
        status_labels=STATUS_LABELS,
        method_labels=METHOD_LABELS,
        audit_actions=AUDIT_ACTIONS,
    )

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "actor": current_actor(),
            "can": lambda action, community_id=None: can(current_actor(), action, community_id),
            "Action": Action,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_locale": _locale_code(),
            "is_safe_next": is_safe_next,
        }
