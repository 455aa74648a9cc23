"""What every view needs: the current actor, permission decorators, safe redirects, and the
helpers templates use."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.local import LocalProxy
from wtforms.fields.choices import SelectChoice

from ...domain.codes import format_code
from ...domain.lifecycle import ProposalAction, ProposalState
from ...domain.money import format_yuan
from ...domain.permissions import Action, Actor, can
from ...domain.phases import Phase
from ...extensions import login_manager
from ...models import Community, Cycle, OfferPhoto, utcnow
from ...services import photos, places
from ...services.accounts import actor_for
from ...services.cycles import find_cycle
from ...services.errors import PermissionDenied, ServiceError
from ...services.notifications import unread_count
from ..explain import RULE_NAMES, RULE_TEXTS, TIE_BREAK_TEXTS
from ..i18n import LANGUAGE_NAMES
from ..messages import (
    AUDIT_ACTIONS,
    BALLOT_KIND_LABELS,
    BASIS_LABELS,
    BASIS_SHORT,
    FEASIBILITY_LABELS,
    METHOD_LABELS,
    NOTICE_LABELS,
    PAPER_STATUS_LABELS,
    PHASE_LABELS,
    PROJECT_TYPE_LABELS,
    ROLE_LABELS,
    SHORTLIST_MISSING_LABELS,
    SHORTLIST_STATUS_LABELS,
    STANCE_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
    WISH_STATUS_LABELS,
    ballot_problem,
    service_message,
)
from ..text import plain_excerpt, render_markdown

F = TypeVar("F", bound=Callable[..., Any])

COMMITTEE_PROPOSAL_ACTIONS = frozenset(
    {
        ProposalAction.RETURN,
        ProposalAction.APPROVE,
        ProposalAction.REJECT,
        ProposalAction.MERGE,
        ProposalAction.ASSESS,
        ProposalAction.REVISE,
    }
)


def now() -> datetime:
    return utcnow()


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(local: datetime | None) -> datetime:
    """A time typed in a form (local, naive) as stored (UTC, naive)."""
    assert local is not None
    return local.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    """A stored time (UTC, naive) as a form shows it (local, naive)."""
    return value.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor = actor_for(current_user if current_user.is_authenticated else None)
    actor: Actor = g.actor
    return actor


def community_choices() -> list[SelectChoice]:
    """Every community, for a select box, grouped by street in name order."""
    return [
        SelectChoice(c.id, f"{c.street.name} · {c.name}")  # type: ignore[arg-type]
        for c in places.list_communities()
    ]


def cycle_or_404(cycle_id: int) -> Cycle:
    found = find_cycle(cycle_id)
    if found is None:
        abort(404)
    return found


def community_cycle_or_404(community: Community, cycle_id: int) -> Cycle:
    """A cycle in which ``community`` takes part (its own or its street's), else 404."""
    found = find_cycle(cycle_id)
    if found is None or community.id not in found.community_ids:
        abort(404)
    return found


def community_or_404(slug: str) -> Community:
    community = places.find_community(slug)
    if community is None:
        abort(404)
    return community


def _deny() -> ResponseReturnValue:
    if not current_user.is_authenticated:
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


def redirect_next(default_endpoint: str, **values: Any) -> ResponseReturnValue:
    target = request.form.get("next") or request.args.get("next")
    if is_safe_next(target):
        return redirect(target)  # type: ignore[arg-type]
    return redirect(url_for(default_endpoint, **values))


def flash_error(error: ServiceError) -> None:
    """Tell the visitor why a use case refused. A refusal for lack of permission is no message
    but the 403 page: it is raised again, for the app's error handler."""
    if isinstance(error, PermissionDenied):
        raise error
    problems = getattr(error, "problems", None)
    if problems:  # an invalid ballot: each problem in words
        for problem in problems:
            flash(ballot_problem(problem.code, dict(problem.params)), "error")
        return
    flash(service_message(error.code, error.params), "error")


def attempt(call: Callable[[], object], success: str) -> bool:
    """Run a use case; flash ``success``, or why it was refused. True when it went through."""
    try:
        call()
    except ServiceError as error:
        flash_error(error)
        return False
    flash(success, "success")
    return True


def local_time(value: datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def _unread_notices() -> int:
    if not current_user.is_authenticated:
        return 0
    return unread_count(current_user)


def json_text(value: Any) -> str:
    """A record's before/after as readable JSON (Chinese kept as is; Jinja escapes it)."""
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    return gettext("%(amount)s yuan", amount=format_yuan(fen))


def markdown(text: str) -> Markup:
    return Markup(render_markdown(text or ""))  # noqa: S704 (sanitized by nh3 in render_markdown)


def excerpt(text: str, length: int = 120) -> str:
    return plain_excerpt(text or "", length)


def _locale_code() -> str:
    """Our name of the page's language (Babel spells zh_CN as zh_Hans_CN)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def register(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["code"] = format_code
    app.jinja_env.filters["json_text"] = json_text
    app.jinja_env.filters["yuan"] = yuan
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["excerpt"] = excerpt
    # Labels are globals, so that imported macros see them too.
    app.jinja_env.globals.update(
        role_labels=ROLE_LABELS,
        basis_labels=BASIS_LABELS,
        basis_short=BASIS_SHORT,
        status_labels=STATUS_LABELS,
        method_labels=METHOD_LABELS,
        audit_actions=AUDIT_ACTIONS,
        phase_labels=PHASE_LABELS,
        phase_order=[p.value for p in Phase],
        state_labels=STATE_LABELS,
        project_type_labels=PROJECT_TYPE_LABELS,
        stance_labels=STANCE_LABELS,
        feasibility_labels=FEASIBILITY_LABELS,
        notice_labels=NOTICE_LABELS,
        ballot_kind_labels=BALLOT_KIND_LABELS,
        paper_status_labels=PAPER_STATUS_LABELS,
        rule_names=RULE_NAMES,
        rule_texts=RULE_TEXTS,
        tie_break_texts=TIE_BREAK_TEXTS,
        service_message=service_message,
        public_states=[s.value for s in ProposalState if s.value != "draft"],
        ProposalAction=ProposalAction,
        committee_actions=COMMITTEE_PROPOSAL_ACTIONS,
        shortlist_status_labels=SHORTLIST_STATUS_LABELS,
        shortlist_missing_labels=SHORTLIST_MISSING_LABELS,
        wish_labels=WISH_STATUS_LABELS,
        photo_url=photo_url,
        photo_srcset=photo_srcset,
    )

    @app.context_processor
    def inject() -> dict[str, Any]:
        # The actor and the unread count are read when a page uses them, not for every page.
        return {
            "actor": LocalProxy(current_actor),
            "can": lambda action, community_id=None: can(current_actor(), action, community_id),
            "Action": Action,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_locale": _locale_code(),
            "is_safe_next": is_safe_next,
            "unread_notices": LocalProxy(_unread_notices),
        }


def photo_url(photo: Any, width: int | None = None) -> str:
    """The address of a kept photo (of a proposal, a progress update or an offer), or of its
    variant ``width`` pixels wide when the photo is wider than that."""
    if width is not None and width not in photos.variant_widths(photo.width):
        width = None
    if isinstance(photo, OfferPhoto):
        if width is None:
            return url_for("offers.photo", offer_id=photo.offer_id, photo_id=photo.id)
        return url_for(
            "offers.photo_variant", offer_id=photo.offer_id, photo_id=photo.id, width=width
        )
    name = photo.filename if width is None else photos.variant_name(photo.filename, width)
    return url_for("proposals.media", name=name)


def photo_srcset(photo: Any) -> str:
    """``srcset`` of a kept photo: its narrower variants and itself, each with its width."""
    widths = [*photos.variant_widths(photo.width), None]
    return ", ".join(f"{photo_url(photo, w)} {w or photo.width}w" for w in widths)
