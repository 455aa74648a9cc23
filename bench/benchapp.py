"""The product's app plus one bench-only route, for gunicorn: ``gunicorn bench.benchapp:app``.

``POST /_bench/write`` is baseline B: one row written into the bench-only table ``bench_writes``
(made by :func:`bench.seed.migrate`) in one transaction, through the app's own session and engine,
with no template. It exists only in this module; the product has no such route.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import insert

from microprojects import create_app
from microprojects.extensions import csrf, db

from .seed import bench_writes


def bench_app() -> Flask:
    application = create_app()

    @application.post("/_bench/write")
    @csrf.exempt
    def bench_write() -> dict[str, str]:
        db.session.execute(insert(bench_writes).values(note="bench"))
        db.session.commit()
        return {"status": "ok"}

    return application


app = bench_app()
