"""The web layer: blueprints (``views/``), forms, the words for codes (``messages``), the count
in words (``explain``), Markdown (``text``), the language of a page (``i18n``) and the login
cookie (``auth``). It calls services and renders; it holds no query and no commit. Nothing in
``services``, ``models`` or ``domain`` imports it."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Blueprints, error pages, template helpers, and the words of messages sent out."""
    # Imported here, not at the top: the blueprint ``views.auth`` would shadow this package's
    # ``auth`` module (the login cookie) as an attribute of the package.
    from . import reads, static_files
    from .notice_words import message_words
    from .views import (
        acceptance,
        account,
        admin,
        api,
        auth,
        committee,
        contracts,
        errors,
        grid,
        helpers,
        implementation,
        meetings,
        notices,
        offers,
        overview,
        packages,
        printed,
        proposals,
        public,
        results,
        roster_upkeep,
        shortlist,
        stations,
        voting,
        wishes,
    )

    for module in (
        public,
        auth,
        account,
        committee,
        admin,
        proposals,
        voting,
        results,
        implementation,
        api,
        overview,
        printed,
        grid,
        notices,
        stations,
        roster_upkeep,
        meetings,
        shortlist,
        wishes,
        acceptance,
        offers,
        contracts,
        packages,
    ):
        app.register_blueprint(module.bp)
    errors.register(app)
    helpers.register(app)
    reads.register(app)
    static_files.register(app)
    app.extensions["message_words"] = message_words
