"""Flask extensions, created here unbound and bound to the app in ``create_app``.

Rate limits: a request to a view that has none skips the limiter altogether (``_unlimited``),
which knows a limited view by the mark :func:`rate_limit` sets on it. A limit set any other way
would leave its view unmarked, and so be skipped without a word: ``limiter.limit`` and
``limiter.shared_limit`` therefore raise (when the module holding the view is imported, at the
latest when the app is made), and so do limits the limiter would apply to every view, from the
configuration (``RATELIMIT_DEFAULT``, ``RATELIMIT_APPLICATION``, ``RATELIMIT_META``), when the
app is made. ``rate_limit`` refuses a blueprint (its views would not be marked). It sits below
the route decorator: the limit is checked when the function it wraps runs, and above the route
that function would not be the view.
"""

from collections.abc import Callable
from typing import Any, NoReturn

from flask import Blueprint, Flask, current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .standby import RoutingSession

# Named constraints, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The session sends the reads of public pages to a hot standby, when there is one (standby.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# Configuration that would give every view a limit, which the views without a mark would skip.
LIMITS_FOR_EVERY_VIEW = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


class ViewLimiter(Limiter):
    """Flask-Limiter with its own ways of setting a limit closed: use :func:`rate_limit`."""

    def limit(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "limiter.limit would be skipped: requests to a view without the mark of rate_limit "
            "skip the limiter. Use microprojects.extensions.rate_limit."
        )

    def shared_limit(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "limiter.shared_limit would be skipped: requests to a view without the mark of "
            "rate_limit skip the limiter. Use microprojects.extensions.rate_limit."
        )

    def init_app(self, app: Flask) -> None:
        given = [name for name in LIMITS_FOR_EVERY_VIEW if app.config.get(name)]
        if given:
            raise RuntimeError(
                f"{', '.join(given)}: limits for every view would be skipped by the views "
                "without a limit of their own; give each view its limit with rate_limit."
            )
        super().init_app(app)


limiter = ViewLimiter(key_func=get_remote_address)


def rate_limit(value: Any, **options: Any) -> Callable[[Any], Any]:
    """``limiter.limit(value, **options)``, the one way a view gets a rate limit here; it marks
    the view, so that every other request skips the limiter (see :func:`_unlimited`)."""

    def decorate(view: Any) -> Any:
        if isinstance(view, Blueprint) or not callable(view):
            raise TypeError(f"rate_limit limits a view function, not {view!r}")
        limited = Limiter.limit(limiter, value, **options)(view)
        limited.rate_limited = True
        return limited

    return decorate


@limiter.request_filter
def _unlimited() -> bool:
    # Flask-Limiter looks up the limits of every request's view before it runs; with no default
    # or application limits, a view without its own has none, and the look-up cost about a
    # tenth of a millisecond of every page and form. Decorators outside ``rate_limit`` copy
    # the mark (functools.wraps).
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "rate_limited", False)
