"""Flask extensions, created here unbound and bound to the app in ``create_app``."""

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def rate_limit(value: Any, **options: Any) -> Callable[[Any], Any]:
    """``limiter.limit(value, **options)``, the one way a view gets a rate limit here; it marks
    the view, so that every other request skips the limiter (see :func:`_unlimited`)."""

    def decorate(view: Any) -> Any:
        limited = limiter.limit(value, **options)(view)
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
