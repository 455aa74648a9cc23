"""微实事: a participatory-budgeting platform for the micro-projects of a city's communities.

``create_app`` builds the app as a list of steps: configuration, the proxies it trusts,
extensions, the web layer (blueprints, error pages, template helpers), command-line commands
and response headers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, web
from .config import Config, config_from_environment, normalize_database_url
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .standby import binds_for
from .web import auth, i18n


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    if config is None:
        app.config.from_object(config_from_environment(app.instance_path))
    elif isinstance(config, Mapping):
        app.config.from_object(Config(app.instance_path))
        app.config.update(config)
    else:
        app.config.from_object(config)
    _ensure_instance_folder(app)
    register_proxies(app)
    register_extensions(app)
    register_web(app)
    register_commands(app)
    register_security_headers(app)
    return app


def _ensure_instance_folder(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and ":memory:" not in uri:
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def register_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, the client's address and scheme are the ones the last
    of them forwarded (X-Forwarded-For, X-Forwarded-Proto): the address every rate limit counts.
    The proxy sets Host itself; X-Forwarded-Host, which a client could pass through, is ignored."""
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )


def register_extensions(app: Flask) -> None:
    read_url = normalize_database_url(app.config.get("DATABASE_READ_URL") or "")
    app.config["SQLALCHEMY_BINDS"] = {
        **app.config.get("SQLALCHEMY_BINDS", {}),
        **binds_for(read_url),
    }
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=_translations_dir(),
    )
    login_manager.init_app(app)
    auth.configure_login(login_manager)


def _migrations_dir() -> str:
    return str(Path(__file__).resolve().parent / "migrations")


def _translations_dir() -> str:
    return str(Path(__file__).resolve().parent / "translations")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite: enforce foreign keys, let readers and a writer work at once, wait on a busy lock.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # What is deleted is overwritten (whatever the build's default): a mixed sealed ballot
        # or a scrubbed paper entry leaves nothing behind in the file's free space.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def register_web(app: Flask) -> None:
    web.register(app)


def register_commands(app: Flask) -> None:
    cli.register(app)


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
